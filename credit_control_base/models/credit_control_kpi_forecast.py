from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from odoo import api, fields, models
from odoo.tools import SQL

from .credit_control_kpi_delay_year import YEAR_DAYS

FORECAST_WEEKS = 12
# The payments of the last year tell how late a customer pays: the year
# summed per customer nightly (``credit.control.kpi.delay.year``).
HISTORY_DAYS = YEAR_DAYS
# Below this, what is left of an expected receipt is a rounding difference.
ROUNDING = 0.005


class CreditControlKpiForecast(models.AbstractModel):
    """Cash-in forecast: what the open customer invoices should bring in,
    week by week.

    Each open instalment is expected on its due date shifted by its
    customer's usual delay: the amount-weighted average, over the payments
    of the last year, of the days between due date and payment (0 without
    history, negative for early payers), read from the payments kept per
    customer and day (``credit.control.kpi.delay``; a year near the nightly
    refresh from their sums per customer,
    ``credit.control.kpi.delay.year``). What is expected before the first
    week (already late) falls in the first week. Payment promises, payment
    plans and predicted payment dates replace the estimate of their
    invoices through ``account.move._credit_forecast_overrides`` (asked
    about the open invoices of ``_credit_forecast_override_domain`` only),
    each kind in its own column
    (``account.move._credit_forecast_override_kinds``). Expected dates kept
    per open instalment (``account.move._credit_forecast_kept_sql``: the
    predicted dates the nightly scoring keeps) are summed per week in the
    database, as the estimates are, and are not asked about one by one.
    """

    _name = "credit.control.kpi.forecast"
    _description = "Credit Control KPIs: Cash-in Forecast"

    @api.model
    def _kpi_forecast_items_query(self, today, company_ids, filters=None, from_reconciliations=False, moves=None):
        """Open instalments with their expected week (0 = this week, may be
        beyond the horizon): columns move_id, week, kind, amount and
        estimated_week. ``kind`` is NULL for an estimate, else the kind of
        the date kept for the instalment (``account.move
        ._credit_forecast_kept_sql``), whose week is then ``week``;
        ``estimated_week`` is the estimate's in both cases.

        :param from_reconciliations: read the customers' delays from the
            reconciliations of the year rather than from their sums per
            customer and day (``credit.control.kpi.delay``): the proof that
            both agree
        :param moves: only the instalments of these invoices (and the
            delays of their customers): an SQL query of their ids
        """
        where = [SQL("TRUE")]
        for fname, value in (filters or {}).items():
            column = {"segment_id": SQL("d.segment_id"), "collector_id": SQL("d.collector_id"),
                      "partner_id": SQL("l.move_partner_id")}[fname]
            where.append(SQL("COALESCE(%s, 0) = %s", column, value or 0))
        partner_ids = None
        if moves is not None:
            where.append(SQL("l.move_id IN %s", moves))
            partner_ids = SQL("(SELECT commercial_partner_id FROM account_move WHERE id IN %s)", moves)
        # The open items of today with their invoice's type and customer
        # (``credit.control.kpi.open``): looking each invoice up took
        # longer than the rest of the forecast (415,000 at 1M lines).
        self.env["credit.control.kpi.open"]._kpi_refresh()
        # Not MATERIALIZED: a CTE read in one process keeps the scan of the
        # open items in that process too; each parallel worker reads the
        # customers' delays again (their year's sums, one row each), and
        # the forecast takes 0.47 instead of 0.55 s at 1M lines on 2 cores.
        # The week: a whole number of days divided as a float, exact for
        # any number of days, and cheaper than a numeric division for each
        # of 414,000 open items.
        estimated_week = SQL(
            "FLOOR((l.date_maturity + ROUND(COALESCE(dl.days, 0))::int - %s::date)::float8 / 7)::int", today,
        )
        kept_sql = self.env["account.move"]._credit_forecast_kept_sql(today)
        if kept_sql is None:
            kept, week, kind = SQL(), estimated_week, SQL("NULL::text")
        else:
            kept = SQL(
                """LEFT JOIN (%s) k
                          ON k.id = l.id AND k.partner_id = l.move_partner_id AND k.date_maturity = l.date_maturity""",
                kept_sql,
            )
            week = SQL("COALESCE(FLOOR((k.date - %s::date)::float8 / 7)::int, %s)", today, estimated_week)
            kind = SQL("k.kind::text")
        return SQL(
            """
            WITH delay AS NOT MATERIALIZED (%(delays)s)
            SELECT l.move_id, %(week)s AS week, %(kind)s AS kind, l.residual AS amount,
                   %(estimated_week)s AS estimated_week
              FROM credit_control_kpi_open l
         LEFT JOIN credit_control_dossier d ON d.partner_id = l.move_partner_id AND d.company_id = l.company_id
         LEFT JOIN delay dl ON dl.partner_id = l.move_partner_id AND dl.company_id = l.company_id
                   %(kept)s
             WHERE l.collectible AND l.residual > 0 AND l.company_id IN %(company_ids)s AND %(where)s
            """,
            week=week,
            kind=kind,
            estimated_week=estimated_week,
            kept=kept,
            # each customer's payments of the year, kept per day (not the year's reconciliations)
            delays=self.env["credit.control.kpi.delay"]._kpi_customer_delays_sql(
                fields.Date.to_date(today) - timedelta(days=HISTORY_DAYS), today, company_ids, from_reconciliations,
                partner_ids,
            ),
            company_ids=tuple(company_ids),
            where=SQL(" AND ").join(where),
        )

    @api.model
    def _kpi_forecast_overrides(self, moves):
        """The expected receipts of the hook for ``moves``: ``{move id:
        [(date, amount, kind)]}``, only those of the strongest kind of each
        invoice (a promised invoice is not also expected on its predicted
        date)."""
        Move = self.env["account.move"]
        strength = Move._credit_forecast_override_kinds()
        overrides = {}
        for move_id, receipts in Move._credit_forecast_overrides(moves).items():
            unknown = {kind for _date, _amount, kind in receipts} - set(strength)
            if unknown:
                raise ValueError(f"unknown forecast kinds {sorted(unknown)} for invoice {move_id}")
            strongest = min(strength[kind] for _date, _amount, kind in receipts)
            overrides[move_id] = [receipt for receipt in receipts if strength[receipt[2]] == strongest]
        return overrides

    @api.model
    def _kpi_forecast_rows(self, today, company_ids, filters=None, from_reconciliations=False, moves=None):
        """The open instalments of ``_kpi_forecast_items_query`` (of
        ``moves`` only, if given): ``[(move id, week, amount, kind,
        estimated week)]``, the weeks raised to 0 (what is already late is
        expected this week), the latest estimated weeks first."""
        rows = self.env.execute_query(SQL(
            "SELECT move_id, week, amount, kind, estimated_week FROM (%s) i",
            self._kpi_forecast_items_query(today, company_ids, filters, from_reconciliations, moves),
        ))
        # sorted here: PostgreSQL would sort them on disk, for the few overridden invoices that need it
        rows.sort(key=lambda row: -row[4])
        return [
            (move_id, max(week, 0), amount, kind, max(estimated_week, 0))
            for move_id, week, amount, kind, estimated_week in rows
        ]

    @api.model
    def _kpi_forecast_candidates(self, today=None):
        """The invoices the hook may override in the forecast of ``today``
        (``account.move._credit_forecast_override_domain``): an SQL list of
        their ids, or None when there are none. Read as superuser: the
        domain only narrows the invoices the hook is asked about, and the
        forecast must not depend on who looks.

        The ids are read first, in a query of their own: the forecast's
        query of the open instalments joined to the domain's query
        (two lookups of it) took 0.47 s at 1M receivable lines when no
        invoice matched, the domain's query alone 0.14-0.29 s."""
        Move = self.env["account.move"].sudo()
        query = Move._search(Move._credit_forecast_override_domain(today))
        if query.is_empty():
            return None
        ids = [move_id for (move_id,) in self.env.execute_query(query.select())]
        return SQL("(SELECT unnest(%s::int[]))", ids) if ids else None

    @api.model
    def _kpi_forecast_weeks(self, today, company_ids, filters=None, from_reconciliations=False):
        """The open instalments of ``_kpi_forecast_items_query`` summed per
        kind and week in the database: ``{(kind, week): Decimal}`` the
        amounts expected in each week of the forecast (what is already late
        in week 0), ``kind`` None for the estimates, PostgreSQL's numeric
        sums read as text (exact). Only the weeks' sums come to Python, not
        every instalment (half a million at 1M lines)."""
        rows = self.env.execute_query(SQL(
            "SELECT kind, GREATEST(week, 0), SUM(amount)::text FROM (%s) i GROUP BY 1, 2",
            self._kpi_forecast_items_query(today, company_ids, filters, from_reconciliations),
        ))
        return {(kind, week): Decimal(amount) for kind, week, amount in rows if week < FORECAST_WEEKS}

    @api.model
    def _kpi_forecast_overridden(self, today, company_ids, filters=None, from_reconciliations=False):
        """The open instalments the hook overrides, and what it expects of
        them: ``(rows, overrides)``, the rows of ``_kpi_forecast_rows`` of
        the invoices it overrides and ``_kpi_forecast_overrides`` of them.
        The hook is asked about the open invoices of its domain only
        (``_kpi_forecast_candidates``)."""
        candidates = self._kpi_forecast_candidates(today)
        if candidates is None:
            return [], {}
        rows = self._kpi_forecast_rows(today, company_ids, filters, from_reconciliations, candidates)
        if not rows:
            return [], {}
        overrides = self._kpi_forecast_overrides(
            self.env["account.move"].browse(list(dict.fromkeys(row[0] for row in rows)))
        )
        return [row for row in rows if row[0] in overrides], overrides

    @api.model
    def _kpi_forecast_expected(self, rows, overrides):
        """The receipts expected from the open instalments ``rows`` (as
        returned by ``_kpi_forecast_rows``) that the hook overrides, made
        to add up to what each invoice owes: a receipt never claims more
        than is open (the latest give up the excess), and what no receipt
        covers (the rest of a partly promised invoice) stays on the
        estimate of its latest instalments.

        :param overrides: what ``_kpi_forecast_overrides`` returned for the
            invoices of ``rows`` (see ``_kpi_forecast_overridden``); the
            rows of the other invoices are left out
        :return: ``(overrides, leftovers)``: ``{move id: [(date, amount,
            kind)]}`` and ``{move id: [(week, amount)]}``
        """
        open_items = defaultdict(list)
        for move_id, _week, amount, _kind, estimated_week in rows:
            if move_id in overrides:
                open_items[move_id].append((estimated_week, float(amount)))
        leftovers = {}
        for move_id, receipts in overrides.items():
            excess = sum(amount for _date, amount, _kind in receipts) - sum(a for _w, a in open_items[move_id])
            capped = []
            for date, amount, kind in sorted(receipts, reverse=True):
                cut = min(amount, max(excess, 0.0))
                excess -= cut
                if amount - cut > ROUNDING:
                    capped.append((date, amount - cut, kind))
            overrides[move_id] = sorted(capped)
            uncovered = max(-excess, 0.0)
            for week, amount in open_items[move_id]:
                share = min(amount, uncovered)
                uncovered -= share
                if share > ROUNDING:
                    leftovers.setdefault(move_id, []).append((week, share))
        return overrides, leftovers

    @api.model
    def _kpi_forecast(self, today=None, company_ids=None, filters=None, from_reconciliations=False):
        """Return ``[{week, date_from, date_to, estimated, <kind>...,
        amount}]`` for the next 12 weeks (week 0 starts today), amounts in
        company currency: ``estimated`` from the payment history, one key
        per kind of ``account.move._credit_forecast_override_kinds`` (e.g.
        ``promised``) from the overrides, ``amount`` their sum."""
        today = today or fields.Date.context_today(self)
        company_ids = company_ids or self.env.companies.ids
        Kpi = self.env["credit.control.kpi"]
        Kpi._kpi_flush()
        # The weeks' sums of every open instalment (estimated, or on the
        # date kept for it), then the instalments of the invoices the hook
        # may override (a few) read, and those it overrides taken off
        # their kind and week: not every instalment brought to Python (half
        # a million at 1M lines).
        with Kpi._kpi_query_settings():
            sums = self._kpi_forecast_weeks(today, company_ids, filters, from_reconciliations)
            rows, overrides = self._kpi_forecast_overridden(today, company_ids, filters, from_reconciliations)
        overrides, leftovers = self._kpi_forecast_expected(rows, overrides)
        # Numeric sums made a float: the figures of a SQL SUM per week to the
        # last bit (a sum of floats is not). The repr of an amount's float is
        # the stored numeric (15 digits or fewer).
        for _move_id, week, amount, kind, _estimated_week in rows:
            if week < FORECAST_WEEKS:
                sums[kind, week] -= Decimal(repr(amount))
        kinds = self.env["account.move"]._credit_forecast_override_kinds()
        unknown = {kind for kind, _week in sums if kind is not None} - set(kinds)
        if unknown:
            raise ValueError(f"unknown forecast kinds {sorted(unknown)} kept for open instalments")
        estimated = defaultdict(float, {week: float(amount) for (kind, week), amount in sums.items() if kind is None})
        for shares in leftovers.values():
            for week, amount in shares:
                if week < FORECAST_WEEKS:
                    estimated[week] += amount
        expected = {kind: dict.fromkeys(range(FORECAST_WEEKS), 0.0) for kind in kinds}
        for (kind, week), amount in sums.items():
            if kind is not None:
                expected[kind][week] += float(amount)
        for receipts in overrides.values():
            for date, amount, kind in receipts:
                week = self._kpi_week(date, today)
                if week < FORECAST_WEEKS:
                    expected[kind][week] += amount
        return [{
            "week": week,
            "date_from": today + timedelta(days=7 * week),
            "date_to": today + timedelta(days=7 * week + 6),
            "estimated": estimated[week],
            **{kind: expected[kind][week] for kind in kinds},
            "amount": estimated[week] + sum(expected[kind][week] for kind in kinds),
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
        forecast row, estimated or expected from an override."""
        today = today or fields.Date.context_today(self)
        company_ids = company_ids or self.env.companies.ids
        self.env["credit.control.kpi"]._kpi_flush()
        Move = self.env["account.move"]
        rows = self._kpi_forecast_rows(today, company_ids, filters)
        # the hook asked as by the forecast: about the open invoices of its domain
        overrides, leftovers = self._kpi_forecast_expected(rows, self._kpi_forecast_overridden(
            today, company_ids, filters)[1])
        estimated = {
            move_id for move_id, move_week, _amount, _kind, _estimated_week in rows
            if move_week == week and move_id not in overrides
        }
        estimated |= {move_id for move_id, shares in leftovers.items() if any(w == week for w, _a in shares)}
        expected = {
            move_id for move_id, receipts in overrides.items()
            if any(self._kpi_week(date, today) == week for date, _amount, _kind in receipts)
        }
        return Move.browse(sorted(estimated | expected))
