from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import CreditDisputeCommon


@tagged("post_install", "-at_install")
class TestPriorityBoosts(CreditDisputeCommon):
    """On the worklist, a customer whose promise falls due (today or
    before, not kept yet) or whose dispute is past its target date comes
    before one who only owes the same."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the same debt as Boulangerie Martin's: 1 000 due 31 January, 500 due 14 February
        cls.twin = cls._create_customer("Boucherie Martin")
        cls._create_invoices([
            {"partner": cls.twin, "amount": 1000.0, "date": date(2026, 1, 1), "due": date(2026, 1, 31)},
            {"partner": cls.twin, "amount": 500.0, "date": date(2026, 1, 15), "due": date(2026, 2, 14)},
        ])
        cls.twin_dossier = cls._dossier(cls, cls.twin)

    def _priorities(self, day):
        with freeze_time(day):
            self.env["credit.control.dossier"]._cron_refresh_dossiers()
        self.env.invalidate_all()
        return self.dossier.credit_priority, self.twin_dossier.credit_priority

    def test_promise_due_or_late(self):
        with freeze_time("2026-03-01"):
            self.Promise._credit_create_promise(self.dossier, self.invoice_1, date(2026, 3, 5))
        base = 1000 * 31 + 500 * 17  # on 3 March: 31 and 17 days late
        self.assertEqual(self._priorities("2026-03-03"), (base, base), "a promise not due yet: no boost")
        mine, twin = self._priorities("2026-03-05")
        self.assertEqual(twin, 1000 * 33 + 500 * 19)
        self.assertEqual(mine, 2 * twin, "the promise falls due today")
        mine, twin = self._priorities("2026-03-07")
        self.assertGreater(mine, twin, "the promise is late")

    def test_dispute_past_target_date(self):
        with freeze_time("2026-03-01"):
            dispute = self.Dispute._credit_create_dispute(self.dossier, self.invoice_2, self.reason_quality)
            dispute.target_date = date(2026, 3, 10)
        mine, twin = self._priorities("2026-03-10")
        self.assertEqual(mine, twin, "not past its target date yet")
        mine, twin = self._priorities("2026-03-11")
        self.assertGreater(mine, twin)
        dispute.action_reject()
        mine, twin = self._priorities("2026-03-11")
        self.assertEqual(mine, twin, "a closed dispute no longer counts")

    def test_new_promise_refreshes_at_once(self):
        self._priorities("2026-03-05")
        with freeze_time("2026-03-05"):
            self.Promise._credit_create_promise(self.dossier, self.invoice_1, date(2026, 3, 5))
        self.env.invalidate_all()
        self.assertGreater(self.dossier.credit_priority, self.twin_dossier.credit_priority)


@tagged("post_install", "-at_install")
class TestBulkDispute(CreditDisputeCommon):
    """From the worklist, a collector opens a dispute on the overdue
    invoices of each selected customer of their portfolio, with a reason."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls._create_customer("Fromagerie Roux")
        cls._create_invoices([
            {"partner": cls.other, "amount": 300.0, "date": date(2026, 1, 1), "due": date(2026, 1, 31)},
            # not due yet on 1 March: not disputed
            {"partner": cls.other, "amount": 700.0, "date": date(2026, 2, 20), "due": date(2026, 3, 22)},
        ])
        cls.other_dossier = cls._dossier(cls, cls.other)
        cls.other_dossier.collector_id = cls.collector_a
        cls.binding = cls.env.ref("credit_control_dispute.credit_control_dispute_wizard_action")

    def _wizard(self, user, dossiers):
        return Form(self.env[self.binding.res_model].with_user(user).with_context(
            active_model="credit.control.dossier", active_ids=dossiers.ids,
        ))

    @freeze_time("2026-03-01")
    def test_one_dispute_per_customer(self):
        self.assertEqual(self.binding.binding_model_id.model, "credit.control.dossier")
        form = self._wizard(self.collector_a, self.dossier | self.other_dossier)
        form.reason_id = self.reason_quality
        form.note = "Livraisons abîmées"
        form.save().action_apply()
        disputes = self.Dispute.search([("dossier_id", "in", (self.dossier | self.other_dossier).ids)])
        self.assertEqual(len(disputes), 2)
        mine = disputes.filtered(lambda d: d.dossier_id == self.dossier)
        other = disputes - mine
        self.assertEqual(mine.move_ids, self.invoices)
        self.assertEqual(other.move_ids.mapped("amount_total"), [300.0])
        self.assertEqual(disputes.reason_id, self.reason_quality)
        self.assertEqual(disputes.mapped("origin"), ["dossier", "dossier"])
        self.assertEqual(disputes.user_id, self.collector_a)
        self.assertIn("Livraisons abîmées", mine.description)
        self.assertEqual(set(self._excluded(self.invoices).values()), {"In dispute"})

    @freeze_time("2026-03-01")
    def test_not_on_another_portfolio(self):
        self.other_dossier.collector_id = self.collector_b
        # as the web client would send them: ids the collector picked elsewhere
        wizard = self.env[self.binding.res_model].with_user(self.collector_a).create({
            "dossier_ids": [Command.set((self.dossier | self.other_dossier).ids)],
            "reason_id": self.reason_quality.id,
        })
        with self.assertRaises(AccessError):
            wizard.action_apply()
        self.assertFalse(self.Dispute.search([("dossier_id", "in", (self.dossier | self.other_dossier).ids)]))

    @freeze_time("2026-03-01")
    def test_nothing_overdue(self):
        with freeze_time("2026-01-15"):
            form = self._wizard(self.collector_a, self.dossier)
            form.reason_id = self.reason_quality
            with self.assertRaises(UserError):
                form.save().action_apply()


