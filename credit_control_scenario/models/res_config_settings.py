from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_control_scenario_id = fields.Many2one(
        related="company_id.credit_control_scenario_id", readonly=False
    )
    credit_control_statement_max_days = fields.Integer(
        related="company_id.credit_control_statement_max_days", readonly=False
    )
    credit_control_partial_credit = fields.Selection(
        related="company_id.credit_control_partial_credit", readonly=False
    )
    credit_control_ecb_rate = fields.Float(related="company_id.credit_control_ecb_rate", readonly=False)
    credit_control_interest_margin = fields.Float(
        related="company_id.credit_control_interest_margin", readonly=False
    )
