from odoo import _, models


class CreditControlKpiDashboard(models.TransientModel):
    _inherit = "credit.control.kpi.dashboard"

    def _credit_onboarding_steps(self):
        """Override: choose the scenario, then simulate a run."""
        steps = super()._credit_onboarding_steps()
        company = self.company_id
        steps += [{
            "key": "scenario",
            "name": _("Pick or adapt a dunning scenario"),
            "description": _("Choose the company's default scenario, or adapt the steps of the shipped one."),
            # the shipped scenario, once chosen, is a choice like any other
            "done": bool(company.credit_control_scenario_id),
            "action_xmlid": "credit_control_scenario.credit_control_scenario_action",
        }, {
            "key": "simulation",
            "name": _("Run a first simulation"),
            "description": _("See what today's run would send, without sending anything."),
            "done": company.credit_simulation_done,
            "action_xmlid": "credit_control_scenario.credit_control_simulation_action",
        }]
        return steps
