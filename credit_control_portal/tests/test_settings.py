from odoo.tests import tagged

from odoo.addons.credit_control_base.tests.test_settings import SettingsCommon


@tagged("post_install", "-at_install")
class TestPortalSettings(SettingsCommon):
    def test_credit_admin_sets_the_statement_link_settings(self):
        self._assert_settable({
            "credit_portal_link_days": 14,
            "credit_portal_promise_max_days": 45,
            "credit_portal_upload_max_mb": 5,
        })
        self.assertTrue(self._settings_app().xpath(".//block[@id='credit_control_portal_setting_container']"))
