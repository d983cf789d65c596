from odoo import fields, models


class CreditControlSegment(models.Model):
    _inherit = "credit.control.segment"

    credit_scenario_id = fields.Many2one(
        "credit.control.scenario",
        string="Dunning Scenario",
        help="Scenario of the customers of this segment, unless their dossier "
        "overrides it; empty: the default scenario of the company.",
    )

    def write(self, vals):
        """Override: changing the scenario of a segment cancels the pending
        reminders of the old plan of its customers."""
        if "credit_scenario_id" not in vals:
            return super().write(vals)
        dossiers = self.env["credit.control.dossier"].search([("segment_id", "in", self.ids)])
        before = dossiers._credit_stored_scenario_ids()
        result = super().write(vals)
        dossiers._credit_cancel_if_scenario_changed(before)
        return result
