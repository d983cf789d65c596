from odoo import api, fields, models
from odoo.tools import SQL, split_every

# invoices predicted at a time
KEEP_CHUNK = 10000


class CreditControlKpiPrediction(models.Model):
    """The predicted payment date of each open instalment of the customers
    with a payment profile, kept as of the day it was predicted: one row per
    journal item (its ``id`` is the item's).

    The scoring predicts a dossier's open instalments when it fits the
    dossier's profile (``_kpi_keep``: every night, and when a dossier is
    scored by hand), so that the cash-in forecast sums the predicted weeks
    in the database (``account.move._credit_forecast_kept_sql``) instead of
    predicting every open invoice in Python whenever a dashboard is shown:
    29.9 s for the dashboard at 1M receivable lines.

    A row only counts on the day it was predicted for (``as_of``), for the
    customer and due date it was predicted for: a prediction depends on the
    day (how late the instalment already is), the customer's profile and
    the due date. An instalment with no such row (an invoice posted since,
    a due date moved, a customer merged into another, a night the scoring
    did not run) is predicted on the fly, as before. An entry posted, reset
    or cancelled loses its rows, its items may change before it is posted
    again (an entry is deleted only once unposted); a dossier deleted takes
    them along.

    The entry and the customer are kept as plain ids, without the foreign
    keys of a Many2one: PostgreSQL checks each foreign key of each row
    written by locking the row it points to: writing the 65,312 rows of
    h_bigdb_100k took 2.4 s with both, 0.9 s with the dossier's alone, and
    the night writes every row again. Nothing reads them through the ORM;
    an id that no longer exists matches no open item."""

    _name = "credit.control.kpi.prediction"
    _description = "Credit Control KPIs: Predicted Payment Dates"
    _log_access = False
    _order = "id"

    move_id = fields.Integer(string="Journal Entry", readonly=True, index=True)
    dossier_id = fields.Many2one(
        "credit.control.dossier", string="Dossier", readonly=True, ondelete="cascade", index=True,
    )
    partner_id = fields.Integer(string="Customer", readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    as_of = fields.Date(string="Predicted On", readonly=True)
    predicted_date = fields.Date(string="Predicted Payment", readonly=True)
    late_risk = fields.Float(
        string="Late Payment Risk", readonly=True,
        help="Probability (0-1) that the instalment is paid more than 30 days after its due date, as predicted "
        "that day.",
    )

    @api.model
    def _kpi_keep(self, dossiers, today):
        """Predict the open instalments of the customers of ``dossiers`` as
        of ``today`` and keep them in place of their earlier rows."""
        if not dossiers:
            return
        self.env.execute_query(SQL(
            "DELETE FROM credit_control_kpi_prediction WHERE dossier_id = ANY(%s)", dossiers.ids,
        ))
        # The invoices the forecast reads, none of them kept now: their
        # rows are gone, so the kept rows are not asked about each item.
        # Asked, with the statistics of before the night (a few rows as of
        # today), PostgreSQL could compare each item with every row kept
        # since in the transaction: 0.32 s for 222 dossiers after 5,458
        # rows at 1M lines.
        move_ids = sorted({move_id for move_id, _dossier_id in self.env.execute_query(
            self._kpi_open_items_sql(dossiers.ids, profiled=False)
        )})
        # a few thousand invoices at a time: their instalments' dicts in
        # memory, not those of every open invoice of the company
        for chunk in split_every(KEEP_CHUNK, move_ids):
            self._kpi_insert(self.env["account.move"].browse(chunk)._credit_predict_instalments(today, habits=False),
                             today)
        self.invalidate_model()

    @api.model
    def _kpi_insert(self, items, today):
        """Keep the predictions ``items`` (as ``account.move
        ._credit_predict_instalments`` returns them) as of ``today``, for
        the customers of their dossiers."""
        if not items:
            return
        self.env.execute_query(SQL(
            """
            INSERT INTO credit_control_kpi_prediction
                   (id, move_id, dossier_id, partner_id, date_maturity, as_of, predicted_date, late_risk)
            SELECT t.id, t.move_id, t.dossier_id, d.partner_id, t.date_maturity, %s, t.predicted_date, t.late_risk
              FROM unnest(%s::int[], %s::int[], %s::int[], %s::date[], %s::date[], %s::float8[])
                AS t(id, move_id, dossier_id, date_maturity, predicted_date, late_risk)
              JOIN credit_control_dossier d ON d.id = t.dossier_id
            -- an item kept under another dossier (its customer moved since)
            ON CONFLICT (id) DO UPDATE
               SET move_id = EXCLUDED.move_id, dossier_id = EXCLUDED.dossier_id, partner_id = EXCLUDED.partner_id,
                   date_maturity = EXCLUDED.date_maturity, as_of = EXCLUDED.as_of,
                   predicted_date = EXCLUDED.predicted_date, late_risk = EXCLUDED.late_risk
            """,
            today,
            [item["line"].id for item in items],
            [item["move"].id for item in items],
            [item["dossier_id"] for item in items],
            [item["due_date"] for item in items],
            [item["predicted_date"] for item in items],
            [item["late_risk"] for item in items],
        ))

    @api.model
    def _kpi_unkept_sql(self, today, dossier_ids=None, profiled=True):
        """SQL of ``(move_id, dossier_id)``: the open instalments of the
        customers with a payment profile (of ``dossier_ids`` only, unless
        ``None``) whose prediction is not kept for ``today``, their
        customer and due date; what the forecast and the priorities predict
        on the fly. Reads the open items of the transaction.

        :param profiled: only the customers with a profile, in the query.
            The scoring and the priorities ask without
            (``_credit_predict_instalments`` skips the others): the night's
            profiles may not be in PostgreSQL's statistics yet (they are
            once the scoring ends), and it would join the dossiers it
            believes have none to every open item one by one."""
        return self._kpi_open_items_sql(
            dossier_ids, profiled,
            SQL("NOT EXISTS (SELECT 1 FROM credit_control_kpi_prediction p WHERE %s)", self._kpi_holds_sql(today)),
        )

    @api.model
    def _kpi_open_items_sql(self, dossier_ids=None, profiled=True, condition=None):
        """SQL of ``(move_id, dossier_id)``: the open instalments of the
        customers (with a payment profile when ``profiled``) of
        ``dossier_ids`` (all unless ``None``) matching ``condition``
        (alias l the open item, d its dossier), from the open items of the
        transaction."""
        self.env["credit.control.kpi.open"]._kpi_refresh()
        self.env["credit.control.dossier"].flush_model(["partner_id", "company_id", "credit_payment_profile"])
        self.flush_model()
        where = [SQL("l.collectible AND l.residual > 0")]
        if profiled:
            where.append(SQL("d.credit_payment_profile IS NOT NULL"))
        if dossier_ids is not None:
            where.append(SQL("d.id = ANY(%s)", list(dossier_ids)))
        if condition is not None:
            where.append(condition)
        return SQL(
            """
            SELECT l.move_id, d.id AS dossier_id
              FROM credit_control_kpi_open l
              JOIN credit_control_dossier d ON d.partner_id = l.move_partner_id AND d.company_id = l.company_id
             WHERE %s
            """,
            SQL(" AND ").join(where),
        )

    @api.model
    def _kpi_holds_sql(self, today):
        """SQL condition: the kept row ``p`` still holds on ``today`` for the
        open item ``l`` (``credit_control_kpi_open``): the item's row,
        predicted that day, for the item's customer and due date."""
        return SQL(
            """p.id = l.id AND p.as_of = %s
               AND p.partner_id = l.move_partner_id AND p.date_maturity = l.date_maturity""",
            today,
        )

    @api.model
    def _kpi_likely_late_dossier_ids(self, dossier_ids, today, threshold, late_days):
        """The dossiers among ``dossier_ids`` with an open instalment whose
        kept prediction of ``today`` gives it at least ``threshold`` risk of
        being paid more than ``late_days`` late, and that is not that late
        yet: as ``late_risk`` and ``days_late`` of
        ``account.move._credit_predict_instalments``, read in one query."""
        self.env["credit.control.kpi.open"]._kpi_refresh()
        self.flush_model()
        return {dossier_id for (dossier_id,) in self.env.execute_query(SQL(
            """
            SELECT DISTINCT p.dossier_id
              FROM credit_control_kpi_prediction p
              JOIN credit_control_kpi_open l ON %(holds)s
             WHERE p.dossier_id = ANY(%(dossier_ids)s)
               AND p.late_risk >= %(threshold)s AND p.date_maturity >= %(today)s::date - %(late_days)s
               AND l.collectible AND l.residual > 0
            """,
            holds=self._kpi_holds_sql(today), today=today, dossier_ids=list(dossier_ids), threshold=threshold,
            late_days=late_days,
        ))}

    @api.model
    def _kpi_forget_moves(self, moves):
        """``moves`` are posted, reset or cancelled: their rows no longer
        hold."""
        ids = [move_id for move_id in moves.ids if move_id]
        if ids:
            self.env.execute_query(SQL("DELETE FROM credit_control_kpi_prediction WHERE move_id = ANY(%s)", ids))
            self.invalidate_model()
