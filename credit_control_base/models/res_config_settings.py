from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_control_block_over_limit = fields.Boolean(
        related="company_id.credit_control_block_over_limit", readonly=False
    )
