import functools
import logging

from psycopg2.errors import DeadlockDetected, SerializationFailure

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.sql import lock_now

_logger = logging.getLogger(__name__)

# The dossier's MONEY_GROUPS (the priority weighs its amounts), not imported:
# this mixin is loaded before the dossier.
MONEY_GROUPS = "credit_control_base.group_credit_control_info"
# a refresh deferred after a commit, when others keep changing its dossiers
PRIORITY_ATTEMPTS = 3


class CreditControlDossierPriority(models.AbstractModel):
    """The priority of a dossier on the collector's worklist: what to call
    first today. A concern of the dossier of its own (the dossier inherits
    it), on the dossier's amounts query."""

    _name = "credit.control.dossier.priority"
    _description = "Credit Dossier Worklist Priority"

    # Stored, so that the worklist sorts on it in SQL; days late grow every
    # day, so the nightly job refreshes it, and a payment or a change of
    # exclusion (hold, dispute, promise) does for its customer at once.
    credit_priority = fields.Float(
        string="Priority",
        readonly=True,
        copy=False,
        index=True,
        digits=(16, 0),
        aggregator="max",
        groups=MONEY_GROUPS,
        help="What to call first: each overdue amount multiplied by its days late, added up (1,000 overdue "
        "for 60 days weighs as much as 6,000 for 10 days), doubled when a payment promise falls due today "
        "or is late, and doubled when a dispute is past its target date. Refreshed every night.",
    )

    credit_priority_reason = fields.Char(
        compute="_compute_credit_priority_reason",
        string="Priority Raised By",
        groups=MONEY_GROUPS,
        help="What makes this customer more urgent than its overdue amounts alone.",
    )

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    def _compute_credit_priority_reason(self):
        boosts = self._origin._credit_priority_boosts(fields.Date.context_today(self))
        for dossier in self:
            dossier.credit_priority_reason = "; ".join(
                self.env._("%(reason)s (×%(factor)s)", reason=reason, factor=format(factor, "g"))
                for reason, factor in boosts.get(dossier._origin.id, [])
            )

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _credit_refresh_priorities(self, dossiers=None):
        """Store the priority of ``dossiers`` (all dossiers when ``None``)
        as of today: one query for the amounts, the boosts of the higher
        modules in batch (``_credit_priority_boosts``), one UPDATE of the
        rows whose priority changed."""
        if dossiers is not None and not dossiers:
            return
        Line = self.env["account.move.line"]
        Line._credit_flush_open_items()
        self.flush_model(["partner_id", "company_id"])
        today = fields.Date.context_today(self)
        weighted = SQL(
            "COALESCE(SUM(l.amount_residual * %s) FILTER (WHERE %s), 0)",
            Line._credit_days_late_sql(today), Line._credit_overdue_sql(today),
        )
        # the priority stored, read with the amounts: what changes is known
        # without sending every dossier's priority back to compare
        columns = SQL("d.id, %s, d.credit_priority", weighted)
        rows = self.env.execute_query(
            self._credit_amounts_query_of(dossiers.ids, columns) if dossiers is not None
            else self._credit_amounts_query(SQL("TRUE"), columns)
        )
        base = {dossier_id: float(value) for dossier_id, value, _stored in rows}
        records = self.sudo().browse(list(base))
        priorities = dict(base)
        for dossier_id, boosts in records._credit_priority_boosts(today).items():
            for _reason, factor in boosts:
                priorities[dossier_id] = priorities.get(dossier_id, 0.0) * factor
        self._credit_store_priorities(priorities, {dossier_id: stored for dossier_id, _value, stored in rows})

    @api.model
    def _credit_store_priorities(self, priorities, stored):
        """Write ``{dossier id: priority}`` where it differs from ``stored``
        (``{dossier id: priority}`` as this transaction read them), on the
        rows this transaction can lock at once.

        Two workers of the cash application paying invoices of one
        customer in two batches each refresh its priority, each from a
        snapshot without the other's payment: whichever wrote last would
        leave a wrong priority, and under repeatable read the second write
        fails and its whole batch is redone. The rows are therefore locked
        in id order without waiting; those another transaction holds or
        changed since this one's snapshot are refreshed again after this
        transaction commits, from a snapshot that sees both
        (``_credit_refresh_priorities_after_commit``)."""
        values = {dossier_id: round(priority, 2) for dossier_id, priority in priorities.items()}
        changed = sorted(dossier_id for dossier_id, value in values.items() if value != stored.get(dossier_id))
        if not changed:
            return
        rows = lock_now(self.env.cr, SQL(
            "SELECT id FROM credit_control_dossier WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE SKIP LOCKED",
            changed,
        ))
        locked = [dossier_id for (dossier_id,) in rows or []]
        if len(locked) < len(changed):
            self._credit_refresh_priorities_after_commit(set(changed) - set(locked))
        if locked:
            self.env.cr.execute(SQL(
                """
                UPDATE credit_control_dossier d
                   SET credit_priority = v.priority
                  FROM unnest(%s::int[], %s::float8[]) AS v(id, priority)
                 WHERE d.id = v.id
                """,
                locked, [values[dossier_id] for dossier_id in locked],
            ))
            self.invalidate_model(["credit_priority"])

    @api.model
    def _credit_refresh_priorities_after_commit(self, dossier_ids):
        """Refresh the priority of ``dossier_ids`` once this transaction has
        committed, in a transaction of its own that waits for the others
        holding them (their payments are then seen), retried a few times
        when one commits meanwhile; left to the nightly refresh
        otherwise. Rolled back with the transaction: nothing to do then."""
        callbacks = self.env.cr.postcommit
        pending = callbacks.data.setdefault("credit.control.dossier.priority", set())
        if not pending:
            callbacks.add(functools.partial(self._credit_refresh_priorities_committed, pending))
        pending.update(dossier_ids)

    def _credit_refresh_priorities_committed(self, dossier_ids):
        for _attempt in range(PRIORITY_ATTEMPTS):
            try:
                with self.env.registry.cursor() as cr:
                    dossiers = self.with_env(self.env(cr=cr)).sudo().browse(sorted(dossier_ids)).exists()
                    cr.execute(SQL(
                        "SELECT id FROM credit_control_dossier WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE",
                        dossiers.ids,
                    ), log_exceptions=False)
                    dossiers._credit_refresh_priorities(dossiers)
                return
            except (SerializationFailure, DeadlockDetected):
                continue
        _logger.info("Worklist priorities of %s dossiers left to the nightly refresh", len(dossier_ids))

    # ------------------------------------------------------------------
    # HOOKS
    # ------------------------------------------------------------------

    def _credit_priority_boosts(self, today):
        """Extension point: what makes a customer more urgent than its debt
        alone says, as ``{dossier id: [(reason, factor)]}`` for the dossiers
        of ``self`` that have some (the priority is multiplied by each
        factor). Read in batch, never per dossier. Base knows of none; the
        disputes module adds the promises due and the disputes past their
        target date."""
        return {}
