from freezegun import freeze_time

from odoo.tests import tagged

from .common import ScoringCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestAlertInTheCollectorsLanguage(ScoringCommon):
    """The nightly scoring has no language: the activity of an alert is
    titled in the language of the collector who gets it (the French demo
    showed 'Credit limit breached' to French collectors)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["credit_control_scoring"], ["fr_FR"], overwrite=True)
        cls.dossiers.collector_id = cls.collector_a
        cls.collector_a.lang = "fr_FR"

    def test_french_collector(self):
        self.dossiers._credit_recompute_scores()
        activity = self._dossier(self.bad).activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.summary, "Limite de crédit dépassée")
