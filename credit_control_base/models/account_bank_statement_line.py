from odoo import api, models


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """Override of `account` to match imported bank lines with invoices
        soon after the import: the cash application cron is triggered rather
        than run here, so that an import of thousands of lines is matched in
        one batch, in the background, and a failure of the matching can
        never lose the import."""
        st_lines = super().create(vals_list)
        if not self.env.context.get("credit_cash_no_trigger") and any(line.amount > 0 for line in st_lines):
            cron = self.env.ref("credit_control_base.ir_cron_credit_control_cash_match", raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()
        return st_lines

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_credit_cash_match(self):
        """Match these bank lines with open invoices now."""
        proposals = self.env["credit.control.cash.matcher"]._credit_run(
            companies=self.company_id, statement_lines=self
        )
        return proposals._credit_action_result()
