import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.payment_stripe.controllers.main import StripeController

_logger = logging.getLogger(__name__)

AUTOPAY_STATES = [
    ("scheduled", "Announced"),
    ("pending", "Processing"),
    ("failed", "Failed, Will Retry"),
    ("done", "Charged"),
    ("abandoned", "Failed, Retries Exhausted"),
    ("cancelled", "Cancelled"),
]
# Charges the engine still has to make or follow.
AUTOPAY_OPEN_STATES = ("scheduled", "pending", "failed")


class CreditControlAutopayCharge(models.Model):
    """One instalment an opted-in customer is charged automatically: announced
    by the pre-notification, then charged off-session on its date with the
    saved payment method, retried a limited number of times.

    One record per instalment (receivable line): the ledger that makes the
    daily run idempotent; each attempt is a payment transaction whose
    reference, hence Stripe's idempotency key, is the instalment and the
    attempt number."""

    _name = "credit.control.autopay.charge"
    _description = "Autopay Charge"
    _order = "charge_date desc, id desc"
    _check_company_auto = True

    dossier_id = fields.Many2one(
        "credit.control.dossier", required=True, readonly=True, index=True, ondelete="cascade",
    )
    company_id = fields.Many2one(related="dossier_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="dossier_id.partner_id", store=True, string="Customer")
    move_line_id = fields.Many2one(
        "account.move.line", string="Instalment", required=True, readonly=True, index=True, ondelete="cascade",
    )
    move_id = fields.Many2one(related="move_line_id.move_id", store=True, string="Invoice")
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    amount = fields.Monetary(
        readonly=True, help="The amount announced to the customer: never more is charged for this instalment.",
    )
    due_date = fields.Date(readonly=True)
    notified_date = fields.Date(string="Announced On", readonly=True)
    charge_date = fields.Date(
        readonly=True, help="The first day the instalment is charged: its due date (plus the company's delay), "
        "and never before the customer was told the number of days of the notice.",
    )
    next_attempt_date = fields.Date(readonly=True)
    attempt_count = fields.Integer(string="Attempts", readonly=True)
    state = fields.Selection(AUTOPAY_STATES, default="scheduled", required=True, readonly=True, index=True)
    last_error = fields.Char(readonly=True)
    transaction_ids = fields.One2many("payment.transaction", "credit_autopay_charge_id", readonly=True)

    _sql_constraints = [
        ("move_line_uniq", "UNIQUE(move_line_id)", "An instalment is charged automatically once."),
    ]

    # ------------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------------

    @api.model
    def _cron_autopay(self):
        self._credit_autopay_run()

    @api.model
    def _credit_autopay_run(self, today=None):
        """The daily run: follow the charges still processing, announce what
        falls due within the notice, charge what is due. Run twice the same
        day, it charges nothing twice."""
        today = today or fields.Date.context_today(self)
        # a method the customer deleted (archived token) charges nothing
        dossiers = self.env["credit.control.dossier"].sudo().search([("autopay_token_id.active", "=", True)])
        self.sudo().search([("state", "=", "pending")])._credit_autopay_follow(today)
        for dossier in dossiers:
            dossier._credit_autopay_announce(today)
        due = self.sudo().search([
            ("dossier_id", "in", dossiers.ids),
            "|",
            "&", ("state", "=", "scheduled"), ("charge_date", "<=", today),
            "&", ("state", "=", "failed"), ("next_attempt_date", "<=", today),
        ], order="dossier_id, due_date, id")
        for dossier, charges in due.grouped("dossier_id").items():
            charges._credit_autopay_charge(dossier, today)

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_autopay_charge(self, dossier, today):
        """Charge these instalments of ``dossier`` that are still owed and
        still allowed (no dispute, promise, plan, hold or credit came since
        the notice), each with its own transaction."""
        eligible = {item["line"]: item for item in dossier._credit_autopay_eligible(today, notice=False)}
        for charge in self:
            item = eligible.get(charge.move_line_id)
            if not item:
                if not charge.move_line_id._credit_is_open_item():
                    charge.write({"state": "cancelled", "last_error": _("Paid otherwise.")})
                # else excluded for now (disputed, promised...): charged once it is allowed again
                continue
            # never more than announced, never more than still owed
            amount = min(charge.amount, item["amount"])
            try:
                with self.env.cr.savepoint():
                    charge._credit_autopay_attempt(dossier, amount, today)
            except UserError as error:
                # Stripe out of reach, or its answer lost: nothing of the
                # attempt is kept, so the next run sends the same
                # idempotency key and Stripe answers with what it did.
                _logger.warning("Autopay charge %s of %s not made: %s", charge.id, dossier.display_name, error)

    def _credit_autopay_attempt(self, dossier, amount, today):
        self.ensure_one()
        token = dossier.autopay_token_id
        attempt = self.attempt_count + 1
        self.attempt_count = attempt
        tx = self.env["payment.transaction"].sudo().create({
            # the reference is the idempotency key payment_stripe sends:
            # one per instalment and attempt
            "reference": f"AP-{self.move_line_id.id}-{attempt}",
            "provider_id": token.provider_id.id,
            "payment_method_id": token.payment_method_id.id,
            "token_id": token.id,
            "amount": amount,
            "currency_id": self.currency_id.id,
            "partner_id": token.partner_id.id,
            "operation": "offline",
            "invoice_ids": [Command.set(self.move_id.ids)],
            "credit_dossier_id": dossier.id,
            "credit_autopay_charge_id": self.id,
        })
        tx._send_payment_request()
        self._credit_autopay_result(tx, today)

    def _credit_autopay_follow(self, today):
        """The charges still processing (a direct debit takes days): their
        transaction is asked to Stripe again, in case its webhook did not
        reach us, then booked."""
        for charge in self:
            tx = charge.transaction_ids[:1]
            if tx.state in ("pending", "authorized") and tx.provider_code == "stripe" and tx.provider_reference:
                intent = tx.provider_id._stripe_make_request(
                    f"payment_intents/{tx.provider_reference}", method="GET", offline=True,
                )
                if "error" not in intent:
                    notification_data = {"reference": tx.reference}
                    StripeController._include_payment_intent_in_notification_data(intent, notification_data)
                    tx._handle_notification_data("stripe", notification_data)
            charge._credit_autopay_result(tx, today)

    def _credit_autopay_result(self, tx, today):
        """Book the outcome of the attempt ``tx``: reconciled when paid,
        followed while processing (a direct debit), else a failure."""
        self.ensure_one()
        if tx.state == "done":
            if not tx.is_post_processed:
                tx._post_process()
            self.write({"state": "done", "last_error": False})
        elif tx.state in ("pending", "authorized"):
            self.state = "pending"
        elif tx.state == "draft":
            # requires_action: the bank wants the customer there (3-D Secure)
            self._credit_autopay_failed(_("The bank asks the customer to authenticate the payment."), today)
        else:
            self._credit_autopay_failed(tx.state_message or _("The payment was declined."), today)

    def _credit_autopay_failed(self, error, today):
        """A declined charge: retried after the company's interval until the
        company's number of retries is spent; the collector gets an activity
        and the invoice stays in the normal reminder flow."""
        self.ensure_one()
        company = self.company_id
        exhausted = self.attempt_count > company.credit_autopay_max_retries
        self.write({
            "state": "abandoned" if exhausted else "failed",
            "last_error": error,
            "next_attempt_date": False if exhausted else today + timedelta(days=company.credit_autopay_retry_days),
        })
        dossier = self.dossier_id
        body = Markup("<p>%s</p>") % _(
            "Autopay: the charge of %(amount)s on %(invoice)s failed (attempt %(attempt)s): %(error)s",
            amount=self.currency_id.format(self.amount), invoice=self.move_id.name,
            attempt=self.attempt_count, error=error,
        )
        dossier.message_post(body=body, subtype_xmlid="mail.mt_note")
        dossier.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=(dossier.collector_id or self.env.user).id,
            summary=_("Autopay charge failed: %(invoice)s", invoice=self.move_id.name),
            note=body,
        )
