from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.credit_control_base.tests.test_document import text_pdf

from .common import CreditDisputeCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-03-01")
class TestDisputeFrenchFormats(CreditDisputeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(
            ["credit_control_base", "credit_control_dispute"], ["fr_FR"], overwrite=True)

    def test_evidence_kind_has_a_label(self):
        """Failed before: the archive showed the code dispute_evidence."""
        proof = self._attachment("bon_livraison.pdf", text_pdf(["Bon de livraison BL-2026-0042"]))
        dispute = self.Dispute._credit_create_dispute(
            self.dossier, self.invoice_1, self.reason_quality, note="Palettes abîmées", attachments=proof)
        document = dispute.document_ids
        self.assertEqual(document.kind, "dispute_evidence")
        labels = dict(document.with_context(lang="fr_FR")._fields["kind"]._description_selection(
            document.with_context(lang="fr_FR").env))
        self.assertEqual(labels["dispute_evidence"], "Pièce du litige")
        labels = dict(document._fields["kind"]._description_selection(self.env))
        self.assertEqual(labels["dispute_evidence"], "Dispute Evidence")
