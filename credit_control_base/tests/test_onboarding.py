from datetime import date, timedelta

from odoo.tests import tagged

from .common import CreditControlCommon


@tagged("post_install", "-at_install")
class TestOnboarding(CreditControlCommon):
    """The getting-started checklist of the dashboard ticks its steps as the
    manager does them, and each step opens its screen."""

    def _steps(self):
        dashboard = self.env["credit.control.kpi.dashboard"].with_user(self.credit_manager).create({})
        dashboard.action_refresh()
        return dashboard, {step.key: step for step in dashboard.onboarding_ids}

    def test_steps_tick_themselves(self):
        customer = self._create_customer("Garage Dupont")
        today = date.today()
        self._create_invoice(customer, 900.0, due=today - timedelta(days=20), invoice_date=today - timedelta(days=50))
        dashboard, steps = self._steps()
        self.assertFalse(dashboard.onboarding_done)
        self.assertFalse(steps["collectors"].done)
        self.assertFalse(steps["contacts"].done)
        action = steps["collectors"].action_open()
        self.assertEqual(action["res_model"], "credit.control.dossier")
        self.assertEqual(action["context"], {"search_default_unassigned": 1, "search_default_overdue": 1})

        self._dossier(customer).collector_id = self.collector_a
        customer.email = "compta@garage-dupont.example"
        _dashboard, steps = self._steps()
        self.assertTrue(steps["collectors"].done)
        self.assertTrue(steps["contacts"].done)
