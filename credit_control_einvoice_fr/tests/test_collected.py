from datetime import date

from odoo import Command
from odoo.tests import tagged

from .common import CollectedCommon


@tagged("post_install", "-at_install")
class TestCollected(CollectedCommon):
    """212 Collected: one message per payment of an invoice whose VAT is due
    on receipt, the amount per rate; never for a write-off."""

    def test_one_message_per_payment_with_the_amount_per_rate(self):
        self.assertEqual(self.services.amount_total, 1750.0)
        self._pay(self.services, amount=875.0, payment_date=date(2026, 2, 1))
        first = self._collected()
        self.assertRecordValues(first, [{"direction": "out", "state": "exported", "amount": 875.0}])
        self.assertEqual(self._amounts_per_rate(first), {10.0: 275.0, 20.0: 600.0})
        self.assertEqual(first.attachment_id.res_model, "account.move")
        self.assertEqual(first.attachment_id.res_id, self.services.id)
        self._pay(self.services, amount=875.0, payment_date=date(2026, 2, 3))
        statuses = self._collected()
        self.assertEqual(len(statuses), 2)
        self.assertNotEqual(statuses[0].payment_move_id, statuses[1].payment_move_id)
        self.assertEqual(self._amounts_per_rate(statuses[1]), {10.0: 275.0, 20.0: 600.0})
        # undoing the reconciliation of a payment whose 212 left reports a
        # corrective 212 of the negative amount; redoing it reports it again
        payment = statuses[1].payment_move_id
        payment_line = payment.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        payment_line.remove_move_reconcile()
        corrective = self._collected()[2:]
        self.assertRecordValues(corrective, [{"amount": -875.0, "payment_move_id": payment.id, "state": "exported"}])
        self.assertEqual(self._amounts_per_rate(corrective), {10.0: -275.0, 20.0: -600.0})
        self.assertIn("was undone", self.services.message_ids[0].body)
        receivable = self.services.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        (payment_line | receivable).reconcile()
        self.assertEqual(self._collected().mapped("amount"), [875.0, 875.0, -875.0, 875.0])

    def test_no_message_for_a_write_off(self):
        receivable = self.services.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        loss = self.env["account.move"].create({
            "move_type": "entry",
            "date": date(2026, 6, 30),
            "ref": "Créance irrécouvrable",
            "line_ids": [
                Command.create({"account_id": receivable.account_id.id, "partner_id": self.customer.id,
                                "credit": 1750.0, "name": "Perte sur créance"}),
                Command.create({"account_id": self.company_data["default_account_expense"].id,
                                "debit": 1750.0, "name": "Perte sur créance"}),
            ],
        })
        loss.action_post()
        (receivable | loss.line_ids.filtered(lambda line: line.account_id == receivable.account_id)).reconcile()
        self.assertEqual(self.services.payment_state, "paid")
        self.assertFalse(self._collected())

    def test_a_payment_with_a_write_off_reports_the_cash_only(self):
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.services.ids,
        ).create({
            "payment_date": date(2026, 2, 1),
            "amount": 1400.0,
            "payment_difference_handling": "reconcile",
            "writeoff_account_id": self.company_data["default_account_expense"].id,
            "writeoff_label": "Escompte",
        })
        wizard._create_payments()
        self.assertEqual(self.services.payment_state, "paid")
        status = self._collected()
        self.assertEqual(status.amount, 1400.0)
        self.assertEqual(self._amounts_per_rate(status), {10.0: 440.0, 20.0: 960.0})

    def test_invoices_without_vat_on_receipt_and_companies_not_reporting(self):
        self._pay(self.invoice)
        self.assertFalse(self._collected(self.invoice))
        self.company.credit_einvoice_report_collected = False
        self._pay(self.services)
        self.assertFalse(self._collected())

    def test_a_message_that_cannot_be_made_keeps_the_payment(self):
        self.customer.company_registry = False
        self._pay(self.services)
        self.assertEqual(self.services.payment_state in ("paid", "in_payment"), True)
        self.assertRecordValues(self._collected(), [{"state": "error", "attachment_id": False}])
        self.assertIn("SIREN", self._collected().error)

    def test_a_payment_reset_to_draft_is_corrected_and_no_longer_shown_as_collected(self):
        self._pay(self.services, payment_date=date(2026, 2, 1))
        collected = self._collected()
        Status = self.env["credit.control.einvoice.status"]
        self.assertEqual(Status._credit_latest_for_customer(self.services), {self.services.id: collected})
        collected.payment_move_id.origin_payment_id.action_draft()
        corrective = self._collected() - collected
        self.assertRecordValues(corrective, [{"amount": -1750.0, "state": "exported"}])
        self.assertEqual(self._amounts_per_rate(corrective), {10.0: -550.0, 20.0: -1200.0})
        # the customer is not shown an invoice collected that is not
        self.assertEqual(Status._credit_latest_for_customer(self.services), {})
