from odoo import fields, models


class CreditControlDispute(models.Model):
    _inherit = "credit.control.dispute"

    origin = fields.Selection(
        selection_add=[("einvoice", "E-invoicing Platform")],
        ondelete={"einvoice": "set default"},
    )
    credit_einvoice_status_ids = fields.One2many(
        "credit.control.einvoice.status", "dispute_id", string="E-invoicing Statuses", readonly=True,
    )
