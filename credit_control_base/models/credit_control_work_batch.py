import logging

from psycopg2.errors import LockNotAvailable, SerializationFailure, TransactionRollbackError

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.sql import lock_now

_logger = logging.getLogger(__name__)

# the crons that share the work with the one that cut it (Settings: parallel
# workers); a server runs as many at once as its --max-cron-threads
WORKER_CRONS = (
    "credit_control_base.ir_cron_credit_control_worker_1",
    "credit_control_base.ir_cron_credit_control_worker_2",
    "credit_control_base.ir_cron_credit_control_worker_3",
)
MAX_WORKERS = len(WORKER_CRONS) + 1


def _owner_id(owner):
    """``res_id`` of a job: its record's id, 0 for a model (an abstract
    model has no ``id`` field)."""
    return owner.ids[0] if owner else 0


def _group_edge(keys, start, end, batch_size):
    """Where a batch from ``start`` ends instead of ``end``, which cuts a
    group of ``keys``: after the group when the batch stays within
    ``batch_size`` and a tenth (ending each batch before its last group
    left one more batch at the end: 11 for 10,000 bank lines instead of
    10, and one worker took 71-72 s instead of 58-63 s), else before it,
    else (the group alone is larger than a batch) at ``end``."""
    last = end
    while last < len(keys) and keys[last] == keys[end - 1]:
        last += 1
    if last - start <= batch_size + batch_size // 10:
        return last
    first = end - 1
    while first > start and keys[first - 1] == keys[end - 1]:
        first -= 1
    return first if first > start else end


