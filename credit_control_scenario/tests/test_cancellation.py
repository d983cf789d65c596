from datetime import date

from odoo.tests import tagged

from .common import ScenarioCommon


@tagged("post_install", "-at_install")
class TestCancellation(ScenarioCommon):
    """No threatening letter goes out once the situation changed: paid,
    excluded, or the customer moved to another plan."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Electricité Faure")
        cls.invoice = cls._create_invoice(cls.customer, 1000.0, due=date(2026, 3, 1))

    def _pending_notice(self):
        action = self._run(date(2026, 4, 20)).action_ids
        self.assertRecordValues(action, [{"step_id": self.step_notice.id, "state": "to_validate"}])
        return action

    def test_paid_in_between(self):
        action = self._pending_notice()
        self._pay(self.invoice, payment_date=date(2026, 4, 21))
        self.assertRecordValues(action, [{"state": "cancelled"}])
        self.assertTrue(action.line_ids.cancelled)
        self.assertIn("paid or excluded", action.failure_reason)

    def test_partly_paid_group_keeps_the_rest(self):
        other = self._create_invoice(self.customer, 500.0, due=date(2026, 3, 1))
        action = self._pending_notice()
        self.assertEqual(action.move_ids, self.invoice | other)
        self._pay(other, payment_date=date(2026, 4, 21))
        self.assertEqual(action.state, "to_validate")
        self.assertEqual(action.move_ids, self.invoice)

    def test_excluded_in_between(self):
        action = self._pending_notice()
        self.invoice.write({"credit_hold": True, "credit_hold_note": "Litige sur la livraison"})
        self.assertEqual(action.state, "cancelled")
        # lifted: the step may be planned again, under the plan then in force
        self.invoice.credit_hold = False
        again = self._run(date(2026, 4, 22)).action_ids
        self.assertRecordValues(again, [{"step_id": self.step_notice.id, "state": "to_validate"}])

    def test_recheck_at_send_time(self):
        action = self._pending_notice()
        # an exclusion nobody was told about (e.g. written by an import in SQL)
        self.env.cr.execute("UPDATE account_move SET credit_hold = TRUE WHERE id = %s", [self.invoice.id])
        self.env.invalidate_all()
        action.action_validate()
        self.assertRecordValues(action, [
            {"state": "cancelled", "letter_attachment_id": False, "penalty_move_id": False},
        ])

    def test_scenario_change_cancels_pending(self):
        action = self._pending_notice()
        other = self.scenario.copy({"name": "Autre"})
        self._dossier(self.customer).credit_scenario_id = other
        self.assertEqual(action.state, "cancelled")
        self.assertIn("scenario", action.failure_reason)

    def test_segment_change_cancels_pending(self):
        gentle = self.scenario.copy({"name": "Doux"})
        segment = self.env["credit.control.segment"].create({"name": "Public", "credit_scenario_id": gentle.id})
        action = self._pending_notice()
        self._dossier(self.customer).segment_id = segment
        self.assertEqual(action.state, "cancelled")
        # same scenario through another path: nothing to cancel
        action2 = self._run(date(2026, 4, 21)).action_ids
        self.assertEqual(action2.scenario_id, gentle)
        segment2 = self.env["credit.control.segment"].create({"name": "Public 2", "credit_scenario_id": gentle.id})
        self._dossier(self.customer).segment_id = segment2
        self.assertEqual(action2.state, "to_validate")
