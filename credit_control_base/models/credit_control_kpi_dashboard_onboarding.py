from odoo import fields, models


class CreditControlKpiDashboardOnboarding(models.TransientModel):
    """One step of the getting-started checklist of the dashboard: it opens
    the screen where the step is done, and ticks itself once it is."""

    _name = "credit.control.kpi.dashboard.onboarding"
    _description = "Credit Control Getting Started Step"
    _order = "sequence, id"

    dashboard_id = fields.Many2one("credit.control.kpi.dashboard", required=True, ondelete="cascade")
    sequence = fields.Integer()
    key = fields.Char(required=True)
    name = fields.Char(string="Step", required=True)
    description = fields.Char()
    done = fields.Boolean()
    action_xmlid = fields.Char()

    def action_open(self):
        self.ensure_one()
        return self.dashboard_id._credit_onboarding_action(self.key, self.action_xmlid)
