from freezegun import freeze_time

from odoo.tests import tagged

from .common import ScoringCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestScoringFrenchFormats(ScoringCommon):
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

