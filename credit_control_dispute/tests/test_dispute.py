from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.credit_control_base.models.account_move import AccountMove
from odoo.addons.credit_control_base.tests.test_document import encrypted_pdf, scanned_pdf, text_pdf

from .common import CreditDisputeCommon

DOCUMENT_LOGGER = "odoo.addons.credit_control_base.models.credit_control_document"


@tagged("post_install", "-at_install")
@freeze_time("2026-03-01")
class TestDispute(CreditDisputeCommon):
    def _dispute(self, moves=None, **values):
        return self.Dispute._credit_create_dispute(
            self.dossier, moves or self.invoice_1, self.reason_quality, note="Palettes abîmées", **values
        )

    def test_state_transitions(self):
        dispute = self._dispute()
        self.assertRecordValues(dispute, [{
            "state": "new", "is_open": True, "disputed_amount": 1000.0, "partner_id": self.customer.id,
            "company_id": self.company.id, "currency_id": self.company.currency_id.id,
        }])
        self.assertTrue(dispute.name.startswith("DSP/"))
        dispute.action_start()
        self.assertEqual(dispute.state, "in_progress")
        dispute.action_reject()
        self.assertRecordValues(dispute, [{"state": "rejected", "is_open": False, "resolution_date": date(2026, 3, 1)}])
        with self.assertRaises(UserError):
            dispute.action_start()
        with self.assertRaises(UserError):
            dispute.action_reject()
        dispute.action_reopen()
        self.assertRecordValues(dispute, [{"state": "in_progress", "resolution_date": False}])
        dispute.action_resolve_justified()
        self.assertEqual(dispute.state, "resolved_justified")
        self.assertEqual(self.Dispute.search([("id", "=", dispute.id), ("is_open", "=", True)]), self.Dispute)

    def test_open_dispute_pauses_reminders_and_rejection_resumes_them(self):
        self.assertEqual(self._excluded(self.invoices), {self.invoice_1.name: False, self.invoice_2.name: False})
        calls = []
        with patch.object(AccountMove, "_credit_collection_changed", autospec=True,
                          side_effect=lambda moves: calls.append(moves)):
            dispute = self._dispute()
        self.assertEqual(calls, [self.invoice_1])
        self.assertEqual(self._excluded(self.invoices), {self.invoice_1.name: "In dispute", self.invoice_2.name: False})
        excluded = self.env["account.move"].search([("id", "in", self.invoices.ids), ("credit_excluded", "=", True)])
        self.assertEqual(excluded, self.invoice_1)
        # adding an invoice pauses it too, without notifying the first again
        calls.clear()
        with patch.object(AccountMove, "_credit_collection_changed", autospec=True,
                          side_effect=lambda moves: calls.append(moves)):
            dispute.move_ids |= self.invoice_2
            dispute.action_start()
            self.assertEqual(calls, [self.invoice_2])
            dispute.action_reject()
        self.assertEqual(calls[-1], self.invoices)
        self.assertEqual(self._excluded(self.invoices), {self.invoice_1.name: False, self.invoice_2.name: False})

    def test_resolve_by_credit_note_of_the_whole_invoice(self):
        dispute = self._dispute()
        action = dispute.action_resolve_credit_note()
        refund = dispute.credit_note_ids
        self.assertRecordValues(refund, [{
            "move_type": "out_refund", "state": "draft", "reversed_entry_id": self.invoice_1.id,
            "amount_total": 1000.0, "partner_id": self.customer.id,
        }])
        self.assertEqual(action["res_id"], refund.id)
        self.assertEqual(dispute.state, "resolved_credit_note")
        self.assertFalse(self._excluded(self.invoice_1)[self.invoice_1.name])

    def test_resolve_by_credit_note_of_part_of_the_amount(self):
        dispute = self._dispute(self.invoices, amount=150.0)
        dispute.action_resolve_credit_note()
        refund = dispute.credit_note_ids
        self.assertRecordValues(refund, [{
            "move_type": "out_refund", "state": "draft", "amount_total": 150.0, "reversed_entry_id": False,
            "invoice_origin": f"{self.invoice_1.name}, {self.invoice_2.name}",
        }])
        self.assertEqual(refund.invoice_line_ids.account_id, self.invoice_1.invoice_line_ids.account_id)

    def test_disputed_amount_within_the_invoices(self):
        with self.assertRaises(ValidationError):
            self._dispute(amount=1000.01)
        other = self._create_customer("Autre Client")
        other_invoice = self._create_invoice(other, 80.0, due=date(2026, 1, 31))
        with self.assertRaises(ValidationError):
            self._dispute(self.invoice_1 | other_invoice)

    def test_evidence_is_archived_and_searchable(self):
        proof = self._attachment("bon_livraison.pdf", text_pdf(["Bon de livraison BL-2026-0042", "Palettes: 12"]))
        dispute = self._dispute(attachments=proof)
        document = dispute.document_ids
        self.assertRecordValues(document, [{
            "extraction_state": "done", "dossier_id": self.dossier.id, "kind": "dispute_evidence",
            "attachment_id": proof.id, "res_model": "credit.control.dispute", "res_id": dispute.id,
        }])
        self.assertEqual(dispute.document_count, 1)
        # from the dispute list, the customer dossier and the global archive
        self.assertEqual(self.Dispute.search([("evidence_text", "ilike", "bl-2026-0042")]), dispute)
        self.assertEqual(self.Dispute.search([("evidence_text", "ilike", "BL-1999")]), self.Dispute)
        Document = self.env["credit.control.document"]
        found = Document.search([("dossier_id", "=", self.dossier.id), ("text", "ilike", "BL-2026")])
        self.assertEqual(found, document)
        # saving the form again does not archive it twice
        dispute.evidence_ids = [(4, proof.id)]
        self.assertEqual(dispute.document_count, 1)

    def test_malformed_evidence_keeps_the_upload_with_a_reason(self):
        dispute = self._dispute()
        cases = [
            ("casse.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "failed", "could not be read"),
            ("protege.pdf", encrypted_pdf(), "failed", "encrypted"),
            ("scan.pdf", scanned_pdf(), "empty", "no text layer"),
            ("faux.pdf", b"MZ\x90\x00 not a pdf", "failed", "not a PDF"),
        ]
        for name, data, state, reason in cases:
            with self.subTest(name=name):
                attachment = self._attachment(name, data, res_model=dispute._name, res_id=dispute.id)
                with self.assertLogs(DOCUMENT_LOGGER, "WARNING"):
                    # sent in the chatter, as a customer's e-mail or a colleague's note
                    dispute.message_post(body="Pièce jointe", attachment_ids=attachment.ids)
                document = dispute.document_ids.filtered(lambda d, a=attachment: d.attachment_id == a)
                self.assertEqual(document.extraction_state, state)
                self.assertIn(reason, document.extraction_message)
                self.assertFalse(document.text)
                self.assertTrue(attachment.exists())
        self.assertEqual(dispute.document_count, len(cases))
        self.assertEqual(dispute.state, "new")

    def test_pictures_are_archived_without_extraction(self):
        photo = self._attachment("photo.png", b"\x89PNG\r\n\x1a\n", mimetype="image/png")
        dispute = self._dispute(attachments=photo)
        self.assertEqual(dispute.document_ids.extraction_state, "skipped")
