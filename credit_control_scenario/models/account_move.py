from odoo import _, api, fields, models
from odoo.osv import expression

from .credit_control_action import PENDING_STATES


class AccountMove(models.Model):
    _inherit = "account.move"

    # Reminders are credit data: only the credit roles read them.
    credit_action_line_ids = fields.One2many(
        "credit.control.action.line",
        "move_id",
        string="Reminders",
        groups="credit_control_base.group_credit_control_info",
    )
    credit_action_count = fields.Integer(
        compute="_compute_credit_action_count",
        string="Reminders Count",
        groups="credit_control_base.group_credit_control_info",
    )

    def _compute_credit_action_count(self):
        counts = dict(self.env["credit.control.action.line"]._read_group(
            [("move_id", "in", self.ids)], ["move_id"], ["__count"]
        ))
        for move in self:
            move.credit_action_count = counts.get(move, 0)

    def _credit_collection_changed(self):
        """Override of credit_control_base: an invoice paid or excluded in
        the meantime leaves the pending reminders, so that no threatening
        letter goes out after the situation changed."""
        super()._credit_collection_changed()
        lines = self.env["credit.control.action.line"].sudo().search([
            ("move_id", "in", self.ids),
            ("cancelled", "=", False),
            ("action_id.state", "in", PENDING_STATES),
        ])
        if not lines:
            return
        moves = lines.move_id
        still_due = moves.filtered(
            lambda m: m.state == "posted" and m.payment_state in ("not_paid", "partial") and not m.credit_excluded
        )
        gone = moves - still_due
        if gone:
            lines.action_id._credit_drop_moves(gone, _("Invoice paid or excluded from collection."))

    def action_open_credit_actions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("credit_control_scenario.credit_control_action_action")
        action["domain"] = [("line_ids.move_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # HOOKS
    # ------------------------------------------------------------------

    @api.model
    def _credit_exclusion_rules(self):
        """Override of `credit_control_base`: never two dunning engines on one
        customer. Where OCA's account_credit_control is installed, an invoice
        under one of its policies (its own, its customer's or its company's
        default) is reminded by OCA's engine: ours leaves it, with that
        reason, until the policy is removed (the switch). A policy that does
        nothing ("no follow") or covers no account reminds nobody."""
        rules = super()._credit_exclusion_rules()
        if "credit_policy_id" not in self._fields:
            return rules
        # OCA shows its policies to its own groups only: which invoices,
        # customers and companies are under one is read as superuser
        su = self.sudo().with_context(active_test=False)
        reminding = [("credit_policy_id.do_nothing", "=", False), ("credit_policy_id.account_ids", "!=", False)]
        customers = su.env["res.partner"].search(reminding)
        domain = expression.OR([
            [("id", "in", su.search(reminding).ids)],
            [("partner_id", "in", customers.ids)],
            [("commercial_partner_id", "in", customers.ids)],
            [("company_id", "in", su.env["res.company"].search(reminding).ids)],
        ])
        return [*rules, ("oca_policy", _("Reminded by OCA Credit Control"), domain)]
