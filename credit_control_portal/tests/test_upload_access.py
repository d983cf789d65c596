from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.credit_control_base.tests.test_document import text_pdf

from .common import CreditPortalCommon


@tagged("post_install", "-at_install")
class TestUploadAccess(CreditPortalCommon):
    """A file the customer sends with a dispute belongs to the dispute: its
    collector and the credit manager open it, nobody else does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_contact = cls.env["res.partner"].create({
            "name": "Paul Petit", "parent_id": cls.other_customer.id, "email": "paul@garage-petit.example",
        })
        new_test_user(
            cls.env, login="paul", groups="base.group_portal", partner_id=cls.other_contact.id,
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)],
        )
        cls.pdf = text_pdf(["Bon de livraison BL-2026-0777", "Pain livre rassis"])

    def _download(self, login, url):
        self.authenticate(login, login)
        return self.url_open(url, allow_redirects=False)

    def test_portal_upload_is_opened_by_the_dispute_readers_only(self):
        self.authenticate("claire", "claire")
        response = self._post(
            "dispute",
            {"move_ids": [self.invoice_2.id], "reason_id": self.reason_quality.id, "dispute_note": "Pain rassis"},
            None,
            files={"attachment": ("bon de livraison.pdf", self.pdf, "application/pdf")},
        )
        self.assertEqual(response.status_code, 303, response.text[:300])
        dispute = self.Dispute.search([("dossier_id", "=", self.dossier.id)])
        attachment = dispute.evidence_ids
        self.assertRecordValues(attachment, [{"res_model": dispute._name, "res_id": dispute.id}])
        document = dispute.document_ids
        self.assertEqual(document.attachment_id, attachment)
        self.assertIn("BL-2026-0777", document.text)

        # The collector of the customer opens it from the dispute and from the
        # archive (the document's download), as does the credit manager.
        url = f"/web/content/{attachment.id}?download=true"
        download = document.with_user(self.collector_a).action_download()["url"]
        for login, target in (("collector_a", url), ("collector_a", download), ("credit_manager", url)):
            response = self._download(login, target)
            self.assertEqual(response.status_code, 200, (login, target))
            self.assertEqual(response.content, self.pdf, (login, target))
        # Another collector's portfolio, another customer: nothing.
        for login in ("collector_b", "paul"):
            response = self._download(login, url)
            self.assertIn(response.status_code, (403, 404), login)
            self.assertNotEqual(response.content, self.pdf, login)
