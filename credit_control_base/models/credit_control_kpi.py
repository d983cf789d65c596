from contextlib import contextmanager
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.tools import SQL, create_index

from ..tools.sql import planner_settings

# Codes of the aged balance buckets; their bounds are company settings.
AGING_KEYS = ["not_due", "b1", "b2", "b3", "b4", "b5"]

# Dimensions the KPIs can be broken down by (and filtered on): SQL column
# of the open items query (alias x), then of the sales query (alias m: the
# credit sales of a customer and day, d: the customer's dossier).
GROUP_BY = {
    "company": (SQL("x.company_id"), SQL("m.company_id")),
    "segment": (SQL("x.segment_id"), SQL("d.segment_id")),
    "collector": (SQL("x.collector_id"), SQL("d.collector_id")),
    "partner": (SQL("x.partner_id"), SQL("m.partner_id")),
}
FILTER_KEYS = {"segment_id": "segment", "collector_id": "collector", "partner_id": "partner"}

# Customer invoices, receipts and credit notes make the credit sales.
SALE_MOVE_TYPES = ("out_invoice", "out_refund", "out_receipt")

# Months of sales the count-back DSO walks back at most.
COUNT_BACK_MONTHS = 24

# Memory per sort or hash of a figure's query (``_kpi_query_settings``): the
# largest of the dashboard's at 1M receivable lines, the sums of 53,000 late
# customers, fit in 26 MB.
KPI_WORK_MEM = "32MB"

# The dossier ``d`` (unique per customer and company) of a row ``m`` with a
# company and a customer: a credit sale, a kept customer or month.
DOSSIER_OF_M = SQL(
    "LEFT JOIN credit_control_dossier d ON d.partner_id = m.partner_id AND d.company_id = m.company_id"
)


