from datetime import date
from functools import partial

from freezegun import freeze_time

from odoo.tests import tagged

from .common import ScenarioCommon

TODAY = date(2026, 3, 10)


class _Rollback(Exception):
    pass


@tagged("post_install", "-at_install")
class TestWorkBatches(ScenarioCommon):
    """A run cut into batches that several workers share gives the same
    reminders, amounts, notes and e-mails as the run in one piece, whatever
    the order in which the workers take its batches and however it is cut."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"].concat(*(cls._customer(f"Batch Client {i}") for i in range(5)))
        specs = []
        for i, customer in enumerate(cls.customers):
            # several invoices and steps per customer: the first reminder on
            # some, a second one due on others, a courtesy reminder on one
            specs += [
                {"partner": customer, "amount": 100.0 + i, "date": date(2026, 1, 1), "due": date(2026, 2, 1)},
                {"partner": customer, "amount": 250.0 + i, "date": date(2026, 2, 1), "due": date(2026, 3, 1)},
            ]
        specs.append({"partner": cls.customers[0], "amount": 75.0, "date": date(2026, 3, 1), "due": date(2026, 3, 8)})
        cls._create_invoices(specs)
        cls.Run = cls.env["credit.control.scenario.run"]
        cls.Batch = cls.env["credit.control.work.batch"]

    def _run_outcome(self, run):
        """What a run did, in terms a customer and a collector see: the
        reminders (customer, step, state, amount, invoices), the notes on
        the dossiers and the e-mails queued."""
        self.env.flush_all()
        actions = run.action_ids
        reminders = sorted(
            (a.partner_id.name, a.step_id.name, a.channel, a.state, a.amount,
             tuple(sorted((line.move_id.name, line.amount) for line in a.line_ids)))
            for a in actions
        )
        dossiers = actions.dossier_id
        notes = sorted(
            (m.model, dossiers.browse(m.res_id).partner_id.name, str(m.body))
            for m in self.env["mail.message"].search([
                ("model", "=", "credit.control.dossier"), ("res_id", "in", dossiers.ids),
                ("create_date", ">=", run.create_date),
            ])
        )
        mails = sorted(
            (self.Action.browse(m.res_id).partner_id.name, m.credit_template_id.id, m.recipient_ids.ids)
            for m in self.env["mail.mail"].search([
                ("model", "=", "credit.control.action"), ("res_id", "in", actions.ids),
            ])
        )
        return reminders, notes, mails

    def _in_savepoint(self, function):
        """``function()``'s outcome, then everything it wrote undone."""
        outcome = None
        try:
            with self.env.cr.savepoint():
                with freeze_time(TODAY):
                    outcome = self._run_outcome(function())
                raise _Rollback
        except _Rollback:
            self.env.invalidate_all()
        return outcome

    def _split_run(self, batch_size, order):
        """Start the run cut in batches of ``batch_size`` dossiers, then have
        the workers take its batches in ``order`` ('reverse' or 'forward')."""
        run = self.Run._credit_start(self.company, TODAY, batch_size=batch_size)
        batches = run.sudo().batch_ids.sorted("id", reverse=order == "reverse")
        self.assertEqual(len(batches), -(-run.dossier_total // batch_size))
        for batch in batches:
            claimed = self.Batch._credit_claim(run)
            self.assertTrue(claimed)
            # any pending batch may be the one a worker gets: take the order given
            batch._credit_process()
        self.assertRecordValues(run, [{"state": "done", "dossier_total": 5, "dossier_done": 5}])
        self.assertFalse(run.sudo().batch_ids, "a finished run forgets its batches")
        return run

    def test_any_split_and_order_gives_the_same_reminders(self):
        whole = self._in_savepoint(lambda: self.Run._credit_run(companies=self.company, batch_size=500))
        self.assertEqual({reminder[0] for reminder in whole[0]}, set(self.customers.mapped("name")))
        self.assertTrue(whole[1], "the run wrote notes on the dossiers")
        for batch_size in (1, 2, 3):
            for order in ("forward", "reverse"):
                with self.subTest(batch_size=batch_size, order=order):
                    self.assertEqual(self._in_savepoint(partial(self._split_run, batch_size, order)), whole)

    def test_batches_even_and_a_multiple_of_the_workers(self):
        """Cut so that the workers finish together: 2,701 customers in
        batches of at most 250 on two workers make 12 batches of 226 or
        less, not 11 of which one worker does the last alone."""
        Param = self.env["ir.config_parameter"].sudo()
        ids = list(range(1, 2702))
        for workers, dispatch, sizes in (
            ("2", True, [226] * 11 + [215]),
            ("3", True, [226] * 11 + [215]),
            ("4", True, [226] * 11 + [215]),
            ("1", True, [246] * 10 + [241]),
            ("2", False, [246] * 10 + [241]),
        ):
            with self.subTest(workers=workers, dispatch=dispatch):
                Param.set_param("credit_control.parallel_workers", workers)
                split = self.Batch._credit_split(ids, 250, dispatch)
                self.assertEqual([len(batch) for batch in split], sizes)
                self.assertEqual([i for batch in split for i in batch], ids, "each customer once, in order")
        self.assertEqual(self.Batch._credit_split([7, 8, 9], 250), [[7, 8, 9]])
        self.assertEqual(self.Batch._credit_split([], 250), [])
        # a group is not cut: its batch ends after it within the size, else
        # before it; a group larger than a batch is; ids of no group are
        for ids_, size, keys, batches in (
            ([1, 2, 3, 4, 5], 4, ["a", "a", "a", "a", None], [[1, 2, 3, 4], [5]]),
            ([1, 2, 3, 4, 5, 6, 7], 3, ["a", "a", "b", "b", "b", None, None], [[1, 2], [3, 4, 5], [6, 7]]),
            ([1, 2, 3, 4, 5, 6, 7], 3, ["a"] * 7, [[1, 2, 3], [4, 5, 6], [7]]),
        ):
            with self.subTest(keys=keys):
                self.assertEqual(self.Batch._credit_split(ids_, size, dispatch=False, keys=keys), batches)

    def test_cron_calls_share_the_batches(self):
        """The run's cron call and a worker cron's call each take the next
        pending batch; the last one done finishes the run."""
        self.env["ir.config_parameter"].sudo().set_param("credit_control.parallel_workers", "2")
        worker = self.env.ref("credit_control_base.ir_cron_credit_control_worker_1")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", worker.id)])
        with freeze_time(TODAY):
            run = self.Run._cron_run_scenarios(batch_size=2, companies=self.company)
        if not self._queue_jobs_installed():
            self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", worker.id)]) - triggers,
                            "starting the run wakes the worker cron")
        self.assertRecordValues(run, [{"state": "running", "dossier_total": 5, "dossier_done": 2}])
        _cron, progress = worker._add_progress()
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", worker.id)])
        with freeze_time(TODAY):
            # as ir.cron calls it: its progress record and its cron in the context
            self.Batch.with_context(ir_cron_progress_id=progress.id, cron_id=worker.id)._cron_process_batches()
        self.assertRecordValues(progress, [{"done": 2, "remaining": 1}])
        # ir.cron stops after ten calls in a row without waking the cron
        # threads: a trigger does, not to leave the rest for a minute
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", worker.id)]) - triggers)
        self.assertRecordValues(run, [{"state": "running", "dossier_done": 4}])
        with freeze_time(TODAY):
            self.Batch._cron_process_batches()
        self.assertRecordValues(run, [{"state": "done", "dossier_done": 5}])
        self.assertEqual(run.action_ids.partner_id, self.customers)

    def _queue_jobs_installed(self):
        """credit_control_queue dispatches the batches as queue jobs
        instead of waking the worker crons (its own tests)."""
        return bool(self.env["ir.module.module"].search_count([
            ("name", "=", "credit_control_queue"), ("state", "=", "installed"),
        ]))

    def test_one_worker_setting_wakes_no_worker_cron(self):
        self.env["ir.config_parameter"].sudo().set_param("credit_control.parallel_workers", "1")
        workers = self.env["ir.cron"].browse([
            self.env.ref(f"credit_control_base.ir_cron_credit_control_worker_{i}").id for i in (1, 2, 3)
        ])
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "in", workers.ids)])
        with freeze_time(TODAY):
            self.Run._cron_run_scenarios(batch_size=1, companies=self.company)
        self.assertEqual(self.env["ir.cron.trigger"].search([("cron_id", "in", workers.ids)]), triggers)
