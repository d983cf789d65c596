from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    # every reconciliation and every undoing of one goes through these two
    # methods (payment wizard, bank matching, cash application, unreconcile,
    # a payment reset to draft): the one place a collection is made or undone

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        Status = self.env["credit.control.einvoice.status"]
        Status._credit_sync_collections(Status._credit_collection_pairs(partials))
        return partials

    def unlink(self):
        Status = self.env["credit.control.einvoice.status"]
        pairs = Status._credit_collection_pairs(self)
        result = super().unlink()
        Status._credit_sync_collections(pairs)
        return result
