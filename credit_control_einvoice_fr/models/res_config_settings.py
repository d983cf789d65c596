from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_einvoice_postpone_days = fields.Integer(
        related="company_id.credit_einvoice_postpone_days", readonly=False,
    )
    credit_einvoice_report_collected = fields.Boolean(
        related="company_id.credit_einvoice_report_collected", readonly=False,
    )
    credit_einvoice_api_url = fields.Char(related="company_id.credit_einvoice_api_url", readonly=False)
    credit_einvoice_client_id = fields.Char(related="company_id.credit_einvoice_client_id", readonly=False)
    credit_einvoice_client_secret = fields.Char(
        related="company_id.credit_einvoice_client_secret", readonly=False,
    )
    credit_einvoice_saxon_url = fields.Char(related="company_id.credit_einvoice_saxon_url", readonly=False)
