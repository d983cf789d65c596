from odoo import models
from odoo.tools import create_index


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _auto_init(self):
        result = super()._auto_init()
        # Credit control reads open receivable items per customer and company
        # all day long. Only open items of reconcilable accounts have a
        # residual, so this partial index stays small however big the ledger.
        create_index(
            self.env.cr,
            "account_move_line_credit_control_open_idx",
            self._table,
            ["partner_id", "company_id", "date_maturity"],
            where="amount_residual <> 0 AND parent_state = 'posted'",
        )
        return result
