from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_control_block_over_limit = fields.Boolean(
        string="Block Invoices over Credit Limit",
        help="Refuse to confirm a customer invoice that takes the customer "
        "over its credit limit; credit managers can still post it, and that "
        "is logged.",
    )