class CreditControlKpi(models.AbstractModel):
    """SQL building blocks of the credit KPIs (aged balance, DSO, CEI,
    average days delinquent). Every figure is one aggregate query whatever
    the size of the ledger; Python only shapes the few rows it returns."""

    _name = "credit.control.kpi"
    _description = "Credit Control KPIs"

    def init(self):
        # The aged balance as of a past date reads the reconciliations made
        # after that date: index them by date so that it stays proportional
        # to the activity since then, not to the history.
        create_index(
            self.env.cr,
            "account_partial_reconcile_credit_max_date_idx",
            "account_partial_reconcile",
            ["max_date"],
        )

    # ------------------------------------------------------------------
    # BUCKETS
    # ------------------------------------------------------------------

    @api.model
    def _kpi_bucket_limits(self, company=None):
        company = company or self.env.company
        return [company[f"credit_aging_limit_{i}"] for i in range(1, 5)]

    @api.model
    def _kpi_bucket_labels(self, company=None):
        """[(code, label)] of the aged balance buckets of ``company``."""
        limits = self._kpi_bucket_limits(company)
        labels = [("not_due", _("Not due")), ("b1", _("1-%s days", limits[0]))]
        for index in range(1, 4):
            labels.append((
                AGING_KEYS[index + 1],
                _("%(low)s-%(high)s days", low=limits[index - 1] + 1, high=limits[index]),
            ))
        labels.append(("b5", _("Over %s days", limits[3])))
        return labels

    @api.model
    def _kpi_bucket_bounds(self, limits):
        """``{code: (first day, last day)}`` of the buckets of ``limits``
        (None: unbounded); not due is 0 days or less."""
        lows = [1] + [limit + 1 for limit in limits]
        bounds = {"not_due": (None, 0)}
        for key, low, high in zip(AGING_KEYS[1:], lows, [*limits, None], strict=True):
            bounds[key] = (low, high)
        return bounds

    @api.model
    def _kpi_bucket(self, days, bounds):
        """The bucket code of an item ``days`` past due, as _kpi_bucket_sql.

        :param bounds: as returned by ``_kpi_bucket_bounds``
        """
        return next(
            key for key, (low, high) in bounds.items()
            if (low is None or days >= low) and (high is None or days <= high)
        )

    @api.model
    def _kpi_bucket_sql(self, days, company_alias):
        """SQL CASE giving the bucket code of an item ``days`` past due,
        with the limits of the company row ``company_alias``."""
        limit = [SQL.identifier(company_alias, f"credit_aging_limit_{i}") for i in range(1, 5)]
        return SQL(
            """CASE WHEN %(d)s <= 0 THEN 'not_due'
                    WHEN %(d)s <= %(l1)s THEN 'b1'
                    WHEN %(d)s <= %(l2)s THEN 'b2'
                    WHEN %(d)s <= %(l3)s THEN 'b3'
                    WHEN %(d)s <= %(l4)s THEN 'b4'
                    ELSE 'b5' END""",
            d=days, l1=limit[0], l2=limit[1], l3=limit[2], l4=limit[3],
        )

    # ------------------------------------------------------------------
    # OPEN ITEMS AS OF A DATE
    # ------------------------------------------------------------------

    @api.model
    def _kpi_flush(self):
        """Write what the KPI queries read."""
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        self.env["credit.control.dossier"].flush_model()
        self.env["credit.control.kpi.sales"].flush_model()
        self.env["credit.control.kpi.delay"].flush_model()
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env["res.company"].flush_model()
        self.env["credit.control.kpi.open"]._kpi_refresh()

    @api.model
    def _kpi_open_items_query(self, as_of, company_ids, from_before=None, where=None):
        """Query of the posted receivable items of ``company_ids`` open on
        ``as_of``, one row per journal item, amounts in company currency.

        What was open on a past date D is the balance of the item minus the
        reconciliations dated up to D, or, the same, its residual today plus
        the reconciliations dated after D (a reconciliation is dated by the
        later of its two items, as in Odoo's aged receivable). The query
        reads whichever set of reconciliations is the smaller: those after D
        for a recent date, those up to D for a date far back.

        Inside ``_kpi_shared_open_items`` for the same date and companies,
        the query reads the items computed once for all the figures.

        :param from_before: force the reconciliations up to D (True) or
            after it (False); by default the smaller set
        :param where: SQL on the open lines (alias o, the columns of
            ``_kpi_open_lines_query``): those read alone
        Columns: id, move_id, company_id, partner_id (commercial entity),
        dossier_id, segment_id, collector_id, insolvent (the dossier's),
        date, date_maturity, days_overdue, aging_bucket, residual,
        untaxed_share (the entry's share excluding taxes, for the items
        read from today's open items; null for the others).
        """
        shared = self._kpi_shared_table(as_of, company_ids)
        if from_before is None and shared:
            return SQL("SELECT * FROM %s o WHERE %s", SQL.identifier(shared), where or SQL("TRUE"))
        return SQL(
            "WITH open_lines AS MATERIALIZED (%s) %s",
            self._kpi_open_lines_query(as_of, company_ids, from_before, where=where),
            self._kpi_open_items_select(as_of, SQL("open_lines")),
        )

    @api.model
    def _kpi_open_lines_query(self, as_of, company_ids, from_before=None, select=None, where=None):
        """The receivable items open on ``as_of`` alone (columns id,
        move_id, company_id, partner_id (the commercial entity), date,
        date_maturity, residual, untaxed_share): the first half of
        ``_kpi_open_items_query``.

        :param select: a function of an SQL relation of open lines
            returning a query on them, applied to each set of open lines
            before they are put together: PostgreSQL then joins each
            knowing the statistics of its table (past a UNION it knows
            none, and guessed a hundredth of the rows)
        :param where: SQL on the open lines (alias o): those read alone,
            filtered in each set where it is read
        """
        if from_before is None:
            from_before = self._kpi_from_before(as_of, company_ids)
        if from_before:
            partials = SQL("max_date <= %s", as_of)
            branches = [self._kpi_ledger_items(
                as_of, company_ids, SQL("account_move_line l LEFT JOIN reconciled r ON r.line_id = l.id"),
                SQL("TRUE"), SQL("l.balance - COALESCE(r.amount, 0)"),
            )]
        else:
            partials = SQL("max_date > %s", as_of)
            # Open on D and settled since are the items open today and the
            # items reconciled after D: the first are the table of today's
            # open items, kept by the hooks of the ledger (their customers
            # resolved once), the second the reconciliations' items,
            # instead of reading every receivable item dated up to D. The
            # second starts from the reconciliations: PostgreSQL guesses a
            # grouped CTE has 200 rows, and joined the other way it scanned
            # them all for each item (more than 10 minutes on 840,000
            # reconciliations).
            self.env["credit.control.kpi.open"]._kpi_refresh()
            # Nothing reconciled after D (today, mostly): the items open on
            # D are today's open items dated up to D, read alone (joined to
            # no reconciliation, 0.1 s of the DSO per customer at 1M lines).
            # PostgreSQL tests the condition once and runs one side only.
            later = SQL(
                "EXISTS (SELECT FROM account_partial_reconcile WHERE %s AND company_id IN %s)",
                partials, tuple(company_ids),
            )

            def kept_items(join, residual, condition):
                return SQL(
                    """
                    SELECT l.id, l.move_id, l.company_id, l.partner_id, l.date, l.date_maturity,
                           %(residual)s AS residual, l.untaxed_share
                      FROM credit_control_kpi_open l %(join)s
                     WHERE l.company_id IN %(company_ids)s AND l.date <= %(as_of)s
                       AND %(residual)s <> 0 AND %(condition)s
                    """,
                    join=join, residual=residual, condition=condition,
                    company_ids=tuple(company_ids), as_of=as_of,
                )

            branches = [
                kept_items(SQL(), SQL("l.residual"), SQL("NOT %s", later)),
                kept_items(
                    SQL("LEFT JOIN reconciled r ON r.line_id = l.id"), SQL("l.residual + COALESCE(r.amount, 0)"), later,
                ),
                self._kpi_ledger_items(
                    as_of, company_ids, SQL("reconciled r JOIN account_move_line l ON l.id = r.line_id"),
                    SQL("l.amount_residual = 0 AND %s", later), SQL("l.amount_residual + COALESCE(r.amount, 0)"),
                ),
            ]
        if where:
            branches = [SQL("SELECT * FROM (%s) o WHERE %s", branch, where) for branch in branches]
        return SQL(
            """
            WITH reconciled AS MATERIALIZED (
                SELECT line_id, SUM(amount) AS amount
                  FROM (SELECT debit_move_id AS line_id, amount
                          FROM account_partial_reconcile WHERE %(partials)s AND company_id IN %(company_ids)s
                         UNION ALL
                        SELECT credit_move_id, -amount
                          FROM account_partial_reconcile WHERE %(partials)s AND company_id IN %(company_ids)s) p
              GROUP BY line_id
            )
            %(open_lines)s
            """,
            company_ids=tuple(company_ids),
            partials=partials,
            open_lines=SQL(" UNION ALL ").join(
                select(SQL("(%s)", branch)) if select else branch for branch in branches
            ),
        )

    @api.model
    def _kpi_from_before(self, as_of, company_ids):
        """Whether the open items of ``as_of`` are best read from the
        reconciliations dated up to it (True) or from the items open today
        and the reconciliations dated after it (False): the smaller set.
        Today, hardly any reconciliation is dated later: no need to count."""
        return as_of < fields.Date.context_today(self) and self._kpi_fewer_reconciliations_before(
            as_of, company_ids
        )

    @api.model
    def _kpi_ledger_items(self, as_of, company_ids, lines, branch, residual):
        """Query of the receivable items of ``lines`` (SQL relations, the
        items aliased ``l``) matching ``branch`` whose ``residual`` on
        ``as_of`` is not zero, with their customer: the columns of
        ``_kpi_open_lines_query``. Their share excluding taxes is left
        null: the provisions look it up for the few items they provision,
        rather than every item read here joining its entry."""
        Line = self.env["account.move.line"]
        return SQL(
            """
            SELECT l.id, l.move_id, l.company_id, COALESCE(p.commercial_partner_id, l.partner_id) AS partner_id,
                   l.date, %(due)s AS date_maturity, %(residual)s AS residual, NULL::numeric AS untaxed_share
              FROM %(lines)s
         LEFT JOIN res_partner p ON p.id = l.partner_id
             WHERE %(receivable)s AND l.company_id IN %(company_ids)s AND l.date <= %(as_of)s
               AND %(branch)s AND %(residual)s <> 0
            """,
            due=Line._credit_due_date_sql(),
            receivable=Line._credit_receivable_sql(),
            company_ids=tuple(company_ids),
            as_of=as_of,
            lines=lines,
            branch=branch,
            residual=residual,
        )

    @api.model
    def _kpi_open_items_select(self, as_of, open_lines, dossier=True):
        """The second half of ``_kpi_open_items_query``: the dossier, age
        and bucket of the open lines of the relation ``open_lines``. The
        open lines are found first, on the receivable lines alone: the
        dossier join then reads the open lines only (a tenth of the
        ledger), not every line dated up to D.

        :param dossier: join the dossiers; without, their columns are null
            (for figures that need neither segment nor collector)
        """
        days = self.env["account.move.line"]._credit_days_late_sql(as_of, due=SQL("o.date_maturity"))
        return SQL(
            """
            SELECT o.id, o.move_id, o.company_id, o.partner_id,
                   %(dossier_columns)s,
                   o.date, o.date_maturity,
                   %(days)s AS days_overdue,
                   %(bucket)s AS aging_bucket,
                   o.residual, o.untaxed_share
              FROM %(open_lines)s o
              JOIN res_company c ON c.id = o.company_id
              %(dossier_join)s
            """,
            open_lines=open_lines,
            dossier_columns=SQL("d.id AS dossier_id, d.segment_id, d.collector_id, d.insolvent") if dossier else SQL(
                "NULL::int AS dossier_id, NULL::int AS segment_id, NULL::int AS collector_id, NULL::bool AS insolvent"
            ),
            dossier_join=SQL(
                "LEFT JOIN credit_control_dossier d ON d.partner_id = o.partner_id AND d.company_id = o.company_id"
            ) if dossier else SQL(),
            days=days,
            bucket=self._kpi_bucket_sql(days, "c"),
        )

    @api.model
    def _kpi_open_items_key(self, as_of, company_ids):
        return (fields.Date.to_string(as_of), tuple(sorted(company_ids)))

    @api.model
    def _kpi_shared_table(self, as_of, company_ids):
        """The name of the table of the open items of ``as_of`` and
        ``company_ids`` shared by ``_kpi_shared_open_items``, if any."""
        shared = self.env.context.get("credit_open_items_table")
        return shared[0] if shared and shared[1:] == self._kpi_open_items_key(as_of, company_ids) else None

    @api.model
    def _kpi_open_items_joined(self, as_of, company_ids, dossier=True):
        """``_kpi_open_items_query`` for a date read from today's open items
        (not from the reconciliations before it): each set of open lines
        joined to its dossiers before they are put together, so that
        PostgreSQL joins the table of today's open items knowing its
        statistics.

        :param dossier: see ``_kpi_open_items_select``
        """
        return self._kpi_open_lines_query(
            as_of, company_ids, False, select=lambda lines: self._kpi_open_items_select(as_of, lines, dossier),
        )

    @contextmanager
    def _kpi_shared_open_items(self, as_of, company_ids):
        """Compute the open items of ``as_of`` once for several figures:
        yield this model in a context where ``_kpi_open_items_query`` (and
        through it the summaries and the aged balance, with its provisions)
        of that date and those companies reads them from a temporary
        table, dropped at the end.

        The open lines are written first and analysed, so that PostgreSQL
        joins the customers and dossiers of tens of thousands of rows
        knowing how many there are (inside one query it guesses a few and
        looks each one up). Only the columns the figures join and group on
        are analysed: the statistics of every column cost as much as
        writing the table."""
        cr = self.env.cr
        if self._kpi_shared_table(as_of, company_ids):
            yield self
            return
        with self._kpi_query_settings():
            # a read-only transaction (a replica) cannot create a table: each figure reads the ledger
            if cr.readonly:
                yield self
                return
            with self._kpi_open_items_table(as_of, company_ids) as kpi:
                yield kpi

    @contextmanager
    def _kpi_query_settings(self):
        """Run the figures without PostgreSQL's JIT compilation and with
        at least ``KPI_WORK_MEM`` of memory per sort or hash.

        A figure reads every open item, and PostgreSQL prices the look-ups
        of each far above what they cost: past its thresholds it compiles
        the query first, which took longer than the query (0.45 s of the
        provisions' 1.25 s at 1M invoices, 0.6 s of the dashboard).
        With PostgreSQL's default of 4 MB, the forecast's sorts, the
        per-customer sums of the DSO and the late customers' sums spilled
        to disk at 1M receivable lines. A server configured with more
        keeps its own.

        The settings are the transaction's, restored after; an error rolls
        them back with the transaction. Yields this model, as
        ``_kpi_shared_open_items`` does."""
        with planner_settings(self.env, jit="off", work_mem=SQL(
            "CASE WHEN pg_size_bytes(current_setting('work_mem')) < pg_size_bytes(%(mem)s)"
            " THEN %(mem)s ELSE current_setting('work_mem') END",
            mem=KPI_WORK_MEM,
        )):
            yield self

    @contextmanager
    def _kpi_open_items_table(self, as_of, company_ids):
        """The temporary table of ``_kpi_shared_open_items``."""
        cr = self.env.cr
        self._kpi_flush()
        # a name of its own: a figure may share the items of another date inside a sharing
        number = cr.cache["credit_control_open_items"] = cr.cache.get("credit_control_open_items", 0) + 1
        table = SQL.identifier(f"credit_control_open_items_{number}")
        tables = [table]
        from_before = self._kpi_from_before(as_of, company_ids)
        if not from_before:
            items = self._kpi_open_items_joined(as_of, company_ids)
        else:
            # Read from the ledger, the open lines of a past date are
            # written and analysed first: inside one query, PostgreSQL
            # guesses a few and looks each dossier up one by one. Read from
            # the table of today's open items, it knows how many there are.
            lines = SQL.identifier(f"credit_control_open_lines_{number}")
            tables.insert(0, lines)
            # ON COMMIT DROP: what an error leaves goes with its transaction
            cr.execute(SQL(
                "CREATE TEMPORARY TABLE %s ON COMMIT DROP AS %s",
                lines, self._kpi_open_lines_query(as_of, company_ids, from_before),
            ))
            cr.execute(SQL("ANALYZE %s (partner_id, company_id)", lines))
            items = self._kpi_open_items_select(as_of, lines)
        cr.execute(SQL("CREATE TEMPORARY TABLE %s ON COMMIT DROP AS %s", table, items))
        cr.execute(SQL(
            "ANALYZE %s (company_id, partner_id, dossier_id, segment_id, collector_id, move_id)", table,
        ))
        yield self.with_context(
            credit_open_items_table=(f"credit_control_open_items_{number}",
                                     *self._kpi_open_items_key(as_of, company_ids))
        )
        cr.execute(SQL("DROP TABLE %s", SQL(", ").join(tables)))

    @api.model
    def _kpi_overdue_sql(self, as_of, alias="x"):
        """Row ``alias`` of the open items query is overdue on ``as_of``
        (the open-item definition, on the residual as of that date)."""
        return self.env["account.move.line"]._credit_overdue_sql(
            as_of, residual=SQL("%s.residual", SQL.identifier(alias)),
            due=SQL("%s.date_maturity", SQL.identifier(alias)),
        )

    @api.model
    def _kpi_fewer_reconciliations_before(self, as_of, company_ids):
        """Whether fewer reconciliations of ``company_ids`` are dated up to
        ``as_of`` than after it."""
        [(before, after)] = self.env.execute_query(SQL(
            """
            SELECT COUNT(*) FILTER (WHERE max_date <= %(as_of)s), COUNT(*) FILTER (WHERE max_date > %(as_of)s)
              FROM account_partial_reconcile WHERE company_id IN %(company_ids)s
            """,
            as_of=as_of,
            company_ids=tuple(company_ids),
        ))
        return before < after

    @api.model
    def _kpi_months_back(self, as_of, day):
        """The whole months from ``day`` to ``as_of`` (a later date), as
        the months of PostgreSQL's ``age(as_of, day)``: the difference of
        the months, less one when the day of the month of ``as_of`` comes
        before ``day``'s."""
        return (as_of.year - day.year) * 12 + as_of.month - day.month - (as_of.day < day.day)

    @api.model
    def _kpi_days_of_months(self, as_of, first, last):
        """SQL: the days of the months ``first`` to ``last`` back from
        ``as_of`` (SQL integers; month k is (as_of - k - 1 months, as_of -
        k months]), 0 when ``last`` < ``first``. The bounds of the months
        are worked out once here, not for each customer's month walked
        (252,000 at 1M lines): a month back from the 31st ends on the last
        day of a shorter month, as in PostgreSQL's date arithmetic."""
        day = fields.Date.to_date(as_of)
        # ends[k]: as_of - k months, in days from as_of
        ends = [(day - relativedelta(months=k) - day).days for k in range(COUNT_BACK_MONTHS + 1)]
        return SQL(
            "((%(ends)s::int[])[%(first)s + 1] - (%(ends)s::int[])[%(last)s + 2])",
            ends=ends, first=first, last=last,
        )

    @api.model
    def _kpi_count_back_sql(self, as_of):
        """SQL: per breakdown and key, the period's credit sales and the
        count-back DSO as of ``as_of``, from the CTE ``walk`` (columns g,
        key, outstanding, and per month with credit sales walked back: k,
        amount, amount_period, covered, k_before, last; one row without
        month for a key without credit sales)."""
        return SQL(
            """
            SELECT g, key, SUM(amount_period) AS sales_period, SUM(
                -- no count-back without receivables
                CASE WHEN outstanding <= 0 THEN NULL
                     WHEN k IS NULL THEN %(days_all)s
                     ELSE
                       -- the months without sales before this one
                       CASE WHEN outstanding > covered - amount THEN %(days_before)s ELSE 0 END
                       -- this month, the last one pro rata
                       + CASE WHEN outstanding <= covered - amount THEN 0
                              WHEN outstanding >= covered THEN %(days_month)s
                              ELSE (outstanding - (covered - amount)) / amount * %(days_month)s END
                       -- the months without sales after the last one
                       + CASE WHEN last AND outstanding > covered THEN %(days_after)s ELSE 0 END
                END) AS dso
              FROM walk GROUP BY g, key
            """,
            days_all=self._kpi_days_of_months(as_of, SQL("0"), SQL("%s", COUNT_BACK_MONTHS - 1)),
            days_before=self._kpi_days_of_months(as_of, SQL("k_before + 1"), SQL("k - 1")),
            days_month=self._kpi_days_of_months(as_of, SQL("k"), SQL("k")),
            days_after=self._kpi_days_of_months(as_of, SQL("k + 1"), SQL("%s", COUNT_BACK_MONTHS - 1)),
        )

    # ------------------------------------------------------------------
    # SUMMARY: OUTSTANDING, OVERDUE, DSO, ADD
    # ------------------------------------------------------------------

    @api.model
    def _kpi_summary(self, as_of=None, company_ids=None, group_by="company", period=None, filters=None,
                     from_invoices=False):
        """KPIs as of ``as_of`` (default today) per ``group_by`` key, in
        one query; see ``_kpi_summaries``.

        :return: ``{key id or False: {outstanding, overdue, overdue_rate,
            late_customers, add_days, sales_period, dso_simple,
            dso_countback, period}}``
        """
        return self._kpi_summaries(as_of, company_ids, [group_by], period, filters, from_invoices)[group_by]

    @api.model
    def _kpi_summaries(self, as_of=None, company_ids=None, group_bys=("company",), period=None, filters=None,
                       from_invoices=False):
        """KPIs as of ``as_of`` (default today) per key of each of
        ``group_bys``, in one query: the open items and the credit sales
        are read once for all the breakdowns (the dashboard's total and
        its breakdown).

        :param filters: optional ``{"segment_id": id, "collector_id": id,
            "partner_id": id}`` restricting the customers (0 = none set)
        :param from_invoices: read the credit sales from the invoices
            rather than from their maintained sums per customer and day
            (``credit.control.kpi.sales``): the proof that both agree
            (the context key ``credit_kpi_direct`` likewise reads every
            customer from the ledger rather than from the figures kept for
            the day: the proof that those agree)
        :return: ``{group_by: {key id or False: {outstanding, overdue,
            overdue_rate, late_customers, add_days, sales_period,
            dso_simple, dso_countback, period}}}``

        - DSO, simple method: receivables / credit sales of the last
          ``period`` days × ``period``.
        - DSO, count-back method: walk back month by month from ``as_of``,
          taking each month's credit sales off the receivables until they
          are covered; the DSO is the days walked (the last month pro rata).
        - Average days delinquent: days past due of the overdue items,
          weighted by their open amount.
        Credit sales are the posted customer invoices and receipts minus
        credit notes, tax included (the receivables include it too), read
        from their sums per customer and day (``credit.control.kpi.sales``).
        """
        as_of = as_of or fields.Date.context_today(self)
        company_ids = company_ids or self.env.companies.ids
        period = period or self.env.company.credit_dso_period
        group_bys = list(dict.fromkeys(group_bys))
        self._kpi_flush()
        where_x, where_m = [SQL("TRUE")], [SQL("TRUE")]
        for fname, value in (filters or {}).items():
            column_x, column_m = GROUP_BY[FILTER_KEYS[fname]]
            where_x.append(SQL("COALESCE(%s, 0) = %s", column_x, value or 0))
            where_m.append(SQL("COALESCE(%s, 0) = %s", column_m, value or 0))
        overdue = self._kpi_overdue_sql(as_of)
        # One company on the date of the figures kept by the nightly
        # refresh: the customers changed since (``stale``) are read from
        # the ledger, the others from the kept rows
        # (``credit.control.kpi.kept``), grouped by today's dossiers.
        Kept = self.env["credit.control.kpi.kept"]
        stale = None if from_invoices else Kept._kpi_stale(company_ids, as_of, period)
        if stale is not None and "partner" in group_bys and len(group_bys) > 1:
            # the other breakdowns apart: without customers, they sum the
            # items and the sales per day first (the dashboard's total and
            # its breakdown per customer)
            result = self._kpi_summaries(
                as_of, company_ids, [g for g in group_bys if g != "partner"], period, filters,
            )
            result.update(self._kpi_summaries(as_of, company_ids, ["partner"], period, filters))
            return {group_by: result[group_by] for group_by in group_bys}
        # the dossier (unique per customer and company) only for its segment or collector
        sale_dossier = bool({"segment", "collector"} & {*group_bys, *map(FILTER_KEYS.get, filters or {})})
        per_customer = group_bys == ["partner"]
        kept = kept_groups = None
        kept_rows = SQL()
        stale_x = SQL("TRUE")
        if stale is not None:
            # the kept rows match the filters as the credit sales do (the
            # same aliases)
            kept = (company_ids[0], stale, SQL(" AND ").join(where_m))
            # The keys as a constant, the customers' indexed: PostgreSQL
            # reads their rows alone (a semi-join to a CTE of them read
            # every open item and every day of sales first).
            stale_x = SQL("(x.partner_id = ANY(%s::int[]) OR x.partner_id IS NULL)", stale)
            where_x.append(stale_x)
            where_m.append(SQL("(m.partner_id = ANY(%s::int[]) OR m.partner_id IS NULL)", stale))
            if per_customer:
                # the kept customers' rows as they are, DSO included (their
                # count-back was walked when they were kept: walked again
                # here, it took 2.2 of the query's 2.3 s at 1M lines)
                kept_rows = SQL("UNION ALL %s", Kept._kpi_customers_sql(
                    SQL("0, m.partner_id, m.outstanding::float8, m.overdue::float8, m.late_customers, "
                        "m.late_weight::float8, m.sales_period::float8, m.dso_countback"),
                    *kept, dossier=sale_dossier,
                ))
            else:
                kept_groups = Kept._kpi_customers_sql(
                    SQL("m.company_id, d.segment_id, d.collector_id, m.outstanding, m.overdue, m.late_weight, "
                        "m.late_customers"),
                    *kept, dossier=True,
                )
        ar = self._kpi_summaries_ar(group_bys, overdue, SQL(" AND ").join(where_x), len(company_ids) == 1,
                                    kept=kept_groups)
        # The key of every breakdown of a sale, as a column of the sales of
        # a day: each sale is summed once per breakdown, month and key in
        # one grouping (summed per customer first, then again per key, it
        # sorted or spilled twice as many rows; the sums are exact, so the
        # figures are the same).
        sale_keys = {group_by: GROUP_BY[group_by][1] for group_by in group_bys}
        # Today's open items, read once here, are joined from the table of
        # today's open items, whose statistics PostgreSQL knows: that costs
        # less than writing them to a table first (0.70 against 0.91-0.98 s
        # for the company and its segments at 1M lines). Those of a past
        # date add the reconciliations since (or read those before it),
        # which PostgreSQL cannot count: written to a table and analysed
        # first, unless the caller shares them already (inside one query it
        # guessed a few dozen and looked each customer and dossier up one
        # by one).
        joined = as_of >= fields.Date.context_today(self) and not self._kpi_shared_table(as_of, company_ids)
        sharing = self._kpi_query_settings() if joined else self._kpi_shared_open_items(as_of, company_ids)
        with sharing as kpi:
            rows = kpi._kpi_summaries_rows(
                as_of, company_ids, group_bys, period, ar, sale_keys, sale_dossier, where_m, from_invoices,
                # the dossiers only for a segment or collector, as for the
                # sales; the stale customers' alone, before the breakdowns
                # read them twice
                items=SQL(
                    "SELECT * FROM (%s) x WHERE %s", self._kpi_open_items_joined(as_of, company_ids, sale_dossier),
                    stale_x,
                ) if joined else None,
                # the other breakdowns sum the kept months with the credit sales
                kept=None if per_customer else kept,
                kept_rows=kept_rows,
            )
        result = {group_by: {} for group_by in group_bys}
        for g, key, outstanding, overdue, late_customers, late_weight, sales, dso_countback in rows:
            result[group_bys[g]][key or False] = {
                "outstanding": outstanding,
                "overdue": overdue,
                "overdue_rate": overdue / outstanding * 100 if outstanding > 0 else 0.0,
                "late_customers": late_customers,
                "add_days": late_weight / overdue if overdue > 0 else 0.0,
                "sales_period": sales,
                "dso_simple": max(outstanding, 0) / sales * period if sales > 0 else 0.0,
                "dso_countback": dso_countback,
                "period": period,
            }
        return result

    @api.model
    def _kpi_summaries_ar(self, group_bys, overdue, where_x, one_company=False, kept=None):
        """The CTEs of the open items' figures of ``_kpi_summaries``, on
        the CTE ``items``, the last one ``ar``: per breakdown (g, its
        index in ``group_bys``) and key, the outstanding and overdue
        amounts, the late customers and the weight of their days late.

        A late customer is counted once per company (a customer has one
        dossier, so one segment and collector, per company).

        :param one_company: the items are of one company
        :param kept: without a breakdown per customer, SQL of the kept
            customers' figures summed with the items' (columns company_id,
            segment_id, collector_id, outstanding, overdue, late_weight,
            late_customers)
        """
        if group_bys == ["partner"] and one_company:
            # Per customer alone, in one company: each customer's items
            # summed once. Summed per customer, company, segment and
            # collector first, the 108,000 customers of 1M lines were
            # grouped a second time, both spilling to disk.
            return SQL(
                """
                ar AS (
                    SELECT 0 AS g, COALESCE(x.partner_id, 0) AS key,
                           SUM(x.residual) AS outstanding,
                           COALESCE(SUM(x.residual) FILTER (WHERE %(overdue)s), 0) AS overdue,
                           BOOL_OR(%(overdue)s AND x.partner_id IS NOT NULL)::int AS late_customers,
                           COALESCE(SUM(x.residual * x.days_overdue) FILTER (WHERE %(overdue)s), 0) AS late_weight
                      FROM items x
                     WHERE %(where_x)s
                  GROUP BY 2
                )
                """,
                overdue=overdue, where_x=where_x,
            )
        if "partner" in group_bys:
            # Per customer, the items are summed per customer first, each
            # breakdown then sums the customers: the items are read once.
            groups = SQL(
                """
                SELECT x.company_id, x.segment_id, x.collector_id, x.partner_id,
                       SUM(x.residual) AS outstanding,
                       SUM(x.residual) FILTER (WHERE %(overdue)s) AS overdue,
                       SUM(x.residual * x.days_overdue) FILTER (WHERE %(overdue)s) AS late_weight,
                       (BOOL_OR(%(overdue)s) AND x.partner_id IS NOT NULL)::int AS late_customers
                  FROM items x
                 WHERE %(where_x)s
              GROUP BY 1, 2, 3, 4
                """,
                overdue=overdue, where_x=where_x,
            )
        else:
            # Without a breakdown per customer, every breakdown is a
            # function of the company, segment and collector: the items are
            # summed per those three first (a few dozen rows), and the late
            # customers are the distinct customers of the overdue items,
            # counted per those three. Summing every customer's items first
            # (108,000 at 1M lines) cost twice as much; the sums are exact
            # numerics, so the figures are the same.
            groups = SQL(
                """
                SELECT x.company_id, x.segment_id, x.collector_id,
                       SUM(x.residual) AS outstanding,
                       SUM(x.residual) FILTER (WHERE %(overdue)s) AS overdue,
                       SUM(x.residual * x.days_overdue) FILTER (WHERE %(overdue)s) AS late_weight,
                       0 AS late_customers
                  FROM items x
                 WHERE %(where_x)s
              GROUP BY 1, 2, 3
                 UNION ALL
                SELECT x.company_id, x.segment_id, x.collector_id, NULL, NULL, NULL, COUNT(*)
                  FROM (SELECT DISTINCT x.company_id, x.segment_id, x.collector_id, x.partner_id
                          FROM items x
                         WHERE %(where_x)s AND %(overdue)s AND x.partner_id IS NOT NULL) x
              GROUP BY 1, 2, 3
                %(kept)s
                """,
                overdue=overdue, where_x=where_x, kept=SQL("UNION ALL %s", kept) if kept else SQL(),
            )
        ar = SQL(" UNION ALL ").join(
            SQL(
                """
                SELECT %(g)s AS g, COALESCE(%(key_x)s, 0) AS key,
                       SUM(x.outstanding) AS outstanding,
                       COALESCE(SUM(x.overdue), 0) AS overdue,
                       SUM(x.late_customers) AS late_customers,
                       COALESCE(SUM(x.late_weight), 0) AS late_weight
                  FROM groups x
              GROUP BY 2
                """,
                g=g, key_x=GROUP_BY[group_by][0],
            )
            for g, group_by in enumerate(group_bys)
        )
        return SQL("groups AS (%s), ar AS (%s)", groups, ar)

    @api.model
    def _kpi_summaries_rows(self, as_of, company_ids, group_bys, period, ar, sale_keys, sale_dossier, where_m,
                            from_invoices=False, items=None, kept=None, kept_rows=None):
        """The rows of ``_kpi_summaries``: per breakdown and key, the open
        items' figures (``ar``: the SQL of the CTEs whose last one is
        ``ar``, on the CTE ``items``) and the credit sales walked back, as
        tuples ``(g, key, outstanding, overdue, late_customers,
        late_weight, sales_period, dso_countback)``, the amounts floats.

        :param sale_keys: ``{group_by: SQL}`` the key of a sale in each
            breakdown, in the order of ``group_bys`` (alias m: the credit
            sales of a customer and day, d: the customer's dossier, joined
            when ``sale_dossier``)
        :param items: the query of the open items (default
            ``_kpi_open_items_query``)
        :param kept: ``(company id, stale keys, SQL filter)``: the months
            kept for the day (``credit.control.kpi.kept``) of the customers
            but the stale keys matching the filter, summed with the credit
            sales (``where_m`` reads the stale keys')
        :param kept_rows: ``UNION ALL`` SQL of rows added to the query's
            as they are (the kept customers' rows of a summary per
            customer)
        """
        # The items of a shared table are read where they are used: copied
        # once for both uses, as a query's rows are, they cost 0.1 s more
        # at 1M lines than two reads of the table.
        shared = items is None and self._kpi_shared_table(as_of, company_ids)
        return self.env.execute_query(SQL(
            """
            WITH items AS %(materialized)s (%(items)s),
            %(ar)s,
            %(sales)s,
            sales_beyond AS (
                -- the period's sales of the months not walked (a period
                -- longer than the months walked back; none otherwise)
                SELECT g, key, SUM(amount_period) AS amount FROM sales
                 WHERE k >= %(months)s AND amount_period IS NOT NULL GROUP BY g, key
            ),
            walk AS (
                -- the months with credit sales only: a customer has a few,
                -- not 24 (the months between them count whole or not at
                -- all); every key, for the period's sales summed on the way
                -- (a grouping of their own cost as much as the walk)
                SELECT ar.g, ar.key, ar.outstanding, s.k, s.amount, s.amount_period,
                       SUM(s.amount) OVER w AS covered,
                       COALESCE(LAG(s.k) OVER w, -1) AS k_before,
                       LEAD(s.k) OVER w IS NULL AS last
                  FROM ar
             LEFT JOIN sales s ON s.g = ar.g AND s.key = ar.key AND s.k < %(months)s
                WINDOW w AS (PARTITION BY ar.g, ar.key ORDER BY s.k)
            ),
            count_back AS (%(count_back)s)
            -- float8: read as floats, not Decimals (108,000 rows of five
            -- amounts per customer); PostgreSQL rounds a numeric to the
            -- nearest float as Python does
            SELECT ar.g, ar.key, COALESCE(ar.outstanding, 0)::float8, ar.overdue::float8, ar.late_customers::int,
                   ar.late_weight::float8, (COALESCE(cb.sales_period, 0) + COALESCE(sb.amount, 0))::float8,
                   COALESCE(cb.dso, 0)::float8
              FROM ar
         LEFT JOIN count_back cb ON cb.g = ar.g AND cb.key = ar.key
         LEFT JOIN sales_beyond sb ON sb.g = ar.g AND sb.key = ar.key
            %(kept_rows)s
            """,
            items=items or self._kpi_open_items_query(as_of, company_ids),
            materialized=SQL("NOT MATERIALIZED") if shared else SQL(),
            ar=ar,
            sales=self._kpi_sales_months_sql(
                as_of, company_ids, period, sale_keys, sale_dossier, where_m, from_invoices, kept,
            ),
            months=COUNT_BACK_MONTHS,
            count_back=self._kpi_count_back_sql(as_of),
            kept_rows=kept_rows or SQL(),
        ))

    @api.model
    def _kpi_sales_months_sql(self, as_of, company_ids, period, sale_keys, sale_dossier, where_m,
                              from_invoices=False, kept=None):
        """The CTEs ``day_sales`` and ``sales`` of ``_kpi_summaries_rows``:
        the credit sales per breakdown (g), key and month back from
        ``as_of`` (k), with those of the DSO period (columns g, key, k,
        amount, amount_period).

        :param kept: ``(company id, stale keys, SQL filter)``: the months
            kept (``credit.control.kpi.kept.month``) of the customers but
            the stale keys matching the filter, summed with the credit
            sales matching ``where_m`` (breakdowns other than per
            customer)
        """
        Sales = self.env["credit.control.kpi.sales"]
        credit_sales = SQL("credit_control_kpi_sales")
        if from_invoices:
            credit_sales = SQL("(%s)", Sales._kpi_sales_sql(SQL(
                "m.state = 'posted' AND m.company_id IN %s AND m.date <= %s", tuple(company_ids), as_of,
            )))
        # the first day of the months walked back or of the DSO period
        day = fields.Date.to_date(as_of)
        first_day = min(day - timedelta(days=period), day - relativedelta(months=COUNT_BACK_MONTHS)) + timedelta(days=1)
        key_columns = SQL(", ").join(
            SQL("%s AS %s", column, SQL.identifier(group_by)) for group_by, column in sale_keys.items()
        )
        # the keys and the day (or month) of a row of sales
        per_row = SQL(", ").join(SQL(str(position)) for position in range(1, len(sale_keys) + 2))
        values = SQL(", ").join(
            SQL("(%s, COALESCE(s.%s, 0))", g, SQL.identifier(group_by)) for g, group_by in enumerate(sale_keys)
        )
        # The month back of a day looked up in the months of the days
        # walked, worked out once per day in Python: joined to a table of
        # the days, PostgreSQL hashed every customer's day instead (1.7
        # million rows at 1M lines).
        sales = SQL(
            """
            SELECT v.g, v.key, (%(months_back)s::int[])[s.date - %(first_day)s::date + 1] AS k,
                   SUM(s.sales) AS amount,
                   SUM(s.sales) FILTER (WHERE s.date > %(as_of)s::date - %(period)s) AS amount_period
              FROM day_sales s
        CROSS JOIN LATERAL (VALUES %(values)s) v(g, key)
          GROUP BY 1, 2, 3
            """,
            months_back=[
                self._kpi_months_back(day, first_day + timedelta(days=i)) for i in range((day - first_day).days + 1)
            ],
            first_day=first_day, as_of=as_of, period=period, values=values,
        )
        if kept:
            months = self.env["credit.control.kpi.kept"]._kpi_months_sql(
                SQL("%s, m.month AS k, m.sales, m.sales_period", key_columns), *kept, sale_dossier,
            )
            # summed per key and month first, as the days of sales are
            months = SQL(
                "SELECT %s, k, SUM(sales) AS sales, SUM(sales_period) AS sales_period FROM (%s) s GROUP BY %s",
                SQL(", ").join(map(SQL.identifier, sale_keys)), months, per_row,
            )
            # each key's month once, for the walk
            sales = SQL(
                """
                SELECT g, key, k, SUM(amount) AS amount, SUM(amount_period) AS amount_period
                  FROM (%s
                         UNION ALL
                        SELECT v.g, v.key, s.k, s.sales, s.sales_period
                          FROM (%s) s
                    CROSS JOIN LATERAL (VALUES %s) v(g, key)) s
              GROUP BY 1, 2, 3
                """,
                sales, months, values,
            )
        return SQL(
            """
            day_sales AS (
                SELECT %(key_columns)s, m.date, %(day_sales)s AS sales
                  FROM %(credit_sales)s m
                  %(dossier)s
                 WHERE m.company_id IN %(company_ids)s AND m.date <= %(as_of)s AND m.date >= %(first_day)s
                   AND %(where_m)s
                 %(per_day)s
            ),
            sales AS (%(sales)s)
            """,
            key_columns=key_columns,
            # Without a breakdown per customer, the customers' sales are
            # summed per day and key first: the months and keys of each
            # breakdown are then looked up for a few hundred days, not for
            # every customer's day (616,000 at 1M lines). Per customer, the
            # rows are the customers' days already.
            day_sales=SQL("SUM(m.sales)") if "partner" not in sale_keys else SQL("m.sales"),
            per_day=SQL("GROUP BY %s", per_row) if "partner" not in sale_keys else SQL(),
            dossier=DOSSIER_OF_M if sale_dossier else SQL(),
            where_m=SQL(" AND ").join(where_m),
            credit_sales=credit_sales,
            first_day=first_day,
            company_ids=tuple(company_ids),
            as_of=as_of,
            sales=sales,
        )
