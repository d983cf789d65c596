import calendar
import secrets
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import consteq, float_repr
from odoo.tools.misc import hmac as hmac_tool

from odoo.addons.credit_control_dispute.const import DISPUTE_OPEN_STATES

from ..const import (
    AUTOPAY_SETUP_TOKEN_SCOPE,
    PAYMENT_TOKEN_SCOPE,
    SHORT_LINK_ALPHABET,
    SHORT_LINK_EPOCH_DAY,
    SHORT_LINK_EXPIRY_CHARS,
    SHORT_LINK_SCOPE,
    SHORT_LINK_SIGNATURE_CHARS,
    STATEMENT_TOKEN_SCOPE,
)

DAY_SECONDS = 86400
# what a person may type for a character of a short link
SHORT_LINK_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


def _base32(number, width=0):
    digits = []
    while number:
        number, digit = divmod(number, 32)
        digits.append(SHORT_LINK_ALPHABET[digit])
    return "".join(reversed(digits)).rjust(width, SHORT_LINK_ALPHABET[0])


def _base32_value(text):
    """The number ``text`` writes in base 32, or None."""
    value = 0
    for char in text:
        digit = SHORT_LINK_ALPHABET.find(char)
        if digit < 0:
            return None
        value = value * 32 + digit
    return value


