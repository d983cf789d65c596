from odoo import SUPERUSER_ID, _, models


class CreditControlKpiDashboard(models.TransientModel):
    _inherit = "credit.control.kpi.dashboard"

    def _credit_onboarding_steps(self):
        """Override: choose the scenario, then simulate a run."""
        steps = super()._credit_onboarding_steps()
        company = self.company_id
        shipped = self.env.ref("credit_control_scenario.credit_control_scenario_standard", raise_if_not_found=False)
        edited = (
            self.env["credit.control.scenario"].search_count([("write_uid", "!=", SUPERUSER_ID)], limit=1)
            or self.env["credit.control.scenario.step"].search_count([("write_uid", "!=", SUPERUSER_ID)], limit=1)
        )
        steps += [{
            "key": "scenario",
            "name": _("Pick or adapt a dunning scenario"),
            "description": _("Choose the company's default scenario, or adapt the steps of the shipped one."),
            "done": bool(company.credit_control_scenario_id)
            and (company.credit_control_scenario_id != shipped or bool(edited)),
            "action_xmlid": "credit_control_scenario.credit_control_scenario_action",
        }, {
            "key": "simulation",
            "name": _("Run a first simulation"),
            "description": _("See what today's run would send, without sending anything."),
            "done": company.credit_simulation_done,
            "action_xmlid": "credit_control_scenario.credit_control_simulation_action",
        }]
        return steps
