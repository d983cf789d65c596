import re

from odoo import api, fields, models
from odoo.tools.misc import get_lang

FACTOR_SELECTION = [
    ("days_late", "Days beyond terms"),
    ("late_share", "Invoices paid late (%)"),
    ("trend", "Payment trend"),
    ("broken_promises", "Broken promises"),
    ("open_disputes", "Open disputes"),
    ("limit_usage", "Credit limit used (%)"),
    ("seniority", "Seniority (days)"),
    ("volume", "Volume over 12 months"),
]


class CreditControlScoreFactor(models.Model):
    """One factor of the score of a dossier, so that the score explains
    itself: the raw fact, its 0-100 normalization, its weight and its share
    of the score. Rows are rewritten by each recompute (in SQL, see
    ``credit.control.dossier._credit_write_scores``); being a model rather
    than a JSON blob, they can be filtered, grouped and averaged (pivot of
    the factors over a segment) and their labels are translated."""

    _name = "credit.control.score.factor"
    _description = "Risk Score Factor"
    _order = "dossier_id, sequence, id"
    # Eight rows per customer rewritten every night: no create/write
    # columns (and their foreign keys), rows updated in place.
    _log_access = False

    dossier_id = fields.Many2one("credit.control.dossier", required=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="dossier_id.company_id")
    code = fields.Selection(FACTOR_SELECTION, string="Factor", required=True, readonly=True)
    sequence = fields.Integer(readonly=True)
    raw_value = fields.Float(
        string="Value", readonly=True, digits=(16, 2),
        help="Value measured on the customer (days, percent, count...).",
    )
    detail = fields.Char(
        readonly=True,
        help="Late invoices out of those evaluated; for the trend, average "
        "days beyond terms over 3 / 6 / 12 months.",
    )
    detail_display = fields.Char(
        compute="_compute_detail_display",
        string="Details",
        help="Late invoices out of those evaluated; for the trend, average "
        "days beyond terms over 3 / 6 / 12 months.",
    )
    normalized = fields.Float(
        string="Points (0-100)", readonly=True, digits=(5, 2), aggregator="avg",
        help="The raw value brought to a 0-100 scale, 100 being the lowest risk.",
    )
    weight = fields.Float(
        readonly=True, digits=(5, 0), aggregator="avg",
        help="Weight of the factor in the score (settings): the score is the weighted mean of the "
        "normalized values.",
    )
    _sql_constraints = [
        # also the index of the dossier's factors
        ("dossier_code_uniq", "unique(dossier_id, code)", "A factor appears once per dossier."),
    ]

    contribution = fields.Float(readonly=True, digits=(5, 2), aggregator="avg",
                                help="Share of the score: points times weight divided by the sum of the weights.")

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("detail")
    @api.depends_context("lang")
    def _compute_detail_display(self):
        """The stored detail is written by the nightly job in no language
        ("12.5 / 8.0 / -"): its decimals are shown with the reader's decimal
        point ("12,5 / 8,0 / -" in French)."""
        point = get_lang(self.env).decimal_point or "."
        for factor in self:
            factor.detail_display = factor.detail and re.sub(
                r"(\d)\.(\d)", lambda match: f"{match.group(1)}{point}{match.group(2)}", factor.detail
            )
