from psycopg2 import Error as PsycopgError

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.osv import expression
from odoo.tools.safe_eval import safe_eval

CHANNELS = [
    ("email", "E-mail"),
    ("letter", "Postal Letter"),
    ("sms", "SMS"),
    ("phone", "Phone Call"),
    ("task", "Manual Task"),
]

DYNAMIC_FIELDS = ("letter_body", "sms_body", "call_script")


class CreditControlScenarioStep(models.Model):
    """One reminder of a scenario: when (days relative to the due date), how
    (channel and content) and for whom (minimum amount, conditions)."""

    _name = "credit.control.scenario.step"
    _description = "Dunning Scenario Step"
    _order = "scenario_id, delay_days, sequence, id"

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
    # Dynamic content (QWeb, {{ }}): only template editors may write it, as
    # for mail templates (see _check_dynamic_content).
    letter_body = fields.Html(
        translate=True, sanitize=False,
        help="Text of the letter, printed on the company's letterhead with the list of the invoices.",
    )
    sms_body = fields.Text(
        string="SMS Text", translate=True,
        help="Text of the SMS (160 characters make one message).",
    )
    call_script = fields.Html(
        translate=True, sanitize=False,
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

    @api.constrains("letter_body", "sms_body", "call_script")
    def _check_dynamic_content(self):
        if self.env.is_superuser() or self.env.user.has_group("mail.group_mail_template_editor"):
            return
        for step in self:
            for fname in DYNAMIC_FIELDS:
                if any(marker in (step[fname] or "") for marker in ("t-out", "t-esc", "t-raw", "{{", "t-att")):
                    raise AccessError(_(
                        "Only users allowed to edit mail templates can write dynamic content "
                        "(step %(step)s, %(field)s).",
                        step=step.name, field=self._fields[fname].string,
                    ))

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
