from collections import defaultdict

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

# ir.model.data module of the records an import made: what was imported is
# known by the OCA record it came from, so a second import adds nothing.
IMPORT_MODULE = "__credit_control_oca_import__"
# OCA credit-control line state -> reminder state of the history
LINE_STATES = {
    "sent": "sent",
    "ignored": "cancelled",
    "error": "failed",
    "email_error": "failed",
}
CHANNELS = {"email": "email", "letter": "letter", "phone": "phone"}


class CreditControlOcaImport(models.TransientModel):
    """Switch from OCA Credit Control (account_credit_control): its policies
    and levels become scenarios and steps, the customers' policies their
    scenario, and its credit-control lines the reminder history, so that a
    company keeps its history. Previewed first; idempotent."""

    _name = "credit.control.oca.import"
    _description = "Switch from OCA Credit Control"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    switch_customers = fields.Boolean(
        default=True,
        help="Remove the OCA policies of the company and of its customers once imported, so that the "
        "suite's engine reminds them from now on. Otherwise OCA's engine keeps them until you do.",
    )
    state = fields.Selection([("preview", "Preview"), ("done", "Done")], default="preview", required=True)
    policy_count = fields.Integer(string="Policies to Import", readonly=True)
    step_count = fields.Integer(string="Levels to Import", readonly=True)
    customer_count = fields.Integer(string="Customers to Switch", readonly=True)
    history_count = fields.Integer(string="Credit Control Lines to Import", readonly=True)
    summary = fields.Text(readonly=True)

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_preview(self):
        self.ensure_one()
        self._check_rights()
        plan = self._oca_plan()
        self.write({
            "policy_count": len(plan["policies"]),
            "step_count": len(plan["levels"]),
            "customer_count": len(plan["partners"]),
            "history_count": len(plan["lines"]),
            "summary": self._oca_summary(plan),
        })
        return self._reopen()

    def action_import(self):
        self.ensure_one()
        self._check_rights()
        plan = self._oca_plan()
        steps = self._oca_import_policies(plan)
        self._oca_import_customers(plan, steps)
        reminders = self._oca_import_history(plan, steps)
        self.write({
            "state": "done",
            "summary": _(
                "%(policies)s scenarios with %(steps)s steps created, %(customers)s customers switched, "
                "%(reminders)s reminders added to the history from %(lines)s credit control lines.",
                policies=len(plan["policies"]), steps=len(plan["levels"]), customers=len(plan["partners"]),
                reminders=len(reminders), lines=len(plan["lines"]),
            ),
        })
        return self._reopen()

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _check_rights(self):
        if "credit.control.policy" not in self.env:
            raise UserError(_("OCA Credit Control (account_credit_control) is not installed in this database."))
        if not self.env.user.has_group("credit_control_base.group_credit_control_manager"):
            raise AccessError(_("Only credit managers can switch from OCA Credit Control."))

    def _oca_plan(self):
        """What an import would add: the OCA records of the company not
        imported yet. OCA's own access rules do not know our credit
        managers: read under sudo, after _check_rights."""
        env = self.sudo().env
        company = self.company_id
        lines = env["credit.control.line"].search([
            ("company_id", "=", company.id), ("state", "in", list(LINE_STATES)),
        ], order="date, id")
        partners = env["res.partner"].with_context(active_test=False).search([
            ("credit_policy_id", "!=", False), ("company_id", "in", [False, company.id]),
        ])
        # the company's own policies, and the shared ones it uses
        policies = env["credit.control.policy"].with_context(active_test=False).search([
            ("company_id", "=", company.id),
        ]) | company.credit_policy_id | partners.credit_policy_id | lines.policy_level_id.policy_id
        partners = partners.filtered(lambda partner: partner.credit_policy_id in policies)
        return {
            "policies": policies - self._oca_imported("policy", policies),
            "levels": policies.level_ids - self._oca_imported("level", policies.level_ids),
            "partners": partners if self.switch_customers else partners.browse(),
            "company_policy": company.credit_policy_id if self.switch_customers else policies.browse(),
            "lines": lines - self._oca_imported("line", lines),
        }

    def _oca_summary(self, plan):
        lines = [
            _("%(count)s policies become scenarios: %(names)s", count=len(plan["policies"]),
              names=", ".join(plan["policies"].mapped("name")) or "-"),
            _("%s levels become steps; e-mail levels use the suite's reminder templates, letters and calls keep "
              "their text.", len(plan["levels"])),
            _("%s customers get the scenario of their policy and leave OCA's engine.", len(plan["partners"])),
            _("%s credit control lines (sent, ignored or failed) become the reminder history.", len(plan["lines"])),
        ]
        if not any(plan[key] for key in ("policies", "levels", "partners", "lines")):
            lines.append(_("Nothing left to import: it was done already."))
        return "\n".join(lines)

    def _oca_import_policies(self, plan):
        """Scenarios and steps; return ``{OCA level id: step}`` for every
        level of the company's policies, imported now or before."""
        Scenario = self.env["credit.control.scenario"].sudo()
        scenarios = Scenario.create([{
            "name": policy.name,
            "active": policy.active,
            "company_id": self.company_id.id,
            "grouping": "per_customer",
            "description": _("Imported from the OCA credit control policy %s.", policy.name),
        } for policy in plan["policies"]])
        self._oca_remember("policy", plan["policies"], scenarios)
        scenario_of = self._oca_targets("policy", plan["levels"].policy_id, Scenario)
        for policy, levels in plan["levels"].grouped("policy_id").items():
            steps = self.env["credit.control.scenario.step"].sudo().create([
                self._oca_step_values(level, scenario_of[policy.id]) for level in levels.sorted("level")
            ])
            self._oca_remember("level", levels.sorted("level"), steps)
        all_levels = self.env["credit.control.policy.level"].sudo().search([
            ("policy_id.company_id", "in", [False, self.company_id.id]),
        ])
        return self._oca_targets("level", all_levels, self.env["credit.control.scenario.step"].sudo())

    @api.model
    def _oca_delay(self, level):
        """Days after the due date. OCA counts a level from the due date, from
        the end of the due month (half a month later on average) or from the
        previous level; a step counts from the due date."""
        if level.computation_mode == "end_of_month":
            return level.delay_days + 15
        previous = level.policy_id.level_ids.filtered(lambda other: other.level < level.level)
        if level.computation_mode == "previous_date" and previous:
            return level.delay_days + self._oca_delay(previous.sorted("level")[-1])
        return level.delay_days

    def _oca_step_values(self, level, scenario):
        channel = CHANNELS.get(level.channel, "task")
        values = {
            "scenario_id": scenario.id,
            "name": level.name,
            "sequence": level.level,
            "delay_days": self._oca_delay(level),
            "channel": channel,
            # OCA sends nothing without a user: neither does the import
            "automatic": False,
        }
        text = Markup("<br/>").join(escape(line) for line in (level.custom_text or "").splitlines())
        if channel == "email":
            first = level == level.policy_id.level_ids.sorted("level")[:1]
            values["mail_template_id"] = self.env.ref(
                "credit_control_scenario.mail_template_first_reminder" if first
                else "credit_control_scenario.mail_template_second_reminder"
            ).id
        elif channel == "letter":
            values["letter_body"] = Markup("<p>%s</p>") % text
        elif channel == "phone":
            values["call_script"] = Markup("<p>%s</p>") % text
        return values

    def _oca_import_customers(self, plan, steps):
        policies = plan["partners"].credit_policy_id | plan["company_policy"]
        scenario_of = self._oca_targets("policy", policies, self.env["credit.control.scenario"].sudo())
        Dossier = self.env["credit.control.dossier"].sudo()
        for policy, contacts in plan["partners"].grouped("credit_policy_id").items():
            customers = contacts.commercial_partner_id
            dossiers = Dossier.search([("partner_id", "in", customers.ids), ("company_id", "=", self.company_id.id)])
            missing = customers - dossiers.partner_id
            dossiers |= Dossier.create([{"partner_id": p.id, "company_id": self.company_id.id} for p in missing])
            dossiers.credit_scenario_id = scenario_of.get(policy.id)
        plan["partners"].with_company(self.company_id).sudo().credit_policy_id = False
        if plan["company_policy"]:
            self.company_id.sudo().credit_control_scenario_id = scenario_of.get(plan["company_policy"].id)
            self.company_id.sudo().credit_policy_id = False

    def _oca_import_history(self, plan, steps):
        """One reminder per OCA communication (or per customer, level and
        day for lines without one) and state, with a line per invoice."""
        groups = defaultdict(lambda: self.env["credit.control.line"].sudo())
        for line in plan["lines"]:
            key = line.communication_id or (line.commercial_partner_id, line.policy_level_id, line.date)
            groups[key, line.state] |= line
        moves = plan["lines"].move_line_id.move_id
        Dossier = self.env["credit.control.dossier"].sudo()
        Dossier._ensure_dossiers(moves)
        dossiers = {
            dossier.partner_id: dossier
            for dossier in Dossier.search([
                ("partner_id", "in", plan["lines"].commercial_partner_id.ids),
                ("company_id", "=", self.company_id.id),
            ])
        }
        values, sources = [], []
        for lines in groups.values():
            first = lines[0]
            step = steps[first.policy_level_id.id]
            state = LINE_STATES[first.state]
            if state == "sent" and step.channel == "phone":
                state = "done"
            values.append({
                "dossier_id": dossiers[first.commercial_partner_id].id,
                "company_id": self.company_id.id,
                "scenario_id": step.scenario_id.id,
                "step_id": step.id,
                "channel": step.channel,
                "state": state,
                "date": first.date,
                "sent_date": first.date_sent,
                "comment": _("Imported from OCA Credit Control (level %(level)s, %(state)s).",
                             level=first.policy_level_id.name, state=first.state),
                "line_ids": [fields.Command.create({
                    "move_id": line.move_line_id.move_id.id,
                    "step_id": step.id,
                    "amount": line.balance_due,
                }) for line in lines],
            })
            sources.append(lines)
        reminders = self.env["credit.control.action"].sudo().create(values)
        for reminder, lines in zip(reminders, sources, strict=True):
            self._oca_remember("line", lines, reminder.line_ids.sorted("id"))
        return reminders

    # ------------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------------

    def _oca_imported(self, kind, sources):
        """The records of ``sources`` imported before."""
        return sources.browse(self._oca_targets(kind, sources, None, ids_only=True))

    def _oca_targets(self, kind, sources, target_model, ids_only=False):
        """``{source id: target record}`` of what was imported, or the
        imported source ids with ``ids_only``."""
        names = {self._oca_key(kind, source): source.id for source in sources}
        data = self.env["ir.model.data"].sudo().search_read(
            [("module", "=", IMPORT_MODULE), ("name", "in", list(names))], ["name", "res_id"]
        )
        if ids_only:
            return [names[row["name"]] for row in data]
        return {names[row["name"]]: target_model.browse(row["res_id"]) for row in data}

    def _oca_key(self, kind, source):
        # a policy shared between companies becomes a scenario of each
        return f"{kind}_{source.id}_{self.company_id.id}"

    def _oca_remember(self, kind, sources, targets):
        self.env["ir.model.data"].sudo().create([{
            "module": IMPORT_MODULE,
            "name": self._oca_key(kind, source),
            "model": target._name,
            "res_id": target.id,
            "noupdate": True,
        } for source, target in zip(sources, targets, strict=True)])

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Switch from OCA Credit Control"),
        }
