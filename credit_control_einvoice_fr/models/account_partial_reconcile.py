from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        # every reconciliation goes through here (payment wizard, bank
        # matching, cash application): the one place a collection happens
        self.env["credit.control.einvoice.status"]._credit_report_collections(partials)
        return partials
