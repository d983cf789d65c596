import calendar

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import consteq, float_repr
from odoo.tools.misc import hmac as hmac_tool

from ..const import (
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
