from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.credit_control_base.tests.test_document import text_pdf

from .common import CreditDisputeCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-03-01")
class TestEvidenceAccess(CreditDisputeCommon):
    """Evidence is a file its author may open; once on a dispute, whoever
    may read the dispute opens it, nobody else."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.private = cls._attachment_of(cls.credit_manager, "salaires.pdf", ["Salaire confidentiel 98765"])

    @classmethod
    def _attachment_of(cls, user, name, lines, **values):
        return cls.env["ir.attachment"].with_user(user).create({
            "name": name, "raw": text_pdf(lines), "mimetype": "application/pdf", **values,
        })

    def _assert_nothing_archived(self):
        Document = self.env["credit.control.document"].sudo()
        self.assertFalse(Document.search([("attachment_id", "=", self.private.id)]))
        self.assertFalse(Document.search([("text", "ilike", "98765")]))

    def test_collector_cannot_give_a_private_file_as_evidence(self):
        Dispute = self.Dispute.with_user(self.collector_a)
        with self.assertRaises(AccessError):
            Dispute._credit_create_dispute(self.dossier, self.invoice_1, self.reason_quality, attachments=self.private)
        self._assert_nothing_archived()
        dispute = Dispute._credit_create_dispute(self.dossier, self.invoice_1, self.reason_quality)
        with self.assertRaises(AccessError):
            dispute.write({"evidence_ids": [(4, self.private.id)]})
        self._assert_nothing_archived()

    def test_uploaded_evidence_is_tied_to_its_dispute(self):
        """As the form's upload widget does it: the file of a new record is
        the uploader's until the record exists, then it is the dispute's."""
        upload = self._attachment_of(
            self.collector_a, "bon.pdf", ["Bon de livraison 4242"], res_model="credit.control.dispute", res_id=0,
        )
        dispute = self.Dispute.with_user(self.collector_a)._credit_create_dispute(
            self.dossier, self.invoice_1, self.reason_quality, attachments=upload,
        )
        self.assertRecordValues(upload, [{"res_model": "credit.control.dispute", "res_id": dispute.id}])
        self.assertIn("4242", dispute.document_ids.text)
        for user in (self.collector_a, self.credit_manager):
            self.assertEqual(upload.with_user(user).raw, text_pdf(["Bon de livraison 4242"]))
        with self.assertRaises(AccessError):
            upload.with_user(self.collector_b).check("read")

    def test_salesperson_evidence_in_the_chatter(self):
        """A salesperson may comment on its customers' disputes: the file it
        posts is archived although it cannot create documents itself."""
        salesperson = self._create_credit_user("sales_rep", "credit_control_base.group_credit_control_info")
        self.customer.user_id = salesperson
        dispute = self.Dispute._credit_create_dispute(self.dossier, self.invoice_1, self.reason_quality)
        upload = self._attachment_of(salesperson, "photo.pdf", ["Photo 777"], res_model="mail.compose.message")
        dispute.with_user(salesperson).message_post(body="Photo", attachment_ids=upload.ids)
        self.assertIn("777", dispute.document_ids.text)
