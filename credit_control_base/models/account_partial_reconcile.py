from odoo import api, models
from odoo.tools import SQL


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
        moves, st_lines = self._credit_reconciled()
        moves._credit_collection_changed()
        st_lines._credit_cash_changed_elsewhere()

    def unlink(self):
        self.env["credit.control.kpi.balance"]._kpi_partials_changed(self, -1)
        self.env["credit.control.kpi.delay"]._kpi_partials_changed(self, -1)
        self.env["credit.control.kpi.open"]._kpi_touch(self.debit_move_id | self.credit_move_id)
        moves, st_lines = self._credit_reconciled()
        applied = self.env["credit.control.cash.proposal"]._credit_partials_removed(self)
        result = super().unlink()
        moves._credit_collection_changed()
        applied._credit_undone_elsewhere()
        st_lines._credit_cash_changed_elsewhere()
        return result

    def _credit_reconciled(self):
        """``(documents, bank lines)``: the customer invoices, receipts and
        credit notes these partials reconcile, and the bank statement lines
        whose journal entries they reconcile, in one query. The cash
        application writes its partials in SQL: read through the ORM, each
        item's entry fetched every column of its 16,000 items and their
        entries first."""
        Move = self.env["account.move"]
        ids = [id_ for id_ in self.ids if id_]
        if not ids:
            return Move, self.env["account.bank.statement.line"]
        self.flush_recordset(["debit_move_id", "credit_move_id"])
        self.env["account.move.line"].flush_model(["move_id"])
        Move.flush_model(["move_type", "statement_line_id"])
        rows = self.env.execute_query(SQL(
            """
            SELECT m.id, m.move_type IN %s, m.statement_line_id
              FROM account_move m
             WHERE m.id IN (SELECT l.move_id
                              FROM account_move_line l
                             WHERE l.id IN (SELECT debit_move_id FROM account_partial_reconcile WHERE id = ANY(%s)
                                             UNION ALL
                                            SELECT credit_move_id FROM account_partial_reconcile WHERE id = ANY(%s)))
          ORDER BY m.id
            """,
            tuple(Move.get_sale_types(include_receipts=True)), ids, ids,
        ))
        return (
            Move.browse([move_id for move_id, sale, _st_line in rows if sale]),
            self.env["account.bank.statement.line"].browse([st_line for _m, _sale, st_line in rows if st_line]),
        )
