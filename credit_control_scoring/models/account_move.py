from odoo import _, api, fields, models
from odoo.osv import expression
from odoo.tools import SQL, format_date

from odoo.addons.credit_control_base.tools.lang_format import format_percent

from ..prediction import LATE_DAYS, predict

# Who reads the predictions: whoever reads the dossier's amounts.
INFO_GROUP = "credit_control_base.group_credit_control_info"


class AccountMove(models.Model):
    _inherit = "account.move"

    credit_sapin_high_risk = fields.Boolean(
        string="Sapin II High Risk",
        compute="_compute_credit_sapin_high_risk",
        search="_search_credit_sapin_high_risk",
        help="The customer is assessed high risk under the loi Sapin II.",
    )
    credit_predicted_date = fields.Date(
        string="Predicted Payment", compute="_compute_credit_prediction", groups=INFO_GROUP,
        help="When the customer should pay what is left of this invoice (its last open instalment), "
        "from its payment habits.",
    )
    credit_late_risk = fields.Float(
        string="Late Payment Risk", compute="_compute_credit_prediction", groups=INFO_GROUP, digits=(5, 1),
        help="Probability (%) that an open instalment of this invoice is paid more than 30 days after its due date.",
    )
    credit_prediction_note = fields.Char(
        string="Payment Prediction", compute="_compute_credit_prediction", groups=INFO_GROUP,
        help="The prediction in one sentence: the customer's habit, the expected date and the risk.",
    )

    @api.depends("commercial_partner_id", "company_id")
    def _compute_credit_sapin_high_risk(self):
        # Salespeople read invoices of customers whose dossier they may not see.
        high_risk = {
            (dossier.partner_id.id, dossier.company_id.id)
            for dossier in self.env["credit.control.dossier"].sudo().search([
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("credit_sapin_high_risk", "=", True),
            ])
        }
        for move in self:
            move.credit_sapin_high_risk = move.is_sale_document(include_receipts=True) and (
                (move.commercial_partner_id.id, move.company_id.id) in high_risk
            )

    @api.depends("commercial_partner_id", "company_id", "amount_residual", "invoice_date_due")
    @api.depends_context("lang")
    def _compute_credit_prediction(self):
        predictions = self._credit_predict_instalments()
        by_move = {}
        for item in predictions:
            by_move.setdefault(item["move"].id, []).append(item)
        for move in self:
            items = by_move.get(move._origin.id)
            if not items:
                move.credit_predicted_date = move.credit_late_risk = move.credit_prediction_note = False
                continue
            last = max(items, key=lambda item: item["predicted_date"])
            risk = max(item["late_risk"] for item in items)
            move.credit_predicted_date = last["predicted_date"]
            move.credit_late_risk = round(risk * 100, 1)
            move.credit_prediction_note = _(
                "%(habit)s: expected on %(date)s, %(risk)s risk of paying more than %(days)s days late.",
                habit=last["habit"], date=format_date(move.env, last["predicted_date"]),
                risk=format_percent(move.env, risk * 100, digits=0), days=LATE_DAYS,
            )

    def _credit_predict_instalments(self, today=None, habits=True):
        """The predicted payment of each open instalment of these invoices
        (``account.move.line._credit_item_values_of``: the one definition
        of what is owed, read for all of them at once), for the customers
        that have a payment profile: a list of the instalment dicts with
        ``predicted_date``, ``late_risk`` (0-1), ``expected_delay`` (days)
        and ``habit`` (the customer's habit in a sentence, unless not
        ``habits``: the forecast and the priorities do not show it) added.
        Profiles are read in one query, as superuser: the fields that show
        them are restricted to the credit-control groups."""
        today = today or fields.Date.context_today(self)
        ids = [move_id for move_id in self._origin.ids if move_id]
        if not ids:
            return []
        # The forecast passes every open invoice: which of them a profile
        # predicts is asked in one query, not by reading every invoice
        # record (seconds per 10,000 invoices, and most customers may
        # have no profile yet).
        self.env["account.move"].flush_model(["state", "move_type", "commercial_partner_id", "company_id"])
        self.env["credit.control.dossier"].flush_model(["partner_id", "company_id", "credit_payment_profile"])
        # before the scoring has run, no customer has a profile: a read of
        # the dossiers (growing with the customers) spares the invoices'
        if not self.env.execute_query(SQL(
            "SELECT 1 FROM credit_control_dossier WHERE credit_payment_profile IS NOT NULL LIMIT 1"
        )):
            return []
        # Which dossiers have a profile is filtered here, not in the query:
        # while the scoring writes the profiles, PostgreSQL's statistics
        # still count none, and it joined the invoices to "no dossier" as a
        # nested loop over every invoice (52 s for 10,000 invoices at 100k).
        rows = [(move_id, dossier_id) for move_id, dossier_id, profiled in self.env.execute_query(SQL(
            """
            SELECT m.id, d.id, d.credit_payment_profile IS NOT NULL
              FROM unnest(%s::int[]) AS t(id)
              JOIN account_move m ON m.id = t.id
              JOIN credit_control_dossier d
                ON d.partner_id = m.commercial_partner_id AND d.company_id = m.company_id
             WHERE m.state = 'posted' AND m.move_type IN %s
            """,
            ids, tuple(self.get_sale_types(include_receipts=True)),
        )) if profiled]
        if not rows:
            return []
        # The instalments and profiles of every invoice in a few queries: the
        # nightly priorities and the forecast ask about every open invoice,
        # where reading them record by record took 250 s for 63,000.
        dossier_of = dict(rows)
        # in SQL: read through the field, Odoo copies a JSON value at every read
        profiles = dict(self.env.execute_query(SQL(
            "SELECT id, credit_payment_profile FROM credit_control_dossier WHERE id = ANY(%s)",
            list(set(dossier_of.values())),
        )))
        sentences = {}
        result = []
        predicted_ids = [move_id for move_id in ids if move_id in dossier_of]
        for item in self.env["account.move.line"]._credit_item_values_of(predicted_ids, today):
            dossier_id = dossier_of[item["move"].id]
            profile = profiles[dossier_id]
            if habits and dossier_id not in sentences:
                sentences[dossier_id] = self.env["credit.control.dossier"].browse(dossier_id)._credit_habit_sentence(
                    profile
                )
            predicted, risk, expected = predict(profile, item["due_date"], today, amount=item["balance"])
            result.append(dict(item, predicted_date=predicted, late_risk=risk, expected_delay=expected,
                               habit=sentences.get(dossier_id, False), dossier_id=dossier_id))
        return result

    @api.model
    def _credit_forecast_override_kinds(self):
        """Override of `credit_control_base`: predicted payment dates have
        their own column, weaker than what a customer committed to (a
        promise, a payment plan)."""
        return {**super()._credit_forecast_override_kinds(), "predicted": 20}

    @api.model
    def _credit_forecast_override_domain(self, today=None):
        """Override of `credit_control_base`: the open invoices of the
        customers with a payment profile that have an open instalment whose
        predicted date is not kept for ``today`` (``credit.control.kpi
        .prediction``; the forecast sums those kept in the database,
        ``_credit_forecast_kept_sql``)."""
        today = today or fields.Date.context_today(self)
        # The ids, not the query: inside the domain's OR (the promises' and
        # plans' domains), PostgreSQL cannot join the query to the entries.
        # When many instalments have no prediction kept (the morning before
        # the scoring has run, a past date), it ran the query again for
        # each entry: more than ten minutes at 1M receivable lines.
        unkept = self.env.execute_query(self.env["credit.control.kpi.prediction"]._kpi_unkept_sql(today))
        return expression.OR([
            super()._credit_forecast_override_domain(today),
            [("id", "in", sorted({move_id for move_id, _dossier_id in unkept}))],
        ])

    @api.model
    def _credit_forecast_kept_sql(self, today):
        """Override of `credit_control_base`: the predicted dates the
        scoring kept for ``today`` (``credit.control.kpi.prediction``), for
        the items no module before this one keeps a date of."""
        self.env["credit.control.kpi.prediction"].flush_model()
        other = super()._credit_forecast_kept_sql(today)
        predicted = SQL(
            """
            SELECT p.id, p.partner_id, p.date_maturity, p.predicted_date AS date, 'predicted' AS kind
              FROM credit_control_kpi_prediction p
             WHERE p.as_of = %s %s
            """,
            today,
            SQL("AND p.id NOT IN (SELECT o.id FROM (%s) o)", other) if other is not None else SQL(),
        )
        return predicted if other is None else SQL(
            "SELECT id, partner_id, date_maturity, date, kind FROM (%s) o UNION ALL %s", other, predicted,
        )

    @api.model
    def _credit_forecast_overrides(self, moves):
        """Override of `credit_control_base`: the open instalments of the
        customers with a payment profile are expected on their predicted
        date ("predicted") rather than on their due date shifted by the
        customer's mean delay. The invoices already expected by the modules
        before this one (payment promises and plans) are not predicted; the
        forecast keeps the strongest kind when a module after this one adds
        its own."""
        result = dict(super()._credit_forecast_overrides(moves))
        # by id: the forecast passes every open invoice, a filter on records reads each one
        unpredicted = moves.browse([move_id for move_id in moves._ids if move_id not in result])
        for item in unpredicted._credit_predict_instalments(habits=False):
            result.setdefault(item["move"].id, []).append(
                (item["predicted_date"], item["amount_company"], "predicted"))
        return result

    def write(self, vals):
        if "state" in vals:
            # posted, reset or cancelled: the predictions kept of its items no longer hold
            self.env["credit.control.kpi.prediction"]._kpi_forget_moves(self)
        return super().write(vals)

    def _search_credit_sapin_high_risk(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        dossiers = self.env["credit.control.dossier"].sudo().search([("credit_sapin_high_risk", "=", True)])
        domain = [
            ("move_type", "in", ("out_invoice", "out_refund", "out_receipt")),
            ("commercial_partner_id", "in", dossiers.partner_id.ids),
            ("company_id", "in", dossiers.company_id.ids),
        ]
        ids = self.search(domain).ids
        return [("id", "in" if (operator == "=") == value else "not in", ids)]
