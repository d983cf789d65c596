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
        self.env["credit.control.kpi.open"]._kpi_touch_open_items(SQL("l.account_id = ANY(%s)", self.ids))
