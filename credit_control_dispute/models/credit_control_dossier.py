from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.credit_control_base.const import COLLECTIBLE_MOVE_TYPES

from ..const import DISPUTE_LATE_BOOST, DISPUTE_OPEN_STATES, PROMISE_DUE_BOOST


class CreditControlDossier(models.Model):
    _inherit = "credit.control.dossier"

    dispute_ids = fields.One2many("credit.control.dispute", "dossier_id", string="Disputes")
    promise_ids = fields.One2many(
        "credit.control.promise", "dossier_id", string="Payment Promises", domain=[("plan_id", "=", False)],
    )
    plan_ids = fields.One2many("credit.control.payment.plan", "dossier_id", string="Payment Plans")
    open_dispute_count = fields.Integer(compute="_compute_credit_dispute_counts", string="Open Disputes")
    pending_promise_count = fields.Integer(compute="_compute_credit_dispute_counts", string="Pending Promises")
    active_plan_count = fields.Integer(compute="_compute_credit_dispute_counts", string="Active Plans")

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    def _compute_credit_dispute_counts(self):
        domain = [("dossier_id", "in", self.ids)]
        disputes = dict(self.env["credit.control.dispute"]._read_group(
            [*domain, ("state", "in", DISPUTE_OPEN_STATES)], ["dossier_id"], ["__count"]
        ))
        promises = dict(self.env["credit.control.promise"]._read_group(
            [*domain, ("state", "=", "pending"), ("plan_id", "=", False)], ["dossier_id"], ["__count"]
        ))
        plans = dict(self.env["credit.control.payment.plan"]._read_group(
            [*domain, ("state", "=", "active")], ["dossier_id"], ["__count"]
        ))
        for dossier in self:
            dossier.open_dispute_count = disputes.get(dossier, 0)
            dossier.pending_promise_count = promises.get(dossier, 0)
            dossier.active_plan_count = plans.get(dossier, 0)

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_open_disputes(self):
        return self._credit_open_action("credit_control_dispute.credit_control_dispute_action")

    def action_open_promises(self):
        return self._credit_open_action("credit_control_dispute.credit_control_promise_action")

    def action_open_plans(self):
        return self._credit_open_action("credit_control_dispute.credit_control_payment_plan_action")

    def action_new_dispute(self):
        return self._credit_new_action("credit.control.dispute", _("Open Dispute"), "current")

    def action_new_promise(self):
        return self._credit_new_action("credit.control.promise", _("Record Promise"), "new")

    def action_new_plan(self):
        moves = self.env["credit.control.payment.plan"]._credit_plannable_moves(
            self._credit_open_invoices().filtered("credit_is_overdue")
        )
        return self._credit_new_action("credit.control.payment.plan", _("New Payment Plan"), "new", moves=moves)

    def _credit_open_action(self, xmlid):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("dossier_id", "=", self.id)]
        action["context"] = {"default_dossier_id": self.id, "default_origin": "dossier"}
        return action

    def _credit_new_action(self, model, name, target, moves=None, origin="dossier"):
        """The form of a new dispute, promise or plan of this dossier, on
        ``moves`` (its overdue invoices by default)."""
        self.ensure_one()
        if moves is None:
            moves = self._credit_open_invoices().filtered("credit_is_overdue")
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": target,
            "context": {
                "default_dossier_id": self.id,
                "default_move_ids": moves.ids,
                "default_origin": origin,
                # the plan form shows its own footer in the dialog, not the header's Confirm
                **({"credit_plan_dialog": True} if model == "credit.control.payment.plan" else {}),
            },
        }

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _credit_dossier_for_moves(self, moves):
        """The one dossier of the customer of ``moves`` (created if needed)."""
        moves = moves.filtered(lambda m: m.move_type in COLLECTIBLE_MOVE_TYPES and m.state == "posted")
        if not moves:
            raise UserError(_("Select posted customer invoices."))
        if len(moves.commercial_partner_id) > 1 or len(moves.company_id) > 1:
            raise UserError(_("Select invoices of a single customer and company."))
        self.sudo()._ensure_dossiers(moves)
        return self.search([
            ("partner_id", "=", moves.commercial_partner_id.id), ("company_id", "=", moves.company_id.id),
        ])

    def _credit_outcome_moves(self, values):
        """The invoices a call outcome is about: those given, else the
        overdue ones of the dossier."""
        move_ids = values.get("move_ids")
        if move_ids:
            moves = move_ids if isinstance(move_ids, models.BaseModel) else self.env["account.move"].browse(move_ids)
            return moves
        moves = self._credit_open_invoices().filtered("credit_is_overdue")
        if not moves:
            raise ValidationError(_("%s has no overdue invoice: select the invoices.", self.display_name))
        if len(moves.currency_id) > 1:
            raise ValidationError(_("The overdue invoices are in several currencies: select the invoices."))
        return moves

    def _credit_request_owner(self):
        """Who handles what the customer sends from the portal (a dispute,
        a promise): its collector, else its salesperson; nobody when
        neither is an internal user."""
        self.ensure_one()
        owner = self.collector_id or self.salesperson_id
        return owner if owner and owner._is_internal() else self.env["res.users"]

    def _credit_hand_to_owner(self, record, owner, summary, body):
        """Tell ``owner`` about ``record`` (a dispute or a promise the
        customer made on the portal): a to-do in their agenda and a message
        in the record's chatter that notifies them. The activity sends no
        e-mail of its own: the message is the one notification."""
        self.ensure_one()
        if not owner:
            return
        # the customer: the portal user, or its company by a signed link
        user = record.env.user
        author = user.partner_id if not user._is_public() else self.partner_id
        record.message_subscribe(partner_ids=owner.partner_id.ids)
        record.with_context(mail_activity_quick_update=True).activity_schedule(
            "mail.mail_activity_data_todo", user_id=owner.id, summary=summary, note=body,
        )
        record.message_post(
            body=body, author_id=author.id, partner_ids=owner.partner_id.ids,
            message_type="comment", subtype_xmlid="mail.mt_note",
        )

    # ------------------------------------------------------------------
    # HOOKS
    # ------------------------------------------------------------------

    def _credit_get_behaviour_facts(self):
        """Override of `credit_control_base`: count the kept promises, the
        broken ones (a partially kept promise counts as broken: the customer
        did not do what they said) and the open disputes."""
        facts = super()._credit_get_behaviour_facts()
        promises = self.env["credit.control.promise"].sudo()._read_group(
            [("dossier_id", "in", self.ids), ("state", "in", ("kept", "partially_kept", "broken"))],
            ["dossier_id", "state"],
            ["__count"],
        )
        disputes = self.env["credit.control.dispute"].sudo()._read_group(
            [("dossier_id", "in", self.ids), ("state", "in", DISPUTE_OPEN_STATES)], ["dossier_id"], ["__count"],
        )
        for dossier, state, count in promises:
            key = "kept_promises" if state == "kept" else "broken_promises"
            facts[dossier.id][key] += count
        for dossier, count in disputes:
            facts[dossier.id]["open_disputes"] = count
        return facts

    def _credit_priority_boosts(self, today):
        """Override of `credit_control_base`: a promise that falls due today
        or is late (not kept yet: the nightly job keeps or breaks it at the
        end of the grace period) and a dispute past its target date call
        for the collector first. Each doubles the priority of its customer."""
        boosts = super()._credit_priority_boosts(today)
        promises = self.env["credit.control.promise"].sudo()._read_group(
            [("dossier_id", "in", self.ids), ("state", "=", "pending"), ("date", "<=", today)],
            ["dossier_id"],
        )
        disputes = self.env["credit.control.dispute"].sudo()._read_group(
            [("dossier_id", "in", self.ids), ("state", "in", DISPUTE_OPEN_STATES), ("target_date", "<", today)],
            ["dossier_id"],
        )
        for (dossier,) in promises:
            boosts.setdefault(dossier.id, []).append((_("A payment promise is due"), PROMISE_DUE_BOOST))
        for (dossier,) in disputes:
            boosts.setdefault(dossier.id, []).append((_("A dispute is past its target date"), DISPUTE_LATE_BOOST))
        return boosts

    @api.model
    def _credit_call_outcomes(self):
        """Override of `credit_control_base`: a call can end with a payment
        promise, a dispute or a payment plan."""
        return [
            *super()._credit_call_outcomes(),
            ("promise", _("Payment promise")),
            ("payment_plan", _("Payment plan")),
            ("dispute", _("Dispute")),
        ]

    def _credit_apply_call_outcome(self, outcome, note=None, values=None):
        """Override of `credit_control_base`: create the promise, plan or
        dispute the call ended with.

        ``values``: for 'promise', ``date`` (required), ``amount`` and
        ``move_ids``; for 'payment_plan', ``instalment_count``, ``first_date``,
        ``amount`` and ``move_ids``; for 'dispute', ``reason`` (record or
        code), ``amount`` and ``move_ids``. Without ``move_ids`` the overdue
        invoices of the dossier are taken.
        """
        records = super()._credit_apply_call_outcome(outcome, note=note, values=values)
        values = values or {}
        if outcome == "promise":
            if not values.get("date"):
                raise ValidationError(_("A payment promise needs a date."))
            records = self.env["credit.control.promise"]._credit_create_promise(
                self, self._credit_outcome_moves(values), values["date"], amount=values.get("amount"),
                origin="call", note=note,
            )
        elif outcome == "payment_plan":
            if not values.get("first_date") or not values.get("instalment_count"):
                raise ValidationError(_("A payment plan needs a first date and a number of instalments."))
            records = self.env["credit.control.payment.plan"]._credit_create_plan(
                self, self._credit_outcome_moves(values), values["instalment_count"], values["first_date"],
                amount=values.get("amount"), origin="call", note=note,
            )
        elif outcome == "dispute":
            records = self.env["credit.control.dispute"]._credit_create_dispute(
                self, self._credit_outcome_moves(values), values.get("reason"), note=note,
                amount=values.get("amount"), origin="call",
            )
        return records
