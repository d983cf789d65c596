import base64
import hashlib
import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..cdar import CdarError, build, parse
from ..const import (
    AMOUNT_APPROVED_TAXED,
    AMOUNT_NOT_APPROVED_TAXED,
    STATUS_ALERT,
    STATUS_COLLECTED,
    STATUS_DISPUTE,
    STATUS_PAYMENT_SENT,
    STATUS_RESUME,
    STATUS_SUSPEND,
    STATUSES,
)

_logger = logging.getLogger(__name__)


class CreditControlEinvoiceStatus(models.Model):
    """One lifecycle status of a customer invoice on the French e-invoicing
    platforms: received from the customer's platform (a CDAR message), or
    sent by us (212 Collected)."""

    _name = "credit.control.einvoice.status"
    _description = "E-invoicing Lifecycle Status"
    _order = "status_date desc, id desc"
    _check_company_auto = True

    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, ondelete="cascade", index=True, check_company=True,
    )
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(
        related="move_id.commercial_partner_id", string="Customer", store=True, index=True,
    )
    currency_id = fields.Many2one(related="move_id.currency_id")
    code = fields.Selection(STATUSES, string="Status", required=True, index=True)
    name = fields.Char(string="Platform Label", help="The status as the platform wrote it (MDT-106).")
    status_date = fields.Datetime(string="Date", required=True, default=fields.Datetime.now)
    direction = fields.Selection(
        [("in", "Received"), ("out", "Sent")], required=True, default="in",
        help="Received from the customer's platform, or sent by this company.",
    )
    reason_code = fields.Char(help="The platform's reason code (MDT-113), e.g. PU_ERR, LIVR_INCOMP.")
    reason = fields.Char(string="Platform Reason", help="The platform's text of the reason (MDT-114).")
    comment = fields.Text(help="The customer's comment (MDT-126).")
    amount = fields.Monetary(
        help="Collected amount (212), or the amount not approved (206, 207) when the message gives one.",
    )
    dispute_id = fields.Many2one("credit.control.dispute", string="Dispute", readonly=True, index="btree_not_null")
    payment_move_id = fields.Many2one(
        "account.move", string="Payment Entry", readonly=True, index="btree_not_null",
        help="The payment whose collection this status reports (212).",
    )
    attachment_id = fields.Many2one("ir.attachment", string="Message", readonly=True)
    message_hash = fields.Char(readonly=True, index=True, copy=False)
    flow_id = fields.Char(string="Platform Flow", readonly=True, index="btree_not_null", copy=False)
    state = fields.Selection(
        [("done", "Processed"), ("to_send", "To Send"), ("sent", "Sent"), ("exported", "Exported"),
         ("error", "Error"), ("cancelled", "Cancelled")],
        default="done", required=True, readonly=True,
    )
    error = fields.Text(readonly=True)
    schematron_checked = fields.Boolean(
        readonly=True,
        help="Validated against the BR-FR-CDV schematron too, not only against the CDAR schema: always for "
        "the messages sent, for the messages received when a Saxon server is configured.",
    )

    # ------------------------------------------------------------------
    # IMPORT
    # ------------------------------------------------------------------

    @api.model
    def _credit_import_message(self, content, filename=None, flow_id=None, strict=True):
        """Import one CDAR message (bytes): validate it, find its invoice,
        record the status and act on it. Return the status created (none
        when the message was already imported).

        :param strict: raise when the invoice is not found (an upload);
            otherwise log it and skip the message (the platform's feed)
        """
        prepared = self._credit_prepare_message(content, filename=filename, flow_id=flow_id, strict=strict)
        return self._credit_record_message(prepared) if prepared else self.browse()

    @api.model
    def _credit_prepare_message(self, content, filename=None, flow_id=None, strict=True):
        """Check a message before anything is written: valid, new, and about
        one of our invoices. Return what ``_credit_record_message`` needs,
        or None for a message to skip."""
        digest = hashlib.sha256(content).hexdigest()
        if self.search_count([("message_hash", "=", digest)], limit=1):
            return None
        try:
            parsed = parse(content, saxon_url=self.env.company._credit_einvoice_saxon_url())
        except CdarError as error:
            raise UserError(_(
                "%(file)s is not a valid CDAR lifecycle message: %(error)s",
                file=filename or _("The message"), error=error,
            )) from error
        move = self._credit_find_invoice(parsed)
        if not move:
            message = _(
                "No posted customer invoice %(number)s of SIREN %(siren)s dated %(date)s: the lifecycle "
                "message %(file)s was not imported.",
                number=parsed["invoice_number"],
                siren=", ".join((parsed.get("invoice_issuer") or {}).values()) or "-",
                date=parsed["invoice_date"] or "-",
                file=filename or flow_id or "",
            )
            if strict:
                raise UserError(message)
            _logger.warning(message)
            return None
        return {"content": content, "filename": filename, "flow_id": flow_id, "digest": digest,
                "parsed": parsed, "move": move}

    @api.model
    def _credit_record_message(self, prepared):
        """Record a prepared message and apply its status. A collector has
        no right to change invoices (Billing): the invoice's side (the
        message file, the hold, the postponement, the chatter) is written
        as superuser once the collector's right to read it is checked."""
        parsed, move = prepared["parsed"], prepared["move"]
        move.check_access("read")
        attachment = self.env["ir.attachment"].sudo().create({
            "name": prepared["filename"] or f"{parsed['invoice_number']}-{parsed['status_code']}.xml",
            "raw": prepared["content"],
            "mimetype": "application/xml",
            "res_model": "account.move",
            "res_id": move.id,
        })
        details = parsed.get("doc_status") or [{}]
        first = details[0]
        status = self.create({
            "move_id": move.id,
            "code": parsed["status_code"],
            "name": parsed.get("status_name"),
            "status_date": parsed.get("lc_datetime") or fields.Datetime.now(),
            "reason_code": first.get("reason_code"),
            "reason": first.get("reason_txt"),
            "comment": "\n".join(d["comment"] for d in details if d.get("comment")) or False,
            "amount": self._credit_disputed_amount(move, details),
            "attachment_id": attachment.id,
            "message_hash": prepared["digest"],
            "flow_id": prepared["flow_id"],
            "schematron_checked": bool(self.env.company._credit_einvoice_saxon_url()),
        })
        status._credit_apply()
        return status

    @api.model
    def _credit_find_invoice(self, parsed):
        """The posted customer invoice the message is about: its number
        (MDT-87), issued by one of our companies (its SIREN, MDT-129), on
        the date the message gives (MDT-100)."""
        domain = [
            ("name", "=", parsed["invoice_number"]),
            ("move_type", "in", ("out_invoice", "out_receipt")),
            ("state", "=", "posted"),
        ]
        if parsed.get("invoice_date"):
            domain.append(("invoice_date", "=", parsed["invoice_date"]))
        moves = self.env["account.move"].search(domain)
        sirens = set((parsed.get("invoice_issuer") or {}).values())
        if sirens:
            moves = moves.filtered(lambda m: m.company_id._credit_einvoice_siren() in sirens)
        return moves if len(moves) == 1 else moves.browse()

    @api.model
    def _credit_disputed_amount(self, move, details):
        """The amount a 206 or 207 does not approve, when the message says:
        the amount not approved, or the total less the amount approved."""
        amounts = {}
        for detail in details:
            for characteristic in detail.get("doc_characteristics") or []:
                if characteristic.get("type_code") and isinstance(characteristic.get("amount"), dict):
                    amounts[characteristic["type_code"]] = characteristic["amount"]["float"]
        if AMOUNT_NOT_APPROVED_TAXED in amounts:
            return min(amounts[AMOUNT_NOT_APPROVED_TAXED], move.amount_total)
        if AMOUNT_APPROVED_TAXED in amounts:
            return max(move.amount_total - amounts[AMOUNT_APPROVED_TAXED], 0.0)
        return 0.0

    @api.model
    def _credit_latest_for_customer(self, moves):
        """``{move id: status}``: the latest status of each invoice the
        customer may be shown: received from the platforms, or a 212 that
        left while what it reports is still collected (a corrective 212 of
        an undone payment is not shown, nor, once the payment is undone,
        the 212 it corrects, even before the correction leaves)."""
        statuses = self.search([
            ("move_id", "in", moves.ids), "|", ("direction", "=", "in"), ("state", "!=", "cancelled"),
        ])  # latest first (_order)
        collected = defaultdict(float)
        for status in statuses.filtered(lambda s: s.direction == "out"):
            collected[status.move_id.id] += status.amount
        latest = {}
        for status in statuses:
            if status.move_id.id in latest:
                continue
            if status.direction == "out" and (
                status.state not in ("sent", "exported")
                or status.amount < 0
                or status.currency_id.compare_amounts(collected[status.move_id.id], 0.0) <= 0
            ):
                continue
            latest[status.move_id.id] = status
        return latest

    # ------------------------------------------------------------------
    # WHAT A STATUS DOES
    # ------------------------------------------------------------------

    def _credit_apply(self):
        self.move_id.check_access("read")
        for status in self:
            move = status.move_id.sudo()
            if status.code in STATUS_DISPUTE:
                status._credit_open_dispute()
            elif status.code in STATUS_SUSPEND:
                status._credit_hold(_("Suspended on the e-invoicing platform"))
            elif status.code in STATUS_ALERT:
                status._credit_hold(_("%(status)s on the e-invoicing platform", status=status._credit_label()))
                status._credit_alert()
            elif status.code == STATUS_PAYMENT_SENT:
                days = move.company_id.credit_einvoice_postpone_days
                until = fields.Date.context_today(status, status.status_date) + timedelta(days=days)
                move.credit_einvoice_postponed_until = max(until, move.credit_einvoice_postponed_until or until)
                move._credit_collection_changed()
            if status.code in STATUS_RESUME and move.credit_einvoice_hold_code in STATUS_SUSPEND:
                move.write({"credit_hold": False, "credit_hold_note": False, "credit_einvoice_hold_code": False})
            move.message_post(body=status._credit_chatter_note())

    def _credit_label(self):
        return dict(self._fields["code"]._description_selection(self.env))[self.code]

    def _credit_customer_values(self):
        """What the customer reads of this status (its statement, its
        invoice page, its invoice list), in the reader's language."""
        self.ensure_one()
        return {
            "title": _("E-invoicing platform"),
            "label": self._credit_label(),
            "date": fields.Datetime.context_timestamp(self, self.status_date).date(),
            "detail": self.reason or self.reason_code or False,
        }

    def _credit_chatter_note(self):
        note = _("E-invoicing lifecycle: %(status)s", status=self._credit_label())
        if self.reason_code or self.reason:
            note += Markup("<br/>") + _(
                "Reason: %(code)s %(reason)s", code=self.reason_code or "", reason=self.reason or "",
            )
        if self.comment:
            note += Markup("<br/>") + self.comment
        return note

    def _credit_open_dispute(self):
        """207 (or 206): the customer contests the invoice (or the part it
        did not approve) on its platform: a dispute, unless one opened from
        the platform is still open."""
        self.ensure_one()
        move = self.move_id
        Dispute = self.env["credit.control.dispute"]
        open_dispute = Dispute.search([
            ("move_ids", "in", move.ids), ("origin", "=", "einvoice"), ("is_open", "=", True),
        ], limit=1)
        if open_dispute:
            self.dispute_id = open_dispute
            open_dispute.message_post(body=self._credit_chatter_note())
            return
        dossier = self.env["credit.control.dossier"]._credit_dossier_for_moves(move)
        reason = self.env["credit.control.dispute.reason"]._credit_for_einvoice_code(self.reason_code)
        note = _(
            "%(status)s on the customer's e-invoicing platform. Reason %(code)s: %(reason)s. %(comment)s",
            status=self._credit_label(),
            code=self.reason_code or "-",
            reason=self.reason or "-",
            comment=self.comment or "",
        )
        amount = self.amount if not move.currency_id.is_zero(self.amount) else None
        dispute = Dispute._credit_create_dispute(dossier, move, reason, note=note, amount=amount, origin="einvoice")
        if dossier.collector_id:
            # from the platform's feed the importer is the scheduler: the
            # customer's collector owns it
            dispute.user_id = dossier.collector_id
        self.dispute_id = dispute

    def _credit_hold(self, note):
        self.ensure_one()
        self.move_id.sudo().write({
            "credit_hold": True,
            "credit_hold_note": note,
            "credit_einvoice_hold_code": self.code,
        })

    def _credit_alert(self):
        """210 / 213: the invoice will not be paid as it is: the collector
        is told; the reminders stay stopped until the hold is lifted."""
        self.ensure_one()
        move = self.move_id.sudo()
        collector = move.credit_collector_id or move.invoice_user_id or self.env.user
        move.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=collector.id,
            summary=_("%(status)s on the e-invoicing platform", status=self._credit_label()),
            note=self._credit_chatter_note(),
        )

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_download(self):
        self.ensure_one()
        if not self.attachment_id:
            raise UserError(_("This status has no message file."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "download",
        }

    def action_send(self):
        statuses = self.filtered(lambda s: s.state in ("to_send", "error", "exported"))
        # a message that could not be made (no SIREN, a rule broken) is made
        # again, from what was fixed since
        for status in statuses.filtered(lambda s: s.direction == "out" and not s.attachment_id):
            status._credit_generate(status.move_id._credit_einvoice_collected_by_rate(status.amount))
        statuses.filtered("attachment_id")._credit_send()
        return True

    # ------------------------------------------------------------------
    # 212 COLLECTED
    # ------------------------------------------------------------------

    @api.model
    def _credit_collection_pairs(self, partials):
        """The ``(invoice, payment entry)`` pairs these reconciliations
        join, for invoices whose collections are reported (VAT due on
        receipt, in a company that reports them)."""
        pairs = set()
        for partial in partials:
            for own, other in ((partial.debit_move_id, partial.credit_move_id),
                               (partial.credit_move_id, partial.debit_move_id)):
                move = own.move_id
                if (
                    move.move_type in ("out_invoice", "out_receipt")
                    and move.company_id.credit_einvoice_report_collected
                    and move._credit_einvoice_on_receipt_lines()
                ):
                    pairs.add((move, other.move_id))
        return list(pairs)

    @api.model
    def _credit_sync_collections(self, pairs):
        """Report as 212 Collected what each payment entry has brought to
        each invoice of ``pairs`` since the last report, per VAT rate.

        What is reported for a pair always converges on the cash part of
        what the payment settles on the invoice now: a new reconciliation
        reports the money received; an undone one (unreconciled, payment
        reset or cancelled, cheque returned) cancels the messages that had
        not left yet and reports the rest as a corrective 212 of the
        negative amount, which the CDAR schema and the BR-FR-CDV rules
        accept (a collected amount, MDT-215, is not required positive).
        A write-off, a credit note or a bad-debt loss is no collection:
        only the cash part of a payment or a bank line counts.

        Reported whoever reconciles (an accountant without credit rights):
        the reconciliation itself was checked by the ORM."""
        if not pairs:
            return self.browse()
        Status = self.sudo()
        reconciled = self._credit_reconciled_amounts(pairs)
        reported = defaultdict(lambda: Status.browse())
        for status in Status.search([
            ("code", "=", STATUS_COLLECTED),
            ("move_id", "in", [move.id for move, _payment in pairs]),
            ("payment_move_id", "in", [payment.id for _move, payment in pairs]),
            ("state", "!=", "cancelled"),
        ]):
            reported[status.move_id, status.payment_move_id] |= status
        values = []
        for move, payment in pairs:
            currency = move.currency_id
            target = currency.round(reconciled.get((move, payment), 0.0) * payment._credit_einvoice_cash_ratio())
            statuses = reported[move, payment]
            delta = target - sum(statuses.mapped("amount"))
            if currency.compare_amounts(delta, 0.0) < 0:
                unsent = statuses.filtered(lambda s: s.state in ("to_send", "error"))
                unsent.write({"state": "cancelled"})
                delta += sum(unsent.mapped("amount"))
            collected = move._credit_einvoice_collected_by_rate(delta) if not currency.is_zero(delta) else []
            if collected:
                values.append((move, payment, collected))
        statuses = Status.create([{
            "move_id": move.id,
            "code": STATUS_COLLECTED,
            "direction": "out",
            "payment_move_id": payment.id,
            "amount": sum(amount for amount, _rate in collected),
            "state": "to_send",
        } for move, payment, collected in values])
        for status, (_move, _payment, collected) in zip(statuses, values, strict=True):
            status._credit_generate(collected)
            if status.amount < 0:
                status.move_id.message_post(body=_(
                    "The collection of %(amount)s by %(payment)s was undone: a corrective 212 Collected "
                    "of the negative amount reports it to the e-invoicing platform.",
                    amount=status.currency_id.format(-status.amount), payment=status.payment_move_id.name,
                ))
        return statuses

    @api.model
    def _credit_reconciled_amounts(self, pairs):
        """``{(invoice, payment entry): amount}``: what the entry settles on
        the invoice now, in the invoice's currency, summed over their
        reconciliations (an invoice in instalments has several)."""
        invoices = self.env["account.move"].union(*(move for move, _payment in pairs))
        payments = self.env["account.move"].union(*(payment for _move, payment in pairs))
        Partial = self.env["account.partial.reconcile"].sudo()
        partials = Partial.search([
            ("debit_move_id.move_id", "in", invoices.ids), ("credit_move_id.move_id", "in", payments.ids),
        ]) | Partial.search([
            ("credit_move_id.move_id", "in", invoices.ids), ("debit_move_id.move_id", "in", payments.ids),
        ])
        amounts = defaultdict(float)
        for partial in partials:
            debit, credit = partial.debit_move_id.move_id, partial.credit_move_id.move_id
            if debit in invoices:
                amounts[debit, credit] += partial.debit_amount_currency
            if credit in invoices:
                amounts[credit, debit] += partial.credit_amount_currency
        return amounts

    def _credit_generate(self, collected):
        """Write and validate the message of this outgoing status; a message
        that cannot be made is kept in error, with the reason: the payment
        it reports is never refused for it."""
        self.ensure_one()
        move = self.move_id
        company = move.company_id
        now = fields.Datetime.now()
        values = {
            "identifier": f"{move.name}_{move._credit_einvoice_type_code()}_{move.invoice_date}#"
            f"{self.code}_{now:%Y%m%d%H%M%S}_{self.payment_move_id.id}_{self.id}",
            "when": now,
            "seller": {"siren": company._credit_einvoice_siren(), "name": company.name},
            "buyer": {"siren": move.commercial_partner_id._credit_einvoice_siren(),
                      "name": move.commercial_partner_id.name},
            "invoice_number": move.name,
            "invoice_date": move.invoice_date,
            "status_code": self.code,
            "status_name": "Encaissée",
            "collected": [(amount, move.currency_id.name, rate) for amount, rate in collected],
        }
        missing = [party for party in ("seller", "buyer") if not values[party]["siren"]]
        if missing:
            self.write({"state": "error", "error": _(
                "No SIREN for %(parties)s: set the company registry (or the French VAT number) of the "
                "company and of the customer.", parties=", ".join(missing),
            )})
            return
        saxon_url = company._credit_einvoice_saxon_url()
        try:
            content = build(values, saxon_url=saxon_url)
        except CdarError as error:
            self.write({"state": "error", "error": str(error)})
            return
        filename = f"CDAR_{move.name.replace('/', '_')}_{self.code}_{self.payment_move_id.id}_{self.id}.xml"
        attachment = self.env["ir.attachment"].sudo().create({
            "name": filename,
            "datas": base64.b64encode(content),
            "mimetype": "application/xml",
            "res_model": "account.move",
            "res_id": move.id,
        })
        self.write({
            "attachment_id": attachment.id,
            "status_date": now,
            # on the configured Saxon server, else with SaxonC-HE here
            "schematron_checked": True,
            "state": "to_send" if company._credit_einvoice_api_configured() else "exported",
            "error": False,
        })

    def _credit_send(self):
        """Send the messages of these outgoing statuses through their
        company's platform (flow API)."""
        for company in self.company_id:
            statuses = self.filtered(lambda s, c=company: s.company_id == c and s.attachment_id)
            if not statuses or not company._credit_einvoice_api_configured():
                continue
            try:
                client = company._credit_einvoice_client()
            except CdarError as error:
                statuses.write({"state": "error", "error": str(error)})
                continue
            for status in statuses:
                attachment = status.attachment_id.sudo()
                try:
                    flow_id = client.send_message(attachment.raw, attachment.name)
                except CdarError as error:
                    status.write({"state": "error", "error": str(error)})
                    continue
                status.write({"state": "sent", "flow_id": flow_id, "error": False})

    # ------------------------------------------------------------------
    # PLATFORM FEED
    # ------------------------------------------------------------------

    @api.model
    def _cron_sync_platform(self):
        """Fetch the lifecycle messages the platforms received about our
        invoices since the last run, and send the messages waiting."""
        for company in self.env["res.company"].search([]):
            if not company._credit_einvoice_api_configured():
                continue
            self.with_company(company)._credit_fetch(company)
            self.with_company(company).search([
                ("company_id", "=", company.id), ("direction", "=", "out"), ("state", "=", "to_send"),
            ])._credit_send()

    @api.model
    def _credit_fetch(self, company):
        """Import the messages of the company's platform feed; return the
        statuses created."""
        try:
            client = company._credit_einvoice_client()
            since = company.credit_einvoice_last_sync or fields.Datetime.now() - timedelta(days=30)
            flows = client.search_lifecycle(since)
        except CdarError as error:
            _logger.warning("E-invoicing platform of %s not reachable: %s", company.name, error)
            return self.browse()
        flow_ids = [flow["flowId"] for flow in flows if flow.get("flowId")]
        known = set(self.search([("flow_id", "in", flow_ids)]).mapped("flow_id"))
        statuses = self.browse()
        for flow in flows:
            flow_id = flow.get("flowId")
            if not flow_id or flow_id in known:
                continue
            try:
                content = client.get_message(flow_id)
                with self.env.cr.savepoint():
                    statuses |= self._credit_import_message(
                        content, filename=flow.get("name"), flow_id=flow_id, strict=False,
                    )
            except (CdarError, UserError) as error:
                _logger.warning("Lifecycle flow %s of %s not imported: %s", flow_id, company.name, error)
        updated = [flow["updated_at"] for flow in flows if flow.get("updated_at")]
        if updated:
            company.sudo().credit_einvoice_last_sync = max(updated)
        return statuses
