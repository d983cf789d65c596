from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ScenarioCommon

INFO = "credit_control_base.group_credit_control_info"


@tagged("post_install", "-at_install")
class TestScenarioAccess(ScenarioCommon):
    """Reminders, their invoice lines, the effectiveness report and the
    letters follow the portfolio: a collector works their own customers and
    the unassigned ones, Credit Info reads those of their customers, an
    internal user without a credit role nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales_rep = cls._create_credit_user("sales_rep", INFO)
        cls.customer_a = cls._customer("Hotel Alpha")
        cls.customer_b = cls._customer("Hotel Bravo", user_id=cls.sales_rep.id)
        cls.invoice_a = cls._create_invoice(cls.customer_a, 900.0, due=date(2026, 3, 1))
        cls.invoice_b = cls._create_invoice(cls.customer_b, 400.0, due=date(2026, 3, 1))
        cls._dossier_of(cls.customer_a).collector_id = cls.collector_a
        cls._dossier_of(cls.customer_b).collector_id = cls.collector_b
        cls.plain_user = new_test_user(cls.env, login="plain_user", groups="base.group_user")

    @classmethod
    def _dossier_of(cls, partner):
        return cls.env["credit.control.dossier"].search([("partner_id", "=", partner.id)])

    def _reminders(self):
        self._run(date(2026, 3, 10))
        actions = self._actions(self.customer_a) | self._actions(self.customer_b)
        self.assertEqual(actions.partner_id, self.customer_a | self.customer_b)
        return actions

    def test_reminders_and_lines_follow_the_portfolio(self):
        actions = self._reminders()
        ours = actions.filtered(lambda a: a.partner_id == self.customer_a)
        theirs = actions - ours
        Action = self.env["credit.control.action"]
        Line = self.env["credit.control.action.line"]
        self.assertEqual(Action.with_user(self.collector_a).search([("id", "in", actions.ids)]).ids, ours.ids)
        self.assertEqual(Line.with_user(self.collector_a).search([("id", "in", actions.line_ids.ids)]).ids,
                         ours.line_ids.ids)
        self.assertEqual(Line.with_user(self.sales_rep).search([("id", "in", actions.line_ids.ids)]).ids,
                         theirs.line_ids.ids)
        with self.assertRaises(AccessError):
            theirs.line_ids.with_user(self.collector_a).read(["amount"])
        with self.assertRaises(AccessError):
            theirs.with_user(self.sales_rep).write({"user_id": self.sales_rep.id})
        for model in (Action, Line):
            with self.subTest(model=model._name), self.assertRaises(AccessError):
                model.with_user(self.plain_user).search([])
        # the reminders of an invoice are credit data too: Billing alone does not read them
        billing = new_test_user(self.env, login="billing_only", groups="base.group_user,account.group_account_invoice")
        self.assertEqual(self.invoice_a.with_user(self.collector_a).credit_action_count, len(ours.line_ids))
        with self.assertRaises(AccessError):
            self.invoice_a.with_user(billing).read(["credit_action_count"])
        self.assertTrue(self.invoice_a.with_user(billing).read(["name"]))

    def test_effectiveness_report_follows_the_portfolio(self):
        self._reminders()
        self._pay(self.invoice_a, payment_date=date(2026, 3, 15))
        self._pay(self.invoice_b, payment_date=date(2026, 3, 15))
        self.env.flush_all()
        Report = self.env["credit.control.effectiveness.report"]
        rows = Report.search([("move_id", "in", (self.invoice_a | self.invoice_b).ids)])
        self.assertEqual(rows.move_id, self.invoice_a | self.invoice_b)
        mine = Report.with_user(self.collector_a).search([("id", "in", rows.ids)])
        self.assertEqual(mine.with_user(self.env.user).move_id, self.invoice_a)
        groups = Report.with_user(self.collector_a)._read_group(
            [("id", "in", rows.ids)], [], ["invoice_count:sum"]
        )
        self.assertEqual(groups, [(len(mine),)])
        self.assertEqual(Report.with_user(self.credit_manager).search_count([("id", "in", rows.ids)]), len(rows))
        with self.assertRaises(AccessError):
            Report.with_user(self.sales_rep).search([])

    def test_letters_print_for_the_portfolio_only(self):
        actions = self._reminders()
        ours = actions.filtered(lambda a: a.partner_id == self.customer_a)[:1]
        theirs = actions.filtered(lambda a: a.partner_id == self.customer_b)[:1]
        report = "credit_control_scenario.credit_control_action_report_letter"
        Report = self.env["ir.actions.report"]
        html, _format = Report.with_user(self.collector_a)._render_qweb_html(report, ours.ids)
        self.assertIn("Hotel Alpha", html.decode())
        for user, actions in ((self.collector_a, theirs), (self.plain_user, ours)):
            with self.subTest(user=user.login), self.assertRaises(Exception) as caught:
                Report.with_user(user)._render_qweb_html(report, actions.ids)
            # QWeb wraps the error of the template in its own
            error = caught.exception
            self.assertIsInstance(error if isinstance(error, AccessError) else error.__cause__, AccessError)
