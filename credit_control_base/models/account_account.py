from odoo import models
from odoo.tools import SQL

RECEIVABLE = "asset_receivable"


class AccountAccount(models.Model):
    _inherit = "account.account"

    def write(self, vals):
        """Override: an account made receivable, or no longer receivable,
        brings its items into the receivables the KPIs keep, or takes them
        out. A rare change of the chart of accounts: the daily receivables
        and the payment delays are computed again from the ledger, the open
        items of the account noted for their table."""
        if "account_type" not in vals:
            return super().write(vals)
        was_receivable = {account.id: account.account_type == RECEIVABLE for account in self}
        result = super().write(vals)
        changed = self.filtered(lambda account: (account.account_type == RECEIVABLE) != was_receivable[account.id])
        if changed:
            changed._credit_receivables_changed()
        return result

    def _credit_receivables_changed(self):
        self.flush_model(["account_type"])
        self.env["credit.control.kpi.balance"].sudo()._kpi_rebuild()
        self.env["credit.control.kpi.delay"].sudo()._kpi_rebuild()
        Line = self.env["account.move.line"]
        Line.flush_model(["account_id", "amount_residual", "parent_state"])
        rows = self.env.execute_query(SQL(
            "SELECT id FROM account_move_line WHERE account_id = ANY(%s) AND amount_residual <> 0"
            " AND parent_state = 'posted'",
            self.ids,
        ))
        self.env["credit.control.kpi.open"]._kpi_touch(Line.browse(row[0] for row in rows))
