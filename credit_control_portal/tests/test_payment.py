import json
import re
from datetime import date

from odoo import fields
from odoo.tests import tagged

from .common import CreditPortalCommon


@tagged("post_install", "-at_install")
class TestOnlinePayment(CreditPortalCommon):
    """Paying from the statement with Stripe (localstripe): the payment is
    reconciled with exactly the chosen invoices, oldest due date first; the
    amount and the selection cannot be changed in the browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card_token = cls._saved_card(cls.customer)

    def _payment_page(self, data, token):
        response = self._post("pay", data, token)
        return response, dict(re.findall(r'data-(access-token|amount|transaction-route)="([^"]*)"', response.text))

    def _transaction(self, page, amount=None, card=None, dossier=None, **extra):
        """What the payment form of ``page`` posts when the customer pays
        with a saved card; returns the JSON-RPC answer."""
        dossier = dossier or self.dossier
        params = {
            "provider_id": self.provider.id,
            "payment_method_id": None,
            "token_id": (card or self.card_token).id,
            "amount": float(page["amount"]) if amount is None else amount,
            "flow": "token",
            "tokenization_requested": False,
            "landing_route": f"/my/credit/{dossier.id}",
            "is_validation": False,
            "access_token": page["access-token"],
            **extra,
        }
        response = self.url_open(
            f"/my/credit/{dossier.id}/transaction",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def _transactions(self):
        return self.env["payment.transaction"].search([("credit_dossier_id", "=", self.dossier.id)])

    def _assert_refused(self, answer, message):
        self.assertIn("error", answer)
        self.assertIn(message, answer["error"]["data"]["message"])
        self.assertFalse(self._transactions())

    def test_pay_two_invoices_with_a_saved_card(self):
        promise = self.Promise._credit_create_promise(self.dossier, self.invoices, fields.Date.today())
        token = self._new_token()
        response, page = self._payment_page({"move_ids": self.invoices.ids}, token)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(float(page["amount"]), 1500.0)
        self.assertEqual(page["transaction-route"], f"/my/credit/{self.dossier.id}/transaction")
        self.assertIn("o_payment_form", response.text)

        answer = self._transaction(page)
        self.assertNotIn("error", answer, answer)
        tx = self._transactions()
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.amount, 1500.0)
        self.assertEqual(tx.invoice_ids, self.invoices)
        self.assertTrue(tx.provider_reference.startswith("pi_"))
        tx._post_process()  # what the payment status page does next

        self.assertTrue(set(self.invoices.mapped("payment_state")) <= {"in_payment", "paid"})
        self.assertTrue(all(self.invoices.mapped(lambda m: m.currency_id.is_zero(m.amount_residual))))
        payment = tx.payment_id
        self.assertEqual(payment.partner_id, self.customer)
        self.assertEqual(payment.amount, 1500.0)
        self.assertIn(payment.state, ("in_process", "paid"))
        self.assertEqual(
            payment.move_id.line_ids.matched_debit_ids.debit_move_id.move_id, self.invoices,
            "the payment is reconciled with exactly the chosen invoices",
        )
        self.assertEqual(promise.state, "kept", "the promise is kept and the reminders stop")
        message = self.dossier.message_ids[:1]
        self.assertIn("Paid online from the portal", message.body)
        self.assertIn(self.collector_a.partner_id, message.partner_ids)

    def test_part_payment_goes_to_the_oldest_due_date(self):
        _response, page = self._payment_page({"move_ids": self.invoices.ids, "amount": "1 200,00"}, self._new_token())
        self.assertEqual(float(page["amount"]), 1200.0)
        self.assertNotIn("error", self._transaction(page))
        self._transactions()._post_process()
        self.assertTrue(self.invoice_1.currency_id.is_zero(self.invoice_1.amount_residual))
        self.assertAlmostEqual(self.invoice_2.amount_residual, 300.0)

    def test_pay_everything_overdue(self):
        not_due = self._create_invoices([{
            "partner": self.customer, "amount": 250.0, "date": fields.Date.today(),
            "due": fields.Date.add(fields.Date.today(), days=30),
        }])
        self.authenticate("claire", "claire")
        card = self._saved_card(self.contact)
        _response, page = self._payment_page({"scope": "overdue"}, None)
        self.assertEqual(float(page["amount"]), 1500.0)
        self.assertNotIn("error", self._transaction(page, card=card))
        tx = self._transactions()
        self.assertEqual(tx.invoice_ids, self.invoices)
        self.assertEqual(tx.partner_id, self.contact, "the contact who paid")
        tx._post_process()
        self.assertEqual(tx.payment_id.partner_id, self.customer)
        self.assertEqual(not_due.amount_residual, 250.0)

    def test_amount_tampering_is_refused(self):
        _response, page = self._payment_page({"move_ids": self.invoices.ids}, self._new_token())
        for amount in (1.0, 1499.99, 1500.01, 3000.0, -1500.0):
            self._assert_refused(self._transaction(page, amount=amount), "not valid any more")
        forged = dict(page, **{"access-token": page["access-token"].replace(
            f"{self.invoice_1.id}-{self.invoice_2.id}", f"{self.invoice_1.id}")})
        self._assert_refused(self._transaction(forged, amount=1000.0), "not valid any more")
        # The currency comes from the signed invoices: the browser cannot send one.
        other_currency = self.setup_other_currency("EUR")
        self._assert_refused(self._transaction(page, currency_id=other_currency.id), "not whitelisted")
        # A payment prepared for one customer does not pay on another's dossier.
        self._assert_refused(self._transaction(page, dossier=self.other_dossier), "not valid any more")

    def test_invoices_paid_in_the_meantime(self):
        _response, page = self._payment_page({"move_ids": self.invoices.ids}, self._new_token())
        self._pay(self.invoice_1)
        self._assert_refused(self._transaction(page), "changed in the meantime")

    def test_payment_page_refusals(self):
        token = self._new_token()
        usd_invoice = self._create_invoices([{
            "partner": self.customer, "amount": 100.0, "date": date(2026, 1, 20), "due": date(2026, 2, 19),
            "currency": self.setup_other_currency("EUR"),
        }])
        cases = [
            ({"move_ids": self.invoices.ids, "amount": "1500.01"}, "at most"),
            ({"move_ids": self.invoices.ids, "amount": "abc"}, "at most"),
            ({"move_ids": self.invoices.ids, "amount": "0"}, "at most"),
            ({"move_ids": [self.invoice_1.id, self.other_invoice.id]}, "still to be paid"),
            ({"move_ids": [self.invoice_1.id, usd_invoice.id]}, "single currency"),
            ({}, "Select at least one invoice"),
        ]
        for data, error in cases:
            response, _page = self._payment_page(data, token)
            self.assertEqual(response.status_code, 400, data)
            self.assertIn(error, response.text)

    def test_declined_card(self):
        declined = self._saved_card(self.customer, number="4000000000000341")
        _response, page = self._payment_page({"move_ids": self.invoices.ids}, self._new_token())
        answer = self._transaction(page, card=declined)
        self.assertIn("error", answer)
        self.assertIn("declined", answer["error"]["data"]["message"].lower())
        self.assertEqual(self.invoices.mapped("amount_residual"), [1000.0, 500.0])
