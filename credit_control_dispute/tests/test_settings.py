from odoo.tests import tagged

from odoo.addons.credit_control_base.tests.test_settings import SettingsCommon


@tagged("post_install", "-at_install")
class TestDisputeSettings(SettingsCommon):
    def test_credit_admin_sets_the_promise_grace_days(self):
        self._assert_settable({"credit_promise_grace_days": 7})
        self.assertTrue(self._settings_app().xpath(".//block[@id='credit_control_dispute_setting_container']"))
