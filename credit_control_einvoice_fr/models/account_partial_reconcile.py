from odoo import models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    # every reconciliation and every undoing of one goes through these two
    # methods (payment wizard, bank matching, cash application, unreconcile,
    # a payment reset to draft): the one place a collection is made or undone

    def _credit_partials_created(self):
        # credit_control_base's hook of every creation (also called by the
        # cash application's bulk path, which writes partials in SQL)
        result = super()._credit_partials_created()
        Status = self.env["credit.control.einvoice.status"]
        Status._credit_sync_collections(Status._credit_collection_pairs(self))
        return result

    def unlink(self):
        Status = self.env["credit.control.einvoice.status"]
        pairs = Status._credit_collection_pairs(self)
        result = super().unlink()
        Status._credit_sync_collections(pairs)
        return result
