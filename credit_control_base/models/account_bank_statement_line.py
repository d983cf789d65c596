from odoo import api, fields, models


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    credit_cash_checked_at = fields.Datetime(
        string="Cash Application Checked On", readonly=True, copy=False,
        help="Last time the cash application cron looked at this line: a run works through the lines by batches "
        "and looks at each once.",
    )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """Override of `account` to match imported bank lines with invoices
        soon after the import: the cash application cron is triggered rather
        than run here, so that an import of thousands of lines is matched in
        one batch, in the background, and a failure of the matching can
        never lose the import. Only for the companies that chose automatic
        cash application (Settings)."""
        st_lines = super().create(vals_list)
        if not self.env.context.get("credit_cash_no_trigger") and any(
            line.amount > 0 and line.company_id.credit_cash_application for line in st_lines
        ):
            cron = self.env.ref("credit_control_base.ir_cron_credit_control_cash_match", raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()
        return st_lines

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_cash_changed_elsewhere(self):
        """The journal entries of these bank lines changed (called by the
        hooks of ``account.move.write`` and ``account.partial.reconcile``):
        their cash-application proposals follow a reconciliation made, or
        undone, by another tool."""
        if self:
            self.env["credit.control.cash.proposal"]._credit_bank_lines_changed(self)

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_credit_cash_match(self):
        """Match these bank lines with open invoices now (in the background
        beyond a few hundred lines). Also without automatic cash
        application: a user with the Cash Application right asks for it."""
        return self.env["credit.control.cash.matcher"]._credit_action_match_all(statement_lines=self)