@tagged("post_install", "-at_install")
class TestWorklistToolbar(CreditDisputeCommon):
    """The worklist's Actions menu: the collector's bulk actions, the
    manager's reassignment, no deletion nor duplication."""

    def _toolbar(self, user, view_type="list"):
        action = self.env.ref("credit_control_base.credit_control_dossier_action_my")
        views = self.env["credit.control.dossier"].with_user(user).get_views(
            [(False, view_type)], {"toolbar": True, "action_id": action.id},
        )["views"][view_type]
        return {binding["id"] for binding in views.get("toolbar", {}).get("action", [])}

    def test_bulk_actions(self):
        collector_actions = [
            "credit_control_base.credit_control_hold_wizard_action",
            "credit_control_dispute.credit_control_dispute_wizard_action",
            # with the scenario module
            "credit_control_scenario.credit_control_dossier_action_remind_now",
            "credit_control_scenario.credit_control_dossier_action_schedule_call",
        ]
        reassign = self.env.ref("credit_control_base.credit_control_dossier_action_reassign")
        for view_type in ("list", "kanban"):
            with self.subTest(view_type=view_type):
                toolbar = self._toolbar(self.collector_a, view_type)
                for xmlid in collector_actions:
                    binding = self.env.ref(xmlid, raise_if_not_found=False)
                    if binding:
                        self.assertIn(binding.id, toolbar, xmlid)
                # moving portfolios is the credit manager's
                self.assertNotIn(reassign.id, toolbar)
                self.assertIn(reassign.id, self._toolbar(self.credit_manager, view_type))

    def test_one_bar_of_actions_on_the_form(self):
        # the statement buttons (base) and the promise, plan and dispute
        # buttons (this module) share one header, not two stacked bars
        arch = self.env["credit.control.dossier"].with_user(self.collector_a).get_views(
            [(False, "form")]
        )["views"]["form"]["arch"]
        headers = etree.fromstring(arch).findall(".//header")
        self.assertEqual(len(headers), 1)
        names = {button.get("name") for button in headers[0].iter("button")}
        self.assertLessEqual({"action_credit_statement_send", "action_new_promise", "action_new_dispute"}, names)
