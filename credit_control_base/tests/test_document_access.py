import base64
from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CreditControlCommon
from .test_document import text_pdf


@tagged("post_install", "-at_install")
class TestDocumentAccess(CreditControlCommon):
    """The archive reads a file only for a user who may open it: the text of
    another user's private PDF never lands in a record the whole portfolio
    searches."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Client Archivé")
        cls._create_invoice(cls.customer, 100.0, due=date(2026, 1, 31))
        cls.dossier = cls.env["credit.control.dossier"].search([("partner_id", "=", cls.customer.id)])
        cls.dossier.collector_id = cls.collector_a
        # A file the manager uploaded for itself: tied to no record, only its
        # owner (and the administrator) may open it.
        cls.private = cls.env["ir.attachment"].with_user(cls.credit_manager).create({
            "name": "salaires.pdf",
            "datas": base64.b64encode(text_pdf(["Salaire confidentiel 98765"])),
            "mimetype": "application/pdf",
        })
        cls.Document = cls.env["credit.control.document"]

    def _assert_nothing_archived(self):
        documents = self.Document.sudo().search([("attachment_id", "=", self.private.id)])
        self.assertFalse(documents)
        self.assertFalse(self.Document.sudo().search([("text", "ilike", "98765")]))

    def test_collector_cannot_archive_a_private_file(self):
        Document = self.Document.with_user(self.collector_a)
        with self.assertRaises(AccessError):
            Document.create({
                "name": "Pièce", "attachment_id": self.private.id, "dossier_id": self.dossier.id,
            })
        self._assert_nothing_archived()
        with self.assertRaises(AccessError):
            Document._credit_archive(self.private, self.dossier, kind="evidence")
        self._assert_nothing_archived()

    def test_collector_cannot_swap_in_a_private_file(self):
        own = self.env["ir.attachment"].with_user(self.collector_a).create({
            "name": "mien.pdf", "datas": base64.b64encode(text_pdf(["Bon 42"])), "mimetype": "application/pdf",
        })
        document = self.Document.with_user(self.collector_a)._credit_archive(own, self.dossier, kind="evidence")
        with self.assertRaises(AccessError):
            document.write({"attachment_id": self.private.id})
        self.assertEqual(document.sudo().attachment_id, own)
        self._assert_nothing_archived()

    def test_owner_archives_its_own_file(self):
        own = self.env["ir.attachment"].with_user(self.collector_a).create({
            "name": "bon.pdf", "datas": base64.b64encode(text_pdf(["Bon de livraison 4242"])),
            "mimetype": "application/pdf",
        })
        document = self.Document.with_user(self.collector_a)._credit_archive(own, self.dossier, kind="evidence")
        self.assertRecordValues(document, [{"extraction_state": "done", "dossier_id": self.dossier.id}])
        self.assertIn("4242", document.text)

    def test_the_choke_point_checks_the_caller(self):
        with self.assertRaises(AccessError):
            self.Document.with_user(self.collector_a)._credit_read_attachments(self.private)
        results = self.Document.with_user(self.credit_manager)._credit_read_attachments(self.private)
        self.assertIn("98765", results[self.private.id].text)
