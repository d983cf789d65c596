from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import ScenarioCommon

TODAY = date(2026, 3, 10)


@tagged("post_install", "-at_install")
class TestCronBatches(ScenarioCommon):
    """The nightly run as Odoo's batched crons work: one bounded batch of
    dossiers per call, its progress reported to ir.cron (which commits the
    call and calls again while some remain), today's run resumed by each
    call until it is done; the synchronous run still does everything at
    once, in the caller's transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"].concat(*(cls._customer(f"Cron Client {i}") for i in range(3)))
        cls._create_invoices([
            {"partner": customer, "amount": 300.0 + i, "date": date(2026, 2, 1), "due": date(2026, 3, 1)}
            for i, customer in enumerate(cls.customers)
        ])
        cls.cron = cls.env.ref("credit_control_scenario.ir_cron_credit_control_run")
        cls.Run = cls.env["credit.control.scenario.run"]

    def _cron_call(self, batch_size=1):
        """One call of the cron's method as ir.cron makes it: with a
        progress record of its own in the context."""
        _cron, progress = self.cron._add_progress()
        with freeze_time(TODAY):
            self.Run.with_context(ir_cron_progress_id=progress.id)._cron_run_scenarios(
                batch_size=batch_size, companies=self.company,
            )
        self.env.flush_all()
        return progress

    def _reminded(self):
        return self.Action.search([("partner_id", "in", self.customers.ids)]).partner_id

    def _runs_of_today(self):
        return self.Run.search([("company_ids", "in", self.company.ids), ("date", "=", TODAY)], order="id")

    def test_one_batch_per_call_until_done(self):
        # the first call only cuts the run: ir.cron commits it, which shows
        # the batches to the worker crons, and calls again at once
        progress = self._cron_call()
        self.assertRecordValues(progress, [{"done": 1, "remaining": 3}])
        run = self._runs_of_today()
        self.assertRecordValues(run, [{"state": "running", "dossier_total": 3, "dossier_done": 0}])
        self.assertFalse(self._reminded(), "no batch taken by the call that cut the run")

        progress = self._cron_call()
        self.assertRecordValues(progress, [{"done": 1, "remaining": 2}])
        self.assertEqual(self._runs_of_today(), run, "the next call resumes today's run")
        self.assertRecordValues(run, [{"state": "running", "dossier_total": 3, "dossier_done": 1}])
        self.assertEqual(len(self._reminded()), 1, "one batch of one dossier, not the whole run")

        progress = self._cron_call()
        self.assertRecordValues(progress, [{"done": 1, "remaining": 1}])
        self.assertEqual(self._runs_of_today(), run, "the next call resumes today's run")
        self.assertRecordValues(run, [{"state": "running", "dossier_total": 3, "dossier_done": 2}])

        progress = self._cron_call()
        self.assertRecordValues(progress, [{"done": 1, "remaining": 0}])
        self.assertRecordValues(run, [{"state": "done", "dossier_total": 3, "dossier_done": 3}])
        self.assertEqual(self._reminded(), self.customers)
        self.assertEqual(len(run.action_ids), 3)

        # a call of the cron left over from the finished run starts none
        self._cron_call(batch_size=10)
        self.assertEqual(self._runs_of_today(), run)
        # "Run Now" after a finished run starts a new one, which finds
        # everything planned already
        self.Run.action_run_now()
        self._cron_call(batch_size=10)
        again = self._runs_of_today() - run
        self.assertRecordValues(again, [{"state": "done", "action_count": 0}])
        self.assertEqual(len(self.Action.search([("partner_id", "in", self.customers.ids)])), 3)

    def test_one_worker_takes_a_batch_in_the_call_that_cuts_the_run(self):
        """With no other worker to share the run (Settings: one parallel
        worker), the call that cuts it need not end before a batch."""
        self.env["ir.config_parameter"].sudo().set_param("credit_control.parallel_workers", "1")
        progress = self._cron_call()
        self.assertRecordValues(progress, [{"done": 1, "remaining": 2}])
        self.assertEqual(len(self._reminded()), 1)

    def test_reminders_sent_by_hand_do_not_replace_the_run_of_the_day(self):
        dossier = self.env["credit.control.dossier"].search([("partner_id", "=", self.customers[0].id)])
        with freeze_time(TODAY):
            self.Run._credit_run(companies=self.company, dossiers=dossier)
        self._cron_call(batch_size=10)
        self.assertRecordValues(self._runs_of_today(), [
            {"scheduled": False, "state": "done", "dossier_total": 1},
            {"scheduled": True, "state": "done", "dossier_total": 3},
        ])
        self.assertEqual(self._reminded(), self.customers)

    def test_default_batch_in_one_call(self):
        progress = self._cron_call(batch_size=500)
        self.assertRecordValues(progress, [{"done": 3, "remaining": 0}])
        self.assertRecordValues(self._runs_of_today(), [{"state": "done", "dossier_total": 3, "dossier_done": 3}])

    def test_unfinished_run_of_an_earlier_day_is_closed(self):
        with freeze_time(date(2026, 3, 9)):
            self.Run._cron_run_scenarios(batch_size=1, companies=self.company)
        yesterday = self.Run.search([("company_ids", "in", self.company.ids), ("date", "=", date(2026, 3, 9))])
        self.assertRecordValues(yesterday, [{"state": "running"}])
        self._cron_call(batch_size=10)
        self.assertEqual(yesterday.state, "done")
        self.assertIn("2 customers", yesterday.warning, "it says how many customers it left to the next run")
        # today's run goes through the three overdue customers and reminds
        # the two left: the first one was reminded yesterday
        today = self._runs_of_today()
        self.assertRecordValues(today, [{"state": "done", "dossier_total": 3, "dossier_done": 3}])
        self.assertEqual(today.action_ids.partner_id, self.customers - yesterday.action_ids.partner_id)
        self.assertEqual(len(today.action_ids), 2)
        self.assertEqual(self._reminded(), self.customers)

    def test_synchronous_run_does_everything_in_one_call(self):
        with freeze_time(TODAY):
            run = self.Run._credit_run(companies=self.company, batch_size=1)
        self.assertRecordValues(run, [{"state": "done", "dossier_total": 3, "dossier_done": 3}])
        self.assertEqual(run.action_ids.partner_id, self.customers)

    def test_retriggered_when_no_progress_possible(self):
        """Called outside ir.cron's loop (no progress to report), the cron
        is triggered again while dossiers remain."""
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])
        with freeze_time(TODAY):
            self.Run._cron_run_scenarios(batch_size=1, companies=self.company)
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]) - triggers)
