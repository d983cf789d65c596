from datetime import date
from unittest import SkipTest

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.credit_control_base.tests.common import CreditControlCommon
from odoo.addons.queue_job.job import Job

TODAY = date(2026, 3, 10)


@tagged("post_install", "-at_install")
class TestQueueJobs(CreditControlCommon):
    """The batches of a reminder run are queue jobs on the channel
    root.credit_control; performed as the job runner performs them, in any
    order, they make the run's reminders once, and a job whose batch a cron
    worker took does nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "credit.control.scenario.run" not in cls.env:
            raise SkipTest("the reminder run (credit_control_scenario) is not installed")
        cls.company.credit_control_scenario_id = cls.env.ref("credit_control_scenario.credit_control_scenario_standard")
        cls.customers = cls.env["res.partner"].concat(*(
            cls._create_customer(f"Queue Client {i}", email=f"queue{i}@example.fr") for i in range(3)
        ))
        cls._create_invoices([
            {"partner": customer, "amount": 400.0 + i, "date": date(2026, 2, 1), "due": date(2026, 3, 1)}
            for i, customer in enumerate(cls.customers)
        ])
        cls.Run = cls.env["credit.control.scenario.run"]

    def _jobs(self, run):
        batches = run.sudo().batch_ids
        # the jobs as their manager sees them (the test user enqueues them
        # without reading them, as a cron's user does)
        return self.env["queue.job"].sudo().search([
            ("model_name", "=", "credit.control.work.batch"), ("method_name", "=", "_credit_job_run"),
        ]).filtered(lambda job: job.records & batches)

    def _perform(self, job_record):
        """Run a job as the job runner's controller does."""
        job = Job.load(self.env(su=True), job_record.uuid)
        job.set_started()
        job.store()
        with freeze_time(TODAY):
            job.perform()
        job.set_done()
        job.store()
        return job

    def test_batches_are_queue_jobs_of_the_channel(self):
        run = self.Run._credit_start(self.company, TODAY, batch_size=1)
        jobs = self._jobs(run)
        self.assertEqual(len(jobs), 3, "one job per batch")
        self.assertEqual(set(jobs.mapped("channel")), {"root.credit_control"})
        self.assertEqual(set(jobs.mapped("state")), {"pending"})
        # the worker crons are not woken: the jobs do their work
        worker = self.env.ref("credit_control_base.ir_cron_credit_control_worker_1")
        self.assertFalse(self.env["ir.cron.trigger"].search([("cron_id", "=", worker.id),
                                                             ("create_date", ">=", run.create_date)]))
        for job in jobs.sorted("id", reverse=True):
            self._perform(job)
        self.assertEqual(set(jobs.mapped("state")), {"done"})
        self.assertRecordValues(run, [{"state": "done", "dossier_total": 3, "dossier_done": 3}])
        self.assertEqual(run.action_ids.partner_id, self.customers)
        self.assertEqual(len(run.action_ids.line_ids), 3, "each invoice reminded once")

    def test_job_of_a_batch_taken_by_a_cron_does_nothing(self):
        run = self.Run._credit_start(self.company, TODAY, batch_size=2)
        jobs = self._jobs(run).sorted("id")
        # the run's cron takes the first batch before its job starts
        with freeze_time(TODAY):
            self.Run._cron_run_scenarios(batch_size=2, companies=self.company)
        self.assertEqual(len(run.action_ids), 2)
        first = self._perform(jobs[0])
        self.assertEqual(first.result, "Processed by another worker")
        self._perform(jobs[1])
        self.assertRecordValues(run, [{"state": "done", "dossier_done": 3}])
        self.assertEqual(run.action_ids.partner_id, self.customers)
        self.assertEqual(len(run.action_ids.line_ids), 3)

    def test_run_done_at_once_queues_no_job(self):
        """A run a collector makes at once (Send Reminders Now) does its
        batches itself: no job for them."""
        QueueJob = self.env["queue.job"].sudo()
        jobs_before = QueueJob.search_count([("method_name", "=", "_credit_job_run")])
        with freeze_time(TODAY):
            run = self.Run._credit_run(companies=self.company, batch_size=1)
        self.assertRecordValues(run, [{"state": "done", "dossier_done": 3}])
        self.assertEqual(QueueJob.search_count([("method_name", "=", "_credit_job_run")]), jobs_before)
