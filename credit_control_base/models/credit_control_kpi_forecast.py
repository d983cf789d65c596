from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..const import COLLECTIBLE_MOVE_TYPES

FORECAST_WEEKS = 12
# Payments of the last HISTORY_DAYS days tell how late a customer pays.
HISTORY_DAYS = 365


class CreditControlKpiForecast(models.AbstractModel):
    """Cash-in forecast: what the open customer invoices should bring in,
    week by week.

    Each open instalment is expected on its due date shifted by its
    customer's usual delay: the amount-weighted average, over the payments
    of the last year, of the days between due date and payment (0 without
    history, negative for early payers). What is expected before the first
    week (already late) falls in the first week. Payment promises and
    payment plans replace the estimate of their invoices through
    ``account.move._credit_forecast_overrides``.
    """

    _name = "credit.control.kpi.forecast"
    _description = "Credit Control KPIs: Cash-in Forecast"

    @api.model
    def _kpi_forecast_items_query(self, today, company_ids, filters=None):
        """Open instalments with their expected week (0 = this week, may be
        beyond the horizon): columns move_id, week, amount."""
        where = [SQL("TRUE")]
        for fname, value in (filters or {}).items():
            column = {"segment_id": SQL("d.segment_id"), "collector_id": SQL("d.collector_id"),
                      "partner_id": SQL("m.commercial_partner_id")}[fname]
            where.append(SQL("COALESCE(%s, 0) = %s", column, value or 0))
        Line = self.env["account.move.line"]
        return SQL(
            """
            WITH delay AS (
                SELECT im.commercial_partner_id AS partner_id, il.company_id,
                       SUM(pr.amount * (pr.max_date - %(paid_due)s))
                           / NULLIF(SUM(pr.amount), 0) AS days
                  FROM account_partial_reconcile pr
                  JOIN account_move_line il ON il.id = pr.debit_move_id
                  JOIN account_move im ON im.id = il.move_id
                 WHERE pr.max_date > %(today)s::date - %(history)s AND pr.max_date <= %(today)s
                   AND im.move_type IN %(types)s AND il.company_id IN %(company_ids)s
              GROUP BY 1, 2
            )
            SELECT l.move_id,
                   FLOOR((%(due)s + ROUND(COALESCE(dl.days, 0))::int
                          - %(today)s::date) / 7.0)::int AS week,
                   l.amount_residual AS amount
              FROM account_move_line l
              JOIN account_move m ON m.id = l.move_id
         LEFT JOIN credit_control_dossier d
                ON d.partner_id = m.commercial_partner_id AND d.company_id = m.company_id
         LEFT JOIN delay dl ON dl.partner_id = m.commercial_partner_id AND dl.company_id = l.company_id
             WHERE %(open_item)s AND l.amount_residual > 0
               AND m.move_type IN %(types)s AND l.company_id IN %(company_ids)s AND %(where)s
            """,
            today=today,
            due=Line._credit_due_date_sql(),
            paid_due=Line._credit_due_date_sql("il"),
            open_item=Line._credit_open_item_sql(),
            history=HISTORY_DAYS,
            types=COLLECTIBLE_MOVE_TYPES,
            company_ids=tuple(company_ids),
            where=SQL(" AND ").join(where),
        )

    @api.model
    def _kpi_forecast(self, today=None, company_ids=None, filters=None):
        """Return ``[{week, date_from, date_to, estimated, promised,
        amount}]`` for the next 12 weeks (week 0 starts today), amounts in
        company currency: ``estimated`` from the payment history,
        ``promised`` from the overrides, ``amount`` their sum."""
        today = today or fields.Date.context_today(self)
        company_ids = company_ids or self.env.companies.ids
        self.env["credit.control.kpi"]._kpi_flush()
        items = self._kpi_forecast_items_query(today, company_ids, filters)
        # one pass over the open items: the invoices for the overrides and
        # the amounts per week are read together
        rows = self.env.execute_query(SQL(
            "SELECT move_id, GREATEST(week, 0), SUM(amount) FROM (%s) i GROUP BY 1, 2", items,
        ))
        Move = self.env["account.move"]
        overrides = Move._credit_forecast_overrides(Move.browse({move_id for move_id, _week, _amount in rows}))
        estimated = {}
        for move_id, week, amount in rows:
            if week < FORECAST_WEEKS and move_id not in overrides:
                estimated[week] = estimated.get(week, 0) + amount
        promised = dict.fromkeys(range(FORECAST_WEEKS), 0.0)
        for receipts in overrides.values():
            for date, amount in receipts:
                week = self._kpi_week(date, today)
                if week < FORECAST_WEEKS:
                    promised[week] += amount
        return [{
            "week": week,
            "date_from": today + timedelta(days=7 * week),
            "date_to": today + timedelta(days=7 * week + 6),
            "estimated": float(estimated.get(week, 0.0)),
            "promised": promised[week],
            "amount": float(estimated.get(week, 0.0)) + promised[week],
        } for week in range(FORECAST_WEEKS)]

    @staticmethod
    def _kpi_week(date, today):
        """The forecast week of a receipt dated ``date``: 0 for this week and
        for what is already late."""
        return max((date - today).days // 7, 0)

    @api.model
    def _kpi_forecast_week_moves(self, week, today=None, company_ids=None, filters=None):
        """The invoices the forecast expects cash from in week ``week`` (0 =
        this week, with what is already late): the invoices behind a
        forecast row, estimated or promised."""
        today = today or fields.Date.context_today(self)
        company_ids = company_ids or self.env.companies.ids
        self.env["credit.control.kpi"]._kpi_flush()
        items = self._kpi_forecast_items_query(today, company_ids, filters)
        Move = self.env["account.move"]
        rows = self.env.execute_query(SQL("SELECT DISTINCT move_id, GREATEST(week, 0) FROM (%s) i", items))
        overrides = Move._credit_forecast_overrides(Move.browse({move_id for move_id, _week in rows}))
        estimated = {move_id for move_id, move_week in rows if move_week == week and move_id not in overrides}
        promised = {
            move_id for move_id, receipts in overrides.items()
            if any(self._kpi_week(date, today) == week for date, _amount in receipts)
        }
        return Move.browse(sorted(estimated | promised))