class CreditControlDossier(models.Model):
    _inherit = "credit.control.dossier"

    statement_link_version = fields.Integer(
        copy=False,
        help="Signed into the statement links sent to the customer: raising it revokes every link sent. "
        "Links need no stored secret of their own (they are signed with the database secret), so sending "
        "reminders never writes on the dossier.",
    )

    autopay_token_id = fields.Many2one(
        "payment.token", string="Autopay Method", readonly=True, copy=False, index="btree_not_null",
        help="The saved card or direct debit mandate the customer agreed to be charged with on the due dates.",
    )
    autopay_since = fields.Datetime(string="On Autopay Since", readonly=True, copy=False)
    autopay_mandate_ref = fields.Char(
        string="Autopay Mandate Reference", readonly=True, copy=False,
        help="Reference of the customer's consent, given in every notice and charge.",
    )
    autopay_active = fields.Boolean(
        string="On Autopay", compute="_compute_autopay_active", store=True,
        help="The customer agreed to be charged automatically on the due dates.",
    )
    autopay_charge_ids = fields.One2many("credit.control.autopay.charge", "dossier_id", string="Autopay Charges")

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("autopay_token_id")
    def _compute_autopay_active(self):
        for dossier in self:
            dossier.autopay_active = bool(dossier.autopay_token_id)

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_preview_statement(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self._credit_statement_url(), "target": "new"}

    def action_revoke_statement_links(self):
        """The links already sent stop working (a forwarded e-mail, a
        contact who left); the next reminders carry new ones."""
        if not self.env.user.has_group("credit_control_base.group_credit_control_manager"):
            raise AccessError(_("Only credit managers can revoke statement links."))
        for dossier in self.sudo():
            dossier.statement_link_version += 1
        for dossier in self:
            dossier.message_post(body=_("Statement links sent so far revoked."))
        return True

    # ------------------------------------------------------------------
    # HOOKS
    # ------------------------------------------------------------------

    def _credit_statement_url(self):
        """Override: a link to the portal statement, signed for this customer
        and company, valid for the company's number of days."""
        self.ensure_one()
        expiry = self._credit_link_expiry()
        return f"{self.get_base_url()}/my/credit/{self.id}?access_token={self._credit_statement_token(expiry)}"

    def _credit_statement_short_url(self):
        """Override: ``/cc/<code>``, the statement link of a letter, valid
        until the end (UTC) of the day the long link would expire."""
        self.ensure_one()
        return f"{self.get_base_url()}/cc/{self._credit_statement_short_code(self._credit_link_expiry())}"

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_link_expiry(self):
        """When a statement link made now expires (seconds since the epoch):
        after the company's number of days."""
        self.ensure_one()
        return self._credit_now() + self.company_id.credit_portal_link_days * DAY_SECONDS

    def _credit_now(self):
        # Seconds since the epoch from the ORM's clock, so that tests can
        # move it.
        return calendar.timegm(fields.Datetime.now().timetuple())

    def _credit_sign(self, scope, values):
        return hmac_tool(self.env(su=True), scope, values)

    def _credit_statement_token(self, expiry):
        self.ensure_one()
        version = self.sudo().statement_link_version
        return f"{expiry}.{self._credit_sign(STATEMENT_TOKEN_SCOPE, (self.id, version, expiry))}"

    def _credit_check_statement_token(self, token):
        """``"valid"``, ``"expired"`` (a genuine link, too old) or ``False``
        (anything else: tampered, revoked, for another customer)."""
        self.ensure_one()
        expiry, _sep, signature = (token or "").partition(".")
        if not (expiry.isdigit() and signature):
            return False
        expected = self._credit_sign(STATEMENT_TOKEN_SCOPE, (self.id, self.sudo().statement_link_version, int(expiry)))
        if not consteq(signature, expected):
            return False
        return "valid" if int(expiry) >= self._credit_now() else "expired"

    def _credit_statement_short_code(self, expiry):
        """The short code of a statement link expiring at the end of the
        day of ``expiry`` (seconds since the epoch)."""
        self.ensure_one()
        day = -(-expiry // DAY_SECONDS) - SHORT_LINK_EPOCH_DAY
        return (
            _base32(self.id)
            + _base32(max(day, 0), SHORT_LINK_EXPIRY_CHARS)
            + self._credit_short_signature(day)
        )

    def _credit_short_signature(self, day):
        self.ensure_one()
        version = self.sudo().statement_link_version
        digest = int(self._credit_sign(SHORT_LINK_SCOPE, (self.id, version, day)), 16)
        return _base32(digest % 32 ** SHORT_LINK_SIGNATURE_CHARS, SHORT_LINK_SIGNATURE_CHARS)

    @api.model
    def _credit_check_short_code(self, code):
        """``(dossier, status, expiry)`` of the short code ``code``, as typed
        by a person: status ``"valid"``, ``"expired"`` (a genuine link, too
        old) or ``False`` (anything else: mistyped, tampered, revoked);
        expiry in seconds since the epoch, for the long link it opens."""
        code = (code or "").upper().translate(SHORT_LINK_READ_AS)
        fixed = SHORT_LINK_EXPIRY_CHARS + SHORT_LINK_SIGNATURE_CHARS
        if not fixed < len(code) <= fixed + 8:
            return self.browse(), False, 0
        dossier_id = _base32_value(code[:-fixed])
        day = _base32_value(code[-fixed:-SHORT_LINK_SIGNATURE_CHARS])
        signature = code[-SHORT_LINK_SIGNATURE_CHARS:]
        dossier = self.browse(dossier_id).exists() if dossier_id and day is not None else self.browse()
        if not dossier or not consteq(signature, dossier._credit_short_signature(day)):
            return self.browse(), False, 0
        expiry = (day + SHORT_LINK_EPOCH_DAY) * DAY_SECONDS
        return dossier, "valid" if expiry >= self._credit_now() else "expired", expiry

    def _credit_payment_token(self, moves, amount, currency, expiry):
        """Sign what the customer chose to pay, so that the transaction route
        accepts exactly that selection and amount."""
        self.ensure_one()
        values = (self.id, tuple(moves.ids), float_repr(amount, currency.decimal_places), currency.id, expiry)
        return f"{'-'.join(map(str, moves.ids))}.{expiry}.{self._credit_sign(PAYMENT_TOKEN_SCOPE, values)}"

    def _credit_check_payment_token(self, token, amount):
        """The invoices of a payment token when it was signed for ``amount``
        and has not expired, else ``None``."""
        self.ensure_one()
        ids, expiry, signature = ((token or "").split(".") + ["", "", ""])[:3]
        try:
            move_ids = tuple(int(move_id) for move_id in ids.split("-"))
            expiry = int(expiry)
            amount = float(amount)
        except (TypeError, ValueError):
            return None
        moves = self.env["account.move"].browse(move_ids).exists()
        currency = moves.currency_id
        if len(moves) != len(move_ids) or len(currency) != 1:
            return None
        values = (self.id, move_ids, float_repr(currency.round(amount), currency.decimal_places), currency.id, expiry)
        if not consteq(signature, self._credit_sign(PAYMENT_TOKEN_SCOPE, values)) or expiry < self._credit_now():
            return None
        return moves

    def _credit_autopay_setup_token(self, expiry):
        """Sign the page where the customer saves a new payment method for
        autopay: given once the statement link was checked and the consent
        ticked, it is all the transaction route accepts (the statement
        links revoked, it stops working too)."""
        self.ensure_one()
        version = self.sudo().statement_link_version
        return f"{expiry}.{self._credit_sign(AUTOPAY_SETUP_TOKEN_SCOPE, (self.id, version, expiry))}"

    def _credit_check_autopay_setup_token(self, token):
        self.ensure_one()
        expiry, _sep, signature = (token or "").partition(".")
        if not (expiry.isdigit() and signature):
            return False
        values = (self.id, self.sudo().statement_link_version, int(expiry))
        return consteq(signature, self._credit_sign(AUTOPAY_SETUP_TOKEN_SCOPE, values)) \
            and int(expiry) >= self._credit_now()

    # ------------------------------------------------------------------
    # AUTOPAY
    # ------------------------------------------------------------------

    def _credit_autopay_tokens(self):
        """The saved payment methods the customer may put on autopay: its
        own and its contacts', of a provider of the dossier's company."""
        self.ensure_one()
        return self.env["payment.token"].sudo().search([
            ("partner_id", "child_of", self.partner_id.id),
            ("provider_id.company_id", "=", self.company_id.id),
            ("provider_id.state", "in", ("enabled", "test")),
        ])

    def _credit_autopay_opt_in(self, token, author=None):
        """Put the customer on autopay with ``token``, one of its own saved
        methods (checked here, whoever calls); the consent it read is kept
        on the dossier's chatter with the mandate reference."""
        self.ensure_one()
        if token not in self._credit_autopay_tokens():
            raise UserError(_("Choose one of your saved payment methods."))
        reference = f"CC-{self.id}-{secrets.token_hex(4).upper()}"
        self.sudo().write({
            "autopay_token_id": token.id,
            "autopay_since": fields.Datetime.now(),
            "autopay_mandate_ref": reference,
        })
        self.sudo().message_post(
            body=Markup("<p>%s</p><p><i>%s</i></p>") % (
                _("Autopay agreed with %(method)s, mandate %(reference)s.", method=token.display_name,
                  reference=reference),
                self._credit_autopay_consent_text(),
            ),
            author_id=(author or self.partner_id).id,
            partner_ids=self.collector_id.partner_id.ids,
            subtype_xmlid="mail.mt_comment",
        )
        return reference

    def _credit_autopay_revoke(self, author=None):
        """Stop autopay: nothing announced is charged any more."""
        self.ensure_one()
        dossier_sudo = self.sudo()
        reference = dossier_sudo.autopay_mandate_ref
        dossier_sudo.autopay_charge_ids.filtered(lambda c: c.state in ("scheduled", "failed")).write({
            "state": "cancelled", "last_error": _("Autopay revoked."),
        })
        dossier_sudo.write({"autopay_token_id": False, "autopay_since": False})
        dossier_sudo.message_post(
            body=_("Autopay revoked (mandate %(reference)s).", reference=reference),
            author_id=(author or self.partner_id).id,
            partner_ids=self.collector_id.partner_id.ids,
            subtype_xmlid="mail.mt_comment",
        )

    def _credit_autopay_consent_text(self):
        self.ensure_one()
        company = self.company_id
        return _(
            "I authorise %(company)s to charge my saved payment method for the invoices falling due from today, "
            "on their due date%(delay)s. I am told by e-mail %(notice)s days before each charge of what will be "
            "charged. Invoices I dispute, promised payments, payment plans and invoices covered by a credit are "
            "never charged. I can revoke this authorisation at any time from my statement.",
            company=company.name,
            delay=_(" plus %(days)s days", days=company.credit_autopay_delay_days)
            if company.credit_autopay_delay_days else "",
            notice=company.credit_autopay_notice_days,
        )

    def _credit_autopay_blocked_moves(self, moves):
        """Of ``moves``, those autopay must not charge: on hold or excluded
        from collection, in an open dispute, under a pending promise or in
        a payment plan not ended."""
        blocked = moves.filtered(lambda m: m.credit_hold or m.credit_excluded)
        disputes = self.env["credit.control.dispute"].sudo().search([
            ("move_ids", "in", moves.ids), ("state", "in", DISPUTE_OPEN_STATES),
        ])
        promises = self.env["credit.control.promise"].sudo().search([
            ("move_ids", "in", moves.ids), ("state", "=", "pending"),
        ])
        plans = self.env["credit.control.payment.plan"].sudo().search([
            ("move_ids", "in", moves.ids), ("state", "in", ("draft", "active")),
        ])
        return blocked | ((disputes.move_ids | promises.move_ids | plans.move_ids) & moves)

    def _credit_autopay_eligible(self, today, notice=True):
        """The open instalments of this customer autopay may charge (see
        ``_credit_autopay_eligible_all``)."""
        self.ensure_one()
        return self._credit_autopay_eligible_all(today, notice=notice)[self]

    def _credit_autopay_eligible_all(self, today, notice=True):
        """For each of these dossiers, the open instalments of the customer
        autopay may charge, as item dicts (``account.move.line.
        _credit_item_values``): falling due since the consent, charge date
        (due date plus the company's delay) within the notice (``notice``)
        or reached, nothing holding them back, in a currency the saved
        method accepts, and not covered by an unapplied credit of that
        currency (the oldest instalments are covered first).

        Read for all the dossiers at once, in a number of queries that does
        not depend on how many they are.

        :return: ``{dossier: [item]}``"""
        eligible = {dossier: [] for dossier in self}
        if not self:
            return eligible
        by_customer = {(dossier.partner_id.id, dossier.company_id.id): dossier for dossier in self}
        moves = self._credit_open_invoices()
        blocked = self._credit_autopay_blocked_moves(moves)
        credits = defaultdict(float)
        for item in self._credit_autopay_unapplied_credits():
            line = item["line"]
            dossier = by_customer.get((line.partner_id.commercial_partner_id.id, line.company_id.id))
            credits[dossier, item["currency"]] += item["amount"]
        for item in (moves - blocked)._credit_instalments(today):
            move = item["move"]
            dossier = by_customer.get((move.commercial_partner_id.id, move.company_id.id))
            if not dossier:
                continue
            company = dossier.company_id
            token = dossier.autopay_token_id
            horizon = today + timedelta(days=company.credit_autopay_notice_days if notice else 0)
            since = fields.Datetime.context_timestamp(dossier, dossier.autopay_since).date()
            currency = item["currency"]
            charge_date = item["due_date"] + timedelta(days=company.credit_autopay_delay_days)
            if item["due_date"] < since or charge_date > horizon:
                continue
            currencies = token.payment_method_id.supported_currency_ids | token.provider_id.available_currency_ids
            if currencies and currency not in currencies:
                continue
            credit = credits[dossier, currency]
            if currency.compare_amounts(credit, 0.0) > 0:
                # covered (wholly or in part) by a credit: apply it, not a card
                credits[dossier, currency] = credit - item["amount"]
                continue
            eligible[dossier].append(item)
        return eligible

    def _credit_autopay_unapplied_credits(self):
        """The unapplied credits of these customers (``_credit_unapplied_credits``
        of each), read at once."""
        customers = [[
            ("partner_id.commercial_partner_id", "=", dossier.partner_id.id),
            ("company_id", "=", dossier.company_id.id),
        ] for dossier in self]
        lines = self.env["account.move.line"].sudo().search(expression.AND([
            [
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
                ("amount_residual", "<", 0),
            ],
            expression.OR(customers),
        ]))
        items = lines._credit_item_values()
        for item in items:
            item["amount"], item["amount_company"] = -item["amount"], -item["amount_company"]
        return items

    def _credit_autopay_announce(self, today):
        """Announce by e-mail the instalments of these customers charged
        within the notice that were not announced yet; each gets its charge
        record. Set-based: the same queries for one customer or a thousand,
        but for the e-mails themselves."""
        Charge = self.env["credit.control.autopay.charge"].sudo()
        eligible = self._credit_autopay_eligible_all(today)
        by_line = {item["line"]: (dossier, item) for dossier, items in eligible.items() for item in items}
        known = Charge.search([("move_line_id", "in", [line.id for line in by_line])])
        reopened = known.filtered(lambda c: c.state == "cancelled" and c.move_line_id._credit_is_open_item())
        vals = []
        for line, (dossier, item) in by_line.items():
            if line in known.move_line_id:
                continue
            vals.append({
                "dossier_id": dossier.id,
                "move_line_id": line.id,
                "currency_id": item["currency"].id,
                "amount": item["amount"],
                "due_date": item["due_date"],
                "notified_date": today,
                "charge_date": dossier._credit_autopay_charge_date(item, today),
            })
        for charge in reopened:
            dossier, item = by_line[charge.move_line_id]
            charge.write({
                "state": "scheduled", "amount": item["amount"], "notified_date": today, "last_error": False,
                "charge_date": dossier._credit_autopay_charge_date(item, today), "next_attempt_date": False,
            })
        charges = Charge.create(vals) | reopened
        if charges:
            self._credit_autopay_send_notice(charges)
        return charges

    def _credit_autopay_charge_date(self, item, today):
        """The due date plus the company's delay, and never before the
        customer had the days of the notice."""
        company = self.company_id
        return max(
            item["due_date"] + timedelta(days=company.credit_autopay_delay_days),
            today + timedelta(days=company.credit_autopay_notice_days),
        )

    def _credit_autopay_send_notice(self, charges):
        """One notice per customer, listing its ``charges``, rendered in one
        batch."""
        template = self.env.ref("credit_control_portal.mail_template_autopay_notice")
        template.with_context(autopay_charge_ids=charges.ids).send_mail_batch(
            charges.dossier_id.ids, email_layout_xmlid="mail.mail_notification_light",
        )

    def _credit_autopay_notice_charges(self):
        """The charges of this customer the notice being rendered announces."""
        return self.env["credit.control.autopay.charge"].sudo().browse(
            self.env.context.get("autopay_charge_ids") or []
        ).filtered(lambda c: c.dossier_id == self).sorted(lambda c: (c.charge_date, c.id))
