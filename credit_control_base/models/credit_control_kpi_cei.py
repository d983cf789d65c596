from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL


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

        The receivables of a month's end are the daily receivables
        (``credit.control.kpi.balance``) dated up to it, the current ones
        those due on that day or later; the credit sales of the month its
        daily sales. The daily rows are summed per date and due date first
        (what comes before the first month on one date): the months read a
        few thousand rows whatever the size of the ledger."""
        as_of = as_of or fields.Date.context_today(self)
        company_ids = tuple(company_ids or self.env.companies.ids)
        months = self._kpi_months(as_of, count)
        self.env["credit.control.kpi.balance"].flush_model()
        starts = [start for start, _end in months]
        ends = [end for _start, end in months]
        rows = self.env.execute_query_dict(SQL(
            """
            WITH months AS (
                SELECT i, date_from, date_to
                  FROM unnest(%(starts)s::date[], %(ends)s::date[]) WITH ORDINALITY AS t(date_from, date_to, i)
            ),
            days AS (
                -- before the first month, one date: the opening of the series
                SELECT GREATEST(date, %(first)s::date - 1) AS date, date_due,
                       SUM(balance) AS balance, SUM(sales) AS sales
                  FROM credit_control_kpi_balance
                 WHERE company_id IN %(company_ids)s AND date <= %(as_of)s
              GROUP BY 1, 2
            ),
            totals AS (
                SELECT mo.i, SUM(b.balance) AS closing,
                       COALESCE(SUM(b.balance) FILTER (WHERE b.date >= mo.date_from), 0) AS movement,
                       COALESCE(SUM(b.balance) FILTER (WHERE b.date_due >= mo.date_to), 0) AS closing_current,
                       COALESCE(SUM(b.sales) FILTER (WHERE b.date >= mo.date_from), 0) AS sales
                  FROM months mo
                  JOIN days b ON b.date <= mo.date_to
              GROUP BY mo.i
            )
            SELECT mo.i, mo.date_from, mo.date_to,
                   COALESCE(t.closing, 0) - COALESCE(t.movement, 0) AS opening, COALESCE(t.closing, 0) AS closing,
                   COALESCE(t.closing_current, 0) AS closing_current, COALESCE(t.sales, 0) AS sales
              FROM months mo
         LEFT JOIN totals t ON t.i = mo.i
          ORDER BY mo.i
            """,
            first=starts[0],
            starts=starts,
            ends=ends,
            company_ids=company_ids,
            as_of=as_of,
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
