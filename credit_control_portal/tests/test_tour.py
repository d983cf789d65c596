from odoo.tests import tagged

from .common import CreditPortalCommon


@tagged("post_install", "-at_install")
class TestPortalTours(CreditPortalCommon):
    def test_contact_pays_two_invoices(self):
        self._saved_card(self.contact)
        self.start_tour("/my/credit", "credit_control_portal_pay_tour", login="claire")
        tx = self.env["payment.transaction"].search([("credit_dossier_id", "=", self.dossier.id)])
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.invoice_ids, self.invoices)
        self.assertTrue(tx.is_post_processed)
        self.assertEqual(tx.payment_id.reconciled_invoice_ids, self.invoices)
        self.assertTrue(all(self.invoices.mapped(lambda m: m.currency_id.is_zero(m.amount_residual))))

    def test_contact_promises_and_disputes(self):
        self.start_tour("/my/credit", "credit_control_portal_promise_dispute_tour", login="claire")
        promise = self.Promise.search([("dossier_id", "=", self.dossier.id)])
        self.assertEqual(promise.move_ids, self.invoice_1)
        self.assertEqual(promise.origin, "portal")
        dispute = self.Dispute.search([("dossier_id", "=", self.dossier.id)])
        self.assertEqual(dispute.move_ids, self.invoice_2)
        self.assertEqual(dispute.reason_id, self.reason_quality)
        self.assertIn("Two cakes were missing", dispute.description)
