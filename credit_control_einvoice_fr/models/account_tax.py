from odoo import api, fields, models


class AccountTax(models.Model):
    _inherit = "account.tax"

    credit_einvoice_on_receipt = fields.Boolean(
        string="VAT Due on Receipt (212)",
        compute="_compute_credit_einvoice_on_receipt",
        store=True,
        readonly=False,
        help="The VAT of this tax is due when the invoice is collected (TVA sur les encaissements, services): "
        "each payment of an invoice bearing it is reported to the platform as status 212 Collected. "
        "Follows the tax's exigibility 'Based on Payment' by default.",
    )

    @api.depends("tax_exigibility")
    def _compute_credit_einvoice_on_receipt(self):
        for tax in self:
            tax.credit_einvoice_on_receipt = tax.tax_exigibility == "on_payment"
