import base64
from collections import defaultdict
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from werkzeug.exceptions import NotFound

from odoo import _, fields, http, tools
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.http import request
from odoo.tools.mimetypes import guess_mimetype
from odoo.tools.misc import get_lang

from odoo.addons.account_payment.controllers.portal import PortalAccount
from odoo.addons.credit_control_dispute.const import DISPUTE_OPEN_STATES

from ..const import DISPUTE_UPLOAD_MIMETYPES

# How long the customer has to complete a payment once the amount is chosen.
PAYMENT_TOKEN_SECONDS = 3600
NOTE_MAX_LENGTH = 5000


class CreditStatementPortal(PortalAccount):
    """The customer's statement: what it owes to one company, with online
    payment, payment promises and disputes.

    Reached by a logged-in contact of the customer, or without an account by
    the signed link of a reminder. Every failure to prove access answers 404,
    so that ids cannot be probed."""

    # ------------------------------------------------------------------
    # ROUTES
    # ------------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "credit_statement_count" in counters:
            values["credit_statement_count"] = len(self._credit_user_dossiers())
        return values

    @http.route("/my/credit", type="http", auth="user", website=True, sitemap=False)
    def portal_credit_statements(self, **kwargs):
        dossiers = self._credit_user_dossiers()
        if len(dossiers) == 1:
            return request.redirect(f"/my/credit/{dossiers.id}")
        return request.render("credit_control_portal.portal_credit_statements", {
            "page_name": "credit_statement",
            "dossiers": dossiers,
        })

    @http.route("/my/credit/<int:dossier_id>", type="http", auth="public", website=True, sitemap=False)
    def portal_credit_statement(self, dossier_id, access_token=None, message=None, **kwargs):
        dossier, response = self._credit_access(dossier_id, access_token)
        if response:
            return response
        return self._credit_render_statement(dossier, access_token, message=self._credit_message(message))

    @http.route("/cc/<string:code>", type="http", auth="public", website=True, sitemap=False)
    def portal_credit_short_link(self, code, **kwargs):
        """The short link printed on letters: opens the statement through
        the long signed link of the same expiry; an expired one explains
        how to get a new one, anything else is not found."""
        dossier_sudo, status, expiry = request.env["credit.control.dossier"].sudo()._credit_check_short_code(code)
        if not status:
            raise NotFound()
        self._credit_use_customer_lang(dossier_sudo)
        if status == "expired":
            return request.render(
                "credit_control_portal.portal_credit_link_expired", {"dossier": dossier_sudo}, status=403
            )
        token = dossier_sudo._credit_statement_token(expiry)
        return request.redirect(self._credit_statement_path(dossier_sudo, token), code=303)

    @http.route("/my/credit/<int:dossier_id>/invoice/<int:move_id>", type="http", auth="public",
                website=True, sitemap=False)
    def portal_credit_invoice_pdf(self, dossier_id, move_id, access_token=None, **kwargs):
        dossier, response = self._credit_access(dossier_id, access_token)
        if response:
            return response
        move = dossier._credit_open_invoices().filtered(lambda m: m.id == move_id)
        if not move:
            raise NotFound()
        return self._show_report(model=move, report_type="pdf", report_ref="account.account_invoices", download=True)

    @http.route("/my/credit/<int:dossier_id>/pay", type="http", auth="public", methods=["POST"], website=True,
                sitemap=False)
    def portal_credit_pay(self, dossier_id, access_token=None, **post):
        dossier, response = self._credit_access(dossier_id, access_token)
        if response:
            return response
        try:
            all_overdue = post.get("scope") == "overdue"
            moves = self._credit_selected_moves(dossier, all_overdue=all_overdue)
            # all that is overdue: the overdue instalments, not what falls due later
            due = self._credit_overdue_total(moves) if all_overdue else None
            amount = self._credit_parse_amount(post.get("amount"), moves, due=due)
        except ValidationError as error:
            return self._credit_render_statement(dossier, access_token, error=error.args[0], status=400)
        return request.render(
            "credit_control_portal.portal_credit_payment",
            self._credit_payment_values(dossier, moves, amount, access_token),
        )

    @http.route("/my/credit/<int:dossier_id>/transaction", type="json", auth="public")
    def portal_credit_transaction(self, dossier_id, access_token=None, **kwargs):
        """Create the transaction of the selection signed on the payment page:
        the invoices and the amount cannot be changed in the browser."""
        dossier = request.env["credit.control.dossier"].sudo().browse(dossier_id).exists()
        moves = dossier and dossier._credit_check_payment_token(access_token, kwargs.get("amount"))
        if not moves:
            raise ValidationError(_("This payment is not valid any more: go back to your statement."))
        amount = moves.currency_id.round(float(kwargs["amount"]))
        still_open = dossier._credit_open_invoices()
        if moves - still_open or moves.currency_id.compare_amounts(amount, sum(moves.mapped("amount_residual"))) > 0:
            raise ValidationError(_("These invoices changed in the meantime: go back to your statement."))
        self._validate_transaction_kwargs(kwargs)
        kwargs.update({
            "amount": amount,
            "currency_id": moves.currency_id.id,
            "partner_id": self._credit_payer(dossier).id,
            "reference_prefix": None,
        })
        tx_sudo = self._create_transaction(
            custom_create_values={"invoice_ids": [Command.set(moves.ids)], "credit_dossier_id": dossier.id},
            **kwargs,
        )
        # Once paid, the customer lands on the receipt of this transaction
        # (the statement token of the payment page, if any, kept for the way back).
        statement_token = parse_qs(urlsplit(kwargs.get("landing_route") or "").query).get("access_token", [None])[0]
        tx_sudo.landing_route = tx_sudo._credit_receipt_path(statement_token)
        return tx_sudo._get_processing_values()

    @http.route("/my/credit/<int:dossier_id>/receipt", type="http", auth="public", website=True, sitemap=False)
    def portal_credit_receipt(self, dossier_id, tx_id=None, tx_token=None, access_token=None, **kwargs):
        """The confirmation of an online payment and its printable receipt:
        opened with the transaction's own token (the browser that paid), or
        by whoever may see the statement."""
        tx_sudo = request.env["payment.transaction"].sudo().browse(
            int(tx_id) if (tx_id or "").isdigit() else 0
        ).exists()
        if not tx_sudo or tx_sudo.credit_dossier_id.id != dossier_id:
            raise NotFound()
        dossier = tx_sudo.credit_dossier_id
        if tx_sudo._credit_check_receipt_token(tx_token):
            self._credit_use_customer_lang(dossier)
        else:
            dossier, response = self._credit_access(dossier_id, access_token)
            if response:
                return response
        return request.render(
            "credit_control_portal.portal_credit_receipt", self._credit_receipt_values(tx_sudo, access_token)
        )

    @http.route("/my/credit/<int:dossier_id>/promise", type="http", auth="public", methods=["POST"],
                website=True, sitemap=False)
    def portal_credit_promise(self, dossier_id, access_token=None, **post):
        dossier, response = self._credit_access(dossier_id, access_token)
        if response:
            return response
        try:
            moves = self._credit_selected_moves(dossier)
            promise_date = self._credit_parse_promise_date(dossier, post.get("promise_date"))
            amount = self._credit_parse_amount(post.get("promise_amount"), moves)
            note = self._credit_parse_note(post.get("promise_note"), required=False)
            with request.env.cr.savepoint():
                request.env["credit.control.promise"].sudo()._credit_create_promise(
                    dossier, moves, promise_date, amount=amount, origin="portal", note=note,
                )
        except (UserError, ValidationError) as error:
            return self._credit_render_statement(dossier, access_token, error=error.args[0], status=400)
        return request.redirect(self._credit_statement_path(dossier, access_token, message="promise"))

    @http.route("/my/credit/<int:dossier_id>/dispute", type="http", auth="public", methods=["POST"],
                website=True, sitemap=False)
    def portal_credit_dispute(self, dossier_id, access_token=None, **post):
        dossier, response = self._credit_access(dossier_id, access_token)
        if response:
            return response
        try:
            moves = self._credit_selected_moves(dossier)
            reason_id = post.get("reason_id") or ""
            reason = request.env["credit.control.dispute.reason"].sudo().browse(
                int(reason_id) if reason_id.isdigit() else 0
            ).exists()
            if not reason.active:
                raise ValidationError(_("Choose the reason of your dispute."))
            note = self._credit_parse_note(post.get("dispute_note"), required=True)
            # Nothing half-saved: the upload goes with the dispute or not at all.
            with request.env.cr.savepoint():
                attachments_sudo = self._credit_parse_upload(dossier, request.httprequest.files.get("attachment"))
                request.env["credit.control.dispute"].sudo()._credit_create_dispute(
                    dossier, moves, reason, note=note, attachments=attachments_sudo, origin="portal",
                )
        except (UserError, ValidationError) as error:
            return self._credit_render_statement(dossier, access_token, error=error.args[0], status=400)
        return request.redirect(self._credit_statement_path(dossier, access_token, message="dispute"))

    @http.route("/my/credit/<int:dossier_id>/autopay", type="http", auth="public", methods=["POST"],
                website=True, sitemap=False)
    def portal_credit_autopay(self, dossier_id, access_token=None, **post):
        """Opt in to autopay with one of the customer's saved methods, the
        consent text read and accepted."""
        dossier_sudo, response = self._credit_access(dossier_id, access_token)
        if response:
            return response
        try:
            if not post.get("autopay_consent"):
                raise ValidationError(_("Tick the box to agree to the automatic payment."))
            token_id = post.get("autopay_token_id") or ""
            token_sudo = request.env["payment.token"].sudo().browse(int(token_id) if token_id.isdigit() else 0)
            # the token is checked against the customer's own saved methods
            dossier_sudo._credit_autopay_opt_in(token_sudo, author=self._credit_payer(dossier_sudo))
        except (UserError, ValidationError) as error:
            return self._credit_render_statement(dossier_sudo, access_token, error=error.args[0], status=400)
        return request.redirect(self._credit_statement_path(dossier_sudo, access_token, message="autopay"))

    @http.route("/my/credit/<int:dossier_id>/autopay/revoke", type="http", auth="public", methods=["POST"],
                website=True, sitemap=False)
    def portal_credit_autopay_revoke(self, dossier_id, access_token=None, **post):
        dossier_sudo, response = self._credit_access(dossier_id, access_token)
        if response:
            return response
        if dossier_sudo.autopay_token_id:
            dossier_sudo._credit_autopay_revoke(author=self._credit_payer(dossier_sudo))
        return request.redirect(self._credit_statement_path(dossier_sudo, access_token, message="autopay_revoked"))

    # ------------------------------------------------------------------
    # ACCESS
    # ------------------------------------------------------------------

    def _credit_user_dossiers(self):
        user = request.env.user
        if user._is_public():
            return request.env["credit.control.dossier"]
        return request.env["credit.control.dossier"].sudo().search(
            [("partner_id", "=", user.partner_id.commercial_partner_id.id)], order="company_id"
        )

    def _credit_access(self, dossier_id, access_token):
        """``(dossier in sudo, None)`` when the visitor may see it, else
        ``(None, response)``: 404 for anything but a genuine link that
        expired, which explains how to get a new one."""
        dossier = request.env["credit.control.dossier"].sudo().browse(dossier_id).exists()
        if not dossier:
            raise NotFound()
        user = request.env.user
        if not user._is_public() and user.partner_id.commercial_partner_id == dossier.partner_id:
            return dossier, None
        status = dossier._credit_check_statement_token(access_token)
        if not status:
            raise NotFound()
        self._credit_use_customer_lang(dossier)
        if status == "expired":
            return None, request.render(
                "credit_control_portal.portal_credit_link_expired", {"dossier": dossier}, status=403
            )
        # in the customer's language: what the dossier renders (the consent)
        return dossier.with_env(request.env(su=True)), None

    def _credit_use_customer_lang(self, dossier):
        # A visitor without an account reads its statement in the language
        # of the reminders it received.
        if request.env.user._is_public():
            request.update_context(lang=dossier._credit_statement_lang())

    def _credit_payer(self, dossier):
        """Who pays: the logged-in contact of the customer, else the customer
        (payment tokens and the payment are checked against it)."""
        partner = request.env.user.partner_id
        if request.env.user._is_public() or partner.commercial_partner_id != dossier.partner_id:
            return dossier.partner_id
        return partner

    def _credit_statement_path(self, dossier, access_token, message=None):
        params = (("access_token", access_token), ("message", message))
        query = urlencode({key: value for key, value in params if value})
        return f"/my/credit/{dossier.id}" + (f"?{query}" if query else "")

    # ------------------------------------------------------------------
    # INPUT
    # ------------------------------------------------------------------

    def _credit_selected_moves(self, dossier, all_overdue=False):
        """The invoices ticked on the statement, all of them of this customer
        and still to be paid; anything else is refused."""
        open_moves = dossier._credit_open_invoices()
        if all_overdue:
            moves = open_moves.filtered("credit_is_overdue")
            if not moves:
                raise ValidationError(_("Nothing is overdue."))
        else:
            try:
                ids = {int(move_id) for move_id in request.httprequest.form.getlist("move_ids")}
            except ValueError:
                ids = {0}
            moves = open_moves.filtered(lambda m: m.id in ids)
            if not ids:
                raise ValidationError(_("Select at least one invoice."))
            if len(moves) != len(ids):
                raise ValidationError(_("Select invoices of your statement that are still to be paid."))
        if len(moves.currency_id) > 1:
            raise ValidationError(_("Select invoices of a single currency."))
        return moves

    def _credit_parse_amount(self, raw, moves, due=None):
        """The amount typed by the customer (``due``, by default all that is
        left to pay on ``moves``, when empty): more than zero and no more
        than what is left to pay on ``moves``."""
        currency = moves.currency_id
        residual = currency.round(sum(moves.mapped("amount_residual")))
        due = residual if due is None else currency.round(due)
        raw = (raw or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        if not raw:
            return due
        try:
            amount = currency.round(float(raw))
        except ValueError:
            amount = 0.0
        if currency.compare_amounts(amount, 0.0) <= 0 or currency.compare_amounts(amount, residual) > 0:
            raise ValidationError(_(
                "Enter an amount greater than zero and at most %(due)s.", due=currency.format(residual)
            ))
        return amount

    def _credit_parse_promise_date(self, dossier, raw):
        today = fields.Date.context_today(dossier)
        latest = today + timedelta(days=dossier.company_id.credit_portal_promise_max_days)
        try:
            promise_date = fields.Date.to_date(raw or None)
        except ValueError:
            promise_date = None
        if not promise_date or not today <= promise_date <= latest:
            raise ValidationError(_(
                "Choose a payment date between today and %(latest)s.", latest=tools.format_date(request.env, latest)
            ))
        return promise_date

    def _credit_parse_note(self, raw, required):
        note = (raw or "").strip()
        if required and not note:
            raise ValidationError(_("Tell us what is wrong with the invoice."))
        if len(note) > NOTE_MAX_LENGTH:
            raise ValidationError(_("Keep your message under %(max)s characters.", max=NOTE_MAX_LENGTH))
        return note or None

    def _credit_parse_upload(self, dossier, upload):
        """An attachment of the accepted types and size, judged on its
        content rather than on its name. Created for a dispute (access to
        the dossier is proven), it is tied to it when the dispute is created:
        whoever may read the dispute opens it, nobody else."""
        if not upload or not upload.filename:
            return request.env["ir.attachment"]
        max_bytes = dossier.company_id.credit_portal_upload_max_mb * 1024 * 1024
        data = upload.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise ValidationError(_(
                "The file is too large: %(max)s MB at most.", max=dossier.company_id.credit_portal_upload_max_mb
            ))
        mimetype = guess_mimetype(data)
        if mimetype not in DISPUTE_UPLOAD_MIMETYPES:
            raise ValidationError(_("Attach a PDF, PNG or JPEG file."))
        name = (upload.filename or "").replace("/", "_").replace("\\", "_")[:128]
        if not name.lower().endswith(DISPUTE_UPLOAD_MIMETYPES[mimetype]):
            name += DISPUTE_UPLOAD_MIMETYPES[mimetype]
        return request.env["ir.attachment"].sudo().create({
            "name": name,
            "datas": base64.b64encode(data),
            "mimetype": mimetype,
            "company_id": dossier.company_id.id,
            "res_model": "credit.control.dispute",
        })

    def _credit_message(self, code):
        return {
            "promise": _("Thank you: your payment date is recorded, we will not remind you before it."),
            "dispute": _("Thank you: your dispute is recorded and will be reviewed; no reminder is sent for "
                         "these invoices in the meantime."),
            "autopay": _("Thank you: your invoices will be paid automatically on their due date; you will be told "
                         "by e-mail before each charge."),
            "autopay_revoked": _("Automatic payment stopped: nothing more will be charged."),
        }.get(code)

    # ------------------------------------------------------------------
    # RENDERING
    # ------------------------------------------------------------------

    def _credit_render_statement(self, dossier, access_token, status=200, **extra):
        values = self._credit_statement_values(dossier, access_token, **extra)
        return request.render("credit_control_portal.portal_credit_statement", values, status=status)

    def _credit_statement_values(self, dossier, access_token, **extra):
        invoices = dossier._credit_open_invoices()
        disputes = request.env["credit.control.dispute"].sudo().search([
            ("dossier_id", "=", dossier.id), ("state", "in", DISPUTE_OPEN_STATES),
        ])
        promises = request.env["credit.control.promise"].sudo().search([
            ("dossier_id", "=", dossier.id), ("state", "=", "pending"),
        ])
        invoice_status = dict.fromkeys(promises.move_ids.ids, _("Payment promised"))
        invoice_status.update(dict.fromkeys(disputes.move_ids.ids, _("Disputed")))
        today = fields.Date.context_today(dossier)
        format_date, format_amount = self._credit_formatters()
        customer_statuses = self._credit_customer_statuses(invoices)
        # per instalment, as the dossier and the reminders count them
        instalments = defaultdict(list)
        for item in invoices._credit_instalments(today):
            instalments[item["move"]].append(item)
        credits = dossier._credit_unapplied_credits()
        currencies = invoices.currency_id
        for item in credits:
            currencies |= item["currency"]
        totals = []
        for currency in currencies:
            in_currency = invoices.filtered(lambda m, c=currency: m.currency_id == c)
            overdue = in_currency.filtered(lambda m: any(i["overdue"] for i in instalments[m]))
            credit = sum(item["amount"] for item in credits if item["currency"] == currency)
            totals.append({
                "currency": currency,
                "open": sum(in_currency.mapped("amount_residual")) - credit,
                "overdue": self._credit_overdue_total(in_currency, instalments),
                "overdue_count": len(overdue),
                "credits": credit,
            })
        rows = [{
            "invoice": invoice,
            "date": format_date(invoice.invoice_date),
            "due": format_date(invoice.credit_due_date or invoice.invoice_date_due),
            "total": format_amount(invoice.amount_total, invoice.currency_id),
            "residual": format_amount(invoice.amount_residual, invoice.currency_id),
            "status": self._credit_row_status(instalments[invoice]),
            # shown apart when there are several: each with its own due date
            "instalments": [{
                "due": format_date(item["due_date"]),
                "days_late": item["days_late"] if item["overdue"] else 0,
                "amount": format_amount(item["amount"], item["currency"]),
                "overdue": item["overdue"],
            } for item in instalments[invoice]] if len(instalments[invoice]) > 1 else [],
            "notes": [
                {**note, "date": format_date(note["date"])} for note in customer_statuses.get(invoice.id, [])
            ],
        } for invoice in invoices]
        credit_rows = [{
            "name": item["move"].name,
            "date": format_date(item["due_date"]),
            "amount": format_amount(-item["amount"], item["currency"]),
        } for item in credits]
        return {
            "page_name": "credit_statement",
            "dossier": dossier,
            "company": dossier.company_id,
            "invoices": invoices,
            "rows": rows,
            "credit_rows": credit_rows,
            "invoice_status": invoice_status,
            "totals": totals,
            "disputes": disputes,
            "promises": promises,
            "reminders": dossier._credit_reminder_history(),
            "reasons": request.env["credit.control.dispute.reason"].sudo().search([]),
            "access_token": access_token,
            "token_query": f"?access_token={access_token}" if access_token else "",
            "today": today,
            "promise_max_date": today + timedelta(days=dossier.company_id.credit_portal_promise_max_days),
            "upload_max_mb": dossier.company_id.credit_portal_upload_max_mb,
            "can_pay_online": bool(invoices) and self._credit_has_provider(dossier, invoices[:1].currency_id),
            "autopay_tokens": dossier._credit_autopay_tokens(),
            "autopay_consent": dossier._credit_autopay_consent_text(),
            "autopay_scheduled": dossier.autopay_charge_ids.filtered(lambda c: c.state in ("scheduled", "failed")),
            "error": None,
            "message": None,
            **extra,
        }

    def _credit_customer_statuses(self, moves):
        """What else the customer may read about ``moves`` (access proven),
        in the visitor's language: see credit_control_base's hook."""
        return moves.with_context(lang=request.env.lang)._credit_customer_statuses()

    def _invoice_get_page_view_values(self, invoice, access_token, **kwargs):
        """Override of `account`: the invoice page shows what else the
        customer may read about the invoice, as the statement does."""
        values = super()._invoice_get_page_view_values(invoice, access_token, **kwargs)
        values["credit_customer_statuses"] = self._credit_customer_statuses(invoice).get(invoice.id, [])
        return values

    def _credit_overdue_total(self, moves, instalments=None):
        """What is overdue on ``moves`` (one currency): their overdue
        instalments, in the invoices' currency."""
        if instalments is None:
            items = moves._credit_instalments(overdue=True)
        else:
            items = [item for move in moves for item in instalments[move] if item["overdue"]]
        return sum(item["amount"] for item in items)

    @staticmethod
    def _credit_row_status(items):
        """``"overdue"``, ``"partly"`` (an instalment overdue, another not
        due yet) or ``"not_due"``."""
        overdue = [item["overdue"] for item in items]
        if overdue and all(overdue):
            return "overdue"
        return "partly" if any(overdue) else "not_due"

    def _credit_formatters(self):
        """Date and amount formatting in the visitor's language, as the QWeb
        widgets do it but once per page rather than once per cell: the
        widgets cost most of a 500-invoice statement."""
        lang = get_lang(request.env)
        separators = str.maketrans({",": lang.thousands_sep or "", ".": lang.decimal_point})

        def format_date(value):
            return value.strftime(lang.date_format) if value else ""

        def format_amount(amount, currency):
            number = f"{currency.round(amount):,.{currency.decimal_places}f}".translate(separators)
            if currency.position == "before":
                return f"{currency.symbol or ''}\N{NO-BREAK SPACE}{number}"
            return f"{number}\N{NO-BREAK SPACE}{currency.symbol or ''}"

        return format_date, format_amount

    def _credit_has_provider(self, dossier, currency):
        return bool(request.env["payment.provider"].sudo()._get_compatible_providers(
            dossier.company_id.id, self._credit_payer(dossier).id, 1.0, currency_id=currency.id,
        ))

    def _credit_receipt_values(self, tx_sudo, access_token):
        """What was paid (the transaction's amount, not a recomputation) and
        what is left on each of its invoices, counted by open instalments as
        the statement counts them."""
        dossier = tx_sudo.credit_dossier_id
        format_date, format_amount = self._credit_formatters()
        left = defaultdict(float)
        for item in tx_sudo.invoice_ids._credit_instalments(fields.Date.context_today(dossier)):
            left[item["move"]] += item["amount"]
        paid_on = fields.Datetime.context_timestamp(tx_sudo, tx_sudo.last_state_change or tx_sudo.create_date)
        return {
            "page_name": "credit_statement",
            "tx": tx_sudo,
            "dossier": dossier,
            "company": dossier.company_id,
            "date": format_date(paid_on.date()),
            "amount": format_amount(tx_sudo.amount, tx_sudo.currency_id),
            "rows": [{
                "invoice": invoice,
                "due": format_date(invoice.credit_due_date or invoice.invoice_date_due),
                "left": format_amount(left[invoice], invoice.currency_id),
                "paid": invoice.currency_id.is_zero(left[invoice]),
            } for invoice in tx_sudo.invoice_ids.sorted(lambda m: (m.invoice_date_due or m.invoice_date, m.id))],
            # the way back needs a right to the statement, which the receipt's token is not
            "statement_url": self._credit_statement_path(dossier, access_token)
            if access_token or not request.env.user._is_public() else None,
        }

    def _credit_payment_values(self, dossier, moves, amount, access_token):
        currency = moves.currency_id
        expiry = dossier._credit_now() + PAYMENT_TOKEN_SECONDS
        payment_token = dossier._credit_payment_token(moves, amount, currency, expiry)
        values = self._get_common_page_view_values(
            invoices_data={
                "partner": self._credit_payer(dossier),
                "company": dossier.company_id,
                "total_amount": amount,
                "currency": currency,
                "amount_residual": amount,
                "payment_reference": False,
                # replaced by the receipt of the transaction once it exists
                "landing_route": self._credit_statement_path(dossier, access_token),
                "transaction_route": f"/my/credit/{dossier.id}/transaction",
            },
            access_token=payment_token,
        )
        values.update({
            "page_name": "credit_statement",
            "dossier": dossier,
            "invoices": moves,
            "amount": amount,
            "amount_due": sum(moves.mapped("amount_residual")),
            "currency": currency,
            "token_query": f"?access_token={access_token}" if access_token else "",
        })
        return values
