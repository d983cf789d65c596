from odoo import fields, models


class CreditControlDossierMixin(models.AbstractModel):
    """A record of a customer's collection file (a dispute, a promise, a
    rating, an alert...): it hangs off a dossier and stores its customer and
    company, so that lists group and search by them and company rules apply
    without a join. Higher modules inherit it instead of repeating these
    fields."""

    _name = "credit.control.dossier.mixin"
    _description = "Credit Dossier Record"
    _check_company_auto = True

    dossier_id = fields.Many2one(
        "credit.control.dossier",
        required=True,
        index=True,
        check_company=True,
        ondelete="cascade",
    )
    partner_id = fields.Many2one(related="dossier_id.partner_id", store=True, index=True, string="Customer")
    company_id = fields.Many2one(related="dossier_id.company_id", store=True, index=True)
