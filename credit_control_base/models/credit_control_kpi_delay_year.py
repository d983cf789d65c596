from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, create_unique_index

# The payments of the last YEAR_DAYS days tell how late a customer pays.
YEAR_DAYS = 365
# Further than this from the day of the sums, a year is summed from the
# daily rows: the rows between the two years would cost as much.
MAX_SHIFT_DAYS = 31


class CreditControlKpiDelayYear(models.Model):
    """Each customer's payments of the year up to a day, summed from the
    payments per customer and day (``credit.control.kpi.delay``) by the
    nightly refresh: the cash-in forecast reads one row per customer for
    its usual delay instead of summing every day of the year (286,000 rows
    for 101,000 customers at 1M receivable lines).

    The sums hold exactly the daily rows marked ``summed``, those dated in
    the year ending on ``date``. The delays of a year ending on another day
    (today, the day after the refresh) are the sums, plus the summed rows
    of the days that year adds, minus those of the days it drops, plus the
    rows added since the refresh: numeric sums, the same figure to the last
    digit as the daily rows summed directly.

    The mark is written by the transaction that sums: a payment
    reconciled while it runs, invisible to it, stays unmarked and is read
    with the rows added since, whatever its row's id."""

    _name = "credit.control.kpi.delay.year"
    _description = "Credit Control KPIs: Payments of the Year per Customer"
    _log_access = False
    _order = "company_id, partner_id"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    date = fields.Date(string="Last Day of the Year", required=True, readonly=True)
    amount = fields.Monetary(string="Amount Paid", readonly=True)
    amount_days = fields.Monetary(
        string="Amount x Days Late", readonly=True,
        help="Each amount paid times the days between its due date and its payment (negative when paid early).",
    )

    def init(self):
        create_unique_index(
            self.env.cr, "credit_control_kpi_delay_year_customer_uniq", self._table, ["company_id", "partner_id"],
        )

    @api.model
    def _kpi_refresh(self, day):
        """Sum the summed daily rows of the year ending on ``day``."""
        self.env["credit.control.kpi.delay"].flush_model()
        cr = self.env.cr
        cr.execute(SQL("DELETE FROM credit_control_kpi_delay_year"))
        cr.execute(SQL(
            """
            INSERT INTO credit_control_kpi_delay_year (company_id, partner_id, date, amount, amount_days)
            SELECT company_id, partner_id, %(day)s, SUM(amount), SUM(amount_days)
              FROM credit_control_kpi_delay
             WHERE summed AND partner_id IS NOT NULL AND date > %(first)s AND date <= %(day)s
          GROUP BY 1, 2
            """,
            day=day, first=day - timedelta(days=YEAR_DAYS),
        ))
        self.invalidate_model()

    @api.model
    def _kpi_day(self):
        """The last day of the year summed, None before the first refresh
        (or without any payment in it)."""
        rows = self.env.execute_query(SQL("SELECT date FROM credit_control_kpi_delay_year LIMIT 1"))
        return rows[0][0] if rows else None

    @api.model
    def _kpi_customer_delays_sql(self, date_to, company_ids, partner_ids=None):
        """Query of each customer's usual delay over the payments of the
        year ending on ``date_to``, read from the sums (columns and rows of
        ``credit.control.kpi.delay._kpi_customer_delays_sql``); None when
        the sums are too far from ``date_to`` (or not there).

        :param partner_ids: only these customers: an SQL query of their ids
        """
        day = self._kpi_day()
        if day is None or abs((date_to - day).days) > MAX_SHIFT_DAYS:
            return None
        year = timedelta(days=YEAR_DAYS)
        first, last = min(day, date_to), max(day, date_to)
        partners = SQL("TRUE") if partner_ids is None else SQL("partner_id IN %s", partner_ids)
        # the summed rows of the days between the two years count +1 in
        # the year of ``date_to`` only, -1 in the year of the sums only
        in_year = SQL("(date > %s AND date <= %s)::int", date_to - year, date_to)
        in_sums = SQL("(date > %s AND date <= %s)::int", day - year, day)
        since = SQL(
            """
            SELECT partner_id, company_id, SUM(factor * amount) AS amount,
                   SUM(factor * amount_days) AS amount_days
              FROM (SELECT partner_id, company_id, amount, amount_days, 1 AS factor
                      FROM credit_control_kpi_delay
                     WHERE summed IS NOT TRUE AND date > %(year_first)s AND date <= %(date_to)s
                       AND company_id IN %(company_ids)s
                 UNION ALL
                    SELECT partner_id, company_id, amount, amount_days, %(in_year)s - %(in_sums)s
                      FROM credit_control_kpi_delay
                     WHERE summed AND company_id IN %(company_ids)s
                       AND (date > %(first_before)s AND date <= %(last_before)s
                            OR date > %(first)s AND date <= %(last)s)) d
             WHERE partner_id IS NOT NULL AND %(partners)s
          GROUP BY 1, 2
            """,
            year_first=date_to - year, date_to=date_to, company_ids=tuple(company_ids),
            in_year=in_year, in_sums=in_sums, first_before=first - year, last_before=last - year,
            first=first, last=last, partners=partners,
        )
        # The customers of the year's sums with the days since, then the
        # customers of the days since alone: not a full join of the two,
        # whose company (either's) PostgreSQL cannot estimate (it guessed
        # 446 customers of 89,881 at 1M lines and sorted the open items to
        # merge them with the delays). The days since are few, summed in
        # each branch rather than shared: a shared one would keep the
        # forecast's scan of the open items in one process.
        return SQL(
            """
            SELECT y.partner_id, y.company_id,
                   (COALESCE(y.amount_days, 0) + COALESCE(s.amount_days, 0))
                   / NULLIF(COALESCE(y.amount, 0) + COALESCE(s.amount, 0), 0) AS days
              FROM credit_control_kpi_delay_year y
         LEFT JOIN (%(since)s) s ON s.partner_id = y.partner_id AND s.company_id = y.company_id
             WHERE y.company_id IN %(company_ids)s AND y.partner_id IS NOT NULL AND %(partners)s
               AND COALESCE(y.amount, 0) + COALESCE(s.amount, 0) <> 0
             UNION ALL
            SELECT s.partner_id, s.company_id, s.amount_days / NULLIF(s.amount, 0)
              FROM (%(since)s) s
             WHERE s.amount <> 0
               AND NOT EXISTS (SELECT FROM credit_control_kpi_delay_year y
                                WHERE y.partner_id = s.partner_id AND y.company_id = s.company_id)
            """,
            since=since, company_ids=tuple(company_ids),
            partners=SQL("TRUE") if partner_ids is None else SQL("y.partner_id IN %s", partner_ids),
        )
