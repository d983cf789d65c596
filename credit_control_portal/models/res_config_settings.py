from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_portal_link_days = fields.Integer(related="company_id.credit_portal_link_days", readonly=False)
    credit_portal_promise_max_days = fields.Integer(
        related="company_id.credit_portal_promise_max_days", readonly=False
    )
    credit_portal_upload_max_mb = fields.Integer(related="company_id.credit_portal_upload_max_mb", readonly=False)
