from odoo import fields, models


class CreditControlDisputeReason(models.Model):
    """Why a customer contests an invoice (price, quantity, delivery...)."""

    _name = "credit.control.dispute.reason"
    _description = "Dispute Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(help="Stable identifier used by integrations (portal, imports).")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code of a dispute reason must be unique."),
    ]
