from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..const import DISPUTE_OPEN_STATES, DISPUTE_STATES, ORIGINS


class CreditControlDispute(models.Model):
    """A customer contests one or more invoices, or part of their amount.
    While the dispute is open its invoices get no reminder."""

    _name = "credit.control.dispute"
    _description = "Customer Dispute"
    _inherit = ["credit.control.dossier.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True
    # Salespeople follow the disputes of their customers and comment on them
    # without being able to change them.
    _mail_post_access = "read"

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    salesperson_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")
    move_ids = fields.Many2many(
        "account.move",
        "credit_control_dispute_account_move_rel",
        "dispute_id",
        "move_id",
        string="Invoices",
        check_company=True,
        tracking=True,
        domain="[('commercial_partner_id', '=', partner_id), ('company_id', '=', company_id), "
        "('move_type', 'in', ('out_invoice', 'out_receipt')), ('state', '=', 'posted')]",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=False,
    )
    amount_invoiced = fields.Monetary(
        compute="_compute_amount_invoiced",
        string="Invoiced",
        help="Total of the disputed invoices.",
    )
    disputed_amount = fields.Monetary(
        compute="_compute_disputed_amount",
        store=True,
        readonly=False,
        tracking=True,
        help="What the customer contests: the whole invoices by default, or part of their amount.",
    )
    reason_id = fields.Many2one("credit.control.dispute.reason", string="Reason", required=True, tracking=True)
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        default=lambda self: self.env.user,
        tracking=True,
        index=True,
        help="Who handles the dispute: the collector, the salesperson or someone of another department.",
    )
    owner_type = fields.Selection(
        [("collection", "Collection"), ("sales", "Sales"), ("other", "Other Department")],
        string="Handled by",
        default="collection",
        required=True,
        tracking=True,
        help="Who works on settling the dispute: the collection team, sales or another department.",
    )
    department = fields.Char(help="The department in charge, when it is not collection or sales.")
    target_date = fields.Date(
        string="Target Resolution Date", tracking=True,
        help="Date by which the dispute should be settled; reminders of its invoices stay paused until "
        "it is resolved.",
    )
    state = fields.Selection(
        DISPUTE_STATES,
        default="new",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        group_expand="_group_expand_states",
    )
    is_open = fields.Boolean(compute="_compute_is_open", search="_search_is_open", string="Open")
    description = fields.Html()
    resolution_note = fields.Text(tracking=True)
    resolution_date = fields.Date(readonly=True, copy=False)
    origin = fields.Selection(
        ORIGINS, default="manual", required=True, readonly=True,
        help="Where the dispute was opened: by hand, from the invoice, from the customer's dossier, "
        "after a call, or by the customer on the portal.",
    )
    credit_note_ids = fields.Many2many(
        "account.move",
        "credit_control_dispute_credit_note_rel",
        "dispute_id",
        "move_id",
        string="Credit Notes",
        readonly=True,
        copy=False,
    )
    evidence_ids = fields.Many2many(
        "ir.attachment",
        "credit_control_dispute_evidence_rel",
        "dispute_id",
        "attachment_id",
        string="Evidence",
        help="Delivery notes, photos, letters... PDF files are searchable by their content.",
    )
    document_ids = fields.One2many(
        "credit.control.document",
        "res_id",
        domain=[("res_model", "=", "credit.control.dispute")],
        string="Archived Evidence",
        readonly=True,
    )
    document_count = fields.Integer(compute="_compute_document_count")
    colleague_link_ids = fields.One2many(
        "credit.control.dispute.link", "dispute_id", string="Links to Colleagues", readonly=True,
        help="Signed links sent to colleagues so that they answer without logging in.",
    )
    evidence_text = fields.Char(
        compute="_compute_evidence_text",
        search="_search_evidence_text",
        string="Evidence Content",
        help="Search the disputes by the text of their evidence.",
    )

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("move_ids", "company_id")
    def _compute_currency_id(self):
        for dispute in self:
            dispute.currency_id = dispute.move_ids[:1].currency_id or dispute.company_id.currency_id or (
                self.env.company.currency_id
            )

    @api.depends("move_ids.amount_total")
    def _compute_amount_invoiced(self):
        for dispute in self:
            dispute.amount_invoiced = sum(dispute.move_ids.mapped("amount_total"))

    @api.depends("move_ids")
    def _compute_disputed_amount(self):
        for dispute in self:
            dispute.disputed_amount = sum(dispute.move_ids.mapped("amount_total"))

    @api.depends("state")
    def _compute_is_open(self):
        for dispute in self:
            dispute.is_open = dispute.state in DISPUTE_OPEN_STATES

    def _compute_document_count(self):
        counts = dict(self.env["credit.control.document"]._read_group(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)], ["res_id"], ["__count"]
        ))
        for dispute in self:
            dispute.document_count = counts.get(dispute.id, 0)

    def _compute_evidence_text(self):
        self.evidence_text = False

    @api.model
    def _group_expand_states(self, states, domain):
        return [key for key, _label in DISPUTE_STATES]

    # ------------------------------------------------------------------
    # SEARCH
    # ------------------------------------------------------------------

    def _search_is_open(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(_("Unsupported search on open disputes."))
        positive = (operator == "=") == value
        return [("state", "in" if positive else "not in", DISPUTE_OPEN_STATES)]

    def _search_evidence_text(self, operator, value):
        if operator not in ("ilike", "=ilike", "like", "="):
            raise ValidationError(_("Unsupported search on the evidence content."))
        documents = self.env["credit.control.document"]._search([
            ("res_model", "=", self._name), ("text", operator, value),
        ])
        return [("id", "in", documents.subselect(SQL.identifier(documents.table, "res_id")))]

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------

    @api.constrains("move_ids", "dossier_id")
    def _check_moves(self):
        for dispute in self:
            alien = dispute.move_ids.filtered(
                lambda m, d=dispute: m.commercial_partner_id != d.partner_id or m.company_id != d.company_id
            )
            if alien:
                raise ValidationError(_(
                    "Invoices %(invoices)s are not invoices of %(customer)s.",
                    invoices=", ".join(alien.mapped("name")),
                    customer=dispute.partner_id.display_name,
                ))
            if len(dispute.move_ids.currency_id) > 1:
                raise ValidationError(_("The invoices of a dispute must share one currency."))

    @api.constrains("disputed_amount", "move_ids")
    def _check_disputed_amount(self):
        for dispute in self:
            if dispute.currency_id.compare_amounts(dispute.disputed_amount, 0) < 0:
                raise ValidationError(_("The disputed amount cannot be negative."))
            if dispute.move_ids and dispute.currency_id.compare_amounts(
                dispute.disputed_amount, dispute.amount_invoiced
            ) > 0:
                raise ValidationError(_("The disputed amount cannot exceed the total of the invoices."))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("credit.control.dispute") or "/"
        disputes = super().create(vals_list)
        # all the evidence set, also files the user may not open: refused below
        disputes._credit_archive_evidence(disputes.sudo().evidence_ids)
        disputes.filtered("is_open").move_ids._credit_collection_changed()
        return disputes

    def write(self, vals):
        tracked = "state" in vals or "move_ids" in vals
        before = self.filtered("is_open").move_ids if tracked else None
        result = super().write(vals)
        if "evidence_ids" in vals:
            self._credit_archive_evidence(self.sudo().evidence_ids)
        if tracked:
            after = self.filtered("is_open").move_ids
            # The exclusion started or ended on these invoices.
            changed = (before - after) | (after - before)
            if changed:
                changed._credit_collection_changed()
        return result

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_start(self):
        self._credit_check_state(("new",))
        self.state = "in_progress"
        return True

    def action_resolve_credit_note(self):
        """Close the dispute by a credit note: prepare it as a draft from the
        disputed invoices (their lines when they are contested in full, one
        line of the disputed amount otherwise) and open it."""
        self._credit_check_state(DISPUTE_OPEN_STATES)
        refunds = self.env["account.move"]
        for dispute in self:
            refunds |= dispute._credit_prepare_credit_note()
        self._credit_close("resolved_credit_note")
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_refund_type")
        if len(refunds) == 1:
            action.update({"views": [(False, "form")], "view_mode": "form", "res_id": refunds.id})
        else:
            action["domain"] = [("id", "in", refunds.ids)]
        return action

    def action_resolve_justified(self):
        self._credit_check_state(DISPUTE_OPEN_STATES)
        self._credit_close("resolved_justified")
        return True

    def action_reject(self):
        """The claim is not founded: collection resumes where it stopped."""
        self._credit_check_state(DISPUTE_OPEN_STATES)
        self._credit_close("rejected")
        return True

    def action_reopen(self):
        self._credit_check_state([key for key, _label in DISPUTE_STATES if key not in DISPUTE_OPEN_STATES])
        self.write({"state": "in_progress", "resolution_date": False})
        return True

    def action_open_documents(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("credit_control_base.credit_control_document_action")
        action["domain"] = [("res_model", "=", self._name), ("res_id", "=", self.id)]
        return action

    def action_open_credit_notes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_refund_type")
        action["domain"] = [("id", "in", self.credit_note_ids.ids)]
        return action

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _credit_create_dispute(self, dossier, moves, reason, note=None, amount=None, attachments=None,
                               origin="manual"):
        """Open a dispute on ``moves`` of ``dossier``: the entry point of the
        invoice and dossier buttons, of call outcomes and of the portal.

        :param reason: a ``credit.control.dispute.reason`` record, or its code
        :param amount: the contested part, in the invoices' currency (all by default)
        :param attachments: ``ir.attachment`` records kept as evidence
        """
        if isinstance(reason, str):
            reason = self.env["credit.control.dispute.reason"].search([("code", "=", reason)], limit=1)
        if not reason:
            reason = self.env.ref("credit_control_dispute.credit_control_dispute_reason_other")
        values = {
            "dossier_id": dossier.id,
            "move_ids": [Command.set(moves.ids)],
            "reason_id": reason.id,
            "origin": origin,
            "description": note and Markup("<p>%s</p>") % note,
        }
        if amount is not None:
            values["disputed_amount"] = amount
        if attachments:
            values["evidence_ids"] = [Command.set(attachments.ids)]
        if origin != "portal":
            return self.create(values)
        # From the portal: the customer's collector owns it, not the
        # customer who opened it, and is told at once.
        owner = dossier._credit_request_owner()
        values["user_id"] = owner.id
        dispute = self.create(values)
        if owner:
            env = dispute.with_context(lang=owner.lang).env
            dossier._credit_hand_to_owner(
                dispute, owner,
                env._("Dispute from the customer portal"),
                env._(
                    "%(customer)s disputes %(invoices)s on the customer portal (%(reason)s).",
                    customer=dossier.partner_id.display_name,
                    invoices=", ".join(moves.mapped("name")),
                    reason=reason.with_env(env).name,
                ),
            )
        return dispute

    def _credit_check_state(self, allowed):
        wrong = self.filtered(lambda d: d.state not in allowed)
        if wrong:
            raise UserError(_(
                "Dispute %(name)s is %(state)s: this action is not possible.",
                name=wrong[0].name,
                state=dict(self._fields["state"]._description_selection(self.env))[wrong[0].state],
            ))

    def _credit_close(self, state):
        self.write({"state": state, "resolution_date": fields.Date.context_today(self)})

    def _credit_prepare_credit_note(self):
        self.ensure_one()
        if not self.move_ids:
            raise UserError(_("Link the disputed invoices before resolving by a credit note."))
        today = fields.Date.context_today(self)
        reference = _("Dispute %(name)s: %(reason)s", name=self.name, reason=self.reason_id.name)
        if not self.currency_id.compare_amounts(self.disputed_amount, self.amount_invoiced):
            refunds = self.move_ids._reverse_moves(
                [{"ref": reference, "invoice_date": today} for _move in self.move_ids]
            )
        else:
            invoice = self.move_ids[0]
            line = invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")[:1]
            refunds = self.env["account.move"].create({
                "move_type": "out_refund",
                "partner_id": invoice.partner_id.id,
                "company_id": self.company_id.id,
                "currency_id": self.currency_id.id,
                "invoice_date": today,
                "ref": reference,
                "reversed_entry_id": invoice.id if len(self.move_ids) == 1 else False,
                "invoice_origin": ", ".join(self.move_ids.mapped("name")),
                "invoice_line_ids": [Command.create({
                    "name": reference,
                    "quantity": 1,
                    "price_unit": self.disputed_amount,
                    "account_id": line.account_id.id or False,
                    "tax_ids": [],
                })],
            })
        self.credit_note_ids = [Command.link(refund.id) for refund in refunds]
        self.message_post(body=_(
            "Draft credit note prepared: %(refunds)s", refunds=", ".join(refunds.mapped("display_name"))
        ))
        return refunds

    def _credit_archive_evidence(self, attachments):
        """Archive in the customer's collection file the evidence not archived
        yet; PDF text is extracted there, a bad file keeps its upload.

        The files are read as the current user, who must be able to open
        them (its own upload, a file of a record it reads): evidence is no
        way to publish somebody else's private file to the portfolio. Only
        then are the documents created as superuser, so that a salesperson
        commenting with a file (it may not create documents) gets it
        archived too."""
        if not attachments:
            return
        Document = self.env["credit.control.document"]
        documents_sudo = Document.sudo().search([("res_model", "=", self._name), ("res_id", "in", self.ids)])
        done_pairs = {(d.res_id, d.attachment_id.id) for d in documents_sudo}
        # which files are new evidence of which dispute: where they are tied,
        # not what they hold (read below, as the user)
        attachments_sudo = attachments.sudo()
        todo = {}
        for dispute in self:
            evidence_sudo = dispute.sudo().evidence_ids
            todo[dispute] = attachments_sudo.browse([
                a.id for a in attachments_sudo
                if (dispute.id, a.id) not in done_pairs
                and (a in evidence_sudo or (a.res_model == dispute._name and a.res_id == dispute.id))
            ])
        new_sudo = attachments_sudo.browse().union(*todo.values())
        if not new_sudo:
            return
        extracted = Document._credit_read_attachments(new_sudo.with_env(self.env))
        for dispute, evidence_sudo in todo.items():
            if evidence_sudo:
                dispute._credit_adopt_evidence(evidence_sudo)
                Document.sudo()._credit_archive(
                    evidence_sudo, dispute.dossier_id, origin=dispute, kind="dispute_evidence", extracted=extracted,
                )

    def _credit_adopt_evidence(self, attachments_sudo):
        """Tie to the dispute the evidence uploaded before it existed (the
        form's upload widget, the portal): a file tied to no record is its
        uploader's only, its collector and the credit manager could not open
        it. The current user's access to them was checked by the caller."""
        self.ensure_one()
        pending = attachments_sudo.filtered(
            lambda a: not a.res_id and not a.res_field and a.res_model in (False, self._name)
        )
        if pending:
            pending.write({"res_model": self._name, "res_id": self.id})

    def _message_post_after_hook(self, message, msg_values):
        # Evidence sent in the chatter (by the collector or a salesperson) is
        # archived like the one uploaded on the form.
        result = super()._message_post_after_hook(message, msg_values)
        if message.attachment_ids:
            self._credit_archive_evidence(message.attachment_ids.sudo())
        return result
