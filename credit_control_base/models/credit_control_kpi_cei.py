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

        Both receivables are sums over movements dated and due: a
        receivable item moves its balance on its date, a reconciliation
        takes its amount off each of its two items (when it is a receivable
        item) on the later of its date and the item's. The receivables of
        a month's end are the movements dated up to it; the current ones
        those of the items still due then (due on that day or later). The
        movements are summed per date and due date first, a few thousand
        rows whatever the size of the ledger, and the months read those:
        the ledger and the reconciliations are each read once, not once a
        month."""
        as_of = as_of or fields.Date.context_today(self)
        company_ids = tuple(company_ids or self.env.companies.ids)
        months = self._kpi_months(as_of, count)
        self.env["credit.control.kpi"]._kpi_flush()
        starts = [start for start, _end in months]
        ends = [end for _start, end in months]
        Line = self.env["account.move.line"]
        rows = self.env.execute_query_dict(SQL(
            """
            WITH months AS (
                SELECT i, date_from, date_to
                  FROM unnest(%(starts)s::date[], %(ends)s::date[]) WITH ORDINALITY AS t(date_from, date_to, i)
            ),
            balance_moves AS (
                -- before the first month, one sum: the opening of the series
                SELECT GREATEST(l.date, %(first)s::date - 1) AS date, SUM(l.balance) AS amount
                  FROM account_move_line l
                 WHERE %(receivable)s AND l.company_id IN %(company_ids)s AND l.date <= %(as_of)s
              GROUP BY 1
            ),
            balances AS (
                SELECT mo.i, SUM(b.amount) AS closing,
                       COALESCE(SUM(b.amount) FILTER (WHERE b.date >= mo.date_from), 0) AS movement
                  FROM months mo
                  JOIN balance_moves b ON b.date <= mo.date_to
              GROUP BY mo.i
            ),
            current_lines AS MATERIALIZED (
                -- the items due on or after the first month's end: only
                -- they can be current at a month's end
                SELECT l.id, l.date, %(due)s AS due, l.balance
                  FROM account_move_line l
                 WHERE %(receivable)s AND l.company_id IN %(company_ids)s AND l.date <= %(as_of)s
                   AND %(due)s >= %(first_end)s
            ),
            current_moves AS (
                SELECT date, due, SUM(amount) AS amount
                  FROM (SELECT date, due, balance AS amount FROM current_lines
                         UNION ALL
                        SELECT GREATEST(pr.max_date, cl.date), cl.due, -pr.amount
                          FROM account_partial_reconcile pr
                          JOIN current_lines cl ON cl.id = pr.debit_move_id
                         WHERE pr.max_date <= %(as_of)s
                         UNION ALL
                        SELECT GREATEST(pr.max_date, cl.date), cl.due, pr.amount
                          FROM account_partial_reconcile pr
                          JOIN current_lines cl ON cl.id = pr.credit_move_id
                         WHERE pr.max_date <= %(as_of)s
                       ) x
              GROUP BY 1, 2
            ),
            current_items AS (
                SELECT mo.i, SUM(cm.amount) AS closing_current
                  FROM months mo
                  JOIN current_moves cm ON cm.date <= mo.date_to AND cm.due >= mo.date_to
              GROUP BY mo.i
            ),
            sales AS (
                SELECT mo.i, SUM(m.amount_total_signed) AS sales
                  FROM months mo
                  JOIN account_move m ON m.date BETWEEN mo.date_from AND mo.date_to
                 WHERE m.state = 'posted' AND m.move_type IN %(types)s AND m.company_id IN %(company_ids)s
              GROUP BY mo.i
            )
            SELECT mo.i, mo.date_from, mo.date_to,
                   COALESCE(b.closing, 0) - COALESCE(b.movement, 0) AS opening, COALESCE(b.closing, 0) AS closing,
                   COALESCE(c.closing_current, 0) AS closing_current, COALESCE(s.sales, 0) AS sales
              FROM months mo
         LEFT JOIN balances b ON b.i = mo.i
         LEFT JOIN current_items c ON c.i = mo.i
         LEFT JOIN sales s ON s.i = mo.i
          ORDER BY mo.i
            """,
            first=starts[0],
            first_end=ends[0],
            starts=starts,
            ends=ends,
            company_ids=company_ids,
            as_of=as_of,
            types=SALE_MOVE_TYPES,
            due=Line._credit_due_date_sql(),
            receivable=Line._credit_receivable_sql(),
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
