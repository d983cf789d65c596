import base64

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CreditControlCashRemittanceWizard(models.TransientModel):
    """Apply a customer's remittance advice (PDF) to the bank line or
    payment it explains, or find that transfer from the invoices it lists."""

    _name = "credit.control.cash.remittance.wizard"
    _description = "Apply a Remittance Advice"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    statement_line_id = fields.Many2one(
        "account.bank.statement.line", string="Bank Line", check_company=True,
        default=lambda self: self._default_from_context("account.bank.statement.line"),
        domain=[("is_reconciled", "=", False), ("amount", ">", 0)],
    )
    payment_id = fields.Many2one(
        "account.payment", string="Payment", check_company=True,
        default=lambda self: self._default_from_context("account.payment"),
        domain=[("payment_type", "=", "inbound"), ("state", "in", ("in_process", "paid"))],
    )
    pdf_file = fields.Binary(string="Remittance Advice (PDF)", attachment=False)
    pdf_name = fields.Char(string="File Name")

    @api.model
    def _default_from_context(self, model):
        if self.env.context.get("active_model") == model and self.env.context.get("active_id"):
            return self.env.context["active_id"]
        return False

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_apply(self):
        self.ensure_one()
        if self.statement_line_id and self.payment_id:
            raise UserError(_("Choose the bank line or the payment, not both."))
        # The advice becomes a file of the user, read by the archive's one
        # reader like every other file, and then tied to its proposal.
        attachment = self._credit_upload_advice()
        result = self.env["credit.control.document"]._credit_read_attachments(attachment)[attachment.id]
        if result.state != "done":
            raise UserError(_("The remittance advice cannot be read: %(reason)s Nothing was reconciled.",
                              reason=result.message))
        company = self.statement_line_id.company_id or self.payment_id.company_id or self.company_id
        Matcher = self.env["credit.control.cash.matcher"]
        index = Matcher._credit_load_index(company)
        source = self._credit_source(company)
        entries = self.env["credit.control.cash.remittance"]._credit_parse(
            index, result.lines, company.id, source and source["currency_id"]
        )
        if not entries:
            raise UserError(_("No open invoice of %(company)s is listed in the remittance advice. "
                              "Nothing was reconciled.", company=company.name))
        if not source:
            source = self._credit_find_source(company, entries)
        match = self.env["credit.control.cash.remittance"]._credit_match_remittance(entries, source)
        if not match["allocations"]:
            raise UserError(_("The invoices of the remittance advice have nothing left to pay."))
        Proposal = self.env["credit.control.cash.proposal"]
        self._credit_release_source(source)
        proposal = Proposal.create(Proposal._credit_values(source, match, index))
        proposal.document_id = self._credit_archive(proposal, attachment, result)
        if proposal.confidence >= company.credit_cash_auto_threshold:
            proposal._credit_apply_automatically()
        return {
            "type": "ir.actions.act_window",
            "res_model": "credit.control.cash.proposal",
            "res_id": proposal.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_source(self, company):
        """The matcher's view of the chosen bank line or payment, if any."""
        if self.statement_line_id:
            st_line = self.statement_line_id
            if st_line.is_reconciled:
                raise UserError(_("The bank line %(name)s is already reconciled.", name=st_line.move_id.name))
            currency = st_line.foreign_currency_id or st_line.currency_id
            return {
                "statement_line_id": st_line.id, "date": st_line.date, "company_id": company.id,
                "partner_id": st_line.partner_id.commercial_partner_id.id, "currency_id": currency.id,
                "digits": currency.decimal_places, "label": st_line.payment_ref or "",
                "amount": st_line.amount_currency if st_line.foreign_currency_id else st_line.amount,
            }
        if self.payment_id:
            lines = self.payment_id.move_id.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
                and line.amount_residual < 0
            )
            if not lines:
                raise UserError(_("The payment %(name)s is already reconciled.", name=self.payment_id.name))
            line = lines[0]
            return {
                "source_line_id": line.id, "date": line.date, "company_id": company.id,
                "partner_id": line.partner_id.commercial_partner_id.id, "currency_id": line.currency_id.id,
                "digits": line.currency_id.decimal_places, "label": line.name or "",
                "amount": -line.amount_residual_currency,
            }
        return None

    def _credit_find_source(self, company, entries):
        """The only unmatched bank line or payment of the customer of the
        listed invoices whose amount is what the advice adds up to."""
        partner_ids = {items[0]["partner_id"] for items, _amount in entries}
        currency_ids = {items[0]["currency_id"] for items, _amount in entries}
        total = sum(
            amount if amount is not None else sum(item["residual"] for item in items)
            for items, amount in entries
        )
        candidates = [
            source
            for source in self.env["credit.control.cash.matcher"]._credit_collect_sources(company)
            if source["currency_id"] in currency_ids
            and source["partner_id"] in (partner_ids | {False, None})
            and round(source["amount"] - total, source["digits"]) == 0
        ]
        if len(candidates) != 1:
            raise UserError(_(
                "%(count)s unmatched bank lines or payments of %(total).2f found for the invoices of the "
                "remittance advice: open it from the bank line or payment it explains.",
                count=len(candidates), total=total,
            ))
        return candidates[0]

    def _credit_release_source(self, source):
        """The remittance advice replaces a proposal still under review for
        the same transfer; an applied one must be undone first."""
        Proposal = self.env["credit.control.cash.proposal"]
        field = "statement_line_id" if source.get("statement_line_id") else "source_line_id"
        active = Proposal.search([(field, "=", source[field]), ("state", "in", ("proposed", "reconciled"))])
        if active.filtered(lambda p: p.state == "reconciled"):
            raise UserError(_("This transfer is already reconciled (%(name)s): undo it first.", name=active.name))
        active.write({"state": "rejected"})

    def _credit_upload_advice(self):
        """The uploaded advice as a file of the current user, tied to no
        record until its proposal exists."""
        return self.env["ir.attachment"].create({
            "name": self.pdf_name or _("remittance_advice.pdf"),
            "raw": base64.b64decode(self.pdf_file or b""),
            "mimetype": "application/pdf",
            "res_model": "credit.control.cash.proposal",
        })

    def _credit_archive(self, proposal, attachment, result):
        """Tie the advice to its proposal and archive it with the text read
        from it already."""
        attachment.write({"res_model": proposal._name, "res_id": proposal.id})
        dossier = self.env["credit.control.dossier"].search([
            ("partner_id", "=", proposal.partner_id.commercial_partner_id.id),
            ("company_id", "=", proposal.company_id.id),
        ], limit=1)
        return self.env["credit.control.document"].with_company(proposal.company_id)._credit_archive(
            attachment, dossier, origin=proposal, kind="remittance", extracted={attachment.id: result}
        )
