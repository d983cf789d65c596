from datetime import date

from odoo.tests import tagged

from .common import ScenarioCommon


@tagged("post_install", "-at_install")
class TestNotesInTheCollectorsLanguage(ScenarioCommon):
    """The nightly run has no language: the notes it leaves in a dossier's
    chatter are in the language of the dossier's collector, as the call it
    puts in their agenda (the French demo showed 'Reminder planned: Reminder
    call (Phone Call)' to French collectors)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["credit_control_scenario"], ["fr_FR"], overwrite=True)
        cls.customer = cls._customer("Hôtel du Parc", phone="+33 4 78 00 00 00", lang="fr_FR")
        cls._create_invoice(cls.customer, 900.0, due=date(2026, 3, 1))
        cls.dossier = cls.env["credit.control.dossier"].search([("partner_id", "=", cls.customer.id)])
        cls.dossier.collector_id = cls.collector_a

    def _note(self):
        notes = self.dossier.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("mail.mt_note"))
        self.assertEqual(len(notes), 1)
        return notes.body

    def test_french_collector(self):
        self.collector_a.lang = "fr_FR"
        call = self._run(date(2026, 3, 31)).action_ids
        self.assertEqual(call.channel, "phone")
        note = self._note()
        self.assertIn("Relance planifiée", note)
        self.assertIn("Appel de relance (Appel téléphonique)", note)
        self.assertEqual(call.activity_id.summary, "Appel de relance")
        self.assertIn("Présentez-vous", call.activity_id.note, "the call script in the customer's language")

    def test_english_collector(self):
        self.collector_a.lang = "en_US"
        self._run(date(2026, 3, 31))
        self.assertIn("Reminder planned", self._note())
        self.assertIn("Reminder call (Phone Call)", self._note())
