import json

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, split_every

from odoo.addons.credit_control_base.const import COLLECTIBLE_MOVE_TYPES
from odoo.addons.credit_control_base.tools.lang_format import format_number

from ..const import (
    HISTORY_MONTHS,
    RISK_CLASSES,
    SAPIN_CLASS_FLOOR,
    TREND_WINDOWS,
    VOLUME_MONTHS,
    score_class,
    worst_class,
)
from ..prediction import LATE_DAYS
from ..scoring import score_factors

RISK_CLASS_SELECTION = [(code, code) for code in RISK_CLASSES]
SAPIN_LEVEL_SELECTION = [("low", "Low"), ("medium", "Medium"), ("high", "High")]
# Dossiers scored per batch: one facts query and one update per batch.
SCORE_BATCH_SIZE = 5000
# An open instalment not yet 30 days late, but likely to be: its customer
# moves up the worklist.
LATE_RISK_THRESHOLD = 0.5
LATE_RISK_BOOST = 1.5


class CreditControlDossier(models.Model):
    """Add the risk scoring to the credit dossier. Every result is stored on
    the dossier so that the segment rules of base and the conditions of the
    dunning scenarios, both domains on the dossier, can use them without
    depending on this module."""

    _name = "credit.control.dossier"
    _inherit = ["credit.control.dossier", "credit.control.dossier.prediction"]

    credit_score = fields.Float(
        string="Risk Score",
        digits=(5, 1),
        readonly=True,
        aggregator="avg",
        help="Internal behaviour score, 0 (risky) to 100 (safe): the weighted "
        "mean of the factors shown in the Risk tab.",
    )
    credit_score_previous = fields.Float(
        string="Previous Score", digits=(5, 1), readonly=True,
        help="The score before the last recomputation: a large drop raises an alert.",
    )
    credit_scored_date = fields.Date(
        string="Scored On", readonly=True,
        help="Day the score was last computed (nightly, or with Recompute Score).",
    )
    credit_score_factor_ids = fields.One2many(
        "credit.control.score.factor", "dossier_id", string="Score Factors", readonly=True
    )
    credit_internal_class = fields.Selection(
        RISK_CLASS_SELECTION,
        string="Internal Class",
        compute="_compute_credit_internal_class",
        store=True,
        help="Class of the internal score: A from 80, B from 65, C from 50, D from 35, E below.",
    )
    credit_external_class = fields.Selection(
        RISK_CLASS_SELECTION,
        string="External Class",
        compute="_compute_credit_external",
        store=True,
        help="Worst class of the current grades of the credit insurers and rating agencies.",
    )
    credit_rating_date = fields.Date(
        string="Last Rating",
        compute="_compute_credit_external",
        store=True,
        help="Date of the oldest current external rating.",
    )
    credit_rating_stale = fields.Boolean(
        string="Stale Rating",
        compute="_compute_credit_rating_stale",
        search="_search_credit_rating_stale",
        help="A current external rating is older than the period set in the settings.",
    )
    credit_rating_ids = fields.One2many("credit.control.rating", "dossier_id", string="External Ratings")
    credit_sapin_assessment_ids = fields.One2many(
        "credit.control.sapin.assessment", "dossier_id", string="Sapin II Assessments"
    )
    credit_sapin_assessment_id = fields.Many2one(
        "credit.control.sapin.assessment",
        string="Current Sapin II Assessment",
        compute="_compute_credit_sapin",
        store=True,
    )
    credit_sapin_level = fields.Selection(
        SAPIN_LEVEL_SELECTION,
        string="Sapin II Risk",
        compute="_compute_credit_sapin",
        store=True,
        help="Third-party risk level of the latest loi Sapin II assessment.",
    )
    credit_sapin_high_risk = fields.Boolean(
        string="Sapin II High Risk", compute="_compute_credit_sapin", store=True
    )
    credit_sapin_review_date = fields.Date(
        string="Sapin II Review", compute="_compute_credit_sapin", store=True
    )
    credit_risk_class = fields.Selection(
        RISK_CLASS_SELECTION,
        string="Risk Class",
        compute="_compute_credit_risk_class",
        store=True,
        index=True,
        help="Worst of the internal class, the external class and the floor set "
        "by the Sapin II level (medium: C, high: D).",
    )
    credit_alert_ids = fields.One2many("credit.control.alert", "dossier_id", string="Risk Alerts")
    credit_alert_count = fields.Integer(compute="_compute_credit_alert_count", string="Open Alerts")
    credit_payment_term_id = fields.Many2one(
        "account.payment.term", compute="_compute_credit_suggestion", string="Payment Terms"
    )
    credit_suggested_payment_term_id = fields.Many2one(
        "account.payment.term", compute="_compute_credit_suggestion", string="Suggested Payment Terms",
        help="Payment terms the risk policy of the customer's risk class calls for, when they differ "
        "from the current ones.",
    )
    credit_suggested_limit = fields.Monetary(
        compute="_compute_credit_suggestion",
        string="Suggested Credit Limit",
        help="Credit limit of the risk policy of the class; 0 means no suggestion.",
    )
    credit_has_suggestion = fields.Boolean(compute="_compute_credit_suggestion")

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("credit_score", "credit_scored_date")
    def _compute_credit_internal_class(self):
        for dossier in self:
            scored = dossier.credit_scored_date
            dossier.credit_internal_class = score_class(dossier.credit_score) if scored else False

    @api.depends("credit_rating_ids.is_current", "credit_rating_ids.risk_class", "credit_rating_ids.rating_date")
    def _compute_credit_external(self):
        for dossier in self:
            current = dossier.credit_rating_ids.filtered("is_current")
            dossier.credit_external_class = worst_class(*current.mapped("risk_class"))
            dossier.credit_rating_date = min(current.mapped("rating_date"), default=False)

    @api.depends("credit_rating_date", "company_id.credit_rating_stale_months")
    def _compute_credit_rating_stale(self):
        for dossier in self:
            limit = dossier._credit_stale_before()
            dossier.credit_rating_stale = bool(dossier.credit_rating_date and dossier.credit_rating_date < limit)

    def _search_credit_rating_stale(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        stale_ids = []
        for company in self.env.companies:
            stale_ids += self.search([
                ("company_id", "=", company.id),
                ("credit_rating_date", "<", self.with_company(company)._credit_stale_before()),
            ]).ids
        return [("id", "in" if (operator == "=") == value else "not in", stale_ids)]

    def _credit_stale_before(self):
        company = self.company_id or self.env.company
        today = fields.Date.context_today(self)
        return today - relativedelta(months=company.credit_rating_stale_months or 12)

    @api.depends(
        "credit_sapin_assessment_ids.assessment_date",
        "credit_sapin_assessment_ids.risk_level",
        "credit_sapin_assessment_ids.next_review_date",
    )
    def _compute_credit_sapin(self):
        for dossier in self:
            latest = dossier.credit_sapin_assessment_ids.sorted(lambda a: (a.assessment_date, a.id))[-1:]
            dossier.credit_sapin_assessment_id = latest
            dossier.credit_sapin_level = latest.risk_level
            dossier.credit_sapin_high_risk = latest.risk_level == "high"
            dossier.credit_sapin_review_date = latest.next_review_date

    @api.depends("credit_internal_class", "credit_external_class", "credit_sapin_level")
    def _compute_credit_risk_class(self):
        for dossier in self:
            floor = SAPIN_CLASS_FLOOR.get(dossier.credit_sapin_level) if dossier.credit_sapin_level else False
            dossier.credit_risk_class = worst_class(
                dossier.credit_internal_class, dossier.credit_external_class, floor
            )

    def _compute_credit_alert_count(self):
        counts = dict(self.env["credit.control.alert"]._read_group(
            [("dossier_id", "in", self.ids), ("state", "=", "new")], ["dossier_id"], ["__count"]
        ))
        for dossier in self:
            dossier.credit_alert_count = counts.get(dossier, 0)

    @api.depends("credit_risk_class", "company_id", "partner_id")
    def _compute_credit_suggestion(self):
        policies = {
            (policy.company_id.id, policy.risk_class): policy
            for policy in self.env["credit.control.risk.policy"].search([("company_id", "in", self.company_id.ids)])
        }
        for dossier in self:
            policy = policies.get((dossier.company_id.id, dossier.credit_risk_class))
            partner = dossier.partner_id.with_company(dossier.company_id)
            dossier.credit_payment_term_id = partner.property_payment_term_id
            dossier.credit_suggested_payment_term_id = policy.payment_term_id if policy else False
            dossier.credit_suggested_limit = policy.credit_limit if policy else 0.0
            dossier.credit_has_suggestion = bool(policy) and (
                (policy.payment_term_id and policy.payment_term_id != partner.property_payment_term_id)
                or (policy.credit_limit and policy.credit_limit != dossier.credit_limit)
            )

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_credit_recompute_scores(self):
        """Recompute the score of the selected dossiers (all when called on
        an empty recordset, e.g. from the settings). The scores are written
        as superuser: collectors and managers only, Credit Info reads them."""
        if not self.env.user.has_group("credit_control_base.group_credit_control_collector"):
            raise AccessError(_("Only collectors and credit managers can recompute risk scores."))
        dossiers = self or self.search([])
        dossiers._credit_recompute_scores()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("Scores recomputed for %s customers.", len(dossiers)),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_credit_apply_suggestion(self):
        """Apply the payment terms and credit limit suggested by the risk
        policy of the class: a credit manager's decision, logged."""
        if not self.env.user.has_group("credit_control_base.group_credit_control_manager"):
            raise AccessError(_("Only credit managers can apply the suggested payment terms and credit limit."))
        for dossier in self.filtered("credit_has_suggestion"):
            term = dossier.credit_suggested_payment_term_id
            partner = dossier.partner_id.with_company(dossier.company_id).sudo()
            if term and term != partner.property_payment_term_id:
                old_term = partner.property_payment_term_id
                partner.property_payment_term_id = term
                dossier.message_post(body=_(
                    "Payment terms changed from %(old)s to %(new)s (risk class %(risk_class)s).",
                    old=old_term.display_name or _("none"),
                    new=term.display_name,
                    risk_class=dossier.credit_risk_class,
                ))
            if dossier.credit_suggested_limit and dossier.credit_suggested_limit != dossier.credit_limit:
                # The inverse of base checks the group and logs the change.
                dossier.credit_limit = dossier.credit_suggested_limit
        self.invalidate_recordset([
            "credit_limit", "credit_payment_term_id", "credit_has_suggestion", "limit_usage", "limit_breached",
        ])
        return True

    def action_credit_open_alerts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("credit_control_scoring.credit_control_alert_action")
        action["domain"] = [("dossier_id", "=", self.id)]
        action["context"] = {"default_dossier_id": self.id}
        return action

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_recompute_scores(self, priors=None):
        """Score the dossiers of ``self`` set-based: per batch, one update of
        the dossiers and one rewrite of their factors, whatever the number
        of customers; their payment facts, paid history and segment priors
        read once per company.

        :param priors: ``{company id: _credit_fetch_segment_priors}``
            computed already (the nightly cron's, once for all its
            batches); read here for the other companies
        """
        today = fields.Date.context_today(self)
        # Fetched at once: read record by record, each cache miss lists the
        # whole recordset it prefetches for (1.9 s for 200,000 dossiers).
        self.sudo().fetch(["company_id"])
        # The pass over the reconciliations reads every company's: worth it
        # for half of all the customers or more (a whole recompute of the
        # main company), not for a small company beside a large one. Fewer
        # dossiers than a scoring batch (a batch of the nightly cron, one
        # dossier) are looked up item by item without counting the
        # customers (20-60 ms a count at 1M invoices, for each batch).
        customers = self.sudo().search_count([]) if len(self) >= SCORE_BATCH_SIZE else None
        for company, company_dossiers in self.sudo().grouped("company_id").items():
            dossiers = company_dossiers.with_company(company)
            weights = company._credit_score_weights()
            # Read once per company, not per batch: each read of a batch went
            # through the whole journal (6.6 s a batch of 5,000 at 1M
            # invoices: the recompute grew with the square of the ledger).
            company_priors = (priors or {}).get(company.id)
            if company_priors is None:
                company_priors = dossiers._credit_fetch_segment_priors(today)
            whole = customers is not None and len(dossiers) * 2 >= customers
            facts = dossiers._credit_fetch_payment_facts(today, whole=whole)
            history = dossiers._credit_fetch_paid_history(today)
            for ids in split_every(SCORE_BATCH_SIZE, dossiers.ids):
                dossiers.browse(ids)._credit_score_batch(weights, company_priors, facts, history)

    def _credit_score_batch(self, weights, priors, facts, history):
        """Score a batch of dossiers of one company.

        :param priors: the company's ``_credit_fetch_segment_priors``
        :param facts: ``_credit_fetch_payment_facts`` of (at least) these
            dossiers
        :param history: ``_credit_fetch_paid_history`` of (at least) these
            dossiers
        """
        today = fields.Date.context_today(self)
        behaviour = self._credit_get_behaviour_facts()
        exposure = self._credit_fetch_limit_usage()
        drop_threshold = self.env.company.credit_score_drop_alert
        results, factor_rows, alerts, changed = [], [], [], []
        for dossier in self:
            usage, breached = exposure[dossier.id]
            values = dict(facts.get(dossier.id, {}), **behaviour.get(dossier.id, {}), limit_usage=usage)
            score, rows = score_factors(values, weights)
            internal = score_class(score)
            floor = SAPIN_CLASS_FLOOR.get(dossier.credit_sapin_level) if dossier.credit_sapin_level else False
            risk_class = worst_class(internal, dossier.credit_external_class, floor)
            scored = bool(dossier.credit_scored_date)
            old_score = dossier.credit_score
            results.append({"id": dossier.id, "score": score, "previous": old_score if scored else None,
                            "internal": internal, "risk": risk_class})
            factor_rows += [dict(row, dossier_id=dossier.id) for row in rows]
            if risk_class != dossier.credit_risk_class:
                changed.append(dossier.id)
            if scored and drop_threshold and old_score - score > drop_threshold:
                alerts.append({
                    "dossier_id": dossier.id,
                    "alert_type": "score_drop",
                    "message": _("Score dropped from %(old)s to %(new)s.",
                                 old=format_number(self.env, old_score, digits=1),
                                 new=format_number(self.env, score, digits=1)),
                })
            if breached:
                alerts.append({
                    "dossier_id": dossier.id,
                    "alert_type": "limit_breach",
                    "message": _("Exposure at %(usage)s%% of the credit limit.", usage=round(usage)),
                })
        self._credit_write_scores(results, factor_rows, today)
        self._credit_fit_payment_profiles(today, behaviour, priors, history)
        Alert = self.env["credit.control.alert"]
        Alert._credit_close_alerts(self.filtered(lambda d: not exposure[d.id][1]), "limit_breach")
        Alert._credit_create_alerts(alerts)
        if changed:
            # The segment rules may use the class.
            self.browse(changed)._assign_segments()

    def _credit_fetch_payment_facts(self, today, whole=False):
        """Return ``{dossier id: facts}`` computed in one query over the
        posted receivable lines of the customer invoices: days beyond terms
        of each line (payment date, i.e. the latest reconciliation, minus due
        date; today minus due date while it is unpaid and past due), weighted
        by amount, over 18 months and by due-date window for the trend.

        :param whole: these dossiers are most of the database's: the
            reconciliations are grouped per item in one pass over their
            index, where looking them up item by item cost more (at 1M
            invoices, a million lookups: 5.4–6.9 s, in one pass 4.0–4.7 s).
            A few customers' items are looked up one by one: the pass
            would read every reconciliation for them.
        """
        Line = self.env["account.move.line"]
        Line._credit_flush_open_items()
        self.env["account.partial.reconcile"].flush_model(["debit_move_id", "max_date"])
        self.env["account.move"].flush_model(["move_type"])
        since = {months: today - relativedelta(months=months)
                 for months in {HISTORY_MONTHS, VOLUME_MONTHS, *TREND_WINDOWS}}

        def weighted_days(condition):
            return SQL(
                "SUM(amount * days) FILTER (WHERE %(c)s)"
                " / NULLIF(SUM(amount) FILTER (WHERE days IS NOT NULL AND %(c)s), 0)",
                c=condition,
            )

        in_history = SQL("date >= %s", since[HISTORY_MONTHS])
        windows = [weighted_days(SQL("due >= %s", since[months])) for months in TREND_WINDOWS]
        query = SQL(
            """
            WITH lines AS (
                SELECT d.id AS dossier_id, l.date, %(due)s AS due, l.balance AS amount,
                       CASE WHEN l.amount_residual = 0 AND pay.paid_on IS NOT NULL
                                THEN GREATEST(pay.paid_on - %(due)s, 0)
                            WHEN %(overdue)s THEN %(line_days_late)s
                       END AS days
                  FROM credit_control_dossier d
                  JOIN account_move_line l
                    ON l.partner_id = d.partner_id AND l.company_id = d.company_id
                  JOIN account_move m ON m.id = l.move_id
                   %(paid_on)s
                 WHERE d.id = ANY(%(ids)s)
                   AND %(receivable)s
                   AND l.balance > 0
                   AND m.move_type IN %(types)s
            )
            SELECT dossier_id,
                   MIN(date),
                   COALESCE(SUM(amount) FILTER (WHERE date >= %(since_volume)s), 0),
                   %(days_late)s,
                   COUNT(*) FILTER (WHERE days > 0 AND %(in_history)s),
                   COUNT(*) FILTER (WHERE days IS NOT NULL AND %(in_history)s),
                   %(w3)s, %(w6)s, %(w12)s
              FROM lines
          GROUP BY dossier_id
            """,
            today=today,
            due=Line._credit_due_date_sql(),
            overdue=Line._credit_overdue_sql(today),
            line_days_late=Line._credit_days_late_sql(today),
            receivable=Line._credit_receivable_sql(),
            paid_on=SQL(
                """LEFT JOIN (SELECT p.debit_move_id, MAX(p.max_date) AS paid_on
                                FROM account_partial_reconcile p
                            GROUP BY p.debit_move_id) pay ON pay.debit_move_id = l.id"""
            ) if whole else SQL(
                """LEFT JOIN LATERAL (SELECT MAX(p.max_date) AS paid_on
                                        FROM account_partial_reconcile p
                                       WHERE p.debit_move_id = l.id) pay ON TRUE"""
            ),
            ids=self.ids,
            types=COLLECTIBLE_MOVE_TYPES,
            since_volume=since[VOLUME_MONTHS],
            days_late=weighted_days(in_history),
            in_history=in_history,
            w3=windows[0],
            w6=windows[1],
            w12=windows[2],
        )
        facts = {}
        for row in self.env.execute_query(query):
            dossier_id, first_date, volume, days_late, late, evaluated, d3, d6, d12 = row
            facts[dossier_id] = {
                "seniority_days": (today - first_date).days if first_date else 0,
                "volume": float(volume),
                "days_late": float(days_late or 0.0),
                "late_count": late,
                "evaluated_count": evaluated,
                "days_late_3": None if d3 is None else float(d3),
                "days_late_6": None if d6 is None else float(d6),
                "days_late_12": None if d12 is None else float(d12),
            }
        return facts

    def _credit_write_scores(self, results, factor_rows, today):
        """Store the scores, classes and factors of a batch in two
        statements (the ORM would issue one UPDATE per dossier and one INSERT
        per factor). Factors are upserted: updated in place, their foreign
        key is not checked again, and unchanged factors are not rewritten. Rows travel as one JSON parameter, which
        PostgreSQL parses much faster than thousands of array elements."""
        # Pending computations must not overwrite the values written here.
        self.flush_recordset()
        self.env.execute_query(SQL(
            """
            UPDATE credit_control_dossier d
               SET credit_score = v.score, credit_score_previous = v.previous,
                   credit_internal_class = v.internal, credit_risk_class = v.risk,
                   credit_scored_date = %(today)s, write_uid = %(uid)s, write_date = %(now)s
              FROM jsonb_to_recordset(%(rows)s::jsonb)
                   AS v(id int, score numeric, previous numeric, internal varchar, risk varchar)
             WHERE d.id = v.id
            """,
            today=today, uid=self.env.uid, now=fields.Datetime.now(), rows=json.dumps(results),
        ))
        self.env.execute_query(SQL(
            """
            INSERT INTO credit_control_score_factor AS f
                   (dossier_id, code, sequence, raw_value, normalized, weight, contribution, detail)
            SELECT v.dossier_id, v.code, v.sequence, v.raw_value, v.normalized, v.weight,
                   v.contribution, NULLIF(v.detail, '')
              FROM jsonb_to_recordset(%(rows)s::jsonb)
                   AS v(dossier_id int, code varchar, sequence int, raw_value float8,
                        normalized float8, weight float8, contribution float8, detail varchar)
                ON CONFLICT (dossier_id, code) DO UPDATE
               SET sequence = EXCLUDED.sequence, raw_value = EXCLUDED.raw_value,
                   normalized = EXCLUDED.normalized, weight = EXCLUDED.weight,
                   contribution = EXCLUDED.contribution, detail = EXCLUDED.detail
             WHERE (f.raw_value, f.normalized, f.weight, f.contribution, f.detail, f.sequence)
                   IS DISTINCT FROM (EXCLUDED.raw_value, EXCLUDED.normalized, EXCLUDED.weight,
                                     EXCLUDED.contribution, EXCLUDED.detail, EXCLUDED.sequence)
            """,
            rows=json.dumps(factor_rows),
        ))
        self.env["credit.control.score.factor"].invalidate_model()
        written = ["credit_score", "credit_score_previous", "credit_scored_date", "credit_internal_class",
                   "credit_risk_class", "credit_score_factor_ids", "write_uid", "write_date"]
        self.invalidate_recordset(written)
        # Classes were computed here; higher modules may depend on them.
        self.modified(["credit_risk_class"])

    # ------------------------------------------------------------------
    # HOOKS
    # ------------------------------------------------------------------

    def _credit_priority_boosts(self, today):
        """Override of `credit_control_base`: a customer with an open
        instalment likely (LATE_RISK_THRESHOLD) to be paid more than 30 days
        late, and not that late yet, is called before it is."""
        boosts = super()._credit_priority_boosts(today)
        reason = _("Likely to pay more than %(days)s days late", days=LATE_DAYS)
        for dossier_id in self._credit_likely_late_ids(today):
            boosts.setdefault(dossier_id, []).append((reason, LATE_RISK_BOOST))
        return boosts

    def _credit_likely_late_ids(self, today):
        """The ids of these dossiers with an open instalment likely
        (LATE_RISK_THRESHOLD) to be paid more than LATE_DAYS late and not
        that late yet: from the predictions the scoring kept for ``today``
        (``credit.control.kpi.prediction``), the instalments without one
        predicted now. The nightly refresh asks about every dossier: at 1M
        invoices, predicting every open instalment of the customers with a
        profile cost it 38.9 s."""
        Prediction = self.env["credit.control.kpi.prediction"]
        ids = self._origin.ids
        likely = Prediction._kpi_likely_late_dossier_ids(ids, today, LATE_RISK_THRESHOLD, LATE_DAYS)
        unkept = self.env.execute_query(Prediction._kpi_unkept_sql(today, ids, profiled=False))
        moves = self.env["account.move"].sudo().browse(sorted({move_id for move_id, _dossier_id in unkept}))
        likely.update(
            item["dossier_id"]
            for item in moves._credit_predict_instalments(today, habits=False)
            if item["late_risk"] >= LATE_RISK_THRESHOLD and item["days_late"] <= LATE_DAYS
        )
        return likely & set(ids)

    # ------------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------------

    @api.model
    def _cron_recompute_scores(self, batch_size=2000):
        """Nightly: score the dossiers not scored today, a batch per call.
        The first call cuts them into batches (shared work: the worker
        crons score the other batches at the same time) and reads the
        segments' priors of their companies once for all of them; ir.cron
        calls again while some remain (progress)."""
        Batch = self.env["credit.control.work.batch"]
        job = self.browse()
        if not Batch.sudo().search_count([("res_model", "=", self._name), ("res_id", "=", 0)], limit=1):
            today = fields.Date.context_today(self)
            to_score = ["|", ("credit_scored_date", "=", False), ("credit_scored_date", "<", today)]
            ids = self.search(to_score, order="id").ids
            # The priors come from every paid instalment of a company (4.6 s
            # at 1M invoices): read in each batch of 2,000, they cost the
            # run more than the scoring itself. Read here, every batch fits
            # on the same priors, as a recompute of all the dossiers does.
            # (A company's priors do not depend on which of its dossiers ask.)
            priors = [
                [company.id, list(self.with_company(company)._credit_fetch_segment_priors(today).items())]
                for [company] in self._read_group(to_score, ["company_id"])
            ]
            batches = Batch._credit_enqueue(job, Batch._credit_split(ids, batch_size), payload={"priors": priors})
            if Batch._credit_end_call_after_cut(batches):
                return
        Batch._cron_process_batches(job)

    @api.model
    def _credit_work_batch(self, dossier_ids, payload=None):
        """Hook of ``credit.control.work.batch``: score a batch of the
        nightly scoring (those scored since, by hand, are not again), on
        the priors the cron read when it cut the batches (``payload``)."""
        today = fields.Date.context_today(self)
        # JSON: the priors per company as [company id, [[segment id, prior]]]
        priors = {company_id: dict(segments) for company_id, segments in (payload or {}).get("priors", [])}
        self.browse(dossier_ids).filtered(
            lambda d: not d.credit_scored_date or d.credit_scored_date < today
        )._credit_recompute_scores(priors)
        return True

    def _credit_work_finished(self):
        """Hook of ``credit.control.work.batch``: the night's scoring is
        done. The dossiers' planner statistics are refreshed at once: after
        the first night, PostgreSQL still believed no customer had a
        payment profile until autovacuum came by, and the forecast's plan
        for the invoices it predicts took minutes instead of a second
        (h_bigdb_100k). So are those of the predictions kept for the
        forecast, rewritten by the night."""
        for table in (self._table, self.env["credit.control.kpi.prediction"]._table):
            self.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))

    @api.model
    def _cron_sapin_review_reminders(self):
        """Daily: remind the reviews of the Sapin II assessments due."""
        self.env["credit.control.sapin.assessment"]._credit_remind_reviews()

