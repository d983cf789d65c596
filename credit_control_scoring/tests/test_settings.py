from odoo.tests import tagged

from odoo.addons.credit_control_base.tests.test_settings import SettingsCommon


@tagged("post_install", "-at_install")
class TestScoringSettings(SettingsCommon):
    def test_credit_admin_sets_the_scoring_settings(self):
        """Scoring moved from Invoicing's settings into the Credit Control app."""
        self._assert_settable({
            "credit_score_weight_days_late": 25,
            "credit_score_weight_late_share": 25,
            "credit_score_weight_trend": 5,
            "credit_score_weight_broken_promises": 15,
            "credit_score_weight_open_disputes": 10,
            "credit_score_weight_limit_usage": 5,
            "credit_score_weight_seniority": 10,
            "credit_score_weight_volume": 5,
            "credit_score_drop_alert": 20,
            "credit_rating_stale_months": 18,
        })
        self.assertTrue(self._settings_app().xpath(".//block[@id='credit_scoring_settings']"))
