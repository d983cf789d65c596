import functools
import re
from urllib.parse import urlsplit

from lxml import etree
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date, html_normalize, html_sanitize
from odoo.tools.translate import LazyGettext, LazyTranslate

from ..tools import mail_sql
from .credit_control_scenario_step import CHANNELS

_lt = LazyTranslate(__name__)

ACTION_STATES = [
    ("planned", "Planned"),
    ("to_validate", "To Validate"),
    ("sent", "Sent"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
# Reminders not gone out yet: cancelled when the situation changes.
PENDING_STATES = ("planned", "to_validate")
# Attributes whose URL a browser or the PDF engine (wkhtmltopdf) fetches.
FETCHED_URL_ATTRIBUTES = (
    "src", "srcset", "lowsrc", "dynsrc", "background", "poster", "data", "codebase", "archive",
    "longdesc", "usemap", "cite", "action", "formaction", "xlink:href", "{http://www.w3.org/1999/xlink}href",
)
# Elements that are nothing without the resource they fetch.
RESOURCE_TAGS = ("img", "image", "video", "audio", "source", "track")
LINK_SCHEMES = ("http", "https", "mailto", "tel")
# An inline picture, never an SVG (which may reference other resources).
INLINE_IMAGE_RE = re.compile(r"data:image/(png|jpe?g|gif|webp|bmp);base64,", re.IGNORECASE)
# CSS that fetches: url(), image-set(), @import (or hides it behind an escape)
CSS_FETCH_RE = re.compile(r"url\s*\(|image-set\s*\(|@import|expression\s*\(|\\", re.IGNORECASE)


def _split_url(url):
    """``url`` split as a browser reads it ("/\\host" is "//host"), or None."""
    try:
        return urlsplit(url.replace("\\", "/").strip())
    except ValueError:
        return None


def _is_local_url(url, base):
    """Whether ``url`` is a path on this server (whose URL is ``base``)."""
    parts = _split_url(url)
    if parts is None:
        return False
    if not parts.scheme and not parts.netloc:
        return True  # relative to the report's base URL: this server
    return (parts.scheme, parts.netloc) == (base.scheme, base.netloc)


def _clean_attribute(name, value, base):
    """The value of an attribute as a reminder may keep it, or None."""
    if name in FETCHED_URL_ATTRIBUTES:
        if INLINE_IMAGE_RE.match(value.strip()) or (name != "srcset" and _is_local_url(value, base)):
            return value
        return None
    if name == "href":
        parts = _split_url(value)
        return None if parts is None or (parts.scheme and parts.scheme not in LINK_SCHEMES) else value
    if name == "style" and CSS_FETCH_RE.search(value):
        kept = [rule for rule in value.split(";") if rule.strip() and not CSS_FETCH_RE.search(rule)]
        return ";".join(kept).strip() or None
    return value


def strip_fetched_resources(doc, base):
    """Filter of ``html_normalize``: take out of ``doc`` every resource a
    browser or wkhtmltopdf would fetch from elsewhere than this server."""
    for element in list(doc.iter(tag=etree.Element)):
        attributes = element.attrib
        for name in list(attributes):
            value = _clean_attribute(name, attributes[name], base)
            if value is None:
                del attributes[name]
            else:
                attributes[name] = value
        if element.tag in RESOURCE_TAGS and "src" not in attributes and element.getparent() is not None:
            element.drop_tree()
    return doc


class CreditControlAction(models.Model):
    """One reminder of a scenario step to a customer, covering one invoice or
    all the invoices of the customer that reached a step that day. Kept as
    the history of the collection, with a snapshot of what was sent."""

    _name = "credit.control.action"
    _description = "Credit Reminder"
    _inherit = ["credit.control.action.delivery", "credit.control.action.document"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_name = "step_id"

    dossier_id = fields.Many2one(
        "credit.control.dossier", required=True, index=True, ondelete="cascade", check_company=True
    )
    partner_id = fields.Many2one(related="dossier_id.partner_id", store=True, string="Customer")
    contact_id = fields.Many2one(
        "res.partner", string="Recipient", help="The dunning contact the reminder is addressed to."
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    scenario_id = fields.Many2one("credit.control.scenario", required=True, index=True, ondelete="restrict")
    step_id = fields.Many2one("credit.control.scenario.step", required=True, index=True, ondelete="restrict")
    channel = fields.Selection(
        CHANNELS, required=True,
        help="Channel the reminder went out by; a reminder that could not go out by e-mail or SMS "
        "shows as a task.",
    )
    state = fields.Selection(ACTION_STATES, default="planned", required=True, index=True)
    user_id = fields.Many2one("res.users", string="Responsible", index=True)
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    sent_date = fields.Datetime(readonly=True)
    run_id = fields.Many2one("credit.control.scenario.run", index="btree_not_null", ondelete="set null")
    amount = fields.Monetary(
        string="Amount Reminded",
        currency_field="currency_id",
        help="What was left to pay on the invoices of the reminder when it was planned.",
    )
    subject = fields.Char()
    # Sanitized on every write through the ORM, remote and local resources
    # included (_credit_sanitize_content): a collector's RPC writes no script
    # and nothing wkhtmltopdf would fetch. The engine writes what it
    # rendered directly, and the letters print it sanitized.
    content = fields.Html(
        string="Content Snapshot",
        sanitize_style=True,
        readonly=True,
        help="What was sent, as it was rendered when it was sent.",
    )
    comment = fields.Text()
    failure_reason = fields.Text(
        readonly=True,
        help="Why the reminder could not go out or was not delivered (invalid address, bounce, "
        "blacklist...).",
    )
    line_ids = fields.One2many("credit.control.action.line", "action_id", string="Lines")
    move_ids = fields.Many2many("account.move", compute="_compute_move_ids", string="Invoices")
    invoice_count = fields.Integer(compute="_compute_move_ids")
    activity_id = fields.Many2one("mail.activity", ondelete="set null", readonly=True)
    sms_id = fields.Many2one("sms.sms", string="SMS", ondelete="set null", readonly=True)
    letter_attachment_id = fields.Many2one("ir.attachment", string="Letter", ondelete="set null", readonly=True)
    penalty_move_id = fields.Many2one(
        "account.move", string="Penalty Invoice", ondelete="set null", readonly=True, copy=False,
        help="Draft invoice of the recovery indemnity and late-payment interest booked by a formal "
        "notice, for the accountant to confirm.",
    )
    call_script = fields.Html(related="step_id.call_script")
    preview_html = fields.Html(
        string="Preview",
        compute="_compute_preview_html",
        sanitize_style=True,
        help="What the reminder will send, rendered now from its step in the recipient's language; "
        "once sent, what was sent.",
    )

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("content"):
                vals["content"] = self._credit_sanitize_content(vals["content"])
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("content"):
            vals = dict(vals, content=self._credit_sanitize_content(vals["content"]))
        return super().write(vals)

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("line_ids.move_id", "line_ids.cancelled")
    def _compute_move_ids(self):
        for action in self:
            moves = action.line_ids.filtered(lambda line: not line.cancelled).move_id
            action.move_ids = moves
            action.invoice_count = len(moves)

    @api.depends("state", "channel", "step_id", "contact_id", "line_ids.cancelled", "content")
    @api.depends_context("lang")
    def _compute_preview_html(self):
        for action in self:
            if action.state not in PENDING_STATES:
                action.preview_html = action.content
                continue
            try:
                action.preview_html = action._credit_render_preview()
            except UserError as error:
                action.preview_html = Markup("<p><em>%s</em></p>") % _(
                    "The preview could not be rendered: %s", error.args[0]
                )

    @api.depends("step_id", "partner_id", "date")
    def _compute_display_name(self):
        # a run's reminders share a date or a few: each formatted once
        dates = {date: format_date(self.env, date) for date in set(self.mapped("date"))}
        for action in self:
            action.display_name = _(
                "%(step)s - %(customer)s (%(date)s)",
                step=action.step_id.name,
                customer=action.partner_id.name,
                date=dates[action.date],
            )

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_validate(self):
        """Send the reminders a collector reviewed."""
        todo = self.filtered(lambda a: a.state == "to_validate")
        if todo != self:
            raise UserError(_("Only reminders waiting for validation can be validated."))
        todo.write({"user_id": self.env.user.id})
        todo._credit_deliver()
        return True

    def action_cancel(self):
        if self.filtered(lambda a: a.state not in PENDING_STATES):
            raise UserError(_("Only planned reminders or reminders to validate can be cancelled."))
        self._credit_cancel(_("Cancelled by %s.", self.env.user.name))
        return True

    def action_open_dossier(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "credit.control.dossier",
            "res_id": self.dossier_id.id,
            "view_mode": "form",
        }

    def action_open_penalty_move(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.penalty_move_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_letter_body(self):
        """The body of the letter, as sent (snapshot) or rendered now,
        sanitized: whatever the reminder holds, wkhtmltopdf fetches no remote
        or local resource from it."""
        self.ensure_one()
        if self.content:
            return self._credit_sanitize_content(self.content)
        return self._credit_render_step_field("letter_body", engine="qweb").get(self.id, "")

    @api.model
    def _credit_sanitize_content(self, content):
        """``content`` (HTML) without what a reminder must not hold: Odoo's
        sanitizer (scripts, frames, objects, event handlers, javascript:
        links, forms, unsafe styles), then any resource a browser or
        wkhtmltopdf would fetch from elsewhere than this server (remote or
        ``file:`` URLs in ``src`` and the like, CSS ``url()``). Links stay,
        but only to web, mail and phone addresses."""
        if not content:
            return content
        sanitized = html_sanitize(content, sanitize_attributes=True, sanitize_style=True)
        if not sanitized:
            return sanitized
        base = urlsplit(self.browse().get_base_url())
        return Markup(html_normalize(sanitized, filter_callback=functools.partial(strip_fetched_resources, base=base)))

    def _credit_interest_rate(self):
        self.ensure_one()
        return round(self.company_id.credit_control_ecb_rate + self.company_id.credit_control_interest_margin, 2)

    def _credit_cancel(self, reason, states=PENDING_STATES):
        """Cancel pending reminders: their invoices may get the step again
        later, under the plan then in force.

        :param states: the states of the reminders cancelled (an e-mail
            still in the mail queue belongs to a reminder already 'sent')
        """
        pending = self.filtered(lambda a: a.state in states)
        if not pending:
            return
        activities = pending.activity_id
        pending.write({"state": "cancelled", "failure_reason": reason})
        pending.line_ids.write({"cancelled": True})
        if activities:
            activities.sudo().unlink()
        pending._credit_log_on_dossiers(_lt("Reminder cancelled"), reason)

    def _credit_drop_moves(self, moves, reason):
        """Take paid or excluded invoices out of pending reminders; a
        reminder left without invoice is cancelled."""
        lines = self.line_ids.filtered(lambda line: line.move_id in moves and not line.cancelled)
        lines.write({"cancelled": True})
        emptied = self.filtered(lambda a: not a.line_ids.filtered(lambda line: not line.cancelled))
        emptied._credit_cancel(reason)

    def _credit_fail(self, reason):
        """Mark reminders failed and hand them to the collector as a task,
        so that no failure goes unnoticed."""
        self.write({"state": "failed", "failure_reason": reason})
        self._credit_schedule_activities(
            "credit_control_scenario.mail_activity_type_credit_task",
            summary=_("Reminder failed: %s", reason),
            link=False,
        )
        self._credit_log_on_dossiers(_lt("Reminder failed"), reason)

    def _credit_log_on_dossiers(self, title, detail=None):
        """Post a note per reminder in its dossier's chatter, all in one
        INSERT by ``tools/mail_sql.create_notes`` (the ORM made the run half
        as long again, see there): the notes ``mail.message.create`` writes
        for the same values, which notify nobody.

        The nightly run has no language: its notes are written in the
        language of the dossier's collector, who reads them; a user's action
        is noted in the user's language.

        :param title: a lazy translation (``_lt``), or a text
        """
        if not self:
            return
        active = {code for code, _name in self.env["res.lang"].get_installed()}

        def note_lang(action):
            lang = self.env.context.get("lang") or action.dossier_id.collector_id.lang
            return lang if lang in active else self.env.lang or "en_US"

        langs = {action.id: note_lang(action) for action in self}
        # the step names in each language once, not a with_context() per note
        step_names = {
            (step.id, lang): step.with_context(lang=lang).name
            for lang in set(langs.values()) for step in self.step_id
        }
        self.dossier_id.mapped("name")
        titles = {lang: self.with_context(lang=lang).env._(title) if isinstance(title, LazyGettext) else title
                  for lang in set(langs.values())}
        channels = {
            lang: dict(self._fields["channel"]._description_selection(self.with_context(lang=lang).env))
            for lang in titles
        }
        subtype = self.env.ref("mail.mt_note")
        author = self.env.user.partner_id
        email_from = author.email_formatted
        dossiers = self.dossier_id.sudo()
        reply_to = dossiers._notify_get_reply_to(default=email_from)

        # a run's notes are a few bodies (a step, a channel, a language)
        @functools.cache
        def body(step_id, channel, lang):
            return Markup("<p><b>%s</b>: %s (%s)</p>%s") % (
                titles[lang], step_names[step_id, lang], channels[lang][channel],
                Markup("<p>%s</p>") % detail if detail else "",
            )

        mail_sql.create_notes(self.env, [{
            "model": dossiers._name,
            "res_id": action.dossier_id.id,
            "record_name": action.dossier_id.name,
            "body": body(action.step_id.id, action.channel, langs[action.id]),
            "reply_to": reply_to.get(action.dossier_id.id) or email_from,
            "message_type": "comment",
            "subtype_id": subtype.id,
            "author_id": author.id,
            "email_from": email_from,
        } for action in self])
        dossiers.invalidate_recordset(["message_ids"])
