from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_score_weight_days_late = fields.Integer(
        related="company_id.credit_score_weight_days_late", readonly=False)
    credit_score_weight_late_share = fields.Integer(
        related="company_id.credit_score_weight_late_share", readonly=False)
    credit_score_weight_trend = fields.Integer(related="company_id.credit_score_weight_trend", readonly=False)
    credit_score_weight_broken_promises = fields.Integer(
        related="company_id.credit_score_weight_broken_promises", readonly=False)
    credit_score_weight_open_disputes = fields.Integer(
        related="company_id.credit_score_weight_open_disputes", readonly=False)
    credit_score_weight_limit_usage = fields.Integer(
        related="company_id.credit_score_weight_limit_usage", readonly=False)
    credit_score_weight_seniority = fields.Integer(
        related="company_id.credit_score_weight_seniority", readonly=False)
    credit_score_weight_volume = fields.Integer(related="company_id.credit_score_weight_volume", readonly=False)
    credit_score_drop_alert = fields.Integer(related="company_id.credit_score_drop_alert", readonly=False)
    credit_rating_stale_months = fields.Integer(related="company_id.credit_rating_stale_months", readonly=False)

    def action_credit_recompute_scores(self):
        return self.env["credit.control.dossier"].action_credit_recompute_scores()
