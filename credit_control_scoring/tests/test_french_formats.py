import re
from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .test_sapin import TestSapin


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestScoringFrenchFormats(TestSapin):
    """Inherits the Sapin fixture; runs only the tests below."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")

    def test_factor_detail_with_a_decimal_comma(self):
        """Failed before: the trend read "35.0 / 71.7 / 65.0" in French."""
        self.dossiers._credit_recompute_scores()
        trend = self._factors(self.bad)["trend"]
        self.assertEqual(trend.detail_display, "35.0 / 71.7 / 65.0")
        self.assertEqual(trend.with_context(lang="fr_FR").detail_display, "35,0 / 71,7 / 65,0")

    def test_review_reminder_date_not_iso(self):
        """Failed before: "The Sapin II assessment of 2025-04-01 is due"."""
        dossier = self._dossier(self.good)
        dossier.collector_id = self.collector_a
        self._assess(assessment_date=date(2025, 4, 1), pep=True)
        self.env["credit.control.dossier"].with_context(lang="fr_FR")._cron_sapin_review_reminders()
        alert = self.env["credit.control.alert"].search([("dossier_id", "=", dossier.id)])
        self.assertIn("01/04/2025", alert.message)
        self.assertFalse(re.search(r"\d{4}-\d{2}-\d{2}", alert.message), alert.message)
