from lxml import html

from odoo import fields
from odoo.tests import tagged

from .test_payment import TestOnlinePayment


@tagged("post_install", "-at_install")
class TestPaymentReceipt(TestOnlinePayment):
    """After paying online the customer lands on a confirmation saying what
    was paid and for which invoices, with a printable receipt; nobody else
    opens it."""

    def test_receipt_after_a_part_payment(self):
        token = self._new_token()
        _response, page = self._payment_page({"move_ids": self.invoices.ids, "amount": "1200"}, token)
        self.assertNotIn("error", self._transaction(page))
        tx = self._transactions()
        self.assertTrue(tx.landing_route.startswith(f"/my/credit/{self.dossier.id}/receipt?"), tx.landing_route)
        tx._post_process()  # what the payment status page does before sending the customer to the landing route

        response = self.url_open(tx.landing_route)
        self.assertEqual(response.status_code, 200)
        receipt = html.fromstring(response.text).xpath("//*[hasclass('o_credit_receipt')]")
        self.assertTrue(receipt, "a confirmation page")
        text = " ".join(receipt[0].text_content().split())
        self.assertIn(tx.reference, text)
        self.assertIn("1,200.00", text)
        self.assertIn(fields.Date.today().strftime("%m/%d/%Y"), text)
        for invoice in self.invoices:
            self.assertIn(invoice.name, text)
        # what is left after the payment, per invoice: the oldest due date paid first
        rows = {
            row.xpath(".//td[1]")[0].text_content().strip(): " ".join(row.text_content().split())
            for row in receipt[0].xpath(".//tr[hasclass('o_credit_receipt_invoice')]")
        }
        self.assertIn("300.00", rows[self.invoice_2.name])
        self.assertTrue(receipt[0].xpath(".//*[hasclass('o_credit_receipt_print')]"), "a print button")

        # the statement link is not needed to open it: the transaction's own token is
        self.authenticate(None, None)
        self.assertEqual(self.url_open(tx.landing_route).status_code, 200)
        forged = tx.landing_route.replace("tx_token=", "tx_token=x")
        self.assertEqual(self.url_open(forged).status_code, 404)
        other = tx.landing_route.replace(f"/my/credit/{self.dossier.id}/", f"/my/credit/{self.other_dossier.id}/")
        self.assertEqual(self.url_open(other).status_code, 404)
        self.assertEqual(self.url_open(f"/my/credit/{self.dossier.id}/receipt?tx_id={tx.id}").status_code, 404)


@tagged("post_install", "-at_install")
class TestPhoneWidth(TestOnlinePayment):
    def test_status_badges_not_hidden_at_phone_width(self):
        """Bootstrap's d-none hides below the sm breakpoint (576 px): at 375 px
        a disputed or promised invoice must still say so."""
        self.Promise._credit_create_promise(self.dossier, self.invoice_1, fields.Date.today())
        self.Dispute._credit_create_dispute(self.dossier, self.invoice_2, self.reason_quality, note="Broken")
        response = self.url_open(self._statement_url())
        doc = html.fromstring(response.text)
        for label in ("Payment promised", "Disputed"):
            badges = doc.xpath(
                f"//tr[hasclass('o_credit_invoice')]//span[hasclass('badge')][normalize-space()='{label}']"
            )
            self.assertTrue(badges, label)
            for element in badges[0].iterancestors():
                self.assertNotIn("d-none", (element.get("class") or "").split(), f"{label}: {element.tag}")
