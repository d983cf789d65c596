from dateutil.relativedelta import relativedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import formatLang

from ..const import ORIGINS, PLAN_STATES


class CreditControlPaymentPlan(models.Model):
    """A customer's debt split into dated monthly instalments. Each
    instalment is followed like a payment promise; a missed one breaks the
    plan and collection resumes."""

    _name = "credit.control.payment.plan"
    _description = "Payment Plan"
    _inherit = ["credit.control.dossier.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _mail_post_access = "read"

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    move_ids = fields.Many2many(
        "account.move",
        "credit_control_payment_plan_account_move_rel",
        "plan_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id), ('company_id', '=', company_id), "
        "('move_type', 'in', ('out_invoice', 'out_receipt')), ('state', '=', 'posted'), "
        "('payment_state', 'in', ('not_paid', 'partial'))]",
    )
    currency_id = fields.Many2one(
        "res.currency", compute="_compute_currency_id", store=True, readonly=False,
    )
    amount_total = fields.Monetary(
        compute="_compute_amount_total", store=True, readonly=False, string="Amount to Spread",
        help="What is left to pay on the invoices by default.",
    )
    instalment_count = fields.Integer(string="Instalments", default=3, required=True)
    first_date = fields.Date(
        string="First Instalment", required=True,
        default=lambda self: fields.Date.context_today(self) + relativedelta(months=1),
    )
    instalment_ids = fields.One2many("credit.control.promise", "plan_id", string="Schedule")
    state = fields.Selection(
        PLAN_STATES, default="draft", required=True, readonly=True, copy=False, index=True, tracking=True,
    )
    residual_start = fields.Monetary(
        string="Residual When Agreed", readonly=True, copy=False,
        help="What the invoices of the plan still owed when it was agreed.",
    )
    amount_paid = fields.Monetary(compute="_compute_amount_paid")
    next_date = fields.Date(
        compute="_compute_amount_paid", string="Next Instalment",
        help="Due date of the next instalment not paid yet.",
    )
    user_id = fields.Many2one("res.users", string="Recorded by", default=lambda self: self.env.user)
    origin = fields.Selection(ORIGINS, default="manual", required=True, readonly=True)
    note = fields.Text()

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("move_ids", "company_id")
    def _compute_currency_id(self):
        for plan in self:
            plan.currency_id = plan.move_ids[:1].currency_id or plan.company_id.currency_id or (
                self.env.company.currency_id
            )

    @api.depends("move_ids")
    def _compute_amount_total(self):
        for plan in self:
            plan.amount_total = sum(plan.move_ids.mapped("amount_residual"))

    @api.depends("instalment_ids.amount_paid", "instalment_ids.state", "instalment_ids.date")
    def _compute_amount_paid(self):
        for plan in self:
            plan.amount_paid = sum(plan.instalment_ids.mapped("amount_paid"))
            pending = plan.instalment_ids.filtered(lambda i: i.state == "pending").sorted("date")
            plan.next_date = pending[:1].date

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------

    @api.constrains("instalment_count", "amount_total")
    def _check_instalments(self):
        for plan in self:
            if plan.instalment_count < 1:
                raise ValidationError(_("A payment plan has at least one instalment."))
            if plan.currency_id.compare_amounts(plan.amount_total, 0) <= 0:
                raise ValidationError(_("The amount of a payment plan must be positive."))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("credit.control.payment.plan") or "/"
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_confirm(self):
        """Agree on the plan: split the amount into monthly instalments from
        the first date, the last one taking the rounding difference."""
        if self.filtered(lambda p: p.state != "draft"):
            raise UserError(_("Only draft payment plans can be confirmed."))
        if any(not plan.move_ids for plan in self):
            raise UserError(_("Select the invoices the payment plan covers."))
        instalments = []
        for plan in self:
            currency = plan.currency_id
            share = currency.round(plan.amount_total / plan.instalment_count)
            for index in range(plan.instalment_count):
                last = index == plan.instalment_count - 1
                instalments.append({
                    "plan_id": plan.id,
                    "dossier_id": plan.dossier_id.id,
                    "move_ids": [Command.set(plan.move_ids.ids)],
                    "currency_id": currency.id,
                    "date": plan.first_date + relativedelta(months=index),
                    "amount": currency.round(plan.amount_total - share * index) if last else share,
                    "sequence": index + 1,
                    "origin": plan.origin,
                    "user_id": plan.user_id.id,
                    "residual_start": 0.0,
                })
            plan.write({
                "state": "active",
                "residual_start": sum(plan.move_ids.mapped("amount_residual")),
            })
        self.env["credit.control.promise"].create(instalments)
        for plan in self:
            plan.message_post(body=_(
                "Payment plan agreed: %(amount)s in %(count)s instalments from %(date)s.",
                amount=formatLang(self.env, plan.amount_total, currency_obj=plan.currency_id),
                count=plan.instalment_count,
                date=plan.first_date,
            ))
        self._credit_refresh()
        return True

    def action_cancel(self):
        if self.filtered(lambda p: p.state not in ("draft", "active")):
            raise UserError(_("Only draft or active payment plans can be cancelled."))
        self.instalment_ids.filtered(lambda i: i.state == "pending").action_cancel()
        self.state = "cancelled"
        return True

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _credit_create_plan(self, dossier, moves, instalment_count, first_date, amount=None, origin="manual",
                            note=None):
        """Agree on a payment plan of ``instalment_count`` monthly
        instalments from ``first_date`` for ``moves`` of ``dossier``; the
        amount is what is left to pay on them by default."""
        values = {
            "dossier_id": dossier.id,
            "move_ids": [Command.set(moves.ids)],
            "instalment_count": instalment_count,
            "first_date": first_date,
            "origin": origin,
            "note": note or False,
        }
        if amount is not None:
            values["amount_total"] = amount
        plan = self.create(values)
        plan.action_confirm()
        return plan

    @api.model
    def _credit_plannable_moves(self, moves):
        """What of ``moves`` a new plan may cover: still to pay, not in an
        open dispute (settle it first), not under a pending promise or plan
        (the promise constraint refuses two), in one currency (the first's,
        oldest due first)."""
        moves = moves.filtered(
            lambda m: m.state == "posted"
            and m.payment_state in ("not_paid", "partial")
            and not m.credit_dispute_since
            and not any(p.state == "pending" for p in m.credit_promise_ids)
        )
        moves = moves.sorted(lambda m: (m.credit_due_date or m.invoice_date_due or fields.Date.today(), m.id))
        return moves.filtered(lambda m: m.currency_id == moves[:1].currency_id)

    def _credit_refresh(self):
        """Allocate what was paid on the invoices since the plan was agreed
        to its instalments in date order: an instalment is kept once covered,
        the plan completed when all are."""
        for plan in self.filtered(lambda p: p.state in ("active", "completed")):
            residual = sum(plan.move_ids.mapped("amount_residual"))
            available = max(plan.residual_start - residual, 0.0)
            fully_paid = plan.currency_id.is_zero(residual)
            for instalment in plan.instalment_ids.sorted(lambda i: (i.date, i.sequence, i.id)):
                share = min(available, instalment.amount)
                available -= share
                instalment._credit_set_paid(share, fully_paid=fully_paid)
            done = all(i.state == "kept" for i in plan.instalment_ids)
            if done and plan.state == "active":
                plan.state = "completed"
                plan.message_post(body=_("Payment plan completed."))
            elif not done and plan.state == "completed":
                plan.state = "active"

    def _credit_break(self):
        """A missed instalment breaks the plan: its remaining instalments are
        cancelled and collection resumes on the invoices."""
        plans = self.filtered(lambda p: p.state == "active")
        plans.instalment_ids.filtered(lambda i: i.state == "pending").write({
            "state": "cancelled", "closed_date": fields.Date.context_today(self),
        })
        plans.state = "broken"
        for plan in plans:
            plan.message_post(body=_("An instalment was missed: the payment plan is broken, collection resumes."))
