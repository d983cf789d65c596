import logging
from collections import defaultdict
from contextlib import contextmanager, nullcontext
from datetime import timedelta

from psycopg2.errors import UniqueViolation

from odoo import _, api, fields, models
from odoo.tools import SQL, format_date, split_every
from odoo.tools.translate import LazyTranslate

from odoo.addons.credit_control_base.const import COLLECTIBLE_MOVE_TYPES
from odoo.addons.credit_control_base.tools.sql import foreign_keys_by_index, planner_settings

from ..tools import action_sql

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

# small enough for the batches of a run to spread over several workers,
# large enough for each batch's set-based queries to pay off
DEFAULT_BATCH_SIZE = 250
# a run done in one call (``_credit_run``) shares its batches with no other
# worker: larger batches spread its set-based queries over more customers
SYNC_BATCH_SIZE = 2000
# Run Now asked for a new run: the id of the last run it saw
RUN_REQUESTED_PARAM = "credit_control_scenario.run_requested_after"


class CreditControlRun(models.Model):
    """One pass of the reminder engine: it plans and sends the reminders due
    on its date, in batches of dossiers, and records what it found on the
    way (a bank feed not up to date, reminders that failed). The batches
    are shared work (``credit.control.work.batch``): the cron and the
    worker crons each claim the next one, process it and commit it, in
    parallel; a run made for a credit manager (``_credit_run``) does them
    all at once."""

    _name = "credit.control.scenario.run"
    _description = "Reminder Run"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    company_ids = fields.Many2many("res.company", string="Companies", readonly=True)
    user_id = fields.Many2one("res.users", string="Started by", readonly=True, default=lambda self: self.env.user)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done")], default="running", required=True, readonly=True
    )
    warning = fields.Text(
        readonly=True,
        help="What the run found before reminding anyone, such as bank statements not up to date.",
    )
    scheduled = fields.Boolean(
        readonly=True,
        help="Started by the daily cron or Run Now, on every customer (not by Send Reminders Now on some of them).",
    )
    dossier_total = fields.Integer(string="Customers to Process", readonly=True)
    # the pending batches say what is left: a worker does not write on the
    # run after its batch, so that workers in parallel never wait for each
    # other on it (nor fail to serialize their updates of it)
    dossier_done = fields.Integer(string="Customers Processed", compute="_compute_dossier_done")
    dossier_left = fields.Integer(string="Customers Left", readonly=True, copy=False,
                                  help="Customers an unfinished run left to the next one.")
    batch_ids = fields.One2many(
        "credit.control.work.batch", "res_id", string="Batches", readonly=True, groups="base.group_system",
        domain=[("res_model", "=", "credit.control.scenario.run")],
    )
    progress = fields.Float(compute="_compute_progress")
    action_ids = fields.One2many("credit.control.action", "run_id", string="Reminders")
    action_count = fields.Integer(compute="_compute_action_counts", string="Reminders Count")
    sent_count = fields.Integer(compute="_compute_action_counts", string="Sent")
    to_validate_count = fields.Integer(compute="_compute_action_counts", string="To Validate")
    planned_count = fields.Integer(compute="_compute_action_counts", string="Tasks and Calls")
    failed_count = fields.Integer(compute="_compute_action_counts", string="Failed")

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("dossier_total", "dossier_left", "batch_ids.state")
    def _compute_dossier_done(self):
        for run in self:
            # the batches are the workers' (a collector reads the run)
            pending = sum(batch.size for batch in run.sudo().batch_ids if batch.state == "pending")
            run.dossier_done = run.dossier_total - run.dossier_left - pending

    @api.depends("dossier_total", "dossier_done")
    def _compute_progress(self):
        for run in self:
            run.progress = run.dossier_done * 100.0 / run.dossier_total if run.dossier_total else 100.0

    def _compute_action_counts(self):
        counts = defaultdict(int)
        for run, state, count in self.env["credit.control.action"]._read_group(
            [("run_id", "in", self.ids)], ["run_id", "state"], ["__count"]
        ):
            counts[run, state] = count
            counts[run, "all"] += count
        for run in self:
            run.action_count = counts[run, "all"]
            run.sent_count = counts[run, "sent"]
            run.to_validate_count = counts[run, "to_validate"]
            run.planned_count = counts[run, "planned"]
            run.failed_count = counts[run, "failed"]

    @api.ondelete(at_uninstall=False)
    def _unlink_work_batches(self):
        # their batches reference them by id only (shared work of any model)
        self.env["credit.control.work.batch"].sudo().search([
            ("res_model", "=", self._name), ("res_id", "in", self.ids),
        ]).unlink()

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    @api.model
    def action_run_now(self):
        """Start a run in the background (the cron); its progress shows on
        the run, committed batch after batch."""
        self.check_access("create")
        # a new run even when today's is done: the last run the request saw
        last = self.sudo().search([], order="id desc", limit=1)
        self.env["ir.config_parameter"].sudo().set_param(RUN_REQUESTED_PARAM, str(last.id or 0))
        self.env.ref("credit_control_scenario.ir_cron_credit_control_run").sudo()._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": _("The reminder run has started. Reload the list to follow its progress."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_open_actions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("credit_control_scenario.credit_control_action_action")
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------------

    @api.model
    def _cron_run_scenarios(self, batch_size=DEFAULT_BATCH_SIZE, companies=None):
        """One bounded batch of today's run per call, as Odoo's batched crons
        do: the first call of the day starts the run (cuts it into batches
        and wakes the worker crons), the next ones take its next batch.
        ir.cron commits each call and calls again while batches remain (the
        progress reported), so its time limits and error handling apply, the
        worker crons take the other batches at the same time, and a call
        that fails is rolled back alone: its batch stays for the next call.

        :param companies: the companies of the run (all by default)
        :return: the run whose batch this call processed (or the first of
            today's runs when other workers hold all their batches)
        """
        companies = companies or self.env["res.company"].search([])
        today = fields.Date.context_today(self)
        Batch = self.env["credit.control.work.batch"]
        runs = self._credit_resume(companies, today)
        if not runs:
            finished = self._credit_finished_today(companies, today)
            if finished:
                self.env["ir.cron"]._notify_progress(done=0, remaining=0)
                return finished
            self.env["ir.config_parameter"].sudo().set_param(RUN_REQUESTED_PARAM, False)
            runs = self._credit_start(companies, today, batch_size=batch_size, scheduled=True)
            if Batch._credit_end_call_after_cut(runs.sudo().batch_ids):
                return runs
        done, run = 0, runs[:1]
        batch = Batch._credit_claim(runs)
        if batch:
            run = self.browse(batch.res_id)
            done = batch._credit_process()
        else:
            Batch._credit_finish_idle()
        remaining = Batch._credit_pending_size(runs)
        Batch._credit_report_progress(done, remaining)
        if remaining and not self.env.context.get("ir_cron_progress_id"):
            # ir.cron calls again by itself after some progress only: a call
            # outside ir.cron needs a trigger
            self.env.ref("credit_control_scenario.ir_cron_credit_control_run").sudo()._trigger()
        return run

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _credit_finished_today(self, companies, today):
        """Today's last run of ``companies`` when it is finished and no new
        run was asked for since (Run Now). A call of the run's cron after the
        last batch was done elsewhere (triggered to go on with the run while
        a worker finished it) must not start a second run of the day.

        :return: that run, or an empty recordset when a new run may start
        """
        last = self.search([("date", "=", today), ("state", "=", "done"), ("scheduled", "=", True)],
                           order="id desc").filtered(
            lambda run: run.company_ids == companies)[:1]
        requested = self.env["ir.config_parameter"].sudo().get_param(RUN_REQUESTED_PARAM)
        if not last or (requested and requested.isdigit() and int(requested) >= last.id):
            return self.browse()
        return last

    @api.model
    def _credit_run(self, companies=None, batch_size=SYNC_BATCH_SIZE, dossiers=None):
        """Plan and send the reminders due today for ``companies`` (all by
        default), every batch in this call and the caller's transaction:
        ``_credit_plan_run`` then ``_credit_deliver_run``.
        Safe to run twice, or in two workers at once: dossiers are locked
        per batch (SKIP LOCKED) and the database refuses a step twice on an
        invoice.

        :param dossiers: only these customers' reminders (the worklist's
            "Send Reminders Now")
        :return: the run, done
        """
        run = self._credit_plan_run(companies, batch_size=batch_size, dossiers=dossiers)
        run._credit_deliver_run()
        return run

    @api.model
    def _credit_plan_run(self, companies=None, batch_size=SYNC_BATCH_SIZE, dossiers=None):
        """The first step of ``_credit_run``: which reminders are due, for
        which invoices and amounts, written as reminders and their lines;
        nothing is sent yet (``_credit_deliver_run``).

        :return: the run, still running
        """
        companies = companies or self.env["res.company"].search([])
        run = self._credit_start(companies, fields.Date.context_today(self), dossiers, batch_size=batch_size,
                                 dispatch=False)
        # its own batches, not yet visible to any worker: no need to claim
        # them; a batch another run planned meanwhile is left to the next run
        for batch in run.sudo().batch_ids:
            run._credit_plan_batch(batch.record_ids)
            batch.state = "done"
        return run

    def _credit_deliver_run(self):
        """The second step of ``_credit_run``: send the reminders the run
        planned (``_credit_plan_run``, same transaction), then finish it."""
        self.ensure_one()
        # In the order they were planned, as each batch sends its own, and
        # as many at a time: the reminders are written in SQL, so the ORM
        # reads each of their fields with a cache miss per 1,000 records,
        # and each miss lists the whole recordset it prefetches for. On all
        # the run's reminders at once the delivery grew with their square
        # (at 1M invoices Odoo's expand_ids ran 28.8 million times for
        # 103,722 reminders; the delivery took 32 s, 28 s this way).
        Action = self.env["credit.control.action"]
        for ids in split_every(SYNC_BATCH_SIZE, self.action_ids.sorted("id").ids):
            self._credit_send_planned(Action.browse(ids))
        self.env["credit.control.work.batch"]._credit_finish(self)

    @api.model
    def _credit_start(self, companies, today, dossiers=None, batch_size=DEFAULT_BATCH_SIZE, dispatch=True,
                      scheduled=False):
        """A new run of ``companies`` on ``today``, with the dossiers that
        may have a reminder due (among ``dossiers`` when given) cut into
        batches of ``batch_size`` for the workers.

        The start only picks the customers with an invoice that a step's
        delay has reached (one query on the index of open items); which
        reminder is due, if any, each batch decides from its own fresh read
        (``_credit_candidates``). The start is the part of a run no other
        worker shares: the less it does, the more the workers share.

        :param dispatch: wake the other workers (False: the caller does the
            batches itself)
        :param scheduled: the run of the day (the cron's), not a run of some
            customers"""
        run = self.create({
            "name": _("Reminders of %s", format_date(self.env, today)),
            "date": today,
            "company_ids": [fields.Command.set(companies.ids)],
            "warning": self._credit_statement_warnings(companies, today) or False,
            "scheduled": scheduled,
        })
        if dossiers is None:
            dossier_ids = run._credit_dossiers_reached(companies, today)
        else:
            # no dossier given means none, never every customer
            dossier_ids = run._credit_dossiers_reached(companies, today, dossiers.ids) if dossiers else []
        run.dossier_total = len(dossier_ids)
        if dossier_ids:
            Batch = self.env["credit.control.work.batch"]
            Batch._credit_enqueue(run, Batch._credit_split(dossier_ids, batch_size, dispatch), dispatch=dispatch)
        else:
            run.state = "done"
        return run

    @api.model
    def _credit_resume(self, companies, today):
        """Today's unfinished runs of ``companies`` (usually one; two when
        two workers started one at once). Unfinished runs of earlier days
        are closed: today's run reminds what they left."""
        running = self.search([("state", "=", "running")], order="id")
        Batch = self.env["credit.control.work.batch"]
        for stale in running.filtered(lambda r: r.date < today):
            left = Batch._credit_drop(stale)
            message = _(
                "Not finished on %(date)s: %(count)s customers left to the next run.",
                date=format_date(self.env, stale.date), count=left,
            )
            stale.write({
                "state": "done",
                "dossier_left": left,
                "warning": "\n".join(filter(None, [stale.warning, message])),
            })
        return running.filtered(lambda r: r.date == today and r.company_ids == companies)

    def _credit_work_finished(self):
        """Hook of ``credit.control.work.batch``: the last batch is done."""
        self.filtered(lambda run: run.state == "running").state = "done"

    def _credit_work_batch(self, dossier_ids, payload=None):
        """Hook of ``credit.control.work.batch``: plan and send the reminders
        of a batch of the run's dossiers (the run enqueues no payload).

        :return: False when another run planned some of them since this
            transaction's snapshot (nothing planned: the batch is for a new
            transaction, which sees what the other did), else True
        """
        self.ensure_one()
        actions = self._credit_plan_batch(dossier_ids)
        if actions is None:
            return False
        self._credit_send_planned(actions)
        return True

    def _credit_plan_batch(self, dossier_ids):
        """Plan the reminders of a batch of the run's dossiers, not sent yet.

        :return: the reminders planned, or None when another run planned
            some of them since this transaction's snapshot (nothing planned)
        """
        self.ensure_one()
        if not dossier_ids:
            return self.env["credit.control.action"]
        # a batch re-reads the open invoices of its dossiers only, by
        # their keys, not the whole receivable ledger again
        moves_by_dossier = self._credit_open_moves(dossier_ids)
        return self._credit_process_batch(
            self.company_ids, self.date, {d: moves_by_dossier.get(d, []) for d in dossier_ids}
        )

    def _credit_process_batch(self, companies, today, moves_by_dossier):
        """Lock the dossiers of a batch not locked by another worker, then
        plan their reminders from a fresh read of what is due. Dossiers
        another worker holds are left to it.

        :param moves_by_dossier: ``{dossier id: [invoice ids]}``, the open
            invoices of the dossiers (all of them: a step's minimum amount
            may weigh the customer's whole balance)
        :return: the reminders planned (not sent yet), or None when another
            worker planned some of them since this transaction's snapshot
            (nothing planned)
        """
        actions = self.env["credit.control.action"]
        try:
            with self.env.cr.savepoint(flush=True):
                locked = [row[0] for row in self.env.execute_query(SQL(
                    "SELECT id FROM credit_control_dossier WHERE id IN %s ORDER BY id FOR UPDATE SKIP LOCKED",
                    tuple(moves_by_dossier),
                ))]
                if locked:
                    move_ids = [move_id for dossier_id in locked for move_id in moves_by_dossier[dossier_id]]
                    rows = self._credit_candidates(companies, today, locked, move_ids)
                    rows = self._credit_hold_for_credits(rows)
                    actions = self._credit_create_actions(rows, today)
            return actions
        except UniqueViolation:
            # The unique index refused a step twice: the transaction's
            # snapshot predates another worker's commit. Only a new
            # transaction sees what it planned.
            _logger.info("Reminder batch planned concurrently by another worker")
            self.env.invalidate_all()
            return None

    def _credit_candidates(self, companies, today, dossier_ids=None, move_ids=None):
        """The reminder due today on every open invoice, in one query: for
        each invoice not excluded from collection, the step of its
        dossier's scenario with the greatest delay already reached (so that
        a run after days off sends the latest step only) and applicable
        (amount, conditions), unless that step or a later one was already
        planned for it (the one query, and one more for what was planned).

        :param dossier_ids: only these dossiers, their items read customer
            by customer
        :param move_ids: only these invoices (a batch of a run re-reads the
            invoices it found open for its dossiers)
        """
        Move = self.env["account.move"].sudo()
        self.env.flush_all()
        exclusion = [("credit_excluded", "=", True)]
        lines = SQL("account_move_line l")
        line_filter = dossier_filter = SQL()
        if dossier_ids:
            # The dossiers' own open items, customer by customer through the
            # open items' covering index (as ``_credit_open_moves`` found
            # the batch's invoices). Given the invoices as a mere filter,
            # PostgreSQL read every open item of the companies for each
            # batch: a batch cost grew with the ledger, the run with its
            # square (0.5 s a batch at 1M invoices, 6 ms this way).
            lines = SQL(
                "credit_control_dossier bd JOIN account_move_line l"
                " ON l.company_id = bd.company_id AND l.partner_id = bd.partner_id"
            )
            line_filter = SQL("AND bd.id IN %s", tuple(dossier_ids))
            dossier_filter = SQL("AND d.id IN %s", tuple(dossier_ids))
        if move_ids:
            exclusion.append(("id", "in", move_ids))
            line_filter = SQL("%s AND l.move_id IN %s", line_filter, tuple(move_ids))
        # The ids, not a subquery: as a NOT IN subquery, the planner ran the
        # exclusion rules once per invoice on small batches.
        excluded = [row[0] for row in self.env.execute_query(Move._search(exclusion).select())]
        whole = not dossier_ids and not move_ids
        with self._credit_hash_joins() if whole else nullcontext():
            rows = self._credit_candidate_rows(companies, today, excluded, lines, line_filter, dossier_filter)
        return self._credit_drop_planned(rows)

    @contextmanager
    def _credit_hash_joins(self):
        """Run the queries inside without nested loops where PostgreSQL
        has another way, the setting the transaction's and restored after.

        Over every open invoice (the simulation of a date), the planner
        took the few thousand rows it guessed for the materialized open
        invoices and looked each of them up in the invoices and the
        dossiers one by one: at 1M receivable lines, 454,000 look-ups
        each, a level deeper in their indexes than at 100k (8.8 s against
        0.96 s, the machine busy; joined by hashing, 6.5 s against 0.86 s,
        the same rows). A batch's few invoices keep the look-ups. Without
        JIT compilation too: the nested loop left (each invoice's
        instalments) is priced as disabled, far past the threshold of
        compiling the query first (1.4 s at 100k)."""
        with planner_settings(self.env, enable_nestloop="off", jit="off"):
            yield

    @api.model
    def _credit_candidate_rows(self, companies, today, excluded, lines, line_filter, dossier_filter):
        """The query of ``_credit_candidates``, before what was planned
        is dropped."""
        Line = self.env["account.move.line"]
        return self.env.execute_query_dict(SQL(
            """
            WITH open_items AS MATERIALIZED (
                -- materialized, with their invoices below: the later joins
                -- start from the open invoices, whatever the planner's
                -- estimates (on a small batch it once went through every
                -- invoice of the company for each customer). One row per
                -- invoice, with the due date and residual of each of its
                -- open instalments: a reminder claims only those reached.
                SELECT l.move_id, MIN(%(due)s) AS due_date, SUM(l.amount_residual) AS residual,
                       ARRAY_AGG(%(due)s) AS dues, ARRAY_AGG(l.amount_residual) AS residuals
                  FROM %(lines)s
                 WHERE %(open_item)s
                   AND l.amount_residual > 0
                   AND l.company_id IN %(company_ids)s
                   %(line_filter)s
              GROUP BY l.move_id
            ), open_moves AS MATERIALIZED (
                SELECT o.move_id, o.due_date, o.residual, o.dues, o.residuals, m.commercial_partner_id, m.company_id
                  FROM open_items o
                  JOIN account_move m ON m.id = o.move_id
                 WHERE m.move_type IN %(types)s
                   AND m.id <> ALL(%(excluded)s::int[])
            ), candidates AS (
                SELECT o.move_id, d.id AS dossier_id, sc.id AS scenario_id, sc.grouping,
                       o.due_date, o.residual, o.dues, o.residuals,
                       SUM(o.residual) OVER (PARTITION BY d.id, sc.id) AS dossier_residual
                  FROM open_moves o
                  JOIN credit_control_dossier d
                    ON d.partner_id = o.commercial_partner_id AND d.company_id = o.company_id
                  JOIN res_company co ON co.id = d.company_id
             LEFT JOIN credit_control_segment seg ON seg.id = d.segment_id
                  JOIN credit_control_scenario sc ON sc.id = %(scenario)s
                 WHERE sc.active
                   %(dossier_filter)s
            ), due_steps AS (
                -- the claim of a step: the instalments overdue (a step before
                -- the due date: those falling due by its day), each once
                SELECT DISTINCT ON (c.move_id)
                       c.move_id, c.dossier_id, c.scenario_id, c.grouping, cl.claimed AS residual,
                       s.id AS step_id, s.delay_days, s.sequence
                  FROM candidates c
                  JOIN credit_control_scenario_step s ON s.scenario_id = c.scenario_id AND s.active
                  CROSS JOIN LATERAL (
                       SELECT COALESCE(SUM(t.residual), 0) AS claimed
                         FROM unnest(c.dues, c.residuals) AS t(due, residual)
                        WHERE t.due + LEAST(s.delay_days, 1) <= %(today)s) cl
                 WHERE c.due_date + s.delay_days <= %(today)s
                   AND (CASE WHEN c.grouping = 'per_customer' THEN c.dossier_residual ELSE cl.claimed END)
                       >= COALESCE(s.min_amount, 0)
                   AND %(conditions)s
              ORDER BY c.move_id, s.delay_days DESC, s.sequence DESC, s.id DESC
            )
            SELECT ds.*
              FROM due_steps ds
          ORDER BY ds.dossier_id, ds.move_id
            """,
            company_ids=tuple(companies.ids),
            due=Line._credit_due_date_sql(),
            open_item=Line._credit_open_item_sql(),
            lines=lines,
            line_filter=line_filter,
            dossier_filter=dossier_filter,
            types=COLLECTIBLE_MOVE_TYPES,
            excluded=excluded,
            today=today,
            conditions=self._credit_step_conditions(),
            scenario=self.env["credit.control.dossier"]._credit_scenario_sql("d", "seg", "co"),
        ))

    @api.model
    def _credit_dossiers_reached(self, companies, today, dossier_ids=None):
        """The ids of the dossiers of ``companies`` (among ``dossier_ids``
        when given) with an open invoice item that the earliest step of any
        scenario has reached on ``today``, sorted: every dossier that may
        have a reminder due (``_credit_candidates`` says which), in one
        query whatever the number of customers.
        """
        self.env.flush_all()
        earliest = self.env.execute_query(SQL(
            """
            SELECT MIN(s.delay_days)
              FROM credit_control_scenario_step s
              JOIN credit_control_scenario sc ON sc.id = s.scenario_id
             WHERE s.active AND sc.active
            """
        ))[0][0]
        if earliest is None:
            return []
        Line = self.env["account.move.line"]
        return [row[0] for row in self.env.execute_query(SQL(
            """
            SELECT DISTINCT d.id
              FROM account_move_line l
              JOIN credit_control_dossier d ON d.partner_id = l.partner_id AND d.company_id = l.company_id
             WHERE %(open_item)s
               AND l.amount_residual > 0
               AND l.company_id IN %(company_ids)s
               AND %(due)s <= %(reached)s
               %(dossier_filter)s
          ORDER BY d.id
            """,
            open_item=Line._credit_open_item_sql(),
            company_ids=tuple(companies.ids),
            due=Line._credit_due_date_sql(),
            reached=today - timedelta(days=earliest),
            dossier_filter=SQL("AND d.id IN %s", tuple(dossier_ids)) if dossier_ids else SQL(),
        ))]

    @api.model
    def _credit_open_moves(self, dossier_ids):
        """``{dossier id: [move ids]}``: the documents with an open
        receivable amount of each dossier's customer, in one query."""
        if not dossier_ids:
            return {}
        self.env.flush_all()
        return dict(self.env.execute_query(SQL(
            """
            SELECT d.id, ARRAY_AGG(DISTINCT l.move_id)
              FROM %s AS d(id, company_id, partner_id)
              JOIN account_move_line l ON l.partner_id = d.partner_id AND l.company_id = d.company_id
             WHERE %s
               AND l.amount_residual > 0
          GROUP BY d.id
            """,
            self._credit_batch_dossiers(dossier_ids),
            self.env["account.move.line"]._credit_open_item_sql(),
        )))

    @api.model
    def _credit_batch_dossiers(self, dossier_ids):
        """SQL of the relation ``(id, company_id, partner_id)`` of the
        dossiers ``dossier_ids``, read by their ids first and given as
        arrays, for a batch's query of its open invoices to join. Joined as
        a table, the planner read it whole for each batch, in parallel: a
        batch cost grew with the customers and the run with their square
        (16 ms a batch of 2,000 dossiers among 200,000; 2 ms read by their
        ids). Not in ``_credit_candidates``: with the invoices as a filter
        too, PostgreSQL then merged the relation with every open item of
        the companies (0.4 s a batch)."""
        rows = self.env.execute_query(SQL(
            "SELECT id, company_id, partner_id FROM credit_control_dossier WHERE id IN %s ORDER BY id",
            tuple(dossier_ids),
        ))
        ids, company_ids, partner_ids = (list(column) for column in zip(*rows, strict=True)) if rows else ([], [], [])
        return SQL("unnest(%s::int[], %s::int[], %s::int[])", ids, company_ids, partner_ids)

    def _credit_hold_for_credits(self, rows):
        """The candidate rows of the customers who may have paid already
        left out, and their collectors asked to match what was received
        (see ``_credit_split_for_credits``)."""
        kept, held = self._credit_split_for_credits(rows)
        if held:
            dossiers = self.env["credit.control.dossier"].sudo().browse(list(held))
            for dossier in dossiers:
                self._credit_tell_collector(dossier, held[dossier.id][0])
        return kept

    def _credit_split_for_credits(self, rows):
        """``(kept rows, {dossier id: (summary, held rows)})``: when the
        customer's unapplied credits (payments and credit notes not matched
        yet, its contacts' included) cover what the run would claim, no
        reminder goes; when they cover part of it, the company decides
        (Settings): wait and tell the collector, or send and say so (the
        reminders then mention what was received). Nothing is written: the
        simulation shows the same decisions."""
        if not rows:
            return rows, {}
        by_dossier = defaultdict(list)
        for row in rows:
            by_dossier[row["dossier_id"]].append(row)
        Dossier = self.env["credit.control.dossier"].sudo()
        credits = Dossier.browse(list(by_dossier))._credit_fetch_unapplied()
        kept, held = [], {}
        for dossier_id, dossier_rows in by_dossier.items():
            items = credits.get(dossier_id)
            if not items:
                kept.extend(dossier_rows)
                continue
            dossier = Dossier.browse(dossier_id)
            currency = dossier.currency_id
            claim = sum(row["residual"] for row in dossier_rows)
            available = sum(amount for _name, amount in items)
            names = ", ".join(name for name, _amount in items)
            if currency.compare_amounts(available, claim) >= 0:
                summary = _("Probably paid: match payment %(payments)s", payments=names)
            elif dossier.company_id.credit_control_partial_credit == "wait":
                summary = _(
                    "Partly paid? %(available)s received not matched yet (%(payments)s) for %(claim)s to "
                    "claim: match it, the reminder waits",
                    available=currency.format(available), payments=names, claim=currency.format(claim),
                )
            else:
                kept.extend(dossier_rows)
                continue
            held[dossier_id] = (summary, dossier_rows)
        return kept, held

    @api.model
    def _credit_tell_collector(self, dossier, summary):
        """A task for the dossier's collector, once: not again every day
        while it is open."""
        if dossier.activity_ids.filtered(lambda a: a.summary == summary):
            return
        dossier.activity_schedule(
            "credit_control_scenario.mail_activity_type_credit_task",
            summary=summary,
            user_id=(dossier.collector_id or self.env.user).id,
        )

    @api.model
    def _credit_drop_planned(self, rows):
        """The candidate rows whose step, or a later one of the same
        scenario, was not planned on their invoice yet.

        A query of its own, by the invoices' keys: as an anti-join in the
        main query, the planner took the reminder lines written earlier in
        the same run (not in its statistics yet) for an empty table and
        scanned them once per invoice.
        """
        if not rows:
            return rows
        planned = {
            (move_id, scenario_id): delay_days
            for move_id, scenario_id, delay_days in self.env.execute_query(SQL(
                """
                SELECT al.move_id, s.scenario_id, MAX(s.delay_days)
                  FROM credit_control_action_line al
                  JOIN credit_control_scenario_step s ON s.id = al.step_id
                 WHERE al.move_id = ANY(%s) AND al.cancelled IS NOT TRUE
              GROUP BY al.move_id, s.scenario_id
                """,
                sorted({row["move_id"] for row in rows}),
            ))
        }
        return [
            row for row in rows
            if (row["move_id"], row["scenario_id"]) not in planned
            or planned[row["move_id"], row["scenario_id"]] < row["delay_days"]
        ]

    @api.model
    def _credit_step_conditions(self):
        """SQL condition on ``s`` (step) and ``c.dossier_id``: the dossier
        matches the conditions of the step. One subquery per step that has
        conditions, whatever the number of invoices."""
        steps = self.env["credit.control.scenario.step"].sudo().search([("condition_domain", "!=", "[]")])
        steps = steps.filtered(lambda s: s._has_condition())
        if not steps:
            return SQL("TRUE")
        Dossier = self.env["credit.control.dossier"].sudo()
        clauses = [SQL("s.id NOT IN %s", tuple(steps.ids))]
        for step in steps:
            matching = Dossier._search(step._parse_condition_domain())
            clauses.append(SQL("(s.id = %s AND c.dossier_id IN %s)", step.id, matching.subselect()))
        return SQL("(%s)", SQL(" OR ").join(clauses))

    def _credit_create_actions(self, rows, today):
        """Create the reminders of candidate rows in batch, one per invoice
        or one per customer as the scenario says, with their lines; sent by
        ``_credit_send_planned``."""
        if not rows:
            return self.env["credit.control.action"]
        Step = self.env["credit.control.scenario.step"].sudo()
        steps = Step.browse({row["step_id"] for row in rows})
        dossiers = self.env["credit.control.dossier"].sudo().browse({row["dossier_id"] for row in rows})
        contacts = self._credit_dunning_contacts(dossiers)
        vals_list, lines_list = [], []
        for dossier_id, scenario_id, top, group_rows in self._credit_group_rows(rows):
            step = steps.browse(top["step_id"])
            dossier = dossiers.browse(dossier_id)
            vals_list.append({
                "dossier_id": dossier.id,
                # given, not recomputed in an UPDATE of the batch's reminders
                "partner_id": dossier.partner_id.id,
                "contact_id": contacts[dossier.id],
                "company_id": dossier.company_id.id,
                "scenario_id": scenario_id,
                "step_id": step.id,
                "channel": step.channel,
                "state": "planned" if step.automatic else "to_validate",
                "user_id": dossier.collector_id.id,
                "date": today,
                "run_id": self.id,
                "amount": sum(r["residual"] for r in group_rows),
            })
            lines_list.append(group_rows)
        # in one INSERT (the ORM's per-record work was a third of the run)
        actions = action_sql.create_actions(self.sudo().env, vals_list)
        self.env.flush_all()
        # The lines are written in one statement (a run writes about five per
        # reminder, and their ORM creation was a third of the run); the
        # unique index refuses a duplicate here, inside the savepoint.
        lines = [
            (action.id, row["move_id"], row["step_id"], row["residual"])
            for action, group_rows in zip(actions, lines_list, strict=True)
            for row in group_rows
        ]
        action_ids, move_ids, step_ids, amounts = (list(column) for column in zip(*lines, strict=False))
        with foreign_keys_by_index(self.env.cr):
            self.env.execute_query(SQL(
                """
                INSERT INTO credit_control_action_line
                       (action_id, move_id, step_id, amount, cancelled, create_uid, write_uid, create_date, write_date)
                SELECT action_id, move_id, step_id, amount, FALSE, %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM unnest(%(action_ids)s::int[], %(move_ids)s::int[], %(step_ids)s::int[], %(amounts)s::numeric[])
                       AS t(action_id, move_id, step_id, amount)
                """,
                uid=self.env.uid,
                now=fields.Datetime.now(),
                action_ids=action_ids,
                move_ids=move_ids,
                step_ids=step_ids,
                amounts=amounts,
            ))
        self.env["credit.control.action.line"].invalidate_model()
        actions.invalidate_recordset(["line_ids"])
        return actions

    @api.model
    def _credit_send_planned(self, actions):
        """Send the automatic reminders a run has just planned; the others
        wait for a collector (a note in the dossier says so)."""
        automatic = actions.filtered(lambda a: a.state == "planned")
        # planned in this transaction from a fresh read of the open invoices,
        # dossiers locked: nothing to re-check before sending
        automatic._credit_deliver(queue_mails=True, recheck=False)
        actions.filtered(lambda a: a.state == "to_validate")._credit_log_on_dossiers(_lt("Reminder to validate"))

    @api.model
    def _credit_group_rows(self, rows):
        """``[(dossier id, scenario id, top row, rows)]``: the reminders the
        candidate rows make, one per customer or one per invoice as the
        scenario says, each at the latest step reached by its invoices."""
        groups = defaultdict(list)
        for row in rows:
            key = (row["dossier_id"], row["scenario_id"])
            groups[key if row["grouping"] == "per_customer" else (*key, row["move_id"])].append(row)
        return [
            (key[0], key[1], max(group_rows, key=lambda r: (r["delay_days"], r["sequence"], r["step_id"])), group_rows)
            for key, group_rows in groups.items()
        ]

    @api.model
    def _credit_dunning_contacts(self, dossiers):
        """``{dossier id: contact id}``: who receives the reminders of each
        dossier (its 'Dunning Address' contact, else its invoice address,
        else the customer; the first created of each kind), in two queries
        for any number of dossiers."""
        partners = dossiers.partner_id
        query = self.env["res.partner"].sudo()._search(
            [("parent_id", "in", partners.ids), ("type", "in", ("dunning", "invoice"))],
        )
        # the best child of each customer chosen by the database: a run
        # reads one row per customer, not every invoice address of them
        table = SQL.identifier(query.table)
        query.order = SQL("%s.parent_id, %s.type != 'dunning', %s.id", table, table, table)
        best = dict(self.env.execute_query(query.select(
            SQL("DISTINCT ON (%s.parent_id) %s.parent_id, %s.id", table, table, table),
        )))
        return {d.id: best.get(d.partner_id.id, d.partner_id.id) for d in dossiers}

    @api.model
    def _credit_statement_warnings(self, companies, today):
        """Warn when the bank statements of a company are not recent enough:
        reminding a customer who has already paid is the worst outcome."""
        last_dates = dict(self.env["account.bank.statement.line"].sudo()._read_group(
            [("company_id", "in", companies.ids)], ["company_id"], ["date:max"]
        ))
        warnings = []
        for company in companies:
            max_days = company.credit_control_statement_max_days
            if max_days <= 0:
                continue
            last = last_dates.get(company)
            if not last:
                warnings.append(_("%s: no bank statement imported yet; payments received may not be "
                                  "reconciled.", company.name))
            elif last < today - timedelta(days=max_days):
                warnings.append(_(
                    "%(company)s: the last bank statement is from %(date)s, more than %(days)s days ago; "
                    "customers who have already paid may be reminded.",
                    company=company.name, date=format_date(self.env, last), days=max_days,
                ))
        return "\n".join(warnings)
