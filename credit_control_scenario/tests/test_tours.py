from datetime import date, timedelta

from odoo.tests import HttpCase, tagged

from .common import ScenarioCommon


@tagged("post_install", "-at_install")
class TestGuidedTours(ScenarioCommon, HttpCase):
    """The two main jobs, walked in Chromium: a collector's morning and a
    manager's setup of a scenario."""

    def test_collector_morning(self):
        if "credit.control.promise" not in self.env:
            self.skipTest("the promise outcome of a call comes with credit_control_dispute")
        customer = self._customer("Tour Quincaillerie Martin")
        today = date.today()
        invoice = self._create_invoice(customer, 1500.0, due=today - timedelta(days=35),
                                       invoice_date=today - timedelta(days=65))
        self._dossier(customer).collector_id = self.collector_a
        run = self.env["credit.control.scenario.run"]._credit_run(companies=self.company)
        call = run.action_ids.filtered(lambda a: a.partner_id == customer)
        self.assertEqual(call.channel, "phone")
        self.assertTrue(call.activity_id)

        self.start_tour("/odoo", "credit_control_collector_morning_tour", login=self.collector_a.login)

        promise = self.env["credit.control.promise"].search([("dossier_id", "=", self._dossier(customer).id)])
        self.assertEqual(promise.move_ids, invoice)
        self.assertEqual(promise.amount, 1500.0)
        self.assertEqual(promise.date, today + timedelta(days=10))
        self.assertFalse(call.activity_id.exists(), "the call is done")

    def test_manager_sets_up_a_scenario(self):
        self.start_tour("/odoo", "credit_control_manager_setup_tour", login=self.credit_manager.login)
        scenario = self.env["credit.control.scenario"].search([("name", "=", "Tour Gentle Scenario")])
        self.assertEqual(
            [(step.name, step.delay_days, step.channel) for step in scenario.step_ids.sorted("delay_days")],
            [("Friendly e-mail", 7, "email"), ("Courtesy call", 21, "phone"), ("Review the file", 42, "task")],
        )
        self.assertEqual(scenario.step_ids.filtered(lambda s: s.channel == "email").mail_template_id,
                         self.env.ref("credit_control_scenario.mail_template_first_reminder"))
