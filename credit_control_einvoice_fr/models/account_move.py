from collections import defaultdict

from odoo import _, api, fields, models

from ..const import STATUSES


class AccountMove(models.Model):
    _inherit = "account.move"

    credit_einvoice_status_ids = fields.One2many(
        "credit.control.einvoice.status",
        "move_id",
        string="E-invoicing Lifecycle",
        groups="credit_control_base.group_credit_control_info",
    )
    credit_einvoice_status = fields.Selection(
        STATUSES,
        string="E-invoicing Status",
        compute="_compute_credit_einvoice_status",
        store=True,
        help="The last lifecycle status the customer's platform sent about this invoice.",
    )
    credit_einvoice_postponed_until = fields.Date(
        string="Payment Transmitted, Paused Until",
        copy=False,
        readonly=True,
        help="The customer's platform said the payment was transmitted (211): the reminders wait until "
        "this date for the money to arrive.",
    )
    credit_einvoice_hold_code = fields.Char(
        copy=False,
        readonly=True,
        help="The lifecycle status that put the invoice on hold (208, 210, 213).",
    )
    credit_einvoice_customer_label = fields.Char(
        string="E-invoicing Status Shown to the Customer",
        compute="_compute_credit_einvoice_customer_status",
        help="The latest status of the invoice on the e-invoicing platforms, as its customer reads it on the "
        "portal, in the reader's language.",
    )
    credit_einvoice_customer_date = fields.Date(
        string="E-invoicing Status Date Shown to the Customer",
        compute="_compute_credit_einvoice_customer_status",
    )

    @api.depends("credit_einvoice_status_ids.code", "credit_einvoice_status_ids.direction",
                 "credit_einvoice_status_ids.status_date")
    def _compute_credit_einvoice_status(self):
        for move in self:
            received = move.sudo().credit_einvoice_status_ids.filtered(lambda s: s.direction == "in")
            last = received.sorted(lambda s: (s.status_date, s.id))[-1:]
            move.credit_einvoice_status = last.code

    @api.depends_context("lang")
    def _compute_credit_einvoice_customer_status(self):
        """One query for the whole batch (a portal list page reads the
        field on each row: its invoices are computed together), and only
        for the invoices the reader may read: the statuses are read as
        superuser once that is checked."""
        readable = self._filtered_access("read")
        latest = self.env["credit.control.einvoice.status"].sudo()._credit_latest_for_customer(readable)
        for move in self:
            values = latest[move.id]._credit_customer_values() if move.id in latest else {}
            move.credit_einvoice_customer_label = values.get("label", False)
            move.credit_einvoice_customer_date = values.get("date", False)

    # ------------------------------------------------------------------
    # HOOKS
    # ------------------------------------------------------------------

    @api.model
    def _credit_exclusion_rules(self):
        """Override of `credit_control_base`: while a transmitted payment
        (211) is on its way, no reminder. Suspensions (208) and refusals
        (210, 213) use the invoice's hold, lifted by the collector."""
        today = fields.Date.context_today(self)
        return [
            *super()._credit_exclusion_rules(),
            ("einvoice_payment_sent", _("Payment transmitted (e-invoicing)"),
             [("credit_einvoice_postponed_until", ">=", today)]),
        ]

    def _credit_customer_statuses(self):
        """Override of `credit_control_base`: the latest status of each
        invoice on the e-invoicing platforms, with its date and the reason
        the customer's platform gave (207 In Dispute...)."""
        statuses = super()._credit_customer_statuses()
        latest = self.env["credit.control.einvoice.status"].sudo()._credit_latest_for_customer(self)
        for move_id, status in latest.items():
            statuses.setdefault(move_id, []).append(status._credit_customer_values())
        return statuses

    # ------------------------------------------------------------------
    # 212 COLLECTED
    # ------------------------------------------------------------------

    def _credit_einvoice_on_receipt_lines(self):
        """The invoice lines taxed with a VAT due on receipt."""
        self.ensure_one()
        return self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product" and line.tax_ids.filtered("credit_einvoice_on_receipt")
        )

    def _credit_einvoice_collected_by_rate(self, amount):
        """Split ``amount`` (collected on this invoice, in its currency)
        between its VAT rates due on receipt, in proportion of their taxed
        totals: ``[(amount, rate)]``."""
        self.ensure_one()
        currency = self.currency_id
        if currency.is_zero(self.amount_total):
            return []
        share = min(amount / self.amount_total, 1.0)
        sign = -1 if self.is_inbound() else 1
        taxed = defaultdict(float)
        for line in self._credit_einvoice_on_receipt_lines():
            for tax in line.tax_ids.filtered("credit_einvoice_on_receipt"):
                taxed[tax.amount] += sign * line.amount_currency
        for line in self.line_ids.filtered(lambda line: line.display_type == "tax"):
            if line.tax_line_id.credit_einvoice_on_receipt:
                taxed[line.tax_line_id.amount] += sign * line.amount_currency
        return [
            (currency.round(total * share), rate)
            for rate, total in sorted(taxed.items())
            if not currency.is_zero(total * share)
        ]

    def _credit_einvoice_cash_ratio(self):
        """Which part of what this entry settles is money received: 1 for a
        payment or a bank line, less when a write-off closes the rest, 0
        for anything else (credit note, write-off or loss entry)."""
        self.ensure_one()
        if self.origin_payment_id:
            liquidity, counterpart, _writeoff = self.origin_payment_id._seek_for_lines()
        elif self.statement_line_id:
            liquidity, suspense, counterpart = self.statement_line_id._seek_for_lines()
            counterpart |= suspense
        else:
            return 0.0
        owed = abs(sum(counterpart.mapped("balance")))
        received = abs(sum(liquidity.mapped("balance")))
        return min(received / owed, 1.0) if owed else 0.0

    def _credit_einvoice_type_code(self):
        return "380"
