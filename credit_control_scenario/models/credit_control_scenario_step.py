from contextlib import contextmanager

from psycopg2 import Error as PsycopgError

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.osv import expression
from odoo.tools.safe_eval import safe_eval

from .mail_template import render_qweb_compiled_once

CHANNELS = [
    ("email", "E-mail"),
    ("letter", "Postal Letter"),
    ("sms", "SMS"),
    ("phone", "Phone Call"),
    ("task", "Manual Task"),
]

DYNAMIC_FIELDS = ("letter_body", "sms_body", "call_script")
EDITOR_GROUP = "mail.group_mail_template_editor"
# Fields that may hold a template (all of them are checked, as Odoo does).
TEXT_TYPES = ("char", "text", "html")
# Where a write keeps the values it replaces for the check that follows it:
# the transaction's data, out of reach of a caller's context.
REPLACED_VALUES = "credit_control_scenario.step_replaced_values"


class CreditControlScenarioStep(models.Model):
    """One reminder of a scenario: when (days relative to the due date), how
    (channel and content) and for whom (minimum amount, conditions)."""

    _name = "credit.control.scenario.step"
    _inherit = ["mail.render.mixin"]
    _description = "Dunning Scenario Step"
    _order = "scenario_id, delay_days, sequence, id"
    # As for mail.template: what is stored is trusted when rendered, because
    # only template editors may store dynamic content (Odoo's unsafe-expression
    # check on create, write and translation updates, restricted editing).
    _unrestricted_rendering = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    scenario_id = fields.Many2one("credit.control.scenario", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="scenario_id.company_id", store=True)
    delay_days = fields.Integer(
        string="Days after Due Date",
        required=True,
        help="When the step falls due, in days after the due date of the "
        "invoice; negative for a courtesy reminder before it.",
    )
    channel = fields.Selection(
        CHANNELS, required=True, default="email",
        help="How the reminder goes out: an e-mail, a PDF letter to post, an SMS, or a call or a task "
        "in the collector's agenda. An e-mail or SMS that cannot go out (no valid address or "
        "number) becomes a task saying why.",
    )
    automatic = fields.Boolean(
        default=True,
        help="Send without review. Otherwise the reminder waits in the "
        "validation queue for a collector.",
    )
    min_amount = fields.Monetary(
        string="Minimum Overdue Amount",
        currency_field="currency_id",
        help="Skip the step when the overdue amount (of the invoice, or of "
        "the customer when the scenario groups per customer) is lower.",
    )
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id, required=True
    )
    condition_domain = fields.Char(
        string="Conditions",
        default="[]",
        required=True,
        help="Filter on the customer dossier (segment, amounts, days late and "
        "any field other modules add, such as a risk class): the step only "
        "applies to the customers it matches.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        domain=[("model", "=", "credit.control.action")],
        help="Subject and body of the e-mail, in the customer's language; the invoice PDFs are "
        "attached.",
    )
    # Dynamic content (QWeb, {{ }}), rendered on the reminders by
    # mail.render.mixin: only template editors may write it, as for mail
    # templates (see _check_access_right_dynamic_template). Sanitized as
    # mail.template's body: no script or event handler, QWeb kept.
    letter_body = fields.Html(
        translate=True, sanitize="email_outgoing", render_engine="qweb",
        help="Text of the letter, printed on the company's letterhead with the list of the invoices.",
    )
    sms_body = fields.Text(
        string="SMS Text", translate=True, render_engine="inline_template",
        help="Text of the SMS (160 characters make one message).",
    )
    call_script = fields.Html(
        translate=True, sanitize="email_outgoing", render_engine="qweb",
        help="What the collector says on the call: shown in the agenda with the customer's situation.",
    )
    formal_notice = fields.Boolean(
        help="The letter is a formal notice (mise en demeure): it states the "
        "late-payment penalties and the fixed recovery indemnity.",
    )
    book_penalties = fields.Boolean(
        help="When the reminder is sent, prepare a draft invoice of the fixed "
        "recovery indemnity (40 € per invoice) and late-payment interest.",
    )
    attach_statement = fields.Boolean(
        string="Attach the Statement of Account",
        help="The e-mails of this step also carry the customer's statement of account (PDF): every "
        "invoice still open, not only those reminded.",
    )

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------

    def write(self, vals):
        """Override of mail.render.mixin: keep the values the write replaces
        for the check that follows it (see
        ``_check_access_right_dynamic_template``)."""
        if self.env.su or self.env.user.has_group(EDITOR_GROUP):
            return super().write(vals)
        fnames = [fname for fname in vals if fname in self._fields and self._fields[fname].type in TEXT_TYPES]
        replaced = {
            (step.id, self.env.lang): {fname: step[fname] for fname in fnames} for step in self.sudo()
        }
        with self._credit_replacing(replaced):
            return super().write(vals)

    def _update_field_translations(self, fname, translations, digest=None, source_lang=None):
        """Override of mail.render.mixin: keep the translations the update
        replaces for the check that follows it, in each language updated
        (see ``_check_access_right_dynamic_template``)."""
        if self.env.su or self.env.user.has_group(EDITOR_GROUP):
            return super()._update_field_translations(fname, translations, digest=digest, source_lang=source_lang)
        replaced = {
            (step.id, lang): {fname: step.with_context(lang=lang)[fname]}
            for step in self.sudo()
            for lang in translations
        }
        with self._credit_replacing(replaced):
            return super()._update_field_translations(fname, translations, digest=digest, source_lang=source_lang)

    @contextmanager
    def _credit_replacing(self, replaced):
        """Keep ``replaced`` (``{(step id, lang): {field: value replaced}}``)
        in the transaction's data while the block runs."""
        data = self.env.cr.precommit.data
        outer = data.get(REPLACED_VALUES)
        data[REPLACED_VALUES] = {**(outer or {}), **replaced}
        try:
            yield
        finally:
            if outer is None:
                data.pop(REPLACED_VALUES, None)
            else:
                data[REPLACED_VALUES] = outer

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------

    @api.constrains("condition_domain")
    def _check_condition_domain(self):
        for step in self:
            domain = step._parse_condition_domain()
            try:
                with self.env.cr.savepoint():
                    self.env["credit.control.dossier"].search(domain, limit=1)
            except (ValueError, TypeError, KeyError, PsycopgError) as error:
                raise step._condition_error(error) from error

    @api.constrains("channel", "mail_template_id", "sms_body")
    def _check_content(self):
        for step in self:
            if step.channel == "email" and not step.mail_template_id:
                raise ValidationError(_("Step %s sends e-mails: choose its e-mail template.", step.name))
            if step.channel == "sms" and not step.sms_body:
                raise ValidationError(_("Step %s sends SMS: write its text.", step.name))

    def _check_access_right_dynamic_template(self):
        """Override of mail.render.mixin, called after create, write and
        translation updates (in the language updated): Odoo's check of what
        only template editors may write (its unsafe-expression detection, by
        the rendering engine of each field), with a message that names the
        step and the field. Two allowances keep the credit managers at work
        on the content template editors wrote: after a write or a translation
        update, only the values it changed are checked (the delay or the
        amount of a step whose letter holds placeholders), and dynamic content
        identical to what another step holds in that language is content an
        editor wrote (a scenario duplicated with its steps and their
        translations)."""
        if self.env.su or self.env.user.has_group(EDITOR_GROUP):
            return
        replaced = self.env.cr.precommit.data.get(REPLACED_VALUES) or {}
        for step in self.sudo():
            unchanged = replaced.get((step.id, self.env.lang))
            for fname, field in self._fields.items():
                if field.type not in TEXT_TYPES:
                    continue
                if unchanged is not None and unchanged.get(fname, step[fname]) == step[fname]:
                    continue
                if not step._credit_has_unsafe_expression(fname):
                    continue
                if not self.browse(step.id)._credit_stored_elsewhere(fname):
                    raise AccessError(_(
                        "Only users allowed to edit mail templates can write dynamic content "
                        "(step %(step)s, %(field)s).",
                        step=step.name, field=field._description_string(self.env),
                    ))

    # ------------------------------------------------------------------
    # RENDERING
    # ------------------------------------------------------------------

    def _compute_render_model(self):
        """Override of mail.render.mixin: the content renders on reminders."""
        self.render_model = "credit.control.action"

    @api.model
    def _render_template_qweb(self, template_src, model, res_ids, add_context=None, options=None):
        """Override of mail.render.mixin: the letters and call scripts of a
        batch are rendered from a body compiled once (see
        ``render_qweb_compiled_once``)."""
        rendered = render_qweb_compiled_once(self, template_src, model, res_ids, add_context, options)
        if rendered is None:
            return super()._render_template_qweb(template_src, model, res_ids, add_context=add_context,
                                                 options=options)
        return rendered

    def _credit_stored_elsewhere(self, fname):
        """Whether another step the user reads holds the same ``fname``, in
        the same language: content a template editor wrote, that a credit
        manager may copy (a scenario duplicated with its steps and their
        translations)."""
        self.ensure_one()
        return bool(self.with_context(active_test=False).search_count(
            [("id", "!=", self.id), (fname, "=", self[fname])], limit=1,
        ))

    def _credit_has_unsafe_expression(self, fname):
        """Whether ``fname`` holds what only template editors may write, by
        Odoo's check of the field's rendering engine."""
        self.ensure_one()
        if getattr(self._fields[fname], "render_engine", "inline_template") == "qweb":
            return self._has_unsafe_expression_template_qweb(self[fname], self.render_model)
        return self._has_unsafe_expression_template_inline_template(self[fname], self.render_model)

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _parse_condition_domain(self):
        """Return the conditions as a normalized domain on credit.control.dossier."""
        self.ensure_one()
        try:
            return expression.normalize_domain(safe_eval(self.condition_domain or "[]"))
        except (ValueError, SyntaxError, NameError, TypeError, AssertionError) as error:
            raise self._condition_error(error) from error

    def _condition_error(self, error):
        return ValidationError(_(
            "The conditions of step %(step)s are not a valid filter on customer dossiers: %(error)s",
            step=self.name,
            error=error,
        ))

    def _has_condition(self):
        self.ensure_one()
        return self._parse_condition_domain() != expression.TRUE_DOMAIN
