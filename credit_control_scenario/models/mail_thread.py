from odoo import _, models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _routing_handle_bounce(self, email_message, message_dict):
        """Override: a reminder e-mail that bounces marks its reminder failed
        and gives the collector a task, instead of staying 'sent'."""
        result = super()._routing_handle_bounce(email_message, message_dict)
        message = message_dict.get("bounced_message")
        if message and message.model == "credit.control.action" and message.res_id:
            action = self.env["credit.control.action"].sudo().browse(message.res_id).exists()
            if action and action.state == "sent":
                action._credit_fail(_("E-mail bounced: %s", message_dict.get("bounced_email") or ""))
        return result
