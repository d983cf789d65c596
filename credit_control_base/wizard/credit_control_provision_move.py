from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date


class CreditControlProvisionMove(models.TransientModel):
    """Propose the journal entry that brings the provisions for doubtful
    debts to what the aged balance requires on a date, customer by
    customer: an allowance (dotation) where more is needed, a reversal
    (reprise) where less. The entry is left in draft: an accountant checks
    and posts it."""

    _name = "credit.control.provision.move"
    _description = "Provision Entry for Doubtful Debts"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    as_of = fields.Date(string="As of", required=True, default=fields.Date.context_today)
    journal_id = fields.Many2one(
        "account.journal",
        required=True,
        check_company=True,
        domain="[('type', '=', 'general')]",
        default=lambda self: self.env["account.journal"].search(
            [("type", "=", "general"), *self.env["account.journal"]._check_company_domain(self.env.company)],
            limit=1,
        ),
    )
    provision_account_id = fields.Many2one(
        "account.account",
        string="Provision Account",
        required=True,
        check_company=True,
        help="Where the provisions are kept, e.g. 491 Dépréciation des comptes de clients.",
    )
    expense_account_id = fields.Many2one(
        "account.account",
        string="Allowance Account",
        required=True,
        check_company=True,
        help="Expense of an increase, e.g. 6817 Dotations aux dépréciations des actifs circulants.",
    )
    income_account_id = fields.Many2one(
        "account.account",
        string="Reversal Account",
        check_company=True,
        help="Income of a decrease, e.g. 7817 Reprises sur dépréciations des actifs circulants; "
        "the allowance account when empty.",
    )
    required_amount = fields.Monetary(
        string="Required Provision", compute="_compute_amounts",
        help="Provisions the aged balance calls for on the date.",
    )
    existing_amount = fields.Monetary(
        string="Current Provision", compute="_compute_amounts",
        help="Balance of the provision account on the date, from the entries already posted.",
    )
    adjustment = fields.Monetary(
        compute="_compute_amounts",
        help="Required minus existing: an allowance when positive, a reversal when negative. The draft "
        "entry books it; nothing is posted without you.",
    )

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("company_id", "as_of", "provision_account_id")
    def _compute_amounts(self):
        for wizard in self:
            required, existing = wizard._credit_provisions()
            wizard.required_amount = sum(required.values())
            wizard.existing_amount = sum(existing.values())
            wizard.adjustment = wizard.required_amount - wizard.existing_amount

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_provisions(self):
        """Return ``({partner: required}, {partner: existing})`` on the
        date: required from the aged balance, existing from the balance of
        the provision account (credit, posted entries)."""
        self.ensure_one()
        if not self.company_id or not self.as_of:
            return {}, {}
        report = self.env["credit.control.aged.balance"].with_company(self.company_id).with_context(
            credit_as_of=fields.Date.to_string(self.as_of), credit_provisioned_only=True,
        )
        required = dict(report._read_group(
            [("company_id", "=", self.company_id.id), ("provision_amount", "!=", 0),
             *report._credit_provisioned_domain()],
            ["partner_id"],
            ["provision_amount:sum"],
        ))
        existing = {}
        if self.provision_account_id:
            existing = {
                partner: -balance
                for partner, balance in self.env["account.move.line"]._read_group(
                    [
                        ("company_id", "=", self.company_id.id),
                        ("account_id", "=", self.provision_account_id.id),
                        ("parent_state", "=", "posted"),
                        ("date", "<=", self.as_of),
                    ],
                    ["partner_id"],
                    ["balance:sum"],
                )
            }
        return required, existing

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_create_move(self):
        self.ensure_one()
        required, existing = self._credit_provisions()
        currency = self.currency_id
        lines = []
        allowance = reversal = 0.0
        for partner in sorted(set(required) | set(existing), key=lambda p: p.display_name or ""):
            diff = currency.round(required.get(partner, 0.0) - existing.get(partner, 0.0))
            if currency.is_zero(diff):
                continue
            if diff > 0:
                allowance += diff
            else:
                reversal -= diff
            lines.append(fields.Command.create({
                "name": _("Provision for doubtful debts: %s", partner.display_name or _("no customer")),
                "partner_id": partner.id,
                "account_id": self.provision_account_id.id,
                "balance": -diff,
            }))
        if not lines:
            raise UserError(_("The provisions are already what the aged balance requires."))
        label = _("Provisions for doubtful debts as of %s", format_date(self.env, self.as_of))
        if allowance:
            lines.append(fields.Command.create({
                "name": label, "account_id": self.expense_account_id.id, "balance": allowance,
            }))
        if reversal:
            lines.append(fields.Command.create({
                "name": label,
                "account_id": (self.income_account_id or self.expense_account_id).id,
                "balance": -reversal,
            }))
        move = self.env["account.move"].create({
            "move_type": "entry",
            "company_id": self.company_id.id,
            "journal_id": self.journal_id.id,
            "date": self.as_of,
            "ref": label,
            "line_ids": lines,
        })
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": move.id,
            "view_mode": "form",
        }
