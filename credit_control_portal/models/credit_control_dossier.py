import calendar

from odoo import _, fields, models
from odoo.exceptions import AccessError
from odoo.tools import consteq, float_repr
from odoo.tools.misc import hmac as hmac_tool

from ..const import PAYMENT_TOKEN_SCOPE, STATEMENT_TOKEN_SCOPE


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
        expiry = self._credit_now() + self.company_id.credit_portal_link_days * 86400
        return f"{self.get_base_url()}/my/credit/{self.id}?access_token={self._credit_statement_token(expiry)}"

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

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
