from odoo import _, fields, models

from ..tools import mail_sql

ACTION_MODEL = "credit.control.action"


class MailMail(models.Model):
    _inherit = "mail.mail"

    credit_template_id = fields.Many2one(
        "mail.template",
        string="Reminder Template",
        readonly=True,
        index="btree_not_null",
        help="Template of a reminder e-mail queued by the nightly run and composed when the queue sends it.",
    )

    def send(self, auto_commit=False, raise_exception=False, post_send_callback=None):
        """Override: reminders get their invoice PDFs when they leave the
        queue (rendering them while planning 100,000 reminders would not
        fit the nightly run), and a reminder whose address was blacklisted
        since it was queued is not sent."""
        reminders = self.filtered(lambda m: m.model == ACTION_MODEL and m.state == "outgoing")
        if reminders:
            reminders._credit_drop_settled_invoices()
            reminders = reminders.filtered(lambda m: m.state == "outgoing")
            reminders._credit_compose()
            reminders._credit_cancel_blacklisted()
            reminders = reminders.filtered(lambda m: m.state == "outgoing")
            reminders._credit_attach_invoice_pdfs()
            reminders._credit_attach_statements()
        return super().send(auto_commit=auto_commit, raise_exception=raise_exception,
                            post_send_callback=post_send_callback)

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        """Override: a reminder e-mail that could not be delivered marks its
        reminder failed and gives the collector a task."""
        failed = self.filtered(
            lambda m: m.model == ACTION_MODEL and (m.state == "exception" or (failure_type and not success_pids))
        )
        if failed:
            self._credit_fail_actions(failed, failure_reason or failed[:1].failure_reason or failure_type)
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )

    def _credit_fail_actions(self, mails, reason):
        actions = self.env[ACTION_MODEL].sudo().browse(mails.mapped("res_id")).exists()
        actions = actions.filtered(lambda a: a.state == "sent")
        if actions:
            actions._credit_fail(_("E-mail not delivered: %s", reason or _("unknown error")))

    def _credit_drop_settled_invoices(self):
        """The e-mails a run queued leave without the invoices paid or
        excluded since: the run checked them when it queued them, the queue
        checks them again when it sends them. An e-mail left with no invoice
        is not sent, and its reminder is cancelled."""
        queued = self.filtered("credit_template_id")
        actions = self.env[ACTION_MODEL].sudo().browse(queued.mapped("res_id")).exists()
        actions = actions.filtered(lambda a: a.state == "sent")
        if not actions:
            return
        actions._credit_recheck_invoices()
        emptied = actions.filtered(lambda a: not a.move_ids)
        if not emptied:
            return
        reason = _("Invoice paid or excluded from collection before the e-mail left.")
        queued.filtered(lambda m: m.res_id in emptied.ids).write({
            "state": "cancel", "failure_reason": reason, "credit_template_id": False,
        })
        emptied._credit_cancel(reason, states=("sent",))

    def _credit_cancel_blacklisted(self):
        actions = self.env[ACTION_MODEL].sudo().browse(self.mapped("res_id")).exists()
        emails = [e for e in actions.contact_id.mapped("email_normalized") if e]
        blacklisted = set(self.env["mail.blacklist"].sudo().search([("email", "in", emails)]).mapped("email"))
        if not blacklisted:
            return
        for mail in self:
            action = actions.browse(mail.res_id)
            if action.contact_id.email_normalized in blacklisted:
                mail.write({"state": "cancel", "failure_type": "mail_bl",
                            "failure_reason": _("Blacklisted address")})
                if action.exists() and action.state == "sent":
                    action._credit_fail(_("The e-mail address %s is blacklisted.", action.contact_id.email))

    def _credit_attach_invoice_pdfs(self):
        actions = self.env[ACTION_MODEL].sudo().browse(self.mapped("res_id")).exists()
        report = self.env.ref("account.account_invoices").sudo()
        for mail in self:
            action = actions.browse(mail.res_id)
            if not action.exists() or mail.attachment_ids:
                continue
            attachments = self.env["ir.attachment"]
            for move in action.move_ids:
                if move.invoice_pdf_report_id:
                    attachments |= move.invoice_pdf_report_id
                    continue
                pdf, _type = report._render_qweb_pdf(report.report_name, move.ids)
                attachments |= self.env["ir.attachment"].sudo().create({
                    "name": f"{move._get_invoice_report_filename()}",
                    "raw": pdf,
                    "res_model": "mail.message",
                    "res_id": mail.mail_message_id.id,
                    "mimetype": "application/pdf",
                })
            if attachments:
                mail.attachment_ids = [(4, attachment.id) for attachment in attachments]

    def _credit_attach_statements(self):
        """The customer's statement of account (PDF) on the reminder e-mails
        of a step that asks for it, rendered when the e-mail leaves the
        queue as the invoice PDFs are; once, however often it is retried."""
        actions = self.env[ACTION_MODEL].sudo().browse(self.mapped("res_id")).exists()
        report = self.env.ref("credit_control_base.credit_control_dossier_report_statement").sudo()
        for mail in self:
            action = actions.browse(mail.res_id)
            if not action.exists() or not action.step_id.attach_statement or not action.dossier_id:
                continue
            dossier = action.dossier_id.with_context(lang=action._credit_recipient_lang())
            name = dossier._credit_statement_filename("pdf")
            if name in mail.attachment_ids.mapped("name"):
                continue
            pdf, _type = report._render_qweb_pdf(report.report_name, dossier.ids)
            attachment = self.env["ir.attachment"].sudo().create({
                "name": name,
                "raw": pdf,
                "res_model": "mail.message",
                "res_id": mail.mail_message_id.id,
                "mimetype": "application/pdf",
            })
            mail.attachment_ids = [fields.Command.link(attachment.id)]

    def _credit_compose(self):
        """Compose the reminder e-mails queued by a run from their step's
        template, template by template in one rendering each (Odoo's
        ``_generate_template``: its rendering and sanitizing), and keep
        what was sent on the reminders. The e-mails are written in one
        batch by ``tools/mail_sql.compose_outgoing_emails``, which writes
        what ``mail.write`` writes for the same values."""
        pending = self.filtered("credit_template_id")
        actions = self.env[ACTION_MODEL].sudo().browse(pending.mapped("res_id")).exists()
        # the language is rendered once, by _generate_template to group the
        # records; a rendered "lang" would be rendered again, unused
        fnames = ("subject", "body_html", "email_from", "reply_to", "partner_to")
        snapshots, subjects = {}, {}
        action_ids = set(actions.ids)
        pending = pending.filtered(lambda m: m.res_id in action_ids)
        actions._credit_prefetch_email_data()
        composed_ids, values_list = [], []
        for template, mails in pending.grouped("credit_template_id").items():
            rendered = template.sudo()._generate_template(mails.mapped("res_id"), fnames)
            for mail in mails:
                values = rendered[mail.res_id]
                body = values.get("body_html") or ""
                subject = values.get("subject") or mail.subject
                values_list.append({
                    "subject": subject,
                    "body_html": body,
                    "body": body,
                    "email_from": values.get("email_from") or mail.email_from,
                    "reply_to": values.get("reply_to") or mail.reply_to,
                    "recipient_ids": [fields.Command.set(values.get("partner_ids") or mail.recipient_ids.ids)],
                    "credit_template_id": False,
                })
                composed_ids.append(mail.id)
                snapshots[mail.res_id] = body
                subjects[mail.res_id] = subject
        composed = self.browse(composed_ids)
        mail_sql.compose_outgoing_emails(self.env, composed, values_list)
        # queued for a reminder that is gone: nothing to compose
        (self.filtered("credit_template_id") - composed).credit_template_id = False
        todo = actions.filtered(lambda a: a.id in snapshots)
        todo._credit_write_each("content", snapshots, "text")
        todo._credit_write_each("subject", subjects, "varchar")
