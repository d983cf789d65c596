import logging
from collections import defaultdict

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, formatLang

from ..tools import lang_format, reconcile_sql

_logger = logging.getLogger(__name__)

# Proposals applied together in one pass of Odoo's reconciliation: the
# queries of a pass are shared by all, and a batch that Odoo refuses is
# retried proposal by proposal.
APPLY_BATCH_SIZE = 500


class CreditControlCashProposal(models.Model):
    """A proposed match of incoming money (a bank statement line or a
    customer payment) with open invoices, with the confidence of the rule
    that found it. Applied automatically above the company's threshold, else
    reviewed; every application records the partial reconciliations it made
    so that it can be undone exactly."""

    _name = "credit.control.cash.proposal"
    _description = "Cash Application Proposal"
    _inherit = ["mail.thread"]
    _order = "state_sequence, confidence desc, date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    statement_line_id = fields.Many2one(
        "account.bank.statement.line", string="Bank Line", index="btree_not_null", ondelete="cascade",
        readonly=True, check_company=True,
    )
    source_line_id = fields.Many2one(
        "account.move.line", string="Payment Item", index="btree_not_null", ondelete="cascade", readonly=True,
        check_company=True, help="Receivable item of the customer payment being matched.",
    )
    payment_id = fields.Many2one(related="source_line_id.payment_id", string="Payment")
    source_type = fields.Selection(
        [("statement_line", "Bank line"), ("payment", "Payment")], compute="_compute_name", store=True,
        string="Source",
    )
    date = fields.Date(readonly=True)
    label = fields.Char(readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", index=True, readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    amount = fields.Monetary(readonly=True, help="Amount received.")
    allocated_amount = fields.Monetary(compute="_compute_allocated_amount", string="Allocated")
    writeoff_amount = fields.Monetary(
        string="Bank Fees", readonly=True,
        help="Difference within the tolerance booked on the write-off account.",
    )
    rule = fields.Selection(
        [("reference", "Reference"), ("amount", "Amount"), ("sum", "Sum of invoices"),
         ("remittance", "Remittance advice"), ("duplicate", "Probable duplicate payment")],
        required=True, readonly=True, index=True,
    )
    confidence = fields.Integer(
        readonly=True, aggregator="avg",
        help="How sure the matching is, from 0 to 100: an invoice number found in the bank label scores "
        "highest, an amount alone lowest. Proposals above the company's threshold are reconciled on their own.",
    )
    explanation = fields.Text(readonly=True)
    state = fields.Selection(
        [("proposed", "To Review"), ("reconciled", "Reconciled"), ("rejected", "Rejected"), ("undone", "Undone"),
         ("cancelled", "Closed")],
        default="proposed", required=True, readonly=True, tracking=True, index=True,
    )
    state_sequence = fields.Integer(compute="_compute_name", store=True)
    automatic = fields.Boolean(readonly=True, help="Reconciled by the matching itself, without review.")
    payer_confirmed = fields.Boolean(
        readonly=True,
        help="Who paid (the customer of the bank line, its bank account or the payer's name in the label) is the "
        "customer of every invoice: without it nothing is reconciled automatically.",
    )
    auto_failed = fields.Boolean(
        string="Automatic Application Failed",
        readonly=True,
        help="Confident enough, but could not be applied automatically (see the log): to review.",
    )
    line_ids = fields.One2many("credit.control.cash.proposal.line", "proposal_id", string="Invoices", readonly=True)
    move_ids = fields.Many2many("account.move", compute="_compute_move_ids", string="Invoice Documents")
    partial_ids = fields.Many2many(
        "account.partial.reconcile", string="Reconciliations", readonly=True, copy=False,
        help="The partial reconciliations this proposal created, undone exactly by 'Undo'.",
    )
    document_id = fields.Many2one("credit.control.document", string="Remittance Advice", readonly=True)

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("statement_line_id", "source_line_id", "state")
    def _compute_name(self):
        sequences = {"proposed": 1, "reconciled": 2, "rejected": 3, "undone": 4, "cancelled": 5}
        for proposal in self:
            proposal.source_type = "statement_line" if proposal.statement_line_id else "payment"
            source = proposal.statement_line_id.move_id or proposal.source_line_id.move_id
            proposal.name = source.name or _("New")
            proposal.state_sequence = sequences[proposal.state]

    @api.depends("line_ids.amount")
    def _compute_allocated_amount(self):
        for proposal in self:
            proposal.allocated_amount = sum(proposal.line_ids.mapped("amount"))

    @api.depends("line_ids.move_line_id")
    def _compute_move_ids(self):
        for proposal in self:
            proposal.move_ids = proposal.line_ids.move_line_id.move_id

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    def init(self):
        # A bank line or payment is applied once: at most one proposal under
        # review or applied per source, whatever runs at the same time.
        for column in ("statement_line_id", "source_line_id"):
            self.env.cr.execute(SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON credit_control_cash_proposal (%s) "
                "WHERE state IN ('proposed', 'reconciled')",
                SQL.identifier(f"credit_control_cash_proposal_{column}_active_uniq"),
                SQL.identifier(column),
            ))

    @api.model
    def _credit_values(self, source, match, index):
        """Values of a proposal for a ``source`` and the ``match`` the
        matcher found (see ``credit.control.cash.matcher._credit_match``)."""
        partner_id = source.get("partner_id")
        if not partner_id and match["allocations"]:
            partner_id = index.items[match["allocations"][0][0]]["partner_id"]
        elif not partner_id and len(source.get("payer_ids") or ()) == 1:
            partner_id = next(iter(source["payer_ids"]))
        return {
            "company_id": source["company_id"],
            "statement_line_id": source.get("statement_line_id"),
            "source_line_id": source.get("source_line_id"),
            "date": source.get("date") or fields.Date.context_today(self),
            "label": source["label"][:250],
            "partner_id": partner_id,
            "currency_id": source["currency_id"],
            "amount": source["amount"],
            "writeoff_amount": match["writeoff"],
            "rule": match["rule"],
            "confidence": match["confidence"],
            "explanation": match["explanation"],
            "payer_confirmed": match.get("payer_confirmed", False),
            "line_ids": [
                Command.create({
                    "move_line_id": line_id, "amount": amount, **match.get("line_extra", {}).get(line_id, {}),
                })
                for line_id, amount in match["allocations"]
            ],
        }

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_accept(self):
        self._credit_check_manager()
        to_accept = self.filtered(lambda p: p.state == "proposed")
        if any(not proposal.line_ids for proposal in to_accept):
            raise UserError(_("A probable duplicate payment has no invoice to apply: refund it or match it by "
                              "hand, then reject the proposal."))
        to_accept._credit_reconcile()
        return True

    def action_reject(self):
        self._credit_check_manager()
        to_reject = self.filtered(lambda p: p.state == "proposed")
        to_reject.write({"state": "rejected"})
        return True

    def action_undo(self):
        self._credit_check_manager()
        for proposal in self.filtered(lambda p: p.state == "reconciled"):
            proposal._credit_undo()
        return True

    def action_open_source(self):
        self.ensure_one()
        move = self.statement_line_id.move_id or self.source_line_id.move_id
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": move.id,
            "view_mode": "form",
        }

    def _credit_check_manager(self):
        """The explicit right to decide on the money: accepting, rejecting
        and undoing take the Cash Application group, checked here as the
        buttons call these methods over RPC whatever the views show."""
        if not (self.env.su or self.env.user.has_group("credit_control_base.group_credit_control_cash_application")):
            raise AccessError(_("Only members of the Cash Application group can accept, reject or undo cash "
                                "applications."))

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_apply_automatically(self):
        """Reconcile proposals found with enough confidence, by batches (see
        ``_credit_reconcile``). One that cannot be applied any more (the
        invoice was paid meanwhile) stays to review with the reason, without
        stopping the others."""
        for company, company_proposals in self.grouped("company_id").items():
            proposals = company_proposals.with_company(company).with_context(credit_cash_automatic=True)
            for batch in proposals._credit_batches():
                failures = batch._credit_failures()
                todo = batch.filtered(lambda proposal, f=failures: proposal not in f)
                try:
                    with self.env.cr.savepoint():
                        # checked just above, as _credit_reconcile checks
                        # (a batch shares no invoice): not checked twice
                        todo._credit_apply()
                except UserError:
                    # What Odoo's reconciliation refused in the batch, found
                    # proposal by proposal: the others are applied all the same.
                    for proposal in todo:
                        try:
                            with self.env.cr.savepoint():
                                proposal._credit_reconcile()
                        except UserError as error:
                            failures[proposal] = error
                batch._credit_mark_failed(failures)

    def _credit_mark_failed(self, failures):
        """``failures``: {proposal: UserError} of the automatic application."""
        if not failures:
            return
        failed = self.browse([proposal.id for proposal in failures])
        for proposal, error in failures.items():
            _logger.info("Cash proposal %s not applied automatically: %s", proposal.id, error)
        failed.write({"auto_failed": True})
        # notes, not messages: they need no sender's e-mail address
        failed._message_log_batch({
            proposal.id: self.env._("Not applied automatically: %(reason)s", reason=str(error))
            for proposal, error in failures.items()
        })

    def _credit_batches(self, size=None):
        """``self`` cut in order into batches of at most ``size`` proposals
        of which no two touch the same invoice: what a batch checks just
        before applying is what it applies to, and Odoo's reconciliation
        never sees one invoice in two pairs of one pass."""
        size = size or APPLY_BATCH_SIZE
        # Read once, before the first batch is applied: applying one empties
        # the caches, and reading each proposal's items afterwards fetched
        # the items of every proposal left again, batch after batch (2.8 s
        # of the 10,000-line benchmark).
        items_of = defaultdict(set)
        for line in self.line_ids:
            items_of[line.proposal_id.id].add(line.move_line_id.id)
        batch, held = [], set()
        for proposal_id in self.ids:
            items = items_of[proposal_id]
            if batch and (len(batch) >= size or items & held):
                yield self.browse(batch)
                batch, held = [], set()
            batch.append(proposal_id)
            held |= items
        if batch:
            yield self.browse(batch)

    def _credit_failures(self):
        """Why each proposal of ``self`` cannot be applied now, read just
        before applying: {proposal: UserError}."""
        failures = {}
        entries = self.statement_line_id._credit_seek_for_lines()
        for proposal in self:
            try:
                proposal._credit_check_applicable(entries)
            except UserError as error:
                failures[proposal] = error
        return failures

    def _credit_check_applicable(self, entries=None):
        """Still under review, every invoice still owing what the proposal
        allocates (never reconciled twice, nor across companies), the bank
        line still on its suspense account alone, in the same currency, or
        the payment still open.

        :param entries: the items of the bank line's entry, as
            ``account.bank.statement.line._credit_seek_for_lines`` gives
            them (read for many proposals at once); else read here
        """
        self.ensure_one()
        if self.state != "proposed":
            raise UserError(_("The proposal %(name)s was already handled.", name=self.name))
        self._credit_check_still_open()
        if self.statement_line_id:
            st_line = self.statement_line_id
            if entries is None:
                entries = st_line._credit_seek_for_lines()
            _liquidity, suspense, other = entries[st_line]
            if other or len(suspense) != 1:
                raise UserError(_("The bank line %(name)s is already (partly) reconciled.",
                                  name=st_line.move_id.name))
            if suspense.currency_id != self.currency_id:
                raise UserError(_("The bank line %(name)s changed currency.", name=st_line.move_id.name))
            if self.writeoff_amount and not self.company_id.credit_cash_writeoff_account_id:
                raise UserError(_("Set the bank fee account of the cash application in the settings."))
        elif self.source_line_id.reconciled:
            raise UserError(_("The payment %(name)s is already reconciled.", name=self.source_line_id.move_id.name))

    def _credit_reconcile(self):
        """Apply the proposals of ``self``, by batches of proposals sharing
        no invoice: every proposal of a batch checked first (a UserError,
        nothing of the batch applied, for the first that cannot be), then
        the bank lines of the batch rewritten together and all its pairs
        reconciled in one pass of Odoo's reconciliation, then the proposals
        marked and noted. Applying them together or one by one writes the
        same journal items and reconciliations."""
        for batch in self._credit_batches():
            failures = batch._credit_failures()
            if failures:
                raise next(iter(failures.values()))
            batch._credit_apply()

    def _credit_apply(self):
        """Apply ``self``, checked, sharing no invoice: the simple bank-line
        matches in bulk (``tools.reconcile_sql``, which writes what Odoo's
        path writes), the others through Odoo's reconciliation."""
        st_proposals = self.filtered("statement_line_id")
        bulk = self.browse()
        if not self.env.context.get("credit_cash_orm_apply"):
            bulk, st_proposals = reconcile_sql.split(st_proposals)
        partials = dict(reconcile_sql.apply(bulk))
        plan, counterparts = st_proposals._credit_rewrite_statement_lines()
        # Each pair apart, as reconcile() on each would: _reconcile_plan
        # checks and reconciles every recordset of the plan on its own.
        if plan:
            self.env["account.move.line"]._reconcile_plan(plan)
            if not self.env.context.get("credit_cash_orm_apply"):
                # the invoices' payment-state tracking as the bulk path writes it,
                # not a message_post per invoice at commit
                self.env.flush_all()
                reconcile_sql._log_payment_states(self.env, st_proposals.line_ids.move_line_id.move_id)
        partials.update({proposal: lines.matched_debit_ids for proposal, lines in counterparts.items()})
        for proposal in self - st_proposals - bulk:
            partials[proposal] = proposal._credit_reconcile_payment()
        automatic = bool(self.env.context.get("credit_cash_automatic"))
        self.write({"state": "reconciled", "automatic": automatic})
        if not self.env.context.get("credit_cash_orm_apply"):
            # the state's tracking notes in one insert, not one per proposal at commit
            reconcile_sql._log_tracking(self.env, self)
        # the partials of each proposal in one pass, not a write per proposal
        self._fields["partial_ids"].write_batch([
            (proposal, [Command.set(partials[proposal].ids)]) for proposal in self
        ])
        notes = self._credit_applied_notes(automatic)
        if self.env.context.get("credit_cash_orm_apply"):
            self._message_log_batch(notes)
        else:
            # the notes in one insert, not a mail.message create each
            reconcile_sql.log_notes(self, notes)

    def _credit_applied_notes(self, automatic):
        """{proposal id: the note saying what it applied}, read and
        formatted for all of ``self`` at once: the amount allocated and the
        invoices in the order of the proposal's lines."""
        Line = self.env["credit.control.cash.proposal.line"]
        Line.flush_model(["proposal_id", "move_line_id", "amount"])
        allocated, invoices = defaultdict(float), defaultdict(dict)
        for proposal_id, amount, move_id, name in self.env.execute_query(SQL(
            """
            SELECT pl.proposal_id, pl.amount, l.move_id, m.name
              FROM credit_control_cash_proposal_line pl
         LEFT JOIN account_move_line l ON l.id = pl.move_line_id
         LEFT JOIN account_move m ON m.id = l.move_id
             WHERE pl.proposal_id = ANY(%s)
          ORDER BY pl.proposal_id, pl.id
            """,
            self.ids,
        )):
            allocated[proposal_id] += amount
            if move_id:
                invoices[proposal_id].setdefault(move_id, name)
        amounts = {}
        for currency, proposals in self.grouped("currency_id").items():
            amounts.update(zip(proposals.ids, lang_format.format_amounts(
                self.env, [allocated[proposal_id] for proposal_id in proposals.ids], currency), strict=True))
        how = _("Reconciled automatically") if automatic else _("Reconciled after review")
        rules = dict(self._fields["rule"]._description_selection(self.env))
        return {
            proposal.id: self.env._(
                "%(how)s: %(amount)s applied to %(invoices)s (rule: %(rule)s, confidence %(confidence)s%%).",
                how=how,
                amount=amounts[proposal.id],
                invoices=", ".join(invoices[proposal.id].values()),
                rule=rules[proposal.rule],
                confidence=proposal.confidence,
            )
            for proposal in self
        }

    def _credit_check_still_open(self):
        """Never reconcile an invoice twice, nor across companies."""
        self.ensure_one()
        for line in self.line_ids:
            item = line.move_line_id
            if item.company_id != self.company_id:
                raise UserError(_("%(invoice)s belongs to another company.", invoice=item.move_id.name))
            if item.reconciled or item.currency_id.compare_amounts(item.amount_residual_currency, line.amount) < 0:
                raise UserError(_(
                    "%(invoice)s no longer has %(amount)s to pay.",
                    invoice=item.move_id.name,
                    amount=formatLang(self.env, line.amount, currency_obj=self.currency_id),
                ))

    def _credit_reconcile_payment(self):
        source = self.source_line_id
        before = source.matched_debit_ids
        for line in self.line_ids:
            (source | line.move_line_id).reconcile()
        return source.matched_debit_ids - before

    def _credit_rewrite_statement_lines(self):
        """Replace the suspense item of the bank line of each proposal by one
        receivable item per invoice (plus the bank fees), all the bank lines
        together: what ``account.move.write`` of each bank entry's items
        would do (is_manually_modified set, items created, suspense items
        deleted or reduced), with the entries' balance and dynamic lines
        checked once for all. What is not allocated stays on the suspense
        account.

        :return: (reconciliation plan: one recordset per counterpart and its
            invoice item, {proposal: its counterparts})
        """
        AccountMoveLine = self.env["account.move.line"]
        if not self:
            return [], {}
        vals_list, owners, to_delete, to_update = [], [], AccountMoveLine, []
        entries = self.statement_line_id._credit_seek_for_lines()
        for proposal in self:
            st_line = proposal.statement_line_id
            liquidity, suspense, _other = entries[st_line]
            currency = suspense.currency_id
            lines_vals, balance_total = [], 0.0
            for line in proposal.line_ids:
                item = line.move_line_id
                amounts = st_line._prepare_counterpart_amounts_using_st_line_rate(currency, None, line.amount)
                lines_vals.append({
                    "move_id": st_line.move_id.id,
                    "name": st_line.payment_ref,
                    "account_id": item.account_id.id,
                    "partner_id": item.partner_id.id,
                    "currency_id": currency.id,
                    "amount_currency": -amounts["amount_currency"],
                    "balance": -amounts["balance"],
                })
                owners.append((proposal, item))
                balance_total -= amounts["balance"]
            if proposal.writeoff_amount:
                amounts = st_line._prepare_counterpart_amounts_using_st_line_rate(
                    currency, None, proposal.writeoff_amount)
                lines_vals.append({
                    "move_id": st_line.move_id.id,
                    "name": _("Bank fees: %(label)s", label=st_line.payment_ref),
                    "account_id": proposal.company_id.credit_cash_writeoff_account_id.id,
                    "partner_id": proposal.partner_id.id,
                    "currency_id": currency.id,
                    "amount_currency": amounts["amount_currency"],
                    "balance": amounts["balance"],
                })
                owners.append((proposal, None))
                balance_total += amounts["balance"]
            remaining = -suspense.amount_currency - proposal.allocated_amount + proposal.writeoff_amount
            rest = -(liquidity.balance + balance_total)
            if currency.is_zero(remaining) or proposal.company_id.currency_id.is_zero(rest):
                # the first counterpart absorbs the rounding of the conversions
                lines_vals[0]["balance"] += rest
                to_delete |= suspense
            else:
                to_update.append((suspense, {"amount_currency": -remaining, "balance": rest}))
            vals_list += lines_vals
        moves = self.statement_line_id.move_id
        container = {"records": moves}
        context = {"skip_readonly_check": True, "skip_account_move_synchronization": True, "force_delete": True}
        with moves._check_balanced(container), moves._sync_dynamic_lines(container):
            moves.with_context(**context).write({"is_manually_modified": True})
            for suspense, vals in to_update:
                suspense.with_context(**context).write(vals)
            to_delete.with_context(**context).unlink()
            new_lines = AccountMoveLine.with_context(**context).create(vals_list)
        plan, counterparts = [], defaultdict(lambda: AccountMoveLine)
        for (proposal, item), line in zip(owners, new_lines, strict=True):
            if item:
                plan.append(line | item)
                counterparts[proposal] |= line
        return plan, counterparts

    def _credit_undo(self):
        """Remove exactly the reconciliations this proposal made and put the
        bank line back on the suspense account."""
        self.ensure_one()
        partials = self.partial_ids.exists()
        invoices = self.line_ids.move_id
        partials.unlink()
        if self.statement_line_id:
            st_line = self.statement_line_id
            if (st_line.line_ids.matched_debit_ids | st_line.line_ids.matched_credit_ids):
                raise UserError(_(
                    "The bank line %(name)s was reconciled further by hand: undo that first.",
                    name=st_line.move_id.name,
                ))
            # Writing a bank line takes core's basic accounting group, which
            # an invoicing user lacks: the Cash Application group (checked by
            # action_undo) is the right to put back what the proposal did.
            st_line_sudo = st_line.sudo()
            st_line_sudo.with_context(force_delete=True, skip_readonly_check=True).write({
                "line_ids": [Command.clear()] + [
                    Command.create(vals) for vals in st_line_sudo._prepare_move_line_default_vals()
                ],
            })
        self.write({"state": "undone"})
        self._message_log(body=_(
            "Reconciliation undone by %(user)s; %(invoices)s open again.",
            user=self.env.user.name,
            invoices=", ".join(invoices.mapped("name")),
        ))

    @api.model
    def _credit_close_stale(self, companies):
        """Close the proposals under review whose invoices were paid
        meanwhile (by an exact match, by hand): their bank lines are free
        to be matched again. One query finds them, one note each says why."""
        self.env["account.move.line"].flush_model(["reconciled", "amount_residual_currency"])
        self.flush_model()
        self.env["credit.control.cash.proposal.line"].flush_model()
        rows = self.env.execute_query(SQL(
            """
            SELECT DISTINCT p.id
              FROM credit_control_cash_proposal p
              JOIN credit_control_cash_proposal_line pl ON pl.proposal_id = p.id
              JOIN account_move_line l ON l.id = pl.move_line_id
             WHERE p.state = 'proposed' AND p.company_id IN %s
               AND (l.reconciled OR l.amount_residual_currency < pl.amount - 0.005)
            """,
            tuple(companies.ids),
        ))
        stale = self.browse([row[0] for row in rows])
        if not stale:
            return stale
        for proposal in stale:
            invoices = proposal.line_ids.filtered(
                lambda line: line.move_line_id.reconciled
                or line.currency_id.compare_amounts(line.move_line_id.amount_residual_currency, line.amount) < 0
            ).move_id
            proposal.write({
                "state": "cancelled",
                "explanation": _("%(explanation)s\nClosed: %(invoices)s paid meanwhile.",
                                 explanation=proposal.explanation or "", invoices=", ".join(invoices.mapped("name"))),
            })
        note = _("Closed: its invoices were paid meanwhile; the bank line or payment can be matched again.")
        stale._message_log_batch(dict.fromkeys(stale.ids, note))
        return stale

    def _credit_action_result(self):
        """Notification summing up a matching run, opening what is to review."""
        reconciled = self.filtered(lambda p: p.state == "reconciled")
        to_review = self - reconciled
        message = _(
            "%(reconciled)s reconciled automatically, %(review)s to review.",
            reconciled=len(reconciled),
            review=len(to_review),
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if self else "info",
                "message": message if self else _("Nothing to match."),
                "next": {
                    "type": "ir.actions.act_window",
                    "name": _("Cash Application"),
                    "res_model": "credit.control.cash.proposal",
                    "views": [(False, "list"), (False, "form")],
                    "domain": [("id", "in", self.ids)],
                } if self else {"type": "ir.actions.act_window_close"},
            },
        }
