from odoo import api, fields, models


class CreditControlScenario(models.Model):
    """A dunning plan: the ordered reminder steps an overdue invoice walks
    through, from a courtesy reminder before the due date to the
    pre-litigation notice."""

    _name = "credit.control.scenario"
    _description = "Dunning Scenario"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the scenario between companies.",
    )
    grouping = fields.Selection(
        [("per_customer", "One reminder per customer"), ("per_invoice", "One reminder per invoice")],
        default="per_customer",
        required=True,
        help="Per customer: one reminder lists every invoice of the customer that "
        "reaches a step that day (statement style). Per invoice: one reminder "
        "per invoice.",
    )
    step_ids = fields.One2many("credit.control.scenario.step", "scenario_id", string="Steps", copy=True)
    step_count = fields.Integer(compute="_compute_step_count", string="Steps Count")
    description = fields.Text(translate=True)

    @api.depends("step_ids")
    def _compute_step_count(self):
        for scenario in self:
            scenario.step_count = len(scenario.step_ids)
