import calendar

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, consteq, float_compare
from odoo.tools.misc import hmac as hmac_tool

from ..const import COLLEAGUE_LINK_STATES, COLLEAGUE_RESOLUTIONS, COLLEAGUE_TOKEN_SCOPE, DISPUTE_OPEN_STATES


class CreditControlDisputeLink(models.Model):
    """A signed link sent to a colleague (salesperson, warehouse, project
    manager, maybe without an Odoo account) to answer a dispute once.

    The token is signed like the customer's statement links: Odoo's
    ``hmac`` with the database secret, the expiry inside the token,
    compared in constant time. Nothing secret is stored; revoking or
    answering the link closes it, whatever copies of the e-mail exist."""

    _name = "credit.control.dispute.link"
    _description = "Dispute Link Sent to a Colleague"
    _order = "id desc"
    _check_company_auto = True

    dispute_id = fields.Many2one(
        "credit.control.dispute", required=True, ondelete="cascade", index=True, readonly=True, check_company=True,
    )
    company_id = fields.Many2one(related="dispute_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="dispute_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner", string="Colleague", required=True, readonly=True,
        help="Who answers through the link; the answer is posted in its name.",
    )
    message = fields.Text(readonly=True, help="The question sent with the link.")
    expiry_date = fields.Datetime(string="Valid Until", required=True, readonly=True)
    state = fields.Selection(COLLEAGUE_LINK_STATES, default="sent", required=True, readonly=True, index=True)
    is_expired = fields.Boolean(compute="_compute_is_expired", string="Expired")
    answer_date = fields.Datetime(readonly=True, copy=False)
    answer_resolution = fields.Selection(COLLEAGUE_RESOLUTIONS, string="Proposed Resolution", readonly=True)
    answer_amount = fields.Monetary(string="Proposed Credit Note", readonly=True)
    answer_comment = fields.Text(readonly=True)

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("expiry_date", "state")
    def _compute_is_expired(self):
        now = fields.Datetime.now()
        for link in self:
            link.is_expired = link.state == "sent" and link.expiry_date < now

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_revoke(self):
        """The link stops working at once (a forwarded e-mail, the wrong
        person): whoever may change the dispute may revoke its links."""
        self.dispute_id.check_access("write")
        for link in self.filtered(lambda link: link.state == "sent"):
            link.sudo().state = "revoked"
            link.dispute_id.message_post(body=_(
                "Link sent to %(colleague)s revoked.", colleague=link.partner_id.display_name
            ))
        return True

    def action_copy_url(self):
        """Show the link, for sending it another way than by e-mail."""
        self.ensure_one()
        self.dispute_id.check_access("write")
        if self.state != "sent":
            raise UserError(_("Only a link not answered and not revoked can be shared."))
        return {"type": "ir.actions.act_url", "url": self._credit_url(), "target": "new"}

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_url(self):
        self.ensure_one()
        return (
            f"{self.dispute_id.get_base_url()}/credit/dispute/{self.dispute_id.id}/answer/{self.id}"
            f"?access_token={self._credit_token()}"
        )

    def _credit_expiry_epoch(self):
        return calendar.timegm(self.expiry_date.timetuple())

    def _credit_sign(self, expiry):
        self.ensure_one()
        values = (self.id, self.dispute_id.id, self.partner_id.id, expiry)
        return hmac_tool(self.env(su=True), COLLEAGUE_TOKEN_SCOPE, values)

    def _credit_token(self):
        self.ensure_one()
        expiry = self._credit_expiry_epoch()
        return f"{expiry}.{self._credit_sign(expiry)}"

    def _credit_check_token(self, dispute_id, token):
        """``"valid"``, ``"expired"`` (a genuine link, too old),
        ``"answered"`` (a genuine link, used) or ``False`` (anything else:
        tampered, revoked, for another dispute)."""
        self.ensure_one()
        link = self.sudo()
        expiry, _sep, signature = (token or "").partition(".")
        if not (expiry.isdigit() and signature) or link.dispute_id.id != dispute_id or link.state == "revoked":
            return False
        if int(expiry) != link._credit_expiry_epoch() or not consteq(signature, link._credit_sign(int(expiry))):
            return False
        if link.state == "answered":
            return "answered"
        return "valid" if link.expiry_date >= fields.Datetime.now() else "expired"

    def _credit_lock(self):
        """Lock the link for its answer: two posts of the same form (a double
        click, a replay) answer once."""
        self.env.cr.execute(SQL(
            "SELECT id FROM credit_control_dispute_link WHERE id IN %s FOR NO KEY UPDATE", tuple(self.ids),
        ))
        self.invalidate_recordset(["state"])

    def _credit_record_answer(self, comment, resolution, amount, files):
        """Post the colleague's answer in the dispute's chatter, in its name,
        and give its owner something to do. Called by the public page once
        the token was checked (``self`` in sudo).

        :param files: ``(name, content, info)`` of the attached files, as
            ``message_post`` takes them: created with the message, on the
            dispute, and archived as its evidence by the dispute's hook."""
        self.ensure_one()
        self._credit_lock()
        if self.state != "sent" or self.expiry_date < fields.Datetime.now():
            raise AccessError(_("This link was already used or is no longer valid."))
        dispute = self.dispute_id
        if dispute.state not in DISPUTE_OPEN_STATES:
            raise UserError(_("This dispute is already settled; thank you all the same."))
        if resolution == "credit_note":
            if not amount or float_compare(amount, 0.0, precision_rounding=dispute.currency_id.rounding) <= 0:
                raise UserError(_("Give the amount of the credit note you propose."))
            if float_compare(amount, dispute.disputed_amount, precision_rounding=dispute.currency_id.rounding) > 0:
                raise UserError(_("The credit note cannot exceed the disputed amount."))
        else:
            amount = 0.0
        self.write({
            "state": "answered",
            "answer_date": fields.Datetime.now(),
            "answer_resolution": resolution or False,
            "answer_amount": amount,
            "answer_comment": comment or False,
        })
        owner = dispute.user_id or self.create_uid
        body = self.env["ir.qweb"].with_context(lang=owner.lang)._render(
            "credit_control_dispute.credit_control_dispute_link_answer_note", {"link": self},
        )
        dispute.with_context(mail_create_nosubscribe=True).message_post(
            body=body,
            author_id=self.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            attachments=files,
        )
        if owner:
            dispute.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=owner.id,
                summary=self.with_context(lang=owner.lang).env._(
                    "Answer from %(colleague)s", colleague=self.partner_id.name,
                ),
            )
        return True
