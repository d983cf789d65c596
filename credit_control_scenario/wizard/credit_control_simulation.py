from odoo import _, api, fields, models


class CreditControlSimulation(models.TransientModel):
    """What today's reminder run would do, without doing it: the reminders
    per customer and channel, for a new user to check a scenario before
    turning automation on."""

    _name = "credit.control.simulation"
    _description = "Simulation of Today's Reminder Run"

    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        required=True,
        default=lambda self: self.env.companies,
    )
    date = fields.Date(default=fields.Date.context_today, readonly=True)
    line_ids = fields.One2many("credit.control.simulation.line", "simulation_id", string="Reminders")
    warning = fields.Text(readonly=True)
    simulated = fields.Boolean(readonly=True)
    reminder_count = fields.Integer(compute="_compute_counts", string="Number of Reminders")
    automatic_count = fields.Integer(compute="_compute_counts", string="Sent Automatically")
    to_validate_count = fields.Integer(compute="_compute_counts", string="To Validate")
    invoice_count = fields.Integer(compute="_compute_counts", string="Invoices")
    issue_count = fields.Integer(compute="_compute_counts", string="Would Become Tasks")

    def _compute_display_name(self):
        for simulation in self:
            simulation.display_name = _("Simulation of Today's Reminders")

    @api.depends("line_ids")
    def _compute_counts(self):
        for simulation in self:
            # a held line is no reminder: the collector gets a task instead
            lines = simulation.line_ids.filtered(lambda line: not line.held)
            simulation.reminder_count = len(lines)
            simulation.automatic_count = len(lines.filtered("automatic"))
            simulation.to_validate_count = len(lines) - simulation.automatic_count
            simulation.invoice_count = sum(lines.mapped("invoice_count"))
            simulation.issue_count = len(simulation.line_ids.filtered("note"))

    def action_simulate(self):
        """List the reminders the engine would plan today; nothing is created
        or sent. Collectors see their own portfolio only."""
        self.ensure_one()
        self.line_ids.unlink()
        Run = self.env["credit.control.scenario.run"]
        rows = Run._credit_candidates(self.company_ids, self.date)
        visible = set(self.env["credit.control.dossier"].search(
            [("id", "in", list({row["dossier_id"] for row in rows}))]
        ).ids)
        # the run's own decision on customers who may have paid already
        rows, held = Run._credit_split_for_credits([row for row in rows if row["dossier_id"] in visible])
        groups = Run._credit_group_rows(rows) + Run._credit_group_rows(
            [row for _summary, held_rows in held.values() for row in held_rows]
        )
        dossiers = self.env["credit.control.dossier"].browse({group[0] for group in groups})
        steps = self.env["credit.control.scenario.step"].browse({group[2]["step_id"] for group in groups})
        contact_of = Run._credit_dunning_contacts(dossiers)
        contacts = self.env["res.partner"].browse(set(contact_of.values()))
        self.env["credit.control.simulation.line"].create([{
            "simulation_id": self.id,
            "dossier_id": dossier_id,
            "contact_id": contact_of[dossier_id],
            "scenario_id": scenario_id,
            "step_id": top["step_id"],
            "move_ids": [fields.Command.set([row["move_id"] for row in group_rows])],
            "amount": sum(row["residual"] for row in group_rows),
            "held": dossier_id in held,
            "note": held[dossier_id][0] if dossier_id in held
            else self._credit_note(steps.browse(top["step_id"]), contacts.browse(contact_of[dossier_id])),
        } for dossier_id, scenario_id, top, group_rows in groups])
        self.warning = Run._credit_statement_warnings(self.company_ids, self.date) or False
        self.simulated = True
        self.company_ids.sudo().filtered(lambda c: not c.credit_simulation_done).credit_simulation_done = True
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
            "name": _("Simulation of Today's Reminders"),
        }

    def _credit_note(self, step, contact):
        """Why a reminder would not go out as planned."""
        if step.channel == "email" and not contact.email_normalized:
            return _("No valid e-mail address: would become a task for the collector.")
        if step.channel == "sms" and not (contact.mobile or contact.phone):
            return _("No phone number: would become a task for the collector.")
        return False

    def action_run_now(self):
        return self.env["credit.control.scenario.run"].action_run_now()


class CreditControlSimulationLine(models.TransientModel):
    _name = "credit.control.simulation.line"
    _description = "Simulated Reminder"
    _order = "channel, partner_id"

    simulation_id = fields.Many2one("credit.control.simulation", required=True, ondelete="cascade")
    dossier_id = fields.Many2one("credit.control.dossier", string="Dossier", required=True, ondelete="cascade")
    partner_id = fields.Many2one(related="dossier_id.partner_id", string="Customer")
    collector_id = fields.Many2one(related="dossier_id.collector_id")
    company_id = fields.Many2one(related="dossier_id.company_id")
    currency_id = fields.Many2one(related="dossier_id.currency_id")
    contact_id = fields.Many2one("res.partner", string="Recipient")
    scenario_id = fields.Many2one("credit.control.scenario", string="Scenario")
    step_id = fields.Many2one("credit.control.scenario.step", string="Step")
    channel = fields.Selection(related="step_id.channel", store=True)
    automatic = fields.Boolean(related="step_id.automatic", string="Sent Automatically")
    move_ids = fields.Many2many("account.move", string="Invoices")
    invoice_count = fields.Integer(compute="_compute_invoice_count", string="Invoices Count")
    amount = fields.Monetary(string="Amount Due", help="In company currency.")
    held = fields.Boolean(
        help="Not sent: the customer's payments or credit notes not matched yet may cover it; "
             "the collector is asked to match them.",
    )
    note = fields.Char(string="Warning")

    @api.depends("move_ids")
    def _compute_invoice_count(self):
        for line in self:
            line.invoice_count = len(line.move_ids)
