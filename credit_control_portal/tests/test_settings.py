from odoo.tests import tagged

from odoo.addons.credit_control_base.tests.test_settings import SettingsCommon


@tagged("post_install", "-at_install")
class TestPortalSettings(SettingsCommon):
    def test_credit_admin_sets_the_statement_link_settings(self):
        self._assert_settable({
            "credit_portal_link_days": 14,
            "credit_portal_promise_max_days": 45,
            "credit_portal_upload_max_mb": 5,
            "credit_autopay_delay_days": 2,
            "credit_autopay_notice_days": 7,
            "credit_autopay_max_retries": 3,
            "credit_autopay_retry_days": 4,
        })
        self.assertTrue(self._settings_app().xpath(".//block[@id='credit_control_autopay_setting_container']"))
        self.assertTrue(self._settings_app().xpath(".//block[@id='credit_control_portal_setting_container']"))
