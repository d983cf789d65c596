from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import reconcile_sql


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

    def _credit_seek_for_lines(self):
        """``{bank line: (liquidity, suspense, other)}``: what Odoo's
        ``_seek_for_lines`` returns for each line of ``self``, from one
        query for all of them. The cash application checks and applies
        hundreds of bank lines at a time; the method, line by line, took
        1.8 s of the 10,000-line benchmark."""
        if not self:
            return {}
        self.env["account.move"].flush_model(["journal_id"])
        self.env["account.move.line"].flush_model(["move_id", "account_id"])
        self.env["account.journal"].flush_model(["default_account_id", "suspense_account_id"])
        self.env["account.account"].flush_model(["account_type"])
        self.flush_recordset(["move_id"])
        rows = self.env.execute_query_dict(SQL(
            """
            SELECT sl.id AS st_line_id, l.id, l.account_id, a.account_type,
                   j.default_account_id, j.suspense_account_id
              FROM account_bank_statement_line sl
              JOIN account_move m ON m.id = sl.move_id
              JOIN account_journal j ON j.id = m.journal_id
              JOIN account_move_line l ON l.move_id = m.id
              JOIN account_account a ON a.id = l.account_id
             WHERE sl.id = ANY(%s)
          ORDER BY l.id
            """,
            self.ids,
        ))
        entries = defaultdict(list)
        for row in rows:
            entries[row["st_line_id"]].append(row)
        # one prefetch set: reading a field of one item reads it for all
        prefetch = tuple(row["id"] for row in rows)
        Line = self.env["account.move.line"]
        result = {}
        for st_line in self:
            entry = entries[st_line.id]
            # an entry's items in id order, as ``line_ids`` of one entry are
            head = entry[0] if entry else {"default_account_id": None, "suspense_account_id": None}
            result[st_line] = tuple(
                Line.browse([row["id"] for row in part]).with_prefetch(prefetch)
                for part in reconcile_sql._seek_for_lines(head, entry)
            )
        return result

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_credit_cash_match(self):
        """Match these bank lines with open invoices now (in the background
        beyond a few hundred lines). Also without automatic cash
        application: a user with the Cash Application right asks for it."""
        return self.env["credit.control.cash.matcher"]._credit_action_match_all(statement_lines=self)
