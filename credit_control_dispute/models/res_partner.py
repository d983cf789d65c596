from odoo import fields, models

from ..const import DISPUTE_OPEN_STATES


class ResPartner(models.Model):
    _inherit = "res.partner"

    credit_open_dispute_count = fields.Integer(
        compute="_compute_credit_open_dispute_count",
        string="Open Disputes",
        groups="credit_control_base.group_credit_control_info",
    )

    def _compute_credit_open_dispute_count(self):
        # Counted with the user's rights: a salesperson (Credit Info) sees the
        # disputes of their own customers, which is the point of the button.
        counts = dict(self.env["credit.control.dispute"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids), ("state", "in", DISPUTE_OPEN_STATES)],
            ["partner_id"],
            ["__count"],
        ))
        for partner in self:
            partner.credit_open_dispute_count = counts.get(partner.commercial_partner_id, 0)

    def action_credit_open_disputes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("credit_control_dispute.credit_control_dispute_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"search_default_open": 1}
        return action
