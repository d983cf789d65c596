from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, create_index

from ..const import COLLECTIBLE_MOVE_TYPES
from ..tools.sql import compact_sums, empty_table
from .credit_control_kpi_delay_year import YEAR_DAYS

# What the delays read: written before each query composed with them.
PARTIAL_FIELDS = ["debit_move_id", "amount", "max_date"]
LINE_FIELDS = ["move_id", "company_id", "date", "date_maturity"]
MOVE_FIELDS = ["move_type", "commercial_partner_id"]


class CreditControlKpiDelay(models.Model):
    """Payments per customer and day with their days late, kept up to date
    as invoices are reconciled: what the cash-in forecast reads for each
    customer's usual delay instead of scanning the year's reconciliations
    joined to their journal items.

    A row is what a customer (commercial entity of the invoice) paid on
    ``date`` (the date of the reconciliation: the later of its two items')
    in a company, on the items of its customer invoices, receipts and
    credit notes: ``amount`` the amounts reconciled, ``amount_days`` the
    sum of each amount times the days between the item's due date and the
    reconciliation. The usual delay over a period is then
    ``SUM(amount_days) / SUM(amount)`` of its rows: numeric sums, the same
    figure to the last digit as the reconciliations summed directly.

    As the daily receivables (``credit.control.kpi.balance``), rows are
    only ever added: a reconciliation removed (unreconciled, entry reset to
    draft, cancelled, deleted) adds the opposite of what it added, and an
    item whose due date changes takes its rows off and adds the new ones.
    The nightly refresh sums them per company, customer and day
    (``_kpi_compact``), marks them ``summed`` and sums each customer's year
    (``credit.control.kpi.delay.year``), which the forecast reads with the
    rows added since; ``_kpi_rebuild`` recomputes the table from the
    reconciliations (install, upgrade, data loaded in SQL)."""

    _name = "credit.control.kpi.delay"
    _description = "Credit Control KPIs: Payment Delays per Customer"
    _log_access = False
    _order = "date, id"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    date = fields.Date(required=True, readonly=True)
    amount = fields.Monetary(string="Amount Paid", readonly=True)
    amount_days = fields.Monetary(
        string="Amount x Days Late", readonly=True,
        help="Each amount paid times the days between its due date and its payment (negative when paid early).",
    )
    summed = fields.Boolean(
        string="In the Year's Sums", readonly=True,
        help="Summed by the last nightly refresh into the customers' payments of the year, if dated in it.",
    )

    def init(self):
        create_index(self.env.cr, "credit_control_kpi_delay_company_date_idx", self._table, ["company_id", "date"])
        # the rows added since the nightly refresh, read with the year's sums
        create_index(
            self.env.cr, "credit_control_kpi_delay_added_idx", self._table, ["company_id", "date"],
            where="summed IS NOT TRUE",
        )
        # the figures of the reconciliations as they are, whatever wrote
        # them (install, upgrade, generator data written in SQL)
        empty_table(self.env.cr, self._table)
        self._kpi_rebuild()

    @api.model
    def _kpi_delays_sql(self, partials):
        """Query of the payments of the reconciliations matching the SQL
        ``partials`` (alias ``pr``, their debit item ``il``, its entry
        ``im``) per company, customer and date. Columns: company_id,
        partner_id, date, amount, amount_days."""
        due = self.env["account.move.line"]._credit_due_date_sql("il")
        return SQL(
            """
            SELECT il.company_id, im.commercial_partner_id AS partner_id, pr.max_date AS date,
                   SUM(pr.amount) AS amount, SUM(pr.amount * (pr.max_date - %(due)s)) AS amount_days
              FROM account_partial_reconcile pr
              JOIN account_move_line il ON il.id = pr.debit_move_id
              JOIN account_move im ON im.id = il.move_id
             WHERE %(partials)s AND im.move_type IN %(types)s
          GROUP BY 1, 2, 3
            """,
            due=due, partials=partials, types=COLLECTIBLE_MOVE_TYPES,
        )

    @api.model
    def _kpi_flush_ledger(self):
        self.env["account.partial.reconcile"].flush_model(PARTIAL_FIELDS)
        self.env["account.move.line"].flush_model(LINE_FIELDS)
        self.env["account.move"].flush_model(MOVE_FIELDS)

    @api.model
    def _kpi_insert(self, delays, sign=1, summed=False):
        """Add the rows of the query ``delays`` (as returned by
        ``_kpi_delays_sql``), times ``sign``, in one statement."""
        self._kpi_flush_ledger()
        self.env.cr.execute(SQL(
            """
            INSERT INTO credit_control_kpi_delay (company_id, partner_id, date, amount, amount_days, summed)
            SELECT company_id, partner_id, date, %(sign)s * amount, %(sign)s * amount_days, %(summed)s
              FROM (%(delays)s) d
             WHERE amount <> 0 OR amount_days <> 0
            """,
            sign=sign, delays=delays, summed=summed,
        ))
        self.invalidate_model()

    # ------------------------------------------------------------------
    # HOOKS: RECONCILIATION, DUE DATES
    # ------------------------------------------------------------------

    @api.model
    def _kpi_partials_changed(self, partials, sign):
        """Reconciliations created (``sign`` 1) or about to be removed (-1)."""
        ids = [partial_id for partial_id in partials.ids if partial_id]
        if ids:
            self._kpi_insert(self._kpi_delays_sql(SQL("pr.id = ANY(%s)", ids)), sign)

    @api.model
    def _kpi_lines_delays(self, lines):
        """The current rows of the reconciliations of ``lines`` (as debit
        items), to take off once their due dates have changed
        (``_kpi_lines_changed``)."""
        ids = [line_id for line_id in lines.ids if line_id]
        if not ids:
            return []
        self._kpi_flush_ledger()
        return self.env.execute_query(self._kpi_delays_sql(SQL("pr.debit_move_id = ANY(%s)", ids)))

    @api.model
    def _kpi_lines_changed(self, lines, before):
        """Items ``lines`` changed (due date): take off their rows
        ``before`` the change, add the new ones."""
        ids = [line_id for line_id in lines.ids if line_id]
        if not ids:
            return
        if before:
            self.env.cr.execute(SQL(
                "INSERT INTO credit_control_kpi_delay (company_id, partner_id, date, amount, amount_days) VALUES %s",
                SQL(", ").join(SQL("(%s, %s, %s, %s, %s)", company_id, partner_id, day, -amount, -amount_days)
                               for company_id, partner_id, day, amount, amount_days in before),
            ))
        self._kpi_insert(self._kpi_delays_sql(SQL("pr.debit_move_id = ANY(%s)", ids)))

    # ------------------------------------------------------------------
    # READING
    # ------------------------------------------------------------------

    @api.model
    def _kpi_customer_delays_sql(self, date_from, date_to, company_ids, from_reconciliations=False,
                                 partner_ids=None):
        """Query of each customer's usual delay over the payments dated
        after ``date_from`` and up to ``date_to``: the amount-weighted
        average of their days late. Columns: partner_id, company_id, days;
        no row for a customer without payments (or whose payments and
        their reversals cancel out), nor for the payments of an invoice
        without customer.

        A year near the nightly refresh is read from its sums per customer
        (``credit.control.kpi.delay.year``), any other period from the rows
        per day.

        :param from_reconciliations: read the reconciliations of the period
            rather than their sums per customer and day: the proof that
            both agree
        :param partner_ids: only these customers (commercial entities): an
            SQL query of their ids
        """
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        self.flush_model()
        if not from_reconciliations and date_to - date_from == timedelta(days=YEAR_DAYS):
            query = self.env["credit.control.kpi.delay.year"]._kpi_customer_delays_sql(
                date_to, company_ids, partner_ids,
            )
            if query is not None:
                return query
        delays = SQL("credit_control_kpi_delay")
        if from_reconciliations:
            delays = SQL("(%s)", self._kpi_delays_sql(SQL(
                "pr.max_date > %s AND pr.max_date <= %s AND il.company_id IN %s",
                date_from, date_to, tuple(company_ids),
            )))
        return SQL(
            """
            SELECT partner_id, company_id, SUM(amount_days) / NULLIF(SUM(amount), 0) AS days
              FROM %s d
             WHERE date > %s AND date <= %s AND company_id IN %s AND partner_id IS NOT NULL AND %s
          GROUP BY 1, 2
            HAVING SUM(amount) <> 0
            """,
            delays, date_from, date_to, tuple(company_ids),
            SQL("TRUE") if partner_ids is None else SQL("partner_id IN %s", partner_ids),
        )

    # ------------------------------------------------------------------
    # MAINTENANCE
    # ------------------------------------------------------------------

    @api.model
    def _kpi_rebuild(self):
        """Recompute the whole table from the reconciliations, then the
        customers' sums of the year."""
        self.env.cr.execute(SQL("DELETE FROM credit_control_kpi_delay"))
        self._kpi_insert(self._kpi_delays_sql(SQL("TRUE")), summed=True)
        self.env["credit.control.kpi.delay.year"]._kpi_refresh(fields.Date.today())

    @api.model
    def _kpi_compact(self):
        """Sum the rows per company, customer and day (nightly): the table
        then grows with the days each customer pays, not with the
        reconciliations. The rows summed are marked, and each customer's
        year up to today summed from them."""
        self.flush_model()
        compact_sums(self.env.cr, self._table, ("company_id", "partner_id", "date"), ("amount", "amount_days"),
                     values={"summed": True})
        self.invalidate_model()
        self.env["credit.control.kpi.delay.year"]._kpi_refresh(fields.Date.today())
