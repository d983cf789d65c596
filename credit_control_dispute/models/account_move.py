from collections import defaultdict

from odoo import _, api, fields, models
from odoo.osv import expression

from ..const import DISPUTE_OPEN_STATES


class AccountMove(models.Model):
    _inherit = "account.move"

    credit_dispute_ids = fields.Many2many(
        "credit.control.dispute",
        "credit_control_dispute_account_move_rel",
        "move_id",
        "dispute_id",
        string="Disputes",
        copy=False,
        groups="credit_control_base.group_credit_control_info",
    )
    credit_promise_ids = fields.Many2many(
        "credit.control.promise",
        "credit_control_promise_account_move_rel",
        "move_id",
        "promise_id",
        string="Payment Promises",
        copy=False,
        groups="credit_control_base.group_credit_control_info",
    )
    # Stored so that the exclusion rules are plain column tests, the same
    # whoever looks at the invoice (record rules on disputes do not change
    # whether an invoice is reminded).
    # A date rather than a flag: empty (NULL) on the invoices without dispute,
    # like the invoices written in SQL by the sample data generator.
    # Indexed where set (a few invoices): the provisions look the disputed
    # invoices up three times, each a scan of every entry without it (0.85
    # of the dashboard's 3.2 s at 1M receivable lines).
    credit_dispute_since = fields.Date(
        compute="_compute_credit_dispute_since",
        store=True,
        index="btree_not_null",
        copy=False,
        string="In Dispute Since",
        help="When the oldest open dispute on this invoice was opened.",
    )
    credit_promise_until = fields.Date(
        compute="_compute_credit_promise_until",
        store=True,
        copy=False,
        string="Promised, Paused Until",
        help="Last day of the grace period of the pending payment promises and plan instalments on this invoice.",
    )

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("credit_dispute_ids.state", "credit_dispute_ids.create_date")
    def _compute_credit_dispute_since(self):
        for move in self:
            dates = [
                dispute.create_date.date()
                for dispute in move.credit_dispute_ids
                if dispute.state in DISPUTE_OPEN_STATES and dispute.create_date
            ]
            move.credit_dispute_since = min(dates) if dates else False

    @api.depends("credit_promise_ids.state", "credit_promise_ids.pause_until")
    def _compute_credit_promise_until(self):
        for move in self:
            dates = [p.pause_until for p in move.credit_promise_ids if p.state == "pending" and p.pause_until]
            move.credit_promise_until = max(dates) if dates else False

    # ------------------------------------------------------------------
    # HOOKS
    # ------------------------------------------------------------------

    @api.model
    def _credit_exclusion_rules(self):
        """Override of `credit_control_base`: invoices in an open dispute, and
        invoices under a pending promise or plan instalment whose grace
        period has not ended, get no reminder."""
        today = fields.Date.context_today(self)
        return [
            *super()._credit_exclusion_rules(),
            ("dispute", _("In dispute"), [("credit_dispute_since", "!=", False)]),
            ("promise", _("Payment promised"), [("credit_promise_until", ">=", today)]),
        ]

    def _credit_collection_changed(self):
        """Override of `credit_control_base`: follow the promises and plans
        of these invoices as soon as a payment is reconciled or undone."""
        result = super()._credit_collection_changed()
        if self.env.context.get("credit_promise_refresh") or not self.ids:
            return result
        promises = self.env["credit.control.promise"].sudo().search([
            ("move_ids", "in", self.ids), ("state", "in", ("pending", "kept")),
        ])
        promises.with_context(credit_promise_refresh=True)._credit_refresh()
        return result

    @api.model
    def _credit_forecast_override_kinds(self):
        """Override of `credit_control_base`: the instalments of payment
        plans have their own column, as strong as a promise."""
        return {**super()._credit_forecast_override_kinds(), "planned": 10}

    @api.model
    def _credit_forecast_override_domain(self, today=None):
        """Override of `credit_control_base`: the invoices of a pending
        promise or plan instalment."""
        # The invoices' ids, read from the pending promises: a condition on
        # the entries' promises inside the domain's OR was looked up for
        # every entry (0.09 s of the dashboard at 1M receivable lines).
        promises = self.env["credit.control.promise"].search([("state", "=", "pending")])
        return expression.OR([
            super()._credit_forecast_override_domain(today), [("id", "in", promises.move_ids.ids)],
        ])

    @api.model
    def _credit_forecast_overrides(self, moves):
        """Override of `credit_control_base`: what is left of the pending
        promises ("promised") and plan instalments ("planned"), on their
        date, allocated to the invoices they cover in due date order,
        converted to company currency."""
        result = defaultdict(list, super()._credit_forecast_overrides(moves))
        promises = self.env["credit.control.promise"].sudo().search(
            [("move_ids", "in", moves.ids), ("state", "=", "pending")], order="date, sequence, id",
        )
        available = {move: move.amount_residual for move in promises.move_ids}
        today = fields.Date.context_today(self)
        for promise in promises:
            currency = promise.currency_id
            remaining = max(promise.amount - promise.amount_paid, 0.0)
            for move in promise.move_ids.sorted(lambda m: (m.invoice_date_due or today, m.id)):
                if currency.is_zero(remaining):
                    break
                share = min(remaining, available[move])
                if currency.is_zero(share):
                    continue
                available[move] -= share
                remaining -= share
                if move in moves:
                    amount = currency._convert(share, move.company_currency_id, move.company_id, today)
                    result[move.id].append((promise.date, amount, "planned" if promise.plan_id else "promised"))
        return dict(result)

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_credit_open_dispute(self):
        return self._credit_new_record_action("credit.control.dispute", _("Open Dispute"), "current")

    def action_credit_record_promise(self):
        return self._credit_new_record_action("credit.control.promise", _("Record Promise"), "new")

    def action_credit_payment_plan(self):
        dossier = self.env["credit.control.dossier"]._credit_dossier_for_moves(self)
        moves = self.env["credit.control.payment.plan"]._credit_plannable_moves(self)
        return dossier._credit_new_action(
            "credit.control.payment.plan", _("New Payment Plan"), "new", moves=moves, origin="invoice",
        )

    def action_credit_open_disputes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("credit_control_dispute.credit_control_dispute_action")
        action["domain"] = [("move_ids", "in", self.ids)]
        return action

    def _credit_new_record_action(self, model, name, target):
        dossier = self.env["credit.control.dossier"]._credit_dossier_for_moves(self)
        return dossier._credit_new_action(model, name, target, moves=self, origin="invoice")
