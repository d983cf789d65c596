from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_portal_link_days = fields.Integer(related="company_id.credit_portal_link_days", readonly=False)
    credit_portal_promise_max_days = fields.Integer(
        related="company_id.credit_portal_promise_max_days", readonly=False
    )
    credit_portal_upload_max_mb = fields.Integer(related="company_id.credit_portal_upload_max_mb", readonly=False)
    credit_autopay_delay_days = fields.Integer(related="company_id.credit_autopay_delay_days", readonly=False)
    credit_autopay_notice_days = fields.Integer(related="company_id.credit_autopay_notice_days", readonly=False)
    credit_autopay_max_retries = fields.Integer(related="company_id.credit_autopay_max_retries", readonly=False)
    credit_autopay_retry_days = fields.Integer(related="company_id.credit_autopay_retry_days", readonly=False)
