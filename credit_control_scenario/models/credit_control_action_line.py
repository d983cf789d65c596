from odoo import fields, models


class CreditControlActionLine(models.Model):
    """An invoice covered by a reminder at a given step. At most one line
    not cancelled per invoice and step: the database itself refuses a step
    sent twice, even by two workers running at once."""

    _name = "credit.control.action.line"
    _description = "Credit Reminder Line"
    _order = "id"

    action_id = fields.Many2one("credit.control.action", required=True, index=True, ondelete="cascade")
    move_id = fields.Many2one("account.move", string="Invoice", required=True, index=True, ondelete="cascade")
    step_id = fields.Many2one("credit.control.scenario.step", required=True, ondelete="restrict")
    cancelled = fields.Boolean(
        help="The invoice was taken out of the reminder before it went out "
        "(paid, excluded, plan changed): the step may be planned again."
    )
    amount = fields.Monetary(string="Amount Due", currency_field="currency_id")
    currency_id = fields.Many2one(related="action_id.currency_id")
    state = fields.Selection(related="action_id.state")
    date = fields.Date(related="action_id.date")
    invoice_date_due = fields.Date(related="move_id.invoice_date_due")

    def init(self):
        # A partial unique index: cancelled lines do not count, so that a
        # reminder cancelled because the plan changed can be planned again.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS credit_control_action_line_move_step_uniq
                ON credit_control_action_line (move_id, step_id)
             WHERE cancelled IS NOT TRUE
            """
        )
