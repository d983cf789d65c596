from odoo import fields, models


class CreditControlDossier(models.Model):
    _inherit = "credit.control.dossier"

    insolvent = fields.Boolean(
        string="Insolvency Proceedings",
        tracking=True,
        help="The customer is in insolvency proceedings (safeguard, receivership, liquidation): "
        "its open invoices are provisioned at 100 %.",
    )
