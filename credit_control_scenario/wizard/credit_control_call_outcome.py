from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CreditControlCallOutcome(models.TransientModel):
    """Record what a call gave, in one click from the agenda, with the call
    script and the customer's situation at hand. The outcome goes through
    the dossier's hook so that other modules act on it (a promise, a
    dispute)."""

    _name = "credit.control.call.outcome"
    _description = "Call Outcome"

    # set null: the activity is deleted when marked done, the wizard is not
    activity_id = fields.Many2one("mail.activity", ondelete="set null")
    dossier_id = fields.Many2one("credit.control.dossier", required=True, ondelete="cascade")
    action_id = fields.Many2one("credit.control.action", string="Reminder", ondelete="cascade")
    call_script = fields.Html(compute="_compute_call_script")
    currency_id = fields.Many2one(related="dossier_id.currency_id")
    open_amount = fields.Monetary(related="dossier_id.open_amount")
    overdue_amount = fields.Monetary(related="dossier_id.overdue_amount")
    max_days_overdue = fields.Integer(related="dossier_id.max_days_overdue")
    move_ids = fields.Many2many("account.move", compute="_compute_move_ids", string="Invoices Reminded")
    phone = fields.Char(compute="_compute_phone")
    outcome = fields.Selection(selection="_selection_outcome", required=True)
    note = fields.Text()
    date = fields.Date(string="Promised Date", help="When the customer says it will pay, if it does.")
    amount = fields.Monetary(string="Promised Amount")

    @api.model
    def _selection_outcome(self):
        return self.env["credit.control.dossier"]._credit_call_outcomes()

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        activity = self.env["mail.activity"].browse(values.get("activity_id") or self.env.context.get("active_id"))
        if activity and activity.res_model == "credit.control.dossier":
            values["activity_id"] = activity.id
            values["dossier_id"] = activity.res_id
            values["action_id"] = activity._credit_reminder().id
        return values

    @api.depends("action_id", "activity_id")
    def _compute_call_script(self):
        for wizard in self:
            wizard.call_script = wizard.action_id.content or wizard.activity_id.note

    @api.depends("action_id", "dossier_id")
    def _compute_move_ids(self):
        for wizard in self:
            moves = wizard.action_id.move_ids
            if not moves:
                moves = self.env["account.move"].search([
                    ("commercial_partner_id", "=", wizard.dossier_id.partner_id.id),
                    ("company_id", "=", wizard.dossier_id.company_id.id),
                    ("credit_is_overdue", "=", True),
                ])
            wizard.move_ids = moves

    @api.depends("dossier_id", "action_id")
    def _compute_phone(self):
        for wizard in self:
            contact = wizard.action_id.contact_id or wizard.dossier_id.partner_id
            wizard.phone = contact.mobile or contact.phone or wizard.dossier_id.partner_id.phone

    def action_record(self):
        """Record the outcome on the dossier (and in the modules listening
        to it) and close the call."""
        self.ensure_one()
        if not self.activity_id.exists():
            raise UserError(_("This call was already closed."))
        label = dict(self._selection_outcome())[self.outcome]
        values = {
            "date": self.date,
            # no amount said: what is due on the invoices
            "amount": self.amount or None,
            "move_ids": self.move_ids.ids,
            "action_id": self.action_id.id,
            "activity_id": self.activity_id.id,
        }
        feedback = f"{label}: {self.note}" if self.note else label
        reminder = self.action_id
        # The call was made, whatever it ended with: close it first. An
        # outcome that takes the invoices out of collection (a promise, a
        # dispute) cancels the reminders still pending, which the call
        # would otherwise be, and leave the history and the effectiveness
        # figures.
        self.activity_id.action_feedback(feedback=feedback)
        if reminder:
            reminder.comment = feedback
        self.dossier_id._credit_apply_call_outcome(self.outcome, note=self.note, values=values)
        return {"type": "ir.actions.act_window_close"}
