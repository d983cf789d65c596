from datetime import date
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.credit_control_base.models.account_move import AccountMove

from .common import CreditControlCommon


@tagged("post_install", "-at_install")
class TestHooks(CreditControlCommon):
    """The extension points higher modules rely on are called when they
    should be, with the right records."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Client Crochet")
        cls.invoice = cls._create_invoice(cls.customer, 300.0, due=date(2026, 1, 31))

    def _calls(self):
        calls = []

        def record(moves):
            calls.append(moves)

        return calls, patch.object(AccountMove, "_credit_collection_changed", autospec=True, side_effect=record)

    def test_payment_and_unreconcile_notify(self):
        calls, patcher = self._calls()
        with patcher:
            payment = self._pay(self.invoice, amount=100.0)
        self.assertIn(self.invoice, calls[-1])
        calls.clear()
        with patcher:
            payment.move_id.line_ids.remove_move_reconcile()
        self.assertIn(self.invoice, calls[-1])

    def test_hold_notifies(self):
        calls, patcher = self._calls()
        with patcher:
            self.invoice.credit_hold = True
        self.assertEqual(calls, [self.invoice])

    def test_defaults_of_base(self):
        dossier = self._dossier(self.customer)
        self.assertEqual(
            dossier._credit_get_behaviour_facts(),
            {dossier.id: {"kept_promises": 0, "broken_promises": 0, "open_disputes": 0}},
        )
        self.assertEqual(self.env["account.move"]._credit_forecast_overrides(self.invoice), {})

    def test_call_outcome_is_logged(self):
        dossier = self._dossier(self.customer)
        dossier._credit_apply_call_outcome("no_answer", note="Messagerie pleine")
        self.assertIn("No answer", dossier.message_ids[0].body)
        self.assertIn("Messagerie pleine", dossier.message_ids[0].body)
        with self.assertRaises(ValidationError):
            dossier._credit_apply_call_outcome("promise")
