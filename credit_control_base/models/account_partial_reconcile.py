from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    # Every reconciliation, whatever its origin (payment wizard, bank
    # matching, manual matching, automatic cash application), goes through
    # these two methods: the one place to tell credit control about it.

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._credit_moves()._credit_collection_changed()
        return partials

    def unlink(self):
        moves = self._credit_moves()
        result = super().unlink()
        moves._credit_collection_changed()
        return result

    def _credit_moves(self):
        moves = (self.debit_move_id | self.credit_move_id).move_id
        return moves.filtered(lambda m: m.is_sale_document(include_receipts=True))
