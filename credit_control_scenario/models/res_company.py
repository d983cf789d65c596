from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    def _default_credit_control_scenario_id(self):
        return self.env.ref("credit_control_scenario.credit_control_scenario_standard", raise_if_not_found=False)

    credit_control_scenario_id = fields.Many2one(
        "credit.control.scenario",
        string="Default Dunning Scenario",
        default=_default_credit_control_scenario_id,
        help="Scenario of the customers whose segment and dossier name none.",
    )
    credit_simulation_done = fields.Boolean(
        string="Reminder Run Simulated",
        copy=False,
        help="A simulation of the reminder run was made for this company (getting-started checklist).",
    )
    credit_control_statement_max_days = fields.Integer(
        string="Bank Statements Max Age (days)",
        default=3,
        help="Warn on the reminder runs when the last bank statement is older: "
        "payments received since are not reconciled yet. 0 disables the check.",
    )
    credit_control_partial_credit = fields.Selection(
        [("wait", "Wait and tell the collector"), ("send", "Send and say so")],
        string="Reminders Partly Paid",
        default="wait",
        required=True,
        help="When payments or credit notes of the customer not matched yet cover part of what a reminder "
        "would claim: hold the reminder and ask the collector to match them, or send it with what was "
        "received. When they cover all of it, no reminder goes and the collector is asked to match them.",
    )
    credit_control_ecb_rate = fields.Float(
        string="ECB Refinancing Rate (%)",
        default=2.15,
        digits=(5, 2),
        help="Rate of the last main refinancing operation of the European Central Bank.",
    )
    credit_control_interest_margin = fields.Float(
        string="Late Interest Margin (points)",
        default=10.0,
        digits=(5, 2),
        help="Late-payment interest rate = ECB rate + this margin (10 points by default under French law).",
    )
