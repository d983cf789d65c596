from contextlib import closing
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2.errors import LockNotAvailable, UniqueViolation

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.credit_control_scenario.models.credit_control_scenario_run import CreditControlRun

TODAY = "2026-03-10"


@tagged("post_install", "-at_install")
class TestConcurrency(TransactionCase):
    """Two workers at once, or a crash in the middle of a run: no reminder
    twice, none lost. These tests need data other transactions can see, so
    they commit it through their own cursors (on the main company) and
    delete it afterwards."""

    def setUp(self):
        super().setUp()
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            partners = env["res.partner"].create([
                {"name": f"Concurrent {i}", "is_company": True, "email": f"concurrent{i}@example.fr"}
                for i in range(3)
            ])
            moves = env["account.move"].with_company(company).create([{
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "company_id": company.id,
                "invoice_date": date(2026, 2, 1),
                "invoice_date_due": date(2026, 3, 1),
                "invoice_line_ids": [
                    Command.create({"name": "Audit", "quantity": 1, "price_unit": 500.0, "tax_ids": []}),
                ],
            } for partner in partners])
            moves.action_post()
            self.company_id, self.partner_ids, self.move_ids = company.id, partners.ids, moves.ids
            self.last_run_id = env["credit.control.scenario.run"].search([], order="id desc", limit=1).id or 0
            # other cursors (the workers) must see the data
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            actions = env["credit.control.action"].search([("partner_id", "in", self.partner_ids)])
            env["mail.mail"].search([("model", "=", "credit.control.action"), ("res_id", "in", actions.ids)]).unlink()
            env["credit.control.scenario.run"].search([("id", ">", self.last_run_id)]).unlink()
            actions.unlink()
            moves = env["account.move"].browse(self.move_ids)
            moves.button_draft()
            moves.with_context(force_delete=True).unlink()
            env["credit.control.dossier"].search([("partner_id", "in", self.partner_ids)]).unlink()
            env["res.partner"].browse(self.partner_ids).unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def _worker(self):
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        env = api.Environment(cr, SUPERUSER_ID, {})
        return env, env["credit.control.scenario.run"], env["res.company"].browse(self.company_id)

    def _lines(self):
        with closing(self.registry.cursor()) as cr:
            cr.execute(
                "SELECT move_id, step_id FROM credit_control_action_line WHERE move_id IN %s AND cancelled IS NOT TRUE",
                [tuple(self.move_ids)],
            )
            return sorted(cr.fetchall())

    @freeze_time(TODAY)
    def test_two_workers_at_once(self):
        env_a, run_a, company = self._worker()
        env_b, run_b, _company = self._worker()
        # worker A plans everything but has not committed yet: its dossiers are locked
        first = run_a._credit_run(companies=company)
        self.assertEqual(len(first.action_ids), 3)
        # worker B skips the locked dossiers instead of waiting or duplicating
        second = run_b._credit_run(companies=company)
        self.assertFalse(second.action_ids)
        env_b.cr.commit()
        env_a.cr.commit()
        # and a later run sees what A committed
        env_c, run_c, company_c = self._worker()
        self.assertFalse(run_c._credit_run(companies=company_c).action_ids)
        env_c.cr.rollback()
        step = self.env.ref("credit_control_scenario.step_first_reminder").id
        self.assertEqual(self._lines(), sorted((move_id, step) for move_id in self.move_ids))

    @freeze_time(TODAY)
    @mute_logger("odoo.sql_db")
    def test_database_refuses_a_step_twice(self):
        env_a, run_a, company = self._worker()
        env_b, run_b, _company = self._worker()
        stale = run_b.create({"name": "B", "company_ids": [Command.set(company.ids)]})
        rows_b = stale._credit_candidates(company, date(2026, 3, 10))
        self.assertEqual(len(rows_b), 3)
        run_a._credit_run(companies=company)
        # while A is in flight, B cannot write the same reminder...
        env_b.cr.execute("SET LOCAL lock_timeout = '300ms'")
        with self.assertRaises(LockNotAvailable), env_b.cr.savepoint():
            stale._credit_create_actions(rows_b, date(2026, 3, 10))
        env_b.cr.rollback()
        env_b.invalidate_all()
        rows_b = stale.browse()._credit_candidates(company, date(2026, 3, 10))
        env_a.cr.commit()
        # ...and once A committed, B's stale plan is refused by the unique index
        stale = run_b.create({"name": "B", "company_ids": [Command.set(company.ids)]})
        with self.assertRaises(UniqueViolation), env_b.cr.savepoint():
            stale._credit_create_actions(rows_b, date(2026, 3, 10))
        env_b.cr.rollback()
        self.assertEqual(len(self._lines()), 3)

    @freeze_time(TODAY)
    def test_two_cron_workers_at_once(self):
        env_a, run_a, company = self._worker()
        env_b, run_b, _company = self._worker()
        # worker A's call plans the first batch (two dossiers), not committed yet
        first = run_a._cron_run_scenarios(batch_size=2, companies=company)
        self.assertEqual(len(first.action_ids), 2)
        # worker B does not see A's run yet: it starts its own, and skips the
        # dossiers A holds instead of waiting or reminding them again
        second = run_b._cron_run_scenarios(batch_size=2, companies=company)
        self.assertFalse(second.action_ids)
        env_b.cr.commit()
        env_a.cr.commit()
        # the next calls finish both runs, whichever worker makes them
        env_c, run_c, company_c = self._worker()
        for _call in range(2):
            run_c._cron_run_scenarios(batch_size=2, companies=company_c)
            env_c.cr.commit()
        runs = run_c.browse((first | second).ids)
        self.assertRecordValues(runs.sorted("id"), [
            {"state": "done", "dossier_total": 3, "dossier_done": 3},
            {"state": "done", "dossier_total": 3, "dossier_done": 3},
        ])
        step = self.env.ref("credit_control_scenario.step_first_reminder").id
        self.assertEqual(self._lines(), sorted((move_id, step) for move_id in self.move_ids))

    @freeze_time(TODAY)
    def test_crash_mid_run_loses_nothing(self):
        """A cron call processes one batch; ir.cron commits it. A call that
        crashes is rolled back alone, and the next call (any worker) does
        its batch again: no reminder lost, none twice."""
        env_a, run_a, company = self._worker()
        run = run_a._cron_run_scenarios(batch_size=1, companies=company)
        env_a.cr.commit()
        self.assertEqual(len(self._lines()), 1, "one batch per call, committed by the cron")

        def worker_killed(run, rows, today):
            raise MemoryError("worker killed")

        with patch.object(CreditControlRun, "_credit_create_actions", worker_killed), \
                self.assertRaises(MemoryError):
            run_a._cron_run_scenarios(batch_size=1, companies=company)
        env_a.cr.rollback()
        self.assertEqual(len(self._lines()), 1, "the crashed call left nothing")
        env_b, run_b, company_b = self._worker()
        self.assertEqual(run_b._cron_run_scenarios(batch_size=1, companies=company_b).id, run.id, "resumed")
        env_b.cr.commit()
        self.assertEqual(len(self._lines()), 2)
        run = run_b._cron_run_scenarios(batch_size=1, companies=company_b)
        env_b.cr.commit()
        self.assertRecordValues(run, [{"state": "done", "dossier_total": 3, "dossier_done": 3}])
        self.assertEqual(len(run.action_ids), 3)
        self.assertEqual(len(self._lines()), 3, "each invoice reminded once")

    @freeze_time(TODAY)
    def test_workers_share_the_batches_of_one_run(self):
        """Two workers on one run at once: each claims a batch the other
        does not hold (SKIP LOCKED), a batch finished after a worker's
        snapshot is passed, not done twice; the last worker finishes the
        run."""
        env_a, run_a, company = self._worker()
        run = run_a._credit_start(company, date(2026, 3, 10), batch_size=1)
        env_a.cr.commit()
        env_b, run_b, _company = self._worker()
        env_c, run_c, _company = self._worker()
        # B's snapshot starts now, before A commits its batch
        self.assertEqual(run_b.browse(run.id).state, "running")
        Batch_a, Batch_b = env_a["credit.control.work.batch"], env_b["credit.control.work.batch"]
        first = Batch_a._credit_claim(run_a.browse(run.id))
        self.assertEqual(first._credit_process(), 1)
        # C claims while A holds the first batch: it gets the second
        second = env_c["credit.control.work.batch"]._credit_claim(run_c.browse(run.id))
        self.assertNotEqual(second.id, first.id)
        env_a.cr.commit()
        # B still sees the first batch pending in its snapshot: it passes it
        # (done since) and the second (C holds it), and gets the third
        third = Batch_b._credit_claim(run_b.browse(run.id))
        self.assertNotIn(third.id, (first.id, second.id))
        self.assertEqual(third._credit_process(), 1)
        self.assertEqual(second._credit_process(), 1)
        env_b.cr.commit()
        env_c.cr.commit()
        self.assertEqual(len(self._lines()), 3, "each invoice reminded once")
        # B and C each saw the other's batch pending: the next call finishes the run
        env_d, _run_d, _company = self._worker()
        self.assertEqual(env_d["credit.control.work.batch"]._cron_process_batches(), 0)
        env_d.cr.commit()
        finished = env_d["credit.control.scenario.run"].browse(run.id)
        self.assertRecordValues(finished, [{"state": "done", "dossier_total": 3, "dossier_done": 3}])
        self.assertEqual(len(finished.action_ids), 3)
