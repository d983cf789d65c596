from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..const import COLLEAGUE_LINK_DEFAULT_DAYS


class CreditControlDisputeLinkWizard(models.TransientModel):
    """Send a colleague a signed link to answer a dispute without logging
    in: the dispute, its invoices and evidence, and a form for the answer."""

    _name = "credit.control.dispute.link.wizard"
    _description = "Ask a Colleague about a Dispute"

    dispute_id = fields.Many2one("credit.control.dispute", required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users", string="User", domain=[("share", "=", False)],
        help="A colleague with an Odoo account; or choose a contact below.",
    )
    partner_id = fields.Many2one(
        "res.partner", string="Colleague", compute="_compute_partner_id", store=True, readonly=False,
        required=True, help="Who receives the link by e-mail; it needs no Odoo account.",
    )
    message = fields.Text(
        required=True, help="Your question: what you need to know to settle the dispute.",
    )
    validity_days = fields.Integer(
        string="Valid for (days)", default=COLLEAGUE_LINK_DEFAULT_DAYS, required=True,
    )

    @api.depends("user_id")
    def _compute_partner_id(self):
        for wizard in self:
            if wizard.user_id:
                wizard.partner_id = wizard.user_id.partner_id

    def action_send(self):
        self.ensure_one()
        # whoever may change the dispute may involve a colleague in it
        self.dispute_id.check_access("write")
        if not self.dispute_id.is_open:
            raise UserError(_("The dispute is settled: reopen it before asking a colleague."))
        if not self.partner_id.email:
            raise UserError(_("%(colleague)s has no e-mail address.", colleague=self.partner_id.display_name))
        if not 1 <= self.validity_days <= 90:
            raise UserError(_("A link is valid from 1 to 90 days."))
        link = self.env["credit.control.dispute.link"].sudo().create({
            "dispute_id": self.dispute_id.id,
            "partner_id": self.partner_id.id,
            "message": self.message,
            "expiry_date": fields.Datetime.now() + timedelta(days=self.validity_days),
        })
        self._credit_send_mail(link)
        self.dispute_id.message_post(body=_(
            "Link sent to %(colleague)s, valid until %(date)s: %(message)s",
            colleague=self.partner_id.display_name,
            date=fields.Date.to_string(link.expiry_date),
            message=self.message,
        ))
        return {"type": "ir.actions.act_window_close"}

    def _credit_send_mail(self, link_sudo):
        """The e-mail of the link, in the colleague's language, queued."""
        lang = self.partner_id.lang or self.env.user.lang
        values = {"link": link_sudo, "url": link_sudo._credit_url(), "sender": self.env.user}
        body = self.env["ir.qweb"].with_context(lang=lang)._render(
            "credit_control_dispute.credit_control_dispute_link_mail", values,
        )
        subject = self.with_context(lang=lang).env._(
            "Your opinion on dispute %(name)s (%(customer)s)",
            name=link_sudo.dispute_id.name,
            customer=link_sudo.dispute_id.partner_id.name,
        )
        self.env["mail.mail"].sudo().create({
            "subject": subject,
            "body_html": body,
            "email_from": self.env.user.email_formatted or link_sudo.company_id.email_formatted,
            "author_id": self.env.user.partner_id.id,
            "recipient_ids": [fields.Command.link(self.partner_id.id)],
            # not tied to the dispute: its chatter must not show the token
            # to everyone who reads the dispute
            "auto_delete": True,
        })
