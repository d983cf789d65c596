from odoo import api, fields, models

# Set while Cash Application itself reconciles or undoes a proposal: the
# journal entries it writes then are not a change made elsewhere.
OWN_CHANGE = "credit_cash_own_change"


class CreditControlCashProposal(models.Model):
    """What happens to a bank line outside Cash Application: reconciled in
    another tool (OCA's reconciliation widget, a manual entry), or its
    reconciliation undone there (Odoo's undo, OCA's unreconcile, the
    invoice's unreconcile). The proposals of the line follow, so that
    nothing is applied twice and no proposal claims a reconciliation that
    is gone. Called by the hooks of the journal entries
    (``account.move.write``, ``account.partial.reconcile`` create/unlink),
    whatever tool made the change: base does not depend on any of them."""

    _inherit = "credit.control.cash.proposal"

    close_reason = fields.Selection(
        [("reconciled_elsewhere", "Reconciled elsewhere"), ("undone_elsewhere", "Undone elsewhere")],
        string="Changed Elsewhere", readonly=True, copy=False,
        help="The bank line was reconciled, or its reconciliation undone, outside Cash Application (a "
        "reconciliation widget, Odoo's undo, a manual entry): the proposal was closed or undone with it.",
    )

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_apply(self):
        """Override: the entries Cash Application writes to apply a proposal
        are its own, not a reconciliation made elsewhere."""
        return super(CreditControlCashProposal, self.with_context(**{OWN_CHANGE: True}))._credit_apply()

    def _credit_undo(self):
        """Override: the same for the entries an undo of ours removes."""
        return super(CreditControlCashProposal, self.with_context(**{OWN_CHANGE: True}))._credit_undo()

    @api.model
    def _credit_bank_lines_changed(self, st_lines):
        """The journal entries of ``st_lines`` changed (reconciled,
        unreconciled, rewritten), by anything but Cash Application: bring
        their proposals in line, whoever made the change (as superuser:
        the proposals are the company's, the user may have no credit-control
        right). State-based, so that calling it twice does nothing more.

        - under review, its line reconciled (even partly) elsewhere: closed;
        - applied by us, its line back on the suspense account: undone;
        - closed because reconciled elsewhere, its line back on the suspense
          account and its invoices still open: to review again.
        """
        if self.env.context.get(OWN_CHANGE) or not st_lines:
            return
        proposals = self.sudo().search([
            ("statement_line_id", "in", st_lines.ids),
            "|", ("state", "in", ("proposed", "reconciled")),
            "&", ("state", "=", "cancelled"), ("close_reason", "=", "reconciled_elsewhere"),
        ], order="id desc")
        if not proposals:
            return
        on_suspense = {}
        entries = proposals.statement_line_id._credit_seek_for_lines()
        for st_line in proposals.statement_line_id:
            # untouched: its whole counterpart on the suspense account, not
            # reconciled with anything (OCA's 'keep' mode reconciles it)
            _liquidity, suspense, other = entries[st_line]
            on_suspense[st_line] = len(suspense) == 1 and not other \
                and not (suspense.matched_debit_ids or suspense.matched_credit_ids)
        to_close = proposals.filtered(lambda p: p.state == "proposed" and not on_suspense[p.statement_line_id])
        to_undo = proposals.filtered(lambda p: p.state == "reconciled" and on_suspense[p.statement_line_id])
        to_close._credit_close_elsewhere()
        to_undo._credit_undone_elsewhere()
        busy = (proposals - to_close - to_undo).filtered(lambda p: p.state in ("proposed", "reconciled"))
        to_reopen = self.sudo()
        for proposal in proposals.filtered(lambda p: p.state == "cancelled" and p not in to_close):
            st_line = proposal.statement_line_id
            # the newest closed proposal of a line, if nothing else holds it
            if on_suspense[st_line] and st_line not in (busy | to_reopen).statement_line_id \
                    and proposal._credit_invoices_still_open():
                to_reopen |= proposal
        to_reopen._credit_reopen_elsewhere()

    @api.model
    def _credit_partials_removed(self, partials):
        """``partials`` are about to be removed, by anything but Cash
        Application: the proposals that applied them, as superuser (see
        ``_credit_bank_lines_changed``)."""
        if self.env.context.get(OWN_CHANGE) or not partials:
            return self.sudo()
        return self.sudo().search([("partial_ids", "in", partials.ids), ("state", "=", "reconciled")])

    def _credit_invoices_still_open(self):
        self.ensure_one()
        return all(
            not line.move_line_id.reconciled
            and line.currency_id.compare_amounts(line.move_line_id.amount_residual_currency, line.amount) >= 0
            for line in self.line_ids
        )

    def _credit_close_elsewhere(self):
        if not self:
            return
        for proposal in self:
            proposal.write({
                "state": "cancelled",
                "close_reason": "reconciled_elsewhere",
                "explanation": self.env._("%(explanation)s\nClosed: the bank line was reconciled elsewhere.",
                                          explanation=proposal.explanation or ""),
            })
        note = self.env._("Closed: the bank line was reconciled elsewhere (a reconciliation widget, a manual "
                          "entry); nothing of this proposal was applied.")
        self._message_log_batch(dict.fromkeys(self.ids, note))

    def _credit_undone_elsewhere(self):
        """Our reconciliation was removed by another tool: the proposal is
        undone (the bank line can be matched again, and waits for review)."""
        undone = self.filtered(lambda p: p.state == "reconciled")
        if not undone:
            return
        undone.write({"state": "undone", "close_reason": "undone_elsewhere"})
        note = self.env._("Undone elsewhere: its reconciliation was removed outside Cash Application; the "
                          "bank line or payment can be matched again.")
        undone._message_log_batch(dict.fromkeys(undone.ids, note))

    def _credit_reopen_elsewhere(self):
        if not self:
            return
        self.write({"state": "proposed", "close_reason": False, "auto_failed": False})
        note = self.env._("The reconciliation of the bank line was undone elsewhere: this proposal is to review "
                          "again.")
        self._message_log_batch(dict.fromkeys(self.ids, note))
