from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_promise_grace_days = fields.Integer(
        string="Promise Grace Period (days)",
        default=3,
        help="Days after the promised date during which reminders stay paused, "
        "to leave time for the payment to reach the bank.",
    )

    @api.constrains("credit_promise_grace_days")
    def _check_credit_promise_grace_days(self):
        if any(company.credit_promise_grace_days < 0 for company in self):
            raise ValidationError(_("The grace period of payment promises cannot be negative."))
