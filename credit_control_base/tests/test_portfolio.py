from datetime import date

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import CreditControlCommon


@tagged("post_install", "-at_install")
class TestPortfolio(CreditControlCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customers = cls.env["res.partner"].create([{"name": f"Client {i}", "is_company": True} for i in range(4)])
        cls._create_invoices([{"partner": c, "amount": 10.0, "due": date(2026, 1, 31)} for c in customers])
        cls.dossiers = cls.env["credit.control.dossier"].search([("partner_id", "in", customers.ids)])
        cls.dossiers[:3].collector_id = cls.collector_a

    def _wizard(self, **context):
        wizard = self.env["credit.control.portfolio.reassign"].with_user(self.credit_manager)
        return Form(wizard.with_context(**context))

    def test_move_whole_portfolio(self):
        with self._wizard() as form:
            form.from_collector_id = self.collector_a
            form.collector_id = self.collector_b
            self.assertEqual(form.dossier_count, 3)
        form.record.action_apply()
        self.assertEqual(self.dossiers[:3].collector_id, self.collector_b)
        self.assertFalse(self.dossiers[3].collector_id)

    def test_move_selected_dossiers_and_unassign(self):
        selected = self.dossiers[:2]
        with self._wizard(active_model="credit.control.dossier", active_ids=selected.ids) as form:
            self.assertEqual(form.dossier_count, 2)
        form.record.action_apply()
        self.assertFalse(selected.collector_id)
        self.assertEqual(self.dossiers[2].collector_id, self.collector_a)

    def test_nothing_selected_is_an_error(self):
        with self._wizard() as form:
            form.collector_id = self.collector_b
        with self.assertRaises(UserError):
            form.record.action_apply()

    def test_my_portfolio(self):
        action = self.env.ref("credit_control_base.credit_control_dossier_action_my")
        self.assertEqual(action.context, "{'search_default_my_portfolio': 1, 'search_default_overdue': 1}")
        mine = self.env["credit.control.dossier"].with_user(self.collector_a).search(
            [("collector_id", "=", self.collector_a.id)]
        )
        self.assertEqual(mine, self.dossiers[:3])
