from lxml import etree

from odoo.tests import Form, HttpCase, tagged

from .common import CreditControlCommon


class SettingsCommon(CreditControlCommon):
    """The Credit Control app of the Settings, as an administrator who is a
    credit manager but has no accounting right opens it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.credit_admin = cls._create_credit_user(
            "credit_admin", "base.group_system,credit_control_base.group_credit_control_manager")

    def _settings_form(self):
        return Form(self.env["res.config.settings"].with_user(self.credit_admin))

    def _assert_settable(self, values):
        """Each setting of ``values`` is shown to the credit admin (a field
        not in the form, invisible or read-only cannot be set through Form)
        and saved on the company."""
        form = self._settings_form()
        for name, value in values.items():
            with self.subTest(setting=name):
                setattr(form, name, value)
        form.save().execute()
        company = self.company.with_user(self.credit_admin)
        for name, value in values.items():
            with self.subTest(setting=name):
                self.assertEqual(company[name], value)

    def _settings_app(self):
        """The Credit Control app of the settings form, as the credit admin
        gets it."""
        views = self.env["res.config.settings"].with_user(self.credit_admin).get_views([(False, "form")])
        apps = etree.fromstring(views["views"]["form"]["arch"]).xpath("//app[@name='credit_control_base']")
        self.assertEqual(len(apps), 1, "one Credit Control app in the settings")
        return apps[0]


@tagged("post_install", "-at_install")
class TestCreditControlSettings(SettingsCommon):
    def test_credit_control_has_its_own_settings_app(self):
        app = self._settings_app()
        for block in ("credit_control_limit_setting_container", "credit_control_kpi_setting_container",
                      "credit_control_cash_setting_container"):
            with self.subTest(block=block):
                self.assertTrue(app.xpath(f".//block[@id='{block}']"))
        settings = self.env["res.config.settings"].with_user(self.credit_admin).create({})
        self.assertEqual(settings.action_credit_open_provision_rates()["res_model"], "credit.control.provision.rate")
        action = self.env.ref("credit_control_base.res_config_settings_action")
        self.assertEqual(action.context, "{'module': 'credit_control_base', 'bin_size': False}")

    def test_credit_admin_sets_the_base_settings(self):
        provision_account = self.company_data["default_account_expense"]
        self._assert_settable({
            "account_use_credit_limit": True,
            "credit_control_block_over_limit": True,
            "credit_aging_limit_1": 15,
            "credit_aging_limit_2": 45,
            "credit_aging_limit_3": 75,
            "credit_aging_limit_4": 150,
            "credit_dso_period": 60,
            "credit_cash_application": True,
            "credit_cash_auto_threshold": 95,
            "credit_cash_tolerance": 2.5,
            "credit_cash_writeoff_account_id": provision_account,
        })

    def test_cash_application_is_not_behind_the_credit_limit_option(self):
        """It used to show only once Invoicing's "Sales Credit Limit" was
        ticked."""
        self.company.account_use_credit_limit = False
        form = self._settings_form()
        form.credit_cash_application = True
        form.credit_control_block_over_limit = True
        form.credit_dso_period = 30
        form.save().execute()
        self.assertTrue(self.company.credit_cash_application)

    def test_thresholds_in_the_company_currency(self):
        form = self._settings_form()
        self.assertEqual(form.currency_id, self.company.currency_id)
        app = self._settings_app()
        for name in ("credit_cash_tolerance", "account_default_credit_limit"):
            with self.subTest(field=name):
                field = app.xpath(f".//field[@name='{name}']")[0]
                self.assertEqual(field.get("widget"), "monetary")
        self.assertTrue(app.xpath(".//field[@name='currency_id']"))


@tagged("post_install", "-at_install")
class TestSettingsPage(HttpCase):
    def test_the_settings_action_opens_the_credit_control_app(self):
        """The web client renders the app (a console error fails the test),
        opened on it by Credit Control > Configuration > Settings."""
        code = """
            (async () => {
                const labels = ["Block Invoices over Credit Limit", "Aged Balance Buckets", "DSO Period (days)",
                                "Provision Rates", "Automatic Cash Application", "Bank Fee Tolerance"];
                for (let i = 0; i < 150; i++) {
                    const app = document.querySelector(".app_settings_block[data-key='credit_control_base']");
                    if (app && labels.every((label) => app.textContent.includes(label))) {
                        console.log("test successful");
                        return;
                    }
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
                console.error("The Credit Control app of the settings did not show all its settings");
            })();
        """
        self.browser_js("/odoo/action-credit_control_base.res_config_settings_action", code, login="admin")

