from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_promise_grace_days = fields.Integer(related="company_id.credit_promise_grace_days", readonly=False)
