import json
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.tools import SQL, format_date

from odoo.addons.credit_control_base.const import COLLECTIBLE_MOVE_TYPES

from ..prediction import END_OF_MONTH, LATE_DAYS, fit_profile, prior_from_moments

# Who reads the payment habits: whoever reads the dossier's amounts.
INFO_GROUP = "credit_control_base.group_credit_control_info"
# Paid instalments of the last PROFILE_MONTHS months make the profile.
PROFILE_MONTHS = 24
# The best day to remind: this many days before the customer's payment run.
REMIND_LEAD_DAYS = 5
# Below this many paid instalments, the sentence says the segment weighs.
SHORT_HISTORY = 4


def ordinal_day(env, day):
    """"10th" in English, "10" in French ("le 1er" for the first)."""
    if (env.lang or "").startswith("fr"):
        return "1er" if day == 1 else str(day)
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


class CreditControlDossierPrediction(models.AbstractModel):
    """When will this customer pay? The payment profile of a dossier (its
    delays, habits and trend, shrunk toward its segment: see
    ``credit_control_scoring/prediction.py``), fitted by the scoring run and
    stored, from which every open instalment gets a predicted payment date
    and a risk of being paid more than 30 days late
    (``account.move._credit_predict_instalments``). A concern of its own,
    inherited by the dossier."""

    _name = "credit.control.dossier.prediction"
    _description = "Credit Dossier Payment Prediction"

    credit_payment_profile = fields.Json(
        string="Payment Profile", readonly=True, copy=False, groups=INFO_GROUP,
        help="Usual delay, spread, trend, habits and late-payment rate of the customer, refreshed with the scores.",
    )
    credit_payment_habit = fields.Char(
        string="Payment Habit", compute="_compute_credit_payment_habit", groups=INFO_GROUP,
        help="How this customer usually pays, from its paid instalments of the last two years, "
        "close to its segment's habits while it has few of them.",
    )
    credit_best_remind_day = fields.Char(
        string="Best Day to Remind", compute="_compute_credit_payment_habit", groups=INFO_GROUP,
        help="A few days before the day of the month or the weekday the customer usually pays on: "
        "a reminder then reaches its next payment run.",
    )

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("credit_payment_profile")
    @api.depends_context("lang")
    def _compute_credit_payment_habit(self):
        for dossier in self:
            profile = dossier.credit_payment_profile
            dossier.credit_payment_habit = dossier._credit_habit_sentence(profile) if profile else False
            dossier.credit_best_remind_day = dossier._credit_best_remind_label(profile) if profile else False

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_habit_sentence(self, profile):
        """"Usually pays 12 days late, on the 10th of the month" in the
        user's language."""
        days = round(profile["delay"])
        if days > 0:
            text = _("Usually pays %(days)s days late", days=days)
        elif days < 0:
            text = _("Usually pays %(days)s days early", days=-days)
        else:
            text = _("Usually pays on the due date")
        if profile.get("pay_day") == END_OF_MONTH:
            text = _("%(habit)s, at the end of the month", habit=text)
        elif profile.get("pay_day"):
            text = _("%(habit)s, on the %(day)s of the month", habit=text,
                     day=ordinal_day(self.env, profile["pay_day"]))
        elif profile.get("weekday", -1) >= 0:
            text = _("%(habit)s, on %(weekday)s", habit=text, weekday=self._credit_weekday_name(profile["weekday"]))
        if profile.get("count", 0) < SHORT_HISTORY:
            text = _("%(habit)s (few payments yet: mostly its segment's habits)", habit=text)
        return text

    def _credit_best_remind_label(self, profile):
        pay_day, weekday = profile.get("pay_day") or 0, profile.get("weekday", -1)
        if pay_day:
            day = (END_OF_MONTH - 5 if pay_day == END_OF_MONTH else pay_day) - REMIND_LEAD_DAYS
            day = day if day >= 1 else day + 28
            return _("The %(day)s of the month", day=ordinal_day(self.env, day))
        if weekday >= 0:
            return self._credit_weekday_name((weekday - 2) % 7).capitalize()
        return False

    def _credit_weekday_name(self, weekday):
        # 2024-01-01 is a Monday
        return format_date(self.env, fields.Date.to_date("2024-01-01") + timedelta(days=weekday), date_format="EEEE")

    def _credit_next_remind_date(self, after):
        """The next best day to remind this customer on or after ``after``
        (``after`` itself when it has no habit): for the scenario engine,
        should it want to wait for it."""
        self.ensure_one()
        profile = self.sudo().credit_payment_profile or {}
        pay_day, weekday = profile.get("pay_day") or 0, profile.get("weekday", -1)
        if pay_day:
            target = (END_OF_MONTH - 5 if pay_day == END_OF_MONTH else pay_day) - REMIND_LEAD_DAYS
            target = target if target >= 1 else target + 28
            candidate = after.replace(day=1) + relativedelta(day=target)
            return candidate if candidate >= after else candidate + relativedelta(months=1, day=target)
        if weekday >= 0:
            return after + timedelta(days=((weekday - 2) % 7 - after.weekday()) % 7)
        return after

    def _credit_fit_payment_profiles(self, today, behaviour, priors, history):
        """Fit and store the payment profiles of the dossiers of ``self``
        (one company) in one UPDATE, from their paid instalments
        (``history``, as ``_credit_fetch_paid_history`` reads them) and the
        priors of their segments (``priors``, as
        ``_credit_fetch_segment_priors`` reads them: the company's for
        those without a segment or whose segment has no history)."""
        company_prior = priors.get(None) or prior_from_moments(0, 0, 0, 0)
        rows = []
        for dossier in self:
            prior = priors.get(dossier.segment_id.id) or company_prior
            broken = behaviour.get(dossier.id, {}).get("broken_promises", 0)
            profile = fit_profile(history.get(dossier.id, []), prior, today, broken_promises=broken)
            rows.append({"id": dossier.id, "profile": profile})
        if not rows:
            return
        self.flush_recordset(["credit_payment_profile"])
        self.env.execute_query(SQL(
            """
            UPDATE credit_control_dossier d
               SET credit_payment_profile = v.profile
              FROM jsonb_to_recordset(%s::jsonb) AS v(id int, profile jsonb)
             WHERE d.id = v.id
            """,
            json.dumps(rows),
        ))
        self.invalidate_recordset(["credit_payment_profile"])
        # their open instalments predicted now, once, for the forecast of the day
        self.env["credit.control.kpi.prediction"]._kpi_keep(self, today)

    def _credit_paid_lines_sql(self, today, where):
        """The paid receivable items of customer invoices, paid in the last
        PROFILE_MONTHS months, with their due date and payment date (the
        latest reconciliation), for the dossiers matching ``where``."""
        Line = self.env["account.move.line"]
        return SQL(
            """
            SELECT d.id AS dossier_id, d.segment_id, %(due)s AS due, pay.paid_on, l.balance AS amount
              FROM credit_control_dossier d
              JOIN account_move_line l ON l.partner_id = d.partner_id AND l.company_id = d.company_id
              JOIN account_move m ON m.id = l.move_id
              JOIN LATERAL (
                   SELECT MAX(p.max_date) AS paid_on
                     FROM account_partial_reconcile p
                    WHERE p.debit_move_id = l.id) pay ON TRUE
             WHERE %(where)s
               AND %(receivable)s
               AND l.balance > 0
               AND l.amount_residual = 0
               AND m.move_type IN %(types)s
               AND pay.paid_on > %(since)s AND pay.paid_on <= %(today)s
            """,
            due=Line._credit_due_date_sql(),
            where=where,
            receivable=Line._credit_receivable_sql(),
            types=COLLECTIBLE_MOVE_TYPES,
            since=today - relativedelta(months=PROFILE_MONTHS),
            today=today,
        )

    def _credit_fetch_paid_history(self, today):
        """``{dossier id: [(due, paid on, amount)]}`` in one query."""
        self.env["account.move.line"]._credit_flush_open_items()
        self.env["account.partial.reconcile"].flush_model(["debit_move_id", "max_date"])
        self.env["account.move"].flush_model(["move_type"])
        history = {}
        query = self._credit_paid_lines_sql(today, SQL("d.id = ANY(%s)", self.ids))
        for dossier_id, _segment, due, paid_on, amount in self.env.execute_query(query):
            history.setdefault(dossier_id, []).append((due, paid_on, float(amount)))
        return history

    def _credit_fetch_segment_priors(self, today):
        """``{segment id: prior}`` for every segment of the company of these
        dossiers (the environment's company when there are none), and
        ``{None: prior}`` for the company itself, from every customer's paid
        instalments, one payment counted once: the same whichever of the
        company's dossiers ask (the nightly cron asks with none)."""
        self.flush_model(["segment_id", "partner_id", "company_id"])
        company = self.company_id[:1] or self.env.company
        query = SQL(
            """
            SELECT CASE WHEN GROUPING(segment_id) = 1 THEN -1 ELSE segment_id END,
                   COUNT(*), AVG(paid_on - due), STDDEV_POP(paid_on - due),
                   AVG(CASE WHEN paid_on - due > %(late)s THEN 1.0 ELSE 0.0 END)
              FROM (%(lines)s) h
          GROUP BY GROUPING SETS ((segment_id), ())
            """,
            late=LATE_DAYS,
            lines=self._credit_paid_lines_sql(today, SQL("d.company_id = %s", company.id)),
        )
        priors = {}
        for segment_id, count, mean, sigma, late_rate in self.env.execute_query(query):
            if segment_id is None:
                continue  # customers without a segment: the company's prior
            key = None if segment_id == -1 else segment_id
            priors[key] = prior_from_moments(count, mean, sigma, late_rate)
        return priors