class CreditControlWorkBatch(models.Model):
    """A unit of shared work: the ids of a bounded batch of records that a
    long job (the reminder run, the scoring) processes at
    once. The job that cuts its work into batches is their owner
    (``res_model``/``res_id``); any worker claims the next pending batch
    (``FOR NO KEY UPDATE SKIP LOCKED``: two workers never hold the same),
    processes it through the owner's ``_credit_work_batch`` and commits it
    with its cron call. A worker that crashes leaves its batch pending for
    the next one: the batch is done in the transaction of its work.

    A job is a record (a reminder run), or a model itself (``res_id`` 0, an
    empty recordset as owner: the nightly scoring of the dossiers, the
    cash application's cron, whose model is abstract)."""

    _name = "credit.control.work.batch"
    _description = "Credit Control Work Batch"
    _order = "id"

    res_model = fields.Char(string="Job Model", required=True, readonly=True, index=True)
    res_id = fields.Many2oneReference(string="Job", model_field="res_model", readonly=True, index=True)
    record_ids = fields.Json(string="Records", readonly=True)
    payload = fields.Json(
        readonly=True,
        help="What the job computed once for all its batches when it cut them, given to each batch.",
    )
    size = fields.Integer(readonly=True)
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Done")], default="pending", required=True, readonly=True, index=True
    )

    # ------------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------------

    @api.model
    def _cron_process_batches(self, owners=None):
        """One pending batch of any job (of ``owners``: the call of a job's
        own cron) per call, its progress reported to ir.cron: the cron
        framework commits the call and calls again while batches remain,
        in this worker, while the other worker crons take the next
        batches."""
        batch = self._credit_claim(owners)
        done = batch._credit_process() if batch else 0
        if not batch:
            self._credit_finish_idle()
        self._credit_report_progress(done, self._credit_pending_size(owners))
        return done

    @api.model
    def _credit_end_call_after_cut(self, batches):
        """Whether the cron call that has just cut its job into ``batches``
        should end there, before it takes one: ir.cron then commits the cut,
        which shows the batches to the other workers and sends their
        triggers (both happen at commit only), and calls again at once for
        a batch. Taking a batch in the same call kept the other workers
        waiting for it (about a second of a 7-second run on two servers).
        Only in a call of ir.cron's loop (its progress), with other workers
        to wake and more than one batch to share.

        :return: True when the call must end now (its progress reported)
        """
        if len(batches) < 2 or not self.env.context.get("ir_cron_progress_id") or self._credit_worker_count() < 2:
            return False
        # ir.cron calls again only after some progress: the cut is counted as one
        self._credit_report_progress(1, sum(batches.mapped("size")))
        return True

    @api.model
    def _credit_report_progress(self, done, remaining):
        """Report a cron call's progress to ir.cron, which commits it and
        calls again while some work remains, ten calls in a row at most:
        then it leaves the job ready without waking the cron threads, which
        would sleep up to a minute (their polling interval) in the middle
        of the job. A trigger of the cron, at once, wakes them."""
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        cron_id = self.env.context.get("cron_id")
        if done and remaining and cron_id:
            self.env["ir.cron"].sudo().browse(cron_id)._trigger()

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _credit_split(self, ids, batch_size, dispatch=True, keys=None):
        """``ids`` cut into lists of at most ``batch_size``, as many as a
        multiple of the parallel workers (when dispatched to them) and of
        even sizes: the workers then finish together, instead of one doing
        the last batch alone while the others wait (11 batches on two
        workers: six rounds of the slower one; 12 smaller ones: six smaller
        rounds).

        :param keys: the group of each id (a list as long as ``ids``, the
            ids of a group next to each other; None for an id of no
            group): a group is not cut in two batches, unless it is larger
            than ``batch_size``; the batch it would end ends with it when
            that stays within ``batch_size`` and a tenth, else before it
        """
        if not ids:
            return []
        count = -(-len(ids) // batch_size)
        if dispatch and count > 1:
            workers = self._credit_worker_count()
            count = min(-(-count // workers) * workers, len(ids))
        size = -(-len(ids) // count)
        batches, start = [], 0
        while start < len(ids):
            end = min(start + size, len(ids))
            if keys and end < len(ids) and keys[end] is not None and keys[end] == keys[end - 1]:
                end = _group_edge(keys, start, end, batch_size)
            batches.append(ids[start:end])
            start = end
        return batches

    @api.model
    def _credit_enqueue(self, owner, id_lists, dispatch=True, payload=None):
        """Cut the work of ``owner`` (one record) into batches, one per list
        of ids, and wake the workers.

        :param dispatch: False when the caller does all the batches itself,
            in its transaction (no other worker would see them)
        :param payload: what every batch is given with its records (JSON):
            what the job computes once rather than in each batch

        :return: the batches
        """
        batches = self.sudo().create([
            {"res_model": owner._name, "res_id": _owner_id(owner), "record_ids": list(ids), "size": len(ids),
             "payload": payload}
            for ids in id_lists if ids
        ])
        if dispatch:
            batches._credit_dispatch()
        return batches

    def _credit_dispatch(self):
        """Have these new batches processed by other workers than the job's
        own cron: the worker crons here; queue jobs with
        credit_control_queue."""
        if self:
            self._credit_wake_workers()

    @api.model
    def _credit_wake_workers(self):
        """Trigger the worker crons of Settings' parallel workers (the job
        that cut the work is one of them). An extension (queue_job) may
        dispatch the batches otherwise."""
        for xmlid in WORKER_CRONS[: self._credit_worker_count() - 1]:
            cron = self.env.ref(xmlid, raise_if_not_found=False)
            if cron and cron.active:
                cron.sudo()._trigger()

    @api.model
    def _credit_worker_count(self):
        """How many cron jobs share a job's batches (Settings), 1 to
        ``MAX_WORKERS``."""
        value = self.env["ir.config_parameter"].sudo().get_param("credit_control.parallel_workers", "2")
        try:
            return min(max(int(value), 1), MAX_WORKERS)
        except ValueError:
            return 2

    @api.model
    def _credit_claim(self, owners=None, batches=None):
        """The next pending batch (of ``owners``, among ``batches`` when
        given), locked for
        this transaction, or an empty recordset when none is left or other
        workers hold all those left.

        The candidates are read first, then locked one by one: under the
        repeatable-read isolation of Odoo's transactions, locking a batch
        that another worker finished since this transaction's snapshot
        fails (a serialization failure), and that batch is simply passed.
        """
        self.env.flush_all()
        owner_filter = SQL()
        if owners is not None:
            owner_filter = SQL("AND res_model = %s AND res_id = ANY(%s)", owners._name, owners.ids or [0])
        if batches is not None:
            owner_filter = SQL("%s AND id = ANY(%s)", owner_filter, batches.ids)
        candidates = self.env.execute_query(SQL(
            "SELECT id FROM credit_control_work_batch WHERE state = 'pending' %s ORDER BY id LIMIT 100",
            owner_filter,
        ))
        for (batch_id,) in candidates:
            if lock_now(self.env.cr, SQL(
                "SELECT id FROM credit_control_work_batch WHERE id = %s AND state = 'pending' "
                "FOR NO KEY UPDATE SKIP LOCKED",
                batch_id,
            )):
                return self.sudo().browse(batch_id)
        return self.browse()

    def _credit_process(self):
        """Process this claimed batch through its owner, mark it done (in the
        same transaction: a crash leaves it pending), and finish the owner
        when it was its last.

        :return: how many records the batch had
        """
        self.ensure_one()
        size = self.size
        owner = self.env[self.res_model].browse(self.res_id or [])
        if self.res_id and not owner.exists():
            # its job was deleted
            self.unlink()
            return 0
        if self._credit_work(owner) is False:
            # the owner met another job's work committed after this
            # transaction's snapshot: only a new transaction sees it
            self._credit_retry_later()
            return 0
        self.state = "done"
        if not self._credit_pending_size(owner):
            self._credit_finish(owner)
        return size

    def _credit_work(self, owner):
        """``owner._credit_work_batch`` on this batch's records, in a
        savepoint: when another worker committed, after this transaction's
        snapshot, a change to a row the batch writes (two bank lines of two
        batches paying one invoice), PostgreSQL refuses the write; the
        batch's work is undone and False returned, for a new transaction.
        So is it when the two wait for each other's rows (a deadlock, which
        PostgreSQL breaks by failing one). Without it the whole cron call
        failed, its batch waiting for the job's next scheduled call."""
        try:
            with self.env.cr.savepoint():
                return owner._credit_work_batch(self.record_ids or [], self.payload)
        except TransactionRollbackError:
            _logger.info("%s: a batch of %s met another worker's change, retried in a new transaction",
                         self, owner)
            return False

    @api.model
    def _credit_retry_later(self):
        """Call again soon: the cron of this call when in one, else the
        workers."""
        cron_id = self.env.context.get("cron_id")
        if cron_id:
            self.env["ir.cron"].sudo().browse(cron_id)._trigger()
        else:
            self._credit_wake_workers()

    @api.model
    def _credit_pending_size(self, owners=None):
        """How many records the pending batches (of ``owners``) hold, those
        other workers are on included."""
        self.env.flush_all()
        owner_filter = SQL()
        if owners is not None:
            owner_filter = SQL("AND res_model = %s AND res_id = ANY(%s)", owners._name, owners.ids or [0])
        return self.env.execute_query(SQL(
            "SELECT COALESCE(SUM(size), 0) FROM credit_control_work_batch WHERE state = 'pending' %s",
            owner_filter,
        ))[0][0]

    @api.model
    def _credit_finish(self, owner):
        """Tell ``owner`` its batches are all done and forget them. Two
        workers finishing the last batches at once may both get here: the
        one that locks the batches second passes (the other finishes)."""
        try:
            with self.env.cr.savepoint():
                batches = self.sudo().search([("res_model", "=", owner._name), ("res_id", "=", _owner_id(owner))])
                self.env.cr.execute(SQL(
                    "SELECT id FROM credit_control_work_batch WHERE id = ANY(%s) FOR UPDATE NOWAIT", batches.ids,
                ), log_exceptions=False)
                owner._credit_work_finished()
                batches.unlink()
        except (SerializationFailure, LockNotAvailable):
            _logger.info("%s finished by another worker", owner)

    @api.model
    def _credit_finish_idle(self):
        """Finish the jobs whose batches are all done. The workers that did
        their last two batches at once each saw the other's pending: the
        next call of either finishes the job."""
        self.env.flush_all()
        rows = self.env.execute_query(SQL(
            """
            SELECT res_model, res_id FROM credit_control_work_batch
          GROUP BY res_model, res_id HAVING bool_and(state = 'done')
            """
        ))
        for res_model, res_id in rows:
            if res_model in self.env:
                self._credit_finish(self.env[res_model].browse(res_id or []))

    @api.model
    def _credit_drop(self, owner):
        """Forget the pending batches of ``owner`` (a job closed unfinished).

        :return: how many records they held
        """
        batches = self.sudo().search([("res_model", "=", owner._name), ("res_id", "=", _owner_id(owner))])
        left = sum(batches.filtered(lambda b: b.state == "pending").mapped("size"))
        batches.unlink()
        return left
