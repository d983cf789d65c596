from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..const import FACTOR_WEIGHTS

WEIGHT_HELP = {
    "days_late": "Average days between due date and payment (today for what is unpaid and late), "
    "weighted by amount, over 18 months: 0 days gives 100 points, 60 days or more give 0.",
    "late_share": "Share of the invoices of the last 18 months paid late or unpaid past due: "
    "points = 100 - share.",
    "trend": "Average days late over the last 3 months (else 6) minus the same over 12 months: "
    "no worsening gives 100 points, 30 days of worsening or more give 0.",
    "broken_promises": "Broken payment promises (disputes module): 25 points lost per promise.",
    "open_disputes": "Open disputes (disputes module): 25 points lost per dispute.",
    "limit_usage": "Exposure over the credit limit: up to 50% used gives 100 points, 100% or more "
    "gives 0; no limit gives 100.",
    "seniority": "Days since the first invoice: three years or more give 100 points.",
    "volume": "Invoiced over 12 months, on a log scale: 100,000 or more give 100 points.",
}


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_score_weight_days_late = fields.Integer(
        string="Weight: Days Beyond Terms", default=FACTOR_WEIGHTS["days_late"], help=WEIGHT_HELP["days_late"])
    credit_score_weight_late_share = fields.Integer(
        string="Weight: Invoices Paid Late", default=FACTOR_WEIGHTS["late_share"], help=WEIGHT_HELP["late_share"])
    credit_score_weight_trend = fields.Integer(
        string="Weight: Trend", default=FACTOR_WEIGHTS["trend"], help=WEIGHT_HELP["trend"])
    credit_score_weight_broken_promises = fields.Integer(
        string="Weight: Broken Promises", default=FACTOR_WEIGHTS["broken_promises"],
        help=WEIGHT_HELP["broken_promises"])
    credit_score_weight_open_disputes = fields.Integer(
        string="Weight: Open Disputes", default=FACTOR_WEIGHTS["open_disputes"], help=WEIGHT_HELP["open_disputes"])
    credit_score_weight_limit_usage = fields.Integer(
        string="Weight: Credit Limit Used", default=FACTOR_WEIGHTS["limit_usage"], help=WEIGHT_HELP["limit_usage"])
    credit_score_weight_seniority = fields.Integer(
        string="Weight: Seniority", default=FACTOR_WEIGHTS["seniority"], help=WEIGHT_HELP["seniority"])
    credit_score_weight_volume = fields.Integer(
        string="Weight: Volume", default=FACTOR_WEIGHTS["volume"], help=WEIGHT_HELP["volume"])
    credit_score_drop_alert = fields.Integer(
        string="Score Drop Alert",
        default=15,
        help="Raise an alert when the score of a customer loses more than this number of points "
        "between two computations; 0 disables the alert.",
    )
    credit_rating_stale_months = fields.Integer(
        string="Ratings Stale After (Months)",
        default=12,
        help="An external rating older than this is flagged as stale.",
    )

    @api.constrains(*[f"credit_score_weight_{code}" for code in FACTOR_WEIGHTS])
    def _check_credit_score_weights(self):
        for company in self:
            weights = company._credit_score_weights()
            if any(weight < 0 for weight in weights.values()) or not sum(weights.values()):
                raise ValidationError(_("Score weights must be positive and not all zero."))

    def _credit_score_weights(self):
        self.ensure_one()
        return {code: self[f"credit_score_weight_{code}"] for code in FACTOR_WEIGHTS}
