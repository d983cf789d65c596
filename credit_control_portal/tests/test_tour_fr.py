from odoo.tests import tagged

from .common import CreditPortalCommon


@tagged("post_install", "-at_install")
class TestPortalTourFrench(CreditPortalCommon):
    """The customer's whole portal flow in Chromium, in French."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._read_french()

    def test_customer_promises_pays_and_gets_a_receipt(self):
        self._saved_card(self.contact)
        self.start_tour("/my/credit", "credit_control_portal_fr_tour", login="claire")
        promise = self.Promise.search([("dossier_id", "=", self.dossier.id)])
        self.assertRecordValues(promise, [{"origin": "portal", "state": "pending"}])
        self.assertEqual(promise.move_ids, self.invoice_1)
        tx = self.env["payment.transaction"].search([("credit_dossier_id", "=", self.dossier.id)])
        self.assertRecordValues(tx, [{"state": "done", "amount": 500.0, "is_post_processed": True}])
        self.assertEqual(tx.invoice_ids, self.invoice_2)
        self.assertTrue(tx.landing_route.startswith(f"/my/credit/{self.dossier.id}/receipt?"))
        self.assertTrue(self.invoice_2.currency_id.is_zero(self.invoice_2.amount_residual))
