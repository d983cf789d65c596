from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .credit_control_kpi import SALE_MOVE_TYPES


class CreditControlKpiCei(models.AbstractModel):
    """Collection Effectiveness Index per calendar month.

    CEI = (opening receivables + credit sales − closing receivables)
        / (opening receivables + credit sales − closing current receivables) × 100

    where the receivables of a date are the balance of the posted
    receivable items dated up to it, and the current receivables the open
    amount, on that date, of the items not yet due (due that day or later).
    100 % means that everything that could be collected in the month was.
    """

    _name = "credit.control.kpi.cei"
    _description = "Credit Control KPIs: Collection Effectiveness Index"

    @api.model
    def _kpi_months(self, as_of, count):
        """The ``count`` calendar months ending with the month of ``as_of``
        (cut at ``as_of``): [(first day, last day)], oldest first."""
        first = as_of.replace(day=1)
        months = []
        for back in range(count - 1, -1, -1):
            start = first - relativedelta(months=back)
            end = min(start + relativedelta(months=1, days=-1), as_of)
            months.append((start, end))
        return months

    @api.model
    def _kpi_cei_series(self, as_of=None, company_ids=None, count=12):
        """Return ``[{month, date_from, date_to, opening, sales, closing,
        closing_current, collected, cei}]`` for the ``count`` months up to
        ``as_of``, in one query.

        The reconciliations of the items not yet due at each month's end
        are joined, not summed by a subquery per item and month: the
        planner estimated those subqueries at ten times the cost of the
        join, enough to make PostgreSQL compile the query (JIT) for longer
        than it runs."""
        as_of = as_of or fields.Date.context_today(self)
        company_ids = tuple(company_ids or self.env.companies.ids)
        months = self._kpi_months(as_of, count)
        self.env["credit.control.kpi"]._kpi_flush()
        starts = [start for start, _end in months]
        ends = [end for _start, end in months]
        rows = self.env.execute_query_dict(SQL(
            """
            WITH months AS (
                SELECT i, date_from, date_to
                  FROM unnest(%(starts)s::date[], %(ends)s::date[]) WITH ORDINALITY AS t(date_from, date_to, i)
            ),
            receivable AS (
                SELECT l.id, l.date, %(due)s AS date_maturity, l.balance
                  FROM account_move_line l
                 WHERE %(receivable)s AND l.company_id IN %(company_ids)s AND l.date <= %(as_of)s
            ),
            per_month AS (
                SELECT date_trunc('month', r.date)::date AS date_from, SUM(r.balance) AS amount
                  FROM receivable r WHERE r.date >= %(first)s GROUP BY 1
            ),
            balances AS (
                SELECT mo.i,
                       (SELECT COALESCE(SUM(balance), 0) FROM receivable WHERE date < %(first)s)
                       + SUM(COALESCE(pm.amount, 0)) OVER (ORDER BY mo.i) AS closing,
                       COALESCE(pm.amount, 0) AS movement
                  FROM months mo LEFT JOIN per_month pm ON pm.date_from = mo.date_from
            ),
            current_pairs AS (
                SELECT mo.i, mo.date_to, r.id, r.balance
                  FROM months mo JOIN receivable r ON r.date <= mo.date_to AND r.date_maturity >= mo.date_to
            ),
            current_items AS (
                SELECT i, SUM(amount) AS closing_current
                  FROM (SELECT i, balance AS amount FROM current_pairs
                         UNION ALL
                        SELECT cp.i, -pr.amount
                          FROM current_pairs cp
                          JOIN account_partial_reconcile pr ON pr.debit_move_id = cp.id AND pr.max_date <= cp.date_to
                         UNION ALL
                        SELECT cp.i, pr.amount
                          FROM current_pairs cp
                          JOIN account_partial_reconcile pr ON pr.credit_move_id = cp.id AND pr.max_date <= cp.date_to
                       ) x
              GROUP BY i
            ),
            sales AS (
                SELECT mo.i, SUM(m.amount_total_signed) AS sales
                  FROM months mo
                  JOIN account_move m ON m.date BETWEEN mo.date_from AND mo.date_to
                 WHERE m.state = 'posted' AND m.move_type IN %(types)s AND m.company_id IN %(company_ids)s
              GROUP BY mo.i
            )
            SELECT mo.i, mo.date_from, mo.date_to,
                   b.closing - b.movement AS opening, b.closing,
                   COALESCE(c.closing_current, 0) AS closing_current, COALESCE(s.sales, 0) AS sales
              FROM months mo
         LEFT JOIN balances b ON b.i = mo.i
         LEFT JOIN current_items c ON c.i = mo.i
         LEFT JOIN sales s ON s.i = mo.i
          ORDER BY mo.i
            """,
            first=starts[0],
            starts=starts,
            ends=ends,
            company_ids=company_ids,
            as_of=as_of,
            types=SALE_MOVE_TYPES,
            due=self.env["account.move.line"]._credit_due_date_sql(),
            receivable=self.env["account.move.line"]._credit_receivable_sql(),
        ))
        series = []
        for row in rows:
            opening, sales = float(row["opening"]), float(row["sales"])
            closing, current = float(row["closing"]), float(row["closing_current"])
            collectible = opening + sales - current
            collected = opening + sales - closing
            series.append({
                "month": row["date_from"],
                "date_from": row["date_from"],
                "date_to": row["date_to"],
                "opening": opening,
                "sales": sales,
                "closing": closing,
                "closing_current": current,
                "collected": collected,
                "cei": collected / collectible * 100 if collectible > 0 else 0.0,
            })
        return series
