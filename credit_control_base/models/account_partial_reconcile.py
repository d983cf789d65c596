from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    # Every reconciliation, whatever its origin (payment wizard, bank
    # matching, manual matching, automatic cash application), goes through
    # these two methods: the one place to tell credit control about it.

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._credit_partials_created()
        return partials

    def _credit_partials_created(self):
        """Extension point: these reconciliations were just created (by
        ``create``, or written in SQL by the cash application's
        ``tools.reconcile_sql``, which calls it too). Higher modules extend
        this method, not ``create``: the cash application then keeps its
        bulk path."""
        self.env["credit.control.kpi.balance"]._kpi_partials_changed(self, 1)
        self.env["credit.control.kpi.delay"]._kpi_partials_changed(self, 1)
        self.env["credit.control.kpi.open"]._kpi_touch(self.debit_move_id | self.credit_move_id)
        self._credit_moves()._credit_collection_changed()
        self._credit_bank_lines()._credit_cash_changed_elsewhere()

    def unlink(self):
        self.env["credit.control.kpi.balance"]._kpi_partials_changed(self, -1)
        self.env["credit.control.kpi.delay"]._kpi_partials_changed(self, -1)
        self.env["credit.control.kpi.open"]._kpi_touch(self.debit_move_id | self.credit_move_id)
        moves = self._credit_moves()
        st_lines = self._credit_bank_lines()
        applied = self.env["credit.control.cash.proposal"]._credit_partials_removed(self)
        result = super().unlink()
        moves._credit_collection_changed()
        applied._credit_undone_elsewhere()
        st_lines._credit_cash_changed_elsewhere()
        return result

    def _credit_bank_lines(self):
        """The bank statement lines whose journal entries these partials
        reconcile (read from the moves already in cache)."""
        return (self.debit_move_id | self.credit_move_id).move_id.statement_line_id

    def _credit_moves(self):
        moves = (self.debit_move_id | self.credit_move_id).move_id
        return moves.filtered(lambda m: m.is_sale_document(include_receipts=True))
