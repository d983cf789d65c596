from odoo import fields, models


class CreditControlDocument(models.Model):
    _inherit = "credit.control.document"

    kind = fields.Selection(
        selection_add=[("dispute_evidence", "Dispute Evidence")],
        ondelete={"dispute_evidence": "set null"},
    )
