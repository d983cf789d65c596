from odoo.tests import HttpCase, tagged

from .test_kpi_common import CreditControlKpiCommon

READY_FORM = "!!document.querySelector('.o_form_view .o_notebook')"
READY_PIVOT = "!!document.querySelector('.o_pivot table')"


@tagged("post_install", "-at_install")
class TestKpiUi(CreditControlKpiCommon, HttpCase):
    """The dashboard and the aged balance open in the web client without
    error, for the users each menu is meant for."""

    def test_dashboard_and_aged_balance_open(self):
        self.credit_manager.groups_id |= self.env.ref("account.group_account_manager")
        code = "console.log('test successful')"
        self.browser_js("/odoo/action-credit_control_base.credit_control_kpi_dashboard_action", code, READY_FORM,
                        login=self.credit_manager.login)
        self.browser_js("/odoo/action-credit_control_base.credit_control_aged_balance_action", code, READY_PIVOT,
                        login=self.credit_manager.login)
        self.browser_js("/odoo/action-credit_control_base.credit_control_provision_action", code, READY_PIVOT,
                        login=self.credit_manager.login)
        self.browser_js("/odoo/action-credit_control_base.credit_control_aged_balance_action_collector", code,
                        "!!document.querySelector('.o_list_view .o_group_header')", login=self.collector_a.login)
