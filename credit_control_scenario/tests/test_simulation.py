from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import ScenarioCommon


@tagged("post_install", "-at_install")
class TestSimulation(ScenarioCommon):
    """The simulation lists what today's run would do and does nothing: the
    real run then plans exactly those reminders."""

    def _simulate(self, user=None):
        simulation = self.env["credit.control.simulation"].with_user(user or self.env.user).create({
            "company_ids": [(6, 0, self.company.ids)],
        })
        simulation.action_simulate()
        return simulation

    def test_simulation_sends_nothing_and_matches_the_run(self):
        first = self._customer("Garage Dupont")
        second = self._customer("Boulangerie Petit")
        no_mail = self._create_customer("Atelier Sans Mail")
        self._create_invoice(first, 500.0, due=date(2026, 3, 1))
        self._create_invoice(first, 300.0, due=date(2026, 3, 2))
        self._create_invoice(second, 200.0, due=date(2026, 2, 1))
        self._create_invoice(no_mail, 400.0, due=date(2026, 3, 1))
        mails_before = self.env["mail.mail"].search_count([])
        with freeze_time(date(2026, 3, 10)):
            simulation = self._simulate()
        self.assertFalse(self.Action.search([("partner_id", "in", (first | second | no_mail).ids)]))
        self.assertEqual(self.env["mail.mail"].search_count([]), mails_before)
        simulated = {line.partner_id: (line.step_id, line.channel, line.invoice_count, line.amount)
                     for line in simulation.line_ids}
        self.assertEqual(simulated[first], (self.step_first, "email", 2, 800.0))
        self.assertEqual(simulation.reminder_count, 3)
        self.assertEqual(simulation.invoice_count, 4)
        note = simulation.line_ids.filtered(lambda line: line.partner_id == no_mail).note
        self.assertIn("No valid e-mail address", note)
        self.assertEqual(simulation.issue_count, 1)

        run = self._run(date(2026, 3, 10))
        planned = {action.partner_id: (action.step_id, action.move_ids.ids) for action in run.action_ids}
        self.assertEqual(planned[first][0], simulated[first][0])
        self.assertEqual(planned[second][0], simulated[second][0])
        self.assertEqual(len(planned[first][1]), 2)

        with freeze_time(date(2026, 3, 10)):
            self.assertFalse(self._simulate().line_ids, "nothing left to send today")

    def test_collector_simulates_its_portfolio(self):
        mine = self._customer("Garage Dupont")
        other = self._customer("Boulangerie Petit")
        for customer in (mine, other):
            self._create_invoice(customer, 500.0, due=date(2026, 3, 1))
        self._dossier(mine).collector_id = self.collector_a
        self._dossier(other).collector_id = self.collector_b
        with freeze_time(date(2026, 3, 10)):
            simulation = self._simulate(self.collector_a)
        self.assertEqual(simulation.line_ids.partner_id, mine)

    def test_simulation_ticks_the_getting_started_step(self):
        def step_done():
            dashboard = self.env["credit.control.kpi.dashboard"].with_user(self.credit_manager).create({})
            dashboard.action_refresh()
            return dashboard.onboarding_ids.filtered(lambda s: s.key == "simulation").done

        self.assertFalse(step_done())
        with freeze_time(date(2026, 3, 10)):
            self._simulate(self.collector_a)
        self.assertTrue(step_done())

    def test_simulation_holds_what_the_run_holds(self):
        """Failed before: the simulation listed a reminder for a customer
        whose unapplied transfer covers the invoice, which the run holds."""
        paid = self._customer("Boulangerie Payée")
        owing = self._customer("Garage Dupont")
        self._create_invoice(paid, 1000.0, due=date(2026, 3, 1))
        self._create_invoice(owing, 500.0, due=date(2026, 3, 1))
        payment = self._receive_unapplied(paid, 1000.0, date(2026, 3, 5))
        with freeze_time(date(2026, 3, 10)):
            simulation = self._simulate()
        held = simulation.line_ids.filtered("held")
        self.assertEqual(held.partner_id, paid)
        self.assertIn("Probably paid", held.note)
        self.assertIn(payment.move_id.name, held.note)
        self.assertEqual(simulation.reminder_count, 1, "only Garage Dupont would be reminded")
        self.assertEqual(simulation.issue_count, 1)
        self.assertFalse(self._dossier(paid).activity_ids, "a simulation tells nobody")
        run = self._run(date(2026, 3, 10))
        self.assertEqual(run.action_ids.partner_id, owing)

    def test_scenario_step_ticked_once_one_is_chosen(self):
        """Failed before: with the shipped scenario chosen as the company's,
        the step stayed unticked until someone edited a scenario."""
        def step_done():
            dashboard = self.env["credit.control.kpi.dashboard"].with_user(self.credit_manager).create({})
            dashboard.action_refresh()
            return dashboard.onboarding_ids.filtered(lambda s: s.key == "scenario").done

        self.assertEqual(self.company.credit_control_scenario_id, self.scenario, "the shipped scenario")
        self.assertTrue(step_done())
        self.company.credit_control_scenario_id = False
        self.assertFalse(step_done())
