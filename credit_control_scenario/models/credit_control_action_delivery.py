import functools
import logging
from collections import defaultdict

from odoo import _, fields, models, tools
from odoo.tools import SQL, float_round, format_date
from odoo.tools.translate import LazyTranslate

from odoo.addons.credit_control_base.tools.lang_format import format_number, reader_lang
from odoo.addons.credit_control_base.tools.sql import foreign_keys_by_index

from ..tools import mail_sql

_lt = LazyTranslate(__name__)

_logger = logging.getLogger(__name__)

# Column types _credit_write_each can write.
SQL_TYPES = {"text": SQL("text"), "varchar": SQL("varchar"), "int4": SQL("int4")}

# French law (art. L441-10 of the Code de commerce): fixed indemnity for
# recovery costs owed per late invoice between professionals, in euros.
RECOVERY_INDEMNITY_EUR = 40.0


class CreditControlActionDelivery(models.AbstractModel):
    """How reminders go out, channel by channel, in batches: e-mails into the
    mail queue, letters as PDF, SMS into the SMS queue, calls and tasks as
    activities of the collector. A reminder that cannot go out (no e-mail,
    blacklisted address, invalid phone number) becomes a collector task that
    says why: never a silent skip."""

    _name = "credit.control.action.delivery"
    _description = "Credit Reminder Delivery"

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_deliver(self, queue_mails=False, recheck=True):
        """Send the pending reminders of ``self``. Invoices paid or excluded
        since the reminder was planned are taken out first.

        :param queue_mails: queue the e-mails and let the mail queue compose
            them when it sends them (the nightly run), instead of composing
            them now (a collector validating reminders sees them at once)
        :param recheck: False when the reminders were planned in the same
            transaction from a fresh read of the open invoices (the run)
        """
        actions = self.filtered(lambda a: a.state in ("planned", "to_validate"))
        if recheck:
            actions = actions._credit_recheck_invoices()
        by_channel = actions.grouped("channel")
        fallback = self.browse()
        if by_channel.get("email"):
            fallback |= by_channel["email"]._credit_send_emails(queue_mails=queue_mails)
        if by_channel.get("letter"):
            by_channel["letter"]._credit_send_letters()
        if by_channel.get("sms"):
            fallback |= by_channel["sms"]._credit_send_sms()
        for channel in ("phone", "task"):
            if by_channel.get(channel):
                by_channel[channel]._credit_schedule_activities(
                    f"credit_control_scenario.mail_activity_type_credit_{'call' if channel == 'phone' else 'task'}"
                )
        sent = actions.filtered(lambda a: a.state == "sent")
        sent.filtered("step_id.book_penalties")._credit_book_penalties()
        sent._credit_log_on_dossiers(_lt("Reminder sent"))
        (actions - sent - fallback).filtered(lambda a: a.state == "planned")._credit_log_on_dossiers(
            _lt("Reminder planned")
        )
        return actions

    def _credit_recheck_invoices(self):
        """Re-check at send time that the invoices are still open and not
        excluded; return the reminders that still have something to remind."""
        lines = self.line_ids.filtered(lambda line: not line.cancelled)
        if not lines:
            return self
        Move = self.env["account.move"].sudo()
        still_open = Move.search([
            ("id", "in", lines.move_id.ids),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
        ])
        # Searched positively: the negation of an exclusion rule on a
        # nullable field (a date) would also drop the invoices without value.
        excluded = Move.search([("id", "in", still_open.ids), ("credit_excluded", "=", True)])
        gone = lines.move_id - (still_open - excluded)
        if gone:
            self._credit_drop_moves(gone, _("Invoice paid or excluded from collection in the meantime."))
        return self.filtered(lambda a: a.state in ("planned", "to_validate"))

    def _credit_fallback_to_task(self, reasons):
        """Turn reminders that cannot go out into a collector task saying why.

        :param reasons: ``{action: reason}``
        """
        actions = self.browse([action.id for action in reasons])
        by_reason = defaultdict(list)
        for action, reason in reasons.items():
            by_reason[reason].append(action.id)
        for reason, ids in by_reason.items():
            self.browse(ids).write({"channel": "task", "failure_reason": reason})
        actions._credit_schedule_activities(
            "credit_control_scenario.mail_activity_type_credit_task",
            summary={
                action.id: _("%(step)s: %(reason)s", step=action.step_id.name, reason=reason)
                for action, reason in reasons.items()
            },
        )
        actions._credit_log_on_dossiers(_lt("Reminder turned into a task"), None)
        return actions

    def _credit_send_emails(self, queue_mails=False):
        contacts = self.contact_id
        blacklisted = set(self.env["mail.blacklist"].sudo().search([
            ("email", "in", [e for e in contacts.mapped("email_normalized") if e]),
        ]).mapped("email"))
        reasons = {}
        for action in self:
            email = action.contact_id.email_normalized
            if not email:
                reasons[action] = _("No valid e-mail address for %s.", action.contact_id.display_name)
            elif email in blacklisted:
                reasons[action] = _("The e-mail address %s is blacklisted.", email)
        fallback = self._credit_fallback_to_task(reasons) if reasons else self.browse()
        todo = self - fallback
        mails = todo._credit_queue_emails()
        if not queue_mails:
            mails._credit_compose()
        todo.write({"state": "sent", "sent_date": fields.Datetime.now()})
        return fallback

    def _credit_queue_emails(self):
        """One outgoing e-mail per reminder, to be composed from the step's
        template by ``mail.mail._credit_compose`` (at the latest when the
        queue sends it): composing 10,000 e-mails is most of a nightly run,
        sending them is the mail queue's job.

        Written in three INSERTs (message, mail, recipient) by
        ``tools/mail_sql.create_outgoing_emails``: the e-mails
        ``mail.mail.create`` writes from ``_credit_queued_email_values``,
        which made the run a third longer (see there).
        """
        if not self:
            return self.env["mail.mail"]
        values = self._credit_queued_email_values()
        # the e-mails reference the messages the same batch writes
        with foreign_keys_by_index(self.env.cr):
            mail_ids = mail_sql.create_outgoing_emails(self.env, values)
        return self.env["mail.mail"].sudo().browse(mail_ids)

    def _credit_queued_email_values(self):
        """The values of the e-mails of ``self`` queued for the mail queue,
        as ``mail.mail.create`` takes them (all share the body, the message
        type and auto-deletion: ``mail_sql`` writes them once)."""
        # Given here, the record names are not read one by one.
        self.mapped("display_name")
        return [{
            "model": action._name,
            "res_id": action.id,
            "record_name": action.display_name,
            "message_type": "email",
            "subject": action.step_id.name,
            "body_html": "",
            "email_from": action.company_id.email_formatted or self.env.user.email_formatted,
            # given, not computed message by message by mail.message
            "reply_to": action.user_id.email_formatted or action.company_id.email_formatted
            or self.env.user.email_formatted,
            "recipient_ids": [fields.Command.set(action.contact_id.ids)],
            "auto_delete": False,
            "credit_template_id": action.step_id.mail_template_id.id,
        } for action in self]

    def _credit_prefetch_email_data(self):
        """Read at once, for all the reminders ``self``, what their e-mails
        show: the invoices, their open items and the customers. A template
        reads them reminder by reminder, and the items of one reminder's
        invoices (``move_ids.line_ids``) only prefetch the invoices of that
        reminder: a query per e-mail.

        The dossiers' amounts are not read here: the ORM computes them for
        all the dossiers of a template's batch the first time one of its
        reminders shows one (the reminders of a batch prefetch their
        dossiers), and only for the templates that show them. Read here,
        the courtesy reminders, which show none, paid for the eleven
        amounts of each of their dossiers: about 0.25 ms of CPU a dossier,
        0.15 ms an e-mail of the scenario benchmark's run (issue #19)."""
        moves = self.move_ids
        moves.fetch(["name"])
        # the columns of an open item (account.move.line._credit_item_values)
        moves.line_ids.fetch([
            "move_id", "parent_state", "account_id", "company_currency_id", "currency_id", "amount_residual",
            "amount_residual_currency", "date_maturity", "date",
        ])
        self.contact_id.mapped("name")

    def _credit_send_letters(self):
        report = self.env.ref("credit_control_scenario.credit_control_action_report_letter").sudo()
        bodies = self._credit_render_step_field("letter_body", engine="qweb")
        self._credit_write_each("content", bodies, "text")
        for action in self:
            pdf, _type = report._render_qweb_pdf(report.report_name, action.ids)
            attachment = self.env["ir.attachment"].sudo().create({
                "name": _("Letter %(step)s - %(customer)s.pdf", step=action.step_id.name,
                          customer=action.partner_id.name),
                "raw": pdf,
                "res_model": action._name,
                "res_id": action.id,
                "mimetype": "application/pdf",
            })
            action.letter_attachment_id = attachment
        self.write({"state": "sent", "sent_date": fields.Datetime.now()})

    def _credit_send_sms(self):
        reasons, numbers = {}, {}
        for action in self:
            number, error = action.contact_id._credit_sms_number()
            if error:
                reasons[action] = error
            else:
                numbers[action.id] = number
        fallback = self._credit_fallback_to_task(reasons) if reasons else self.browse()
        todo = self - fallback
        bodies = todo._credit_render_step_field("sms_body")
        sms = self.env["sms.sms"].sudo().create([{
            "number": numbers[action.id],
            "body": bodies[action.id],
            "partner_id": action.contact_id.id,
            "state": "outgoing",
        } for action in todo])
        todo._credit_write_each("sms_id", dict(zip(todo.ids, sms.ids, strict=True)), "int4")
        # an SMS is text: kept as text in the HTML of the reminder
        todo._credit_write_each("content", {id_: tools.plaintext2html(body) for id_, body in bodies.items()}, "text")
        todo.write({"state": "sent", "sent_date": fields.Datetime.now()})
        return fallback

    def _credit_schedule_activities(self, type_xmlid, summary=None, link=True):
        """One activity per reminder on its dossier, for its collector, with
        the call script as note; pending until the activity is done.

        :param summary: a text, or ``{action id: text}``
        :param link: the reminder is closed when the activity is done
        """
        if not self:
            return
        activity_type = self.env.ref(type_xmlid)
        scripts = self._credit_render_step_field("call_script", engine="qweb")
        model_id = self.env["ir.model"]._get_id("credit.control.dossier")
        today = fields.Date.context_today(self)
        users = {action.id: action.user_id or action.dossier_id.collector_id or self.env.user for action in self}
        # the step's name in the collector's language (the nightly run has
        # none), each step in each language read once
        names = {}
        for action in self:
            key = (action.step_id, users[action.id].lang)
            if key not in names:
                names[key] = action.step_id.with_context(lang=key[1]).name
        # in one INSERT (the ORM's per-record work was a quarter of the
        # delivery): the activities mail.activity.create writes
        activities = mail_sql.create_activities(self.sudo().env, [{
            "res_model_id": model_id,
            "res_id": action.dossier_id.id,
            "activity_type_id": activity_type.id,
            "summary": (summary.get(action.id) if isinstance(summary, dict) else summary)
            or names[action.step_id, users[action.id].lang],
            "note": scripts.get(action.id) or action.failure_reason or False,
            "user_id": users[action.id].id,
            "date_deadline": today,
        } for action in self])
        if link:
            self._credit_write_each("activity_id", dict(zip(self.ids, activities.ids, strict=True)), "int4")
            self._credit_write_each("content", {a: s for a, s in scripts.items() if s}, "text")

    def _credit_book_penalties(self):
        """Draft customer invoices of the recovery indemnity and late-payment
        interest owed on the invoices of formal notices, for the accountant
        to confirm."""
        today = fields.Date.context_today(self)
        eur = self.env.ref("base.EUR")
        for action in self.filtered(lambda a: not a.penalty_move_id):
            company = action.company_id
            currency = company.currency_id
            rate = company.credit_control_ecb_rate + company.credit_control_interest_margin
            indemnity = eur._convert(RECOVERY_INDEMNITY_EUR, currency, company, today)
            lines = []
            for line in action.line_ids.filtered(lambda line: not line.cancelled):
                move = line.move_id
                lines.append({
                    "name": _("Fixed indemnity for recovery costs (art. L441-10 of the French "
                              "Commercial Code) - %s", move.name),
                    "quantity": 1,
                    "price_unit": indemnity,
                    "tax_ids": [],
                })
                # interest runs on each overdue instalment from its own due
                # date: an instalment not yet due owes none
                for item in move._credit_instalments(as_of=today, overdue=True):
                    interest = float_round(
                        item["amount_company"] * rate / 100 * item["days_late"] / 365,
                        precision_rounding=currency.rounding,
                    )
                    if interest > 0:
                        lines.append({
                            "name": _("Late-payment interest on %(invoice)s (due %(due)s): %(days)s days at "
                                      "%(rate)s %%", invoice=move.name,
                                      due=format_date(self.env, item["due_date"]),
                                      days=item["days_late"], rate=format_number(self.env, rate)),
                            "quantity": 1,
                            "price_unit": interest,
                            "tax_ids": [],
                        })
            if not lines:
                continue
            action.penalty_move_id = self.env["account.move"].sudo().create({
                "move_type": "out_invoice",
                "partner_id": action.partner_id.id,
                "company_id": company.id,
                "currency_id": currency.id,
                "invoice_date": today,
                "invoice_origin": action.step_id.name,
                "invoice_line_ids": [fields.Command.create(values) for values in lines],
            })

    # ------------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------------

    def _credit_render_step_field(self, fname, engine=None):
        """Render a content field of the steps on the reminders, each in the
        language of its recipient. Return ``{action id: rendered}``.

        The step renders its own field (mail.render.mixin, with the engine
        the field declares): the content was checked when it was written
        (only template editors store dynamic content, translations
        included), and it renders in the caller's environment, never under
        an added sudo. Rendered HTML (letters, call scripts) comes back
        sanitized, without remote or local resources
        (``_credit_sanitize_content``); an SMS text comes back as text.

        :param engine: ignored, the field declares its rendering engine
        """
        result = {}
        is_html = self.env["credit.control.scenario.step"]._fields[fname].type == "html"
        # a run renders the same static script for many reminders
        sanitize = functools.cache(self._credit_sanitize_content)
        groups = self.grouped(lambda a: (a.step_id, a._credit_recipient_lang()))
        for (step, lang), actions in groups.items():
            if not step.with_context(lang=lang)[fname]:
                continue
            rendered = step._render_field(fname, actions.ids, set_lang=lang)
            if is_html:
                rendered = {action_id: sanitize(body) for action_id, body in rendered.items()}
            result.update(rendered)
        return result

    def _credit_recipient_lang(self):
        """The language of the reminder's recipient: its contact's, else its
        customer's (``reader_lang``, as the statement of account)."""
        self.ensure_one()
        return reader_lang(self.env, self.contact_id.lang, self.partner_id.lang)

    def _credit_write_each(self, fname, values, sql_type):
        """Write a different value on each record in one query (the ORM
        would issue one UPDATE per record).

        :param values: ``{id: value}``
        :param sql_type: the PostgreSQL type of the column
        """
        if not values:
            return
        self.flush_model([fname])
        ids = list(values)
        # an int4 column here is a foreign key (activity, SMS) to a table
        # the run is filling
        with foreign_keys_by_index(self.env.cr):
            self.env.cr.execute(SQL(
                "UPDATE %(table)s AS t SET %(column)s = v.value"
                "  FROM unnest(%(ids)s::int4[], %(values)s::%(type)s[]) AS v(id, value)"
                " WHERE t.id = v.id",
                table=SQL.identifier(self._table),
                column=SQL.identifier(fname),
                ids=ids,
                values=[values[id_] for id_ in ids],
                type=SQL_TYPES[sql_type],
            ))
        self.browse(ids).invalidate_recordset([fname])
