from odoo import fields, models


class CreditControlDispute(models.Model):
    _inherit = "credit.control.dispute"

    origin = fields.Selection(
        selection_add=[("einvoice", "E-invoicing Platform")],
        ondelete={"einvoice": "set default"},
        help="Where the dispute was opened: by hand, from the invoice, from the customer's dossier, after a "
        "call, by the customer on the portal, or by the customer's e-invoicing platform (a 206 or 207 status).",
    )
    credit_einvoice_status_ids = fields.One2many(
        "credit.control.einvoice.status", "dispute_id", string="E-invoicing Statuses", readonly=True,
    )
