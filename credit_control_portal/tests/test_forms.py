from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import CreditPortalCommon

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@tagged("post_install", "-at_install")
class TestStatementForms(CreditPortalCommon):
    """Promises and disputes sent from the statement become the dispute
    module's records; bad input is refused with nothing saved."""

    def _promises(self):
        return self.Promise.search([("dossier_id", "=", self.dossier.id)])

    def _disputes(self):
        return self.Dispute.search([("dossier_id", "=", self.dossier.id)])

    def test_promise_pauses_reminders(self):
        token = self._new_token()
        promised = fields.Date.today() + timedelta(days=10)
        response = self._post("promise", {
            "move_ids": [self.invoice_1.id], "promise_date": str(promised), "promise_note": "Virement le 10",
        }, token)
        self.assertEqual(response.status_code, 303)
        self.assertIn("message=promise", response.headers["Location"])
        promise = self._promises()
        self.assertEqual(len(promise), 1)
        self.assertEqual(promise.move_ids, self.invoice_1)
        self.assertEqual(promise.date, promised)
        self.assertEqual(promise.origin, "portal")
        self.assertEqual(promise.amount, 1000.0)
        self.assertTrue(self._excluded(self.invoice_1)[self.invoice_1.name])
        self.assertFalse(self._excluded(self.invoice_2)[self.invoice_2.name])
        page = self.url_open(response.headers["Location"]).text
        self.assertIn("your payment date is recorded", page)
        self.assertIn("Payment promised", page)

    def test_promise_refusals(self):
        token = self._new_token()
        today = fields.Date.today()
        self.company.credit_portal_promise_max_days = 30
        cases = [
            ({"move_ids": [self.invoice_1.id], "promise_date": str(today + timedelta(days=31))}, "payment date"),
            ({"move_ids": [self.invoice_1.id], "promise_date": str(today - timedelta(days=1))}, "payment date"),
            ({"move_ids": [self.invoice_1.id], "promise_date": "not a date"}, "Choose a payment date"),
            ({"move_ids": [self.other_invoice.id], "promise_date": str(today)}, "still to be paid"),
            ({"move_ids": ["1 OR 1=1"], "promise_date": str(today)}, "still to be paid"),
            ({"promise_date": str(today)}, "Select at least one invoice"),
            ({"move_ids": [self.invoice_1.id], "promise_date": str(today), "promise_amount": "1000.01"}, "at most"),
            ({"move_ids": [self.invoice_1.id], "promise_date": str(today), "promise_amount": "-5"}, "at most"),
        ]
        for data, error in cases:
            response = self._post("promise", data, token)
            self.assertEqual(response.status_code, 400, data)
            self.assertIn(error, response.text, data)
        self.assertFalse(self._promises())
        self.assertFalse(self.Promise.search([("dossier_id", "=", self.other_dossier.id)]))

    def test_csrf_is_required(self):
        token = self._new_token()
        today = str(fields.Date.today())
        for route, data in (
            ("promise", {"move_ids": [self.invoice_1.id], "promise_date": today}),
            ("dispute", {"move_ids": [self.invoice_1.id], "reason_id": self.reason_quality.id, "dispute_note": "x"}),
            ("pay", {"move_ids": [self.invoice_1.id]}),
        ):
            response = self._post(route, data, token, csrf=False)
            self.assertEqual(response.status_code, 400, route)
        self.assertFalse(self._promises())
        self.assertFalse(self._disputes())

    def test_dispute_with_document(self):
        self.authenticate("claire", "claire")
        response = self._post(
            "dispute",
            {"move_ids": [self.invoice_2.id], "reason_id": self.reason_quality.id, "dispute_note": "Pain rassis"},
            None,
            files={"attachment": ("bon de livraison.pdf", PDF, "application/pdf")},
        )
        self.assertEqual(response.status_code, 303, response.text[:300])
        dispute = self._disputes()
        self.assertEqual(dispute.move_ids, self.invoice_2)
        self.assertEqual(dispute.reason_id, self.reason_quality)
        self.assertEqual(dispute.origin, "portal")
        self.assertIn("Pain rassis", dispute.description)
        self.assertEqual(dispute.evidence_ids.mapped("name"), ["bon de livraison.pdf"])
        self.assertEqual(dispute.evidence_ids.mimetype, "application/pdf")
        self.assertTrue(self._excluded(self.invoice_2)[self.invoice_2.name])
        page = self.url_open(response.headers["Location"]).text
        self.assertIn(dispute.name, page)

    def test_dispute_refusals(self):
        token = self._new_token()
        self.company.credit_portal_upload_max_mb = 1
        valid = {"move_ids": [self.invoice_1.id], "reason_id": self.reason_quality.id, "dispute_note": "Abîmé"}
        cases = [
            ({**valid, "reason_id": 0}, None, "Choose the reason"),
            ({**valid, "reason_id": "abc"}, None, "Choose the reason"),
            ({**valid, "dispute_note": "  "}, None, "what is wrong"),
            ({**valid, "dispute_note": "x" * 5001}, None, "under 5000 characters"),
            ({**valid, "move_ids": [self.other_invoice.id]}, None, "still to be paid"),
            (valid, {"attachment": ("big.pdf", PDF + b"0" * (1024 * 1024), "application/pdf")}, "too large"),
            # Judged on the content, not on the name or the announced type.
            (valid, {"attachment": ("facture.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")},
             "Attach a PDF, PNG or JPEG"),
            (valid, {"attachment": ("tool.exe", b"MZ\x90\x00\x03" + b"\x00" * 100, "application/octet-stream")},
             "Attach a PDF, PNG or JPEG"),
        ]
        attachments_before = self.env["ir.attachment"].search_count([])
        for data, files, error in cases:
            response = self._post("dispute", data, token, files=files)
            self.assertEqual(response.status_code, 400, error)
            self.assertIn(error, response.text)
        self.assertFalse(self._disputes())
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments_before)
