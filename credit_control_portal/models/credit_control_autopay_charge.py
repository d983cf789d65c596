import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

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
# Charges per call of the cron: each is a request to Stripe; ir.cron commits
# between calls.
AUTOPAY_BATCH_SIZE = 50


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
    def _cron_autopay(self, batch_size=AUTOPAY_BATCH_SIZE):
        """One bounded batch per call, as Odoo's batched crons do: the
        notices of all customers in one pass, then the next ``batch_size``
        charges due; the progress is reported to ir.cron, which commits
        each call and calls again while charges remain (a failing call is
        rolled back alone, its charges stay for the next call)."""
        today = fields.Date.context_today(self)
        self._credit_autopay_announce_all(today)
        done, remaining = self._credit_autopay_charge_next(today, batch_size)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if remaining and not self.env.context.get("ir_cron_progress_id"):
            # ir.cron calls again by itself after some progress only: a
            # call outside ir.cron needs a trigger
            self.env.ref("credit_control_portal.ir_cron_credit_control_autopay").sudo()._trigger()

    @api.model
    def _credit_autopay_run(self, today=None, batch_size=AUTOPAY_BATCH_SIZE):
        """The whole daily run in the caller's transaction: follow the
        charges still processing, announce what falls due within the
        notice, charge what is due, batch after batch. Run twice the same
        day, it charges nothing twice."""
        today = today or fields.Date.context_today(self)
        self._credit_autopay_announce_all(today)
        remaining = True
        while remaining:
            done, remaining = self._credit_autopay_charge_next(today, batch_size)
            if not done:
                break  # what remains is held by another worker

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _credit_autopay_due_domain(self, today):
        """The charges the run of ``today`` works on, of every customer:
        scheduled ones reaching their date and failed ones their retry
        date, while the customer's method is still saved (a method the
        customer deleted charges nothing), and the debits still processing
        (asked to Stripe once a day, whatever became of the method)."""
        reached = ["|", ("next_attempt_date", "=", False), ("next_attempt_date", "<=", today)]
        return expression.OR([
            [("state", "=", "pending"), *reached],
            [
                ("dossier_id.autopay_token_id.active", "=", True),
                "|",
                "&", ("state", "=", "scheduled"), ("charge_date", "<=", today),
                "&", ("state", "=", "failed"), ("next_attempt_date", "<=", today),
                *reached,
            ],
        ])

    @api.model
    def _credit_autopay_announce_all(self, today):
        dossiers = self.env["credit.control.dossier"].sudo().search([("autopay_token_id.active", "=", True)])
        return dossiers._credit_autopay_announce(today)

    @api.model
    def _credit_autopay_charge_next(self, today, batch_size):
        """Charge (or follow) the next ``batch_size`` charges due, of any
        customers, not locked by another worker.

        :return: ``(done, remaining)``, the charges processed and those
            still due"""
        domain = self._credit_autopay_due_domain(today)
        charges = self.sudo().search(domain, order="charge_date, id", limit=batch_size)
        charges = charges._credit_autopay_lock()
        if charges:
            pending = charges.filtered(lambda c: c.state == "pending")
            pending._credit_autopay_follow(today)
            (charges - pending)._credit_autopay_charge(today)
        return len(charges), self.sudo().search_count(domain)

    def _credit_autopay_lock(self):
        """These charges but those another worker is charging (locked
        until it commits): never two attempts of one charge at once."""
        if not self:
            return self
        self.flush_recordset()
        rows = self.env.execute_query(SQL(
            "SELECT id FROM credit_control_autopay_charge WHERE id IN %s ORDER BY id FOR UPDATE SKIP LOCKED",
            tuple(self.ids),
        ))
        locked = {row[0] for row in rows}
        return self.filtered(lambda charge: charge.id in locked)

    def _credit_autopay_charge(self, today):
        """Charge these instalments (of any customers) that are still owed
        and still allowed (no dispute, promise, plan, hold or credit came
        since the notice), each with its own transaction; what is read to
        decide is read once for all their customers."""
        eligible = self.dossier_id._credit_autopay_eligible_all(today, notice=False)
        allowed = {item["line"]: item for items in eligible.values() for item in items}
        tomorrow = today + timedelta(days=1)
        for charge in self:
            item = allowed.get(charge.move_line_id)
            if not item:
                if not charge.move_line_id._credit_is_open_item():
                    charge.write({"state": "cancelled", "last_error": _("Paid otherwise.")})
                else:
                    # excluded for now (disputed, promised...): looked at
                    # again tomorrow, charged once it is allowed again
                    charge.next_attempt_date = tomorrow
                continue
            # never more than announced, never more than still owed
            amount = min(charge.amount, item["amount"])
            try:
                with self.env.cr.savepoint():
                    charge._credit_autopay_attempt(amount, today)
            except UserError as error:
                # Stripe out of reach, or its answer lost: nothing of the
                # attempt is kept, so tomorrow's run sends the same
                # idempotency key and Stripe answers with what it did.
                _logger.warning("Autopay charge %s of %s not made: %s", charge.id,
                                charge.dossier_id.display_name, error)
                charge.next_attempt_date = tomorrow

    def _credit_autopay_attempt(self, amount, today):
        self.ensure_one()
        dossier = self.dossier_id
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
            # a direct debit takes days: asked to Stripe again tomorrow
            self.write({"state": "pending", "next_attempt_date": today + timedelta(days=1)})
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
