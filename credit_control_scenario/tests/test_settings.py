from odoo.tests import tagged

from odoo.addons.credit_control_base.tests.test_settings import SettingsCommon


@tagged("post_install", "-at_install")
class TestScenarioSettings(SettingsCommon):
    def test_credit_admin_sets_the_reminder_settings(self):
        scenario = self.env["credit.control.scenario"].search([("company_id", "in", (False, self.company.id))],
                                                              limit=1)
        self.assertTrue(scenario)
        self._assert_settable({
            "credit_control_scenario_id": scenario,
            "credit_control_ecb_rate": 2.4,
            "credit_control_interest_margin": 7.5,
            "credit_control_partial_credit": "send",
            "credit_control_statement_max_days": 5,
        })
        self.assertTrue(self._settings_app().xpath(".//block[@id='credit_control_scenario_setting_container']"))
