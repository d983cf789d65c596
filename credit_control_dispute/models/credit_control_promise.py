from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date, formatLang

from ..const import ORIGINS, PROMISE_STATES


class CreditControlPromise(models.Model):
    """A customer promises to pay an amount by a date for some invoices.
    Reminders on those invoices pause until the date plus the company's grace
    period. The promise is kept when the invoices' residual (in their own
    currency) has gone down by the promised amount since it was recorded,
    partially kept or broken when the grace period ends before that.

    Instalments of a payment plan are promises too: they share the plan's
    invoices, and the plan allocates what was paid to them in date order."""

    _name = "credit.control.promise"
    _description = "Payment Promise"
    _inherit = ["credit.control.dossier.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _mail_post_access = "read"

    move_ids = fields.Many2many(
        "account.move",
        "credit_control_promise_account_move_rel",
        "promise_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain="[('commercial_partner_id', '=', partner_id), ('company_id', '=', company_id), "
        "('move_type', 'in', ('out_invoice', 'out_receipt')), ('state', '=', 'posted'), "
        "('payment_state', 'in', ('not_paid', 'partial'))]",
    )
    date = fields.Date(string="Promised Date", required=True, tracking=True, index=True)
    currency_id = fields.Many2one(
        "res.currency", compute="_compute_currency_id", store=True, readonly=False,
        help="The currency of the covered invoices: the promise is followed in it.",
    )
    amount = fields.Monetary(
        compute="_compute_amount", store=True, readonly=False, tracking=True,
        help="Promised amount, in the currency of the invoices; what is left to pay on them by default.",
    )
    state = fields.Selection(
        PROMISE_STATES, default="pending", required=True, readonly=True, copy=False, index=True, tracking=True,
    )
    pause_until = fields.Date(
        compute="_compute_pause_until",
        store=True,
        string="Reminders Paused Until",
        help="Promised date plus the grace period of the company.",
    )
    is_late = fields.Boolean(
        compute="_compute_is_late",
        search="_search_is_late",
        string="Late",
        help="The promised date has passed without the promise being kept: the nightly job breaks it "
        "at the end of the grace period.",
    )
    residual_start = fields.Monetary(
        string="Residual When Promised", readonly=True, copy=False,
        help="What was left to pay on the invoices when the promise was recorded.",
    )
    amount_paid = fields.Monetary(
        readonly=True, copy=False,
        help="How much the residual of the invoices went down since the promise was recorded.",
    )
    plan_id = fields.Many2one("credit.control.payment.plan", string="Payment Plan", index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    user_id = fields.Many2one("res.users", string="Recorded by", default=lambda self: self.env.user)
    origin = fields.Selection(ORIGINS, default="manual", required=True, readonly=True)
    note = fields.Text()
    closed_date = fields.Date(readonly=True, copy=False)

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("date", "amount", "currency_id")
    def _compute_display_name(self):
        for promise in self:
            promise.display_name = _(
                "%(amount)s on %(date)s",
                amount=formatLang(self.env, promise.amount, currency_obj=promise.currency_id),
                date=format_date(self.env, promise.date) if promise.date else "?",
            )

    @api.depends("move_ids", "company_id")
    def _compute_currency_id(self):
        for promise in self:
            promise.currency_id = promise.move_ids[:1].currency_id or promise.company_id.currency_id or (
                self.env.company.currency_id
            )

    @api.depends("move_ids")
    def _compute_amount(self):
        for promise in self:
            promise.amount = sum(promise.move_ids.mapped("amount_residual"))

    @api.depends("date", "company_id.credit_promise_grace_days")
    def _compute_pause_until(self):
        for promise in self:
            grace = promise.company_id.credit_promise_grace_days
            promise.pause_until = promise.date and promise.date + timedelta(days=grace)

    @api.depends("state", "date")
    @api.depends_context("tz")
    def _compute_is_late(self):
        today = fields.Date.context_today(self)
        for promise in self:
            promise.is_late = bool(promise.state == "pending" and promise.date and promise.date < today)

    def _search_is_late(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(_("Unsupported search on late promises."))
        today = fields.Date.context_today(self)
        if (operator == "=") == value:
            return [("state", "=", "pending"), ("date", "<", today)]
        return ["|", ("state", "!=", "pending"), ("date", ">=", today)]

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------

    @api.constrains("move_ids", "dossier_id", "amount")
    def _check_moves_and_amount(self):
        for promise in self:
            if promise.currency_id.compare_amounts(promise.amount, 0) <= 0:
                raise ValidationError(_("A promised amount must be positive."))
            if not promise.move_ids:
                raise ValidationError(_("A payment promise covers at least one invoice."))
            alien = promise.move_ids.filtered(
                lambda m, p=promise: m.commercial_partner_id != p.partner_id or m.company_id != p.company_id
            )
            if alien:
                raise ValidationError(_(
                    "Invoices %(invoices)s are not invoices of %(customer)s.",
                    invoices=", ".join(alien.mapped("name")),
                    customer=promise.partner_id.display_name,
                ))
            if promise.move_ids.currency_id != promise.currency_id:
                raise ValidationError(_(
                    "The invoices of a promise must share one currency, the currency of the promise."
                ))

    @api.constrains("move_ids", "state")
    def _check_single_pending(self):
        # Two pending promises on one invoice would both count its payments;
        # the instalments of one plan share their invoices on purpose.
        pending = self.filtered(lambda p: p.state == "pending")
        if not pending:
            return
        self.flush_model(["state", "plan_id", "move_ids"])
        rows = self.env.execute_query(SQL(
            """
            SELECT r.move_id
              FROM credit_control_promise_account_move_rel r
              JOIN credit_control_promise p ON p.id = r.promise_id
             WHERE p.state = 'pending'
               AND r.move_id IN (SELECT move_id FROM credit_control_promise_account_move_rel
                                  WHERE promise_id IN %s)
          GROUP BY r.move_id
            HAVING COUNT(DISTINCT COALESCE(-p.plan_id, p.id)) > 1
            """,
            tuple(pending.ids),
        ))
        if rows:
            moves = self.env["account.move"].browse([row[0] for row in rows])
            raise ValidationError(_(
                "Invoices %(invoices)s already have a pending promise or payment plan: cancel it first.",
                invoices=", ".join(moves.sudo().mapped("name")),
            ))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        promises = super().create(vals_list)
        for promise, vals in zip(promises, vals_list, strict=True):
            if not promise.plan_id and "residual_start" not in vals:
                promise.residual_start = sum(promise.move_ids.mapped("amount_residual"))
        promises._credit_excluding().move_ids._credit_collection_changed()
        return promises

    def write(self, vals):
        tracked = {"state", "move_ids", "date"} & set(vals)
        before = self._credit_excluding().move_ids if tracked else None
        result = super().write(vals)
        if tracked:
            after = self._credit_excluding().move_ids
            changed = (before - after) | (after - before)
            if changed:
                changed._credit_collection_changed()
        return result

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_cancel(self):
        if self.filtered(lambda p: p.state != "pending"):
            raise UserError(_("Only pending promises can be cancelled."))
        self.write({"state": "cancelled", "closed_date": fields.Date.context_today(self)})
        return True

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _credit_create_promise(self, dossier, moves, date, amount=None, origin="manual", note=None):
        """Record that the customer of ``dossier`` promises to pay ``amount``
        (in the invoices' currency, what is left to pay by default) on
        ``moves`` by ``date``: the entry point of the invoice and dossier
        buttons, of call outcomes and of the portal."""
        values = {
            "dossier_id": dossier.id,
            "move_ids": [Command.set(moves.ids)],
            "date": date,
            "origin": origin,
            "note": note or False,
        }
        if amount is not None:
            values["amount"] = amount
        promise = self.create(values)
        owner = dossier._credit_request_owner() if origin == "portal" else None
        if owner:
            # made on the portal: the collector hears of it at once
            env = promise.with_context(lang=owner.lang).env
            dossier._credit_hand_to_owner(
                promise, owner,
                env._("Payment promise from the customer portal"),
                env._(
                    "%(customer)s promises on the customer portal to pay %(amount)s by %(date)s (%(invoices)s).",
                    customer=dossier.partner_id.display_name,
                    amount=formatLang(env, promise.amount, currency_obj=promise.currency_id),
                    date=format_date(env, promise.date),
                    invoices=", ".join(moves.mapped("name")),
                ),
            )
        return promise

    def _credit_excluding(self):
        """The promises that pause reminders today."""
        today = fields.Date.context_today(self)
        return self.filtered(lambda p: p.state == "pending" and p.pause_until and p.pause_until >= today)

    def _credit_refresh(self):
        """Follow the payments: a pending promise whose invoices went down by
        the promised amount, or were paid off, is kept; a kept promise whose
        payment was undone before its deadline is pending again. Past the
        deadline a kept promise stays kept."""
        today = fields.Date.context_today(self)
        for promise in self.filtered(lambda p: not p.plan_id):
            if promise.state not in ("pending", "kept") or (promise.state == "kept" and promise.pause_until < today):
                continue
            residual = sum(promise.move_ids.mapped("amount_residual"))
            paid = max(promise.residual_start - residual, 0.0)
            promise._credit_set_paid(paid, fully_paid=promise.currency_id.is_zero(residual))
        self.plan_id._credit_refresh()

    def _credit_set_paid(self, paid, fully_paid=False):
        self.ensure_one()
        currency = self.currency_id
        kept = fully_paid or currency.compare_amounts(paid, self.amount) >= 0
        values = {}
        if currency.compare_amounts(paid, self.amount_paid):
            values["amount_paid"] = paid
        if kept and self.state == "pending":
            values.update(state="kept", closed_date=fields.Date.context_today(self))
        elif not kept and self.state == "kept":
            values.update(state="pending", closed_date=False)
        if values:
            self.write(values)
            if values.get("state") == "kept":
                self.message_post(body=_("Promise kept."))

    def _credit_break(self):
        """The grace period ended before the promised amount was paid: the
        promise is partially kept or broken, collection resumes, the
        collector gets an activity and the dossier's history records it."""
        today = fields.Date.context_today(self)
        partially = self.filtered(lambda p: not p.currency_id.is_zero(p.amount_paid))
        # The message logged below says more than the tracking would.
        partially.with_context(mail_notrack=True).write({"state": "partially_kept", "closed_date": today})
        (self - partially).with_context(mail_notrack=True).write({"state": "broken", "closed_date": today})
        self.plan_id._credit_break()
        # A night can break many promises: log and schedule in batches.
        bodies, dossier_bodies, activities = {}, defaultdict(list), []
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        dossier_model_id = self.env["ir.model"]._get_id("credit.control.dossier")
        for promise in self:
            dossier = promise.dossier_id
            if promise.state == "partially_kept":
                body = _(
                    "Payment promise of %(amount)s due on %(date)s only partially kept (%(paid)s paid): "
                    "collection resumes.",
                    amount=formatLang(self.env, promise.amount, currency_obj=promise.currency_id),
                    paid=formatLang(self.env, promise.amount_paid, currency_obj=promise.currency_id),
                    date=format_date(self.env, promise.date),
                )
            else:
                body = _(
                    "Payment promise of %(amount)s due on %(date)s broken: collection resumes.",
                    amount=formatLang(self.env, promise.amount, currency_obj=promise.currency_id),
                    date=format_date(self.env, promise.date),
                )
            invoices = _("Invoices: %s", ", ".join(promise.move_ids.mapped("name")))
            bodies[promise.id] = body
            dossier_bodies[dossier.id].append(Markup("%s<br/>%s") % (body, invoices))
            activities.append({
                "res_model_id": dossier_model_id,
                "res_id": dossier.id,
                "activity_type_id": todo_type.id,
                "date_deadline": today,
                "summary": _("Payment promise not kept"),
                "note": Markup("<p>%s</p><p>%s</p>") % (body, invoices),
                "user_id": (dossier.collector_id or promise.user_id or self.env.user).id,
            })
        self._message_log_batch(bodies=bodies)
        self.dossier_id._message_log_batch(bodies={
            dossier_id: Markup("<br/>").join(parts) for dossier_id, parts in dossier_bodies.items()
        })
        # The activities land in the collectors' to-do lists; one e-mail per
        # broken promise each night would only be noise.
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(activities)
        self.move_ids._credit_collection_changed()

    # ------------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------------

    @api.model
    def _cron_check_deadlines(self, batch_size=1000):
        """Daily: promises and instalments whose grace period ended unpaid
        are broken (or partially kept), by batches: the cron runs again at
        once while some remain."""
        today = fields.Date.context_today(self)
        overdue = self.search(
            [("state", "=", "pending"), ("pause_until", "<", today)], order="pause_until, id", limit=batch_size + 1,
        )
        remaining = overdue[batch_size:]
        overdue = overdue[:batch_size]
        overdue._credit_refresh()
        overdue.filtered(lambda p: p.state == "pending")._credit_break()
        self.env["ir.cron"]._notify_progress(done=len(overdue), remaining=len(remaining))
        if remaining:
            self.env.ref("credit_control_dispute.ir_cron_credit_control_promise_deadlines")._trigger()
