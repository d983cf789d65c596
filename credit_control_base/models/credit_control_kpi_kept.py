from odoo import api, fields, models
from odoo.tools import SQL

from .credit_control_kpi import COUNT_BACK_MONTHS, DOSSIER_OF_M

# The tables of the customers' figures kept for a day.
CUSTOMERS = "credit_control_kpi_kept_customer"
MONTHS = "credit_control_kpi_kept_month"
STALE = "credit_control_kpi_kept_stale"
# Past so many customers changed since the figures were kept, the ledger is
# read for all: their keys are written into the query.
STALE_MAX = 20000
# Past this share of a company's kept customers changed (and at least
# STALE_MIN), reading them from the ledger beside the kept rows costs more
# than reading every customer from it: at 100k invoices, 5,564 of 15,181
# customers changed, the dashboard took 0.78 s against 0.55 s from the
# ledger; at 1M lines, 7,403 of 108,512, 1.90 s against 1.98 s (the DSO per
# customer 1.71 against 2.72 s).
STALE_SHARE = 0.1
STALE_MIN = 1000


class CreditControlKpiKept(models.Model):
    """The figures of each customer of a company kept for a day by the
    nightly refresh, what the summaries of that day (the DSO per customer,
    the dashboard's total and breakdowns, its late customers) read instead
    of every open item and every day of credit sales (at 1M receivable
    lines, 415,000 items and 616,000 days summed per customer: two thirds
    of the DSO per customer's time). The kept rows are grouped by the
    customers' dossiers as they are when read: a customer moved to another
    segment or collector since is summed in its new one.

    A row says that the figures of ``company_id`` are kept as of ``date``
    for a DSO period of ``period`` days: each customer's open items summed,
    with its DSO (``credit.control.kpi.kept.customer``), and its credit
    sales per month back from that date (``credit.control.kpi.kept.month``),
    computed by the queries of the summaries themselves.

    Nothing kept is ever read stale: whatever writes a customer's open
    items or credit sales (``credit.control.kpi.open``,
    ``credit.control.kpi.sales``) notes the customer in the same
    transaction (``credit.control.kpi.kept.stale``), and the figures of the
    customers noted since are read from the ledger, as without kept
    figures, and so are the items without a customer (never kept). A note
    commits with the change it records: a refresh that did
    not see the change did not see (nor delete) its note either, so no
    lock is needed. A rebuild of those tables forgets the kept figures."""

    _name = "credit.control.kpi.kept"
    _description = "Credit Control KPIs: Customer Figures Kept for a Day"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    date = fields.Date(required=True, readonly=True)
    period = fields.Integer(string="DSO Period", required=True, readonly=True)
    customer_count = fields.Integer(
        string="Customers Kept", readonly=True, help="The customers whose open items were kept.",
    )

    _sql_constraints = [
        ("company_uniq", "unique(company_id)", "The figures of a company are kept for one day at a time."),
    ]

    # ------------------------------------------------------------------
    # READ BY THE SUMMARIES
    # ------------------------------------------------------------------

    @api.model
    def _kpi_is_kept(self, company_id, as_of, period=None):
        """Whether the figures of ``company_id`` are kept as of ``as_of``
        for a DSO period of ``period`` days (any period by default)."""
        return self._kpi_kept_customers(company_id, as_of, period) is not None

    @api.model
    def _kpi_kept_customers(self, company_id, as_of, period=None):
        """The number of customers whose figures of ``company_id`` are kept
        as of ``as_of`` for a DSO period of ``period`` days (any period by
        default), None when they are not kept."""
        rows = self.env.execute_query(SQL(
            "SELECT customer_count FROM credit_control_kpi_kept WHERE company_id = %s AND date = %s %s",
            company_id, as_of, SQL("AND period = %s", period) if period else SQL(),
        ))
        return (rows[0][0] or 0) if rows else None

    @api.model
    def _kpi_stale(self, company_ids, as_of, period=None):
        """The keys read from the ledger when the figures of the one
        company of ``company_ids`` are kept as of ``as_of`` for a DSO
        period of ``period`` days (any by default): see
        ``_kpi_stale_keys``. None when the kept figures cannot serve:
        several companies, another date or period, too many changes since,
        or the context key ``credit_kpi_direct`` (every figure read from
        the ledger: the proof that both agree)."""
        if len(company_ids) != 1 or self.env.context.get("credit_kpi_direct"):
            return None
        customer_count = self._kpi_kept_customers(company_ids[0], as_of, period)
        if customer_count is None:
            return None
        return self._kpi_stale_keys(company_ids[0], customer_count)

    @api.model
    def _kpi_stale_keys(self, company_id, customer_count):
        """The keys of ``company_id`` read from the ledger: the customers
        whose kept figures are stale and 0 (the items without a customer,
        never kept), or None when they are more than ``STALE_MAX`` or than
        ``STALE_SHARE`` of the ``customer_count`` customers kept (and
        ``STALE_MIN``): the ledger is then read for all."""
        limit = min(STALE_MAX, max(STALE_MIN, int(customer_count * STALE_SHARE)))
        rows = self.env.execute_query(SQL(
            "SELECT DISTINCT partner_id FROM %s WHERE company_id = %s AND partner_id IS NOT NULL LIMIT %s",
            SQL.identifier(STALE), company_id, limit + 1,
        ))
        return [0, *sorted(key for key, in rows)] if len(rows) <= limit else None

    @api.model
    def _kpi_customers_sql(self, columns, company_id, stale, where, dossier=False):
        """``SELECT columns`` of the kept customers (alias m, d their
        dossier when ``dossier``) of ``company_id`` but the ``stale`` keys,
        matching ``where``."""
        return self._kpi_kept_sql(CUSTOMERS, columns, company_id, stale, where, dossier)

    @api.model
    def _kpi_months_sql(self, columns, company_id, stale, where, dossier=False):
        """``SELECT columns`` of the kept months (alias m, d their
        customer's dossier when ``dossier``) of ``company_id`` but the
        ``stale`` keys, matching ``where``."""
        return self._kpi_kept_sql(MONTHS, columns, company_id, stale, where, dossier)

    @api.model
    def _kpi_kept_sql(self, table, columns, company_id, stale, where, dossier):
        # the segment and collector of today's dossier: a customer moved to
        # another segment since is summed in its new one, as from the ledger
        return SQL(
            """
            SELECT %(columns)s
              FROM %(table)s m
              %(dossier)s
             WHERE m.company_id = %(company)s AND m.partner_id <> ALL(%(stale)s::int[]) AND %(where)s
            """,
            columns=columns, table=SQL.identifier(table), company=company_id, stale=stale, where=where,
            dossier=DOSSIER_OF_M if dossier else SQL(),
        )

    # ------------------------------------------------------------------
    # WRITTEN BY THE KPI TABLES
    # ------------------------------------------------------------------

    @api.model
    def _kpi_note_sql(self, rows):
        """SQL noting the customers of ``rows`` (an SQL relation with the
        columns company_id and partner_id) stale, to run in a statement
        with the change that makes them so."""
        return SQL(
            "INSERT INTO %s (company_id, partner_id) SELECT DISTINCT company_id, partner_id FROM %s",
            SQL.identifier(STALE), rows,
        )

    @api.model
    def _kpi_forget(self):
        """The kept figures are no longer those of the ledger (a KPI table
        rebuilt): none is read until the next refresh."""
        self.env.cr.execute(SQL("DELETE FROM credit_control_kpi_kept"))
        self.invalidate_model()

    # ------------------------------------------------------------------
    # THE NIGHTLY REFRESH
    # ------------------------------------------------------------------

    @api.model
    def _kpi_keep(self, companies=None, as_of=None):
        """Keep the figures of each customer of ``companies`` (default all)
        as of ``as_of`` (default today), each company's with its DSO
        period, and forget the notes they make stale."""
        Kpi = self.env["credit.control.kpi"]
        as_of = as_of or fields.Date.context_today(self)
        Kpi._kpi_flush()
        cr = self.env.cr
        for company in companies or self.env["res.company"].search([]):
            for table in (CUSTOMERS, MONTHS, STALE, "credit_control_kpi_kept"):
                cr.execute(SQL("DELETE FROM %s WHERE company_id = %s", SQL.identifier(table), company.id))
            period = company.credit_dso_period
            with Kpi._kpi_query_settings():
                # the months first: the customers' count-back walks them
                self._kpi_keep_months(company, as_of, period)
                self._kpi_keep_customers(company, as_of)
            cr.execute(SQL(
                """
                INSERT INTO credit_control_kpi_kept (company_id, date, period, customer_count)
                SELECT %(company)s, %(date)s, %(period)s, COUNT(*) FROM %(customers)s WHERE company_id = %(company)s
                """,
                company=company.id, date=as_of, period=period, customers=SQL.identifier(CUSTOMERS),
            ))
        # their statistics at once: they are all new rows, and PostgreSQL
        # guessed a few hundred and sorted both sides of the walk
        cr.execute(SQL("ANALYZE %s, %s", SQL.identifier(CUSTOMERS), SQL.identifier(MONTHS)))
        for model in (self._name, f"{self._name}.customer", f"{self._name}.month", f"{self._name}.stale"):
            self.env[model].invalidate_model()

    @api.model
    def _kpi_keep_customers(self, company, as_of):
        """Each customer's open items of ``company`` on ``as_of`` summed as
        the summaries per customer sum them, with its credit sales of the
        DSO period and its count-back DSO walked back through its kept
        months (``_kpi_keep_months``) as the summaries walk them."""
        Kpi = self.env["credit.control.kpi"]
        self.env.cr.execute(SQL(
            """
            WITH items AS (%(items)s), %(ar)s,
            walk AS (
                SELECT ar.g, ar.key, ar.outstanding, m.month AS k, m.sales AS amount, m.sales_period AS amount_period,
                       m.covered, m.month_before AS k_before, m.last
                  FROM ar
             LEFT JOIN %(months)s m ON m.company_id = %(company)s AND m.partner_id = ar.key AND m.month < %(walked)s
            ),
            count_back AS (%(count_back)s),
            sales_beyond AS (
                -- the period's sales of the months not walked (a period
                -- longer than the months walked back; none otherwise)
                SELECT partner_id AS key, SUM(sales_period) AS amount
                  FROM %(months)s
                 WHERE company_id = %(company)s AND month >= %(walked)s
              GROUP BY partner_id
            )
            INSERT INTO %(table)s (company_id, partner_id, outstanding, overdue, late_customers, late_weight,
                                   sales_period, dso_countback)
            SELECT %(company)s, ar.key, ar.outstanding, ar.overdue, ar.late_customers, ar.late_weight,
                   COALESCE(cb.sales_period, 0) + COALESCE(sb.amount, 0), COALESCE(cb.dso, 0)
              FROM ar
         LEFT JOIN count_back cb ON cb.key = ar.key
         LEFT JOIN sales_beyond sb ON sb.key = ar.key
             WHERE ar.key <> 0
            """,
            # the items as the summaries read them today (any date: today's
            # open items and the reconciliations since)
            items=Kpi._kpi_open_items_joined(as_of, company.ids, dossier=False),
            ar=Kpi._kpi_summaries_ar(["partner"], Kpi._kpi_overdue_sql(as_of), SQL("TRUE"), one_company=True),
            count_back=Kpi._kpi_count_back_sql(as_of),
            months=SQL.identifier(MONTHS),
            walked=COUNT_BACK_MONTHS,
            table=SQL.identifier(CUSTOMERS),
            company=company.id,
        ))

    @api.model
    def _kpi_keep_months(self, company, as_of, period):
        """Each customer's credit sales of ``company`` per month back from
        ``as_of`` summed as the summaries per customer sum them, and the
        months walked back as their count-back walks them."""
        Kpi = self.env["credit.control.kpi"]
        self.env.cr.execute(SQL(
            """
            WITH %(sales)s
            INSERT INTO %(table)s (company_id, partner_id, month, sales, sales_period, covered, month_before, last)
            SELECT %(company)s, key, k, amount, amount_period,
                   SUM(amount) OVER w, COALESCE(LAG(k) OVER w, -1), LEAD(k) OVER w IS NULL
              FROM sales WHERE k < %(months)s AND key <> 0
            WINDOW w AS (PARTITION BY key ORDER BY k)
             UNION ALL
            SELECT %(company)s, key, k, amount, amount_period, NULL, NULL, NULL
              FROM sales WHERE k >= %(months)s AND key <> 0
            """,
            sales=Kpi._kpi_sales_months_sql(
                as_of, company.ids, period, {"partner": SQL("m.partner_id")}, False, [SQL("TRUE")],
            ),
            table=SQL.identifier(MONTHS),
            company=company.id,
            months=COUNT_BACK_MONTHS,
        ))
