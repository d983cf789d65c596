from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_portal_link_days = fields.Integer(
        string="Statement Link Validity (days)",
        default=30,
        help="How long the statement link of a reminder works without a portal account.",
    )
    credit_portal_promise_max_days = fields.Integer(
        string="Latest Promise (days)",
        default=60,
        help="How far ahead a customer may promise to pay from the portal.",
    )
    credit_portal_upload_max_mb = fields.Integer(
        string="Dispute Attachment Limit (MB)",
        default=10,
        help="Largest file a customer may attach to a dispute from the portal (PDF, PNG or JPEG).",
    )

    credit_autopay_delay_days = fields.Integer(
        string="Autopay Delay (days)",
        default=0,
        help="Autopay charges an instalment this many days after its due date (0: on the due date).",
    )
    credit_autopay_notice_days = fields.Integer(
        string="Autopay Notice (days)",
        default=5,
        help="The customer is told by e-mail this many days before a charge what will be charged "
        "(the pre-notification SEPA direct debits require).",
    )
    credit_autopay_max_retries = fields.Integer(
        string="Autopay Retries",
        default=2,
        help="How many times a declined autopay charge is tried again before the collector takes over.",
    )
    credit_autopay_retry_days = fields.Integer(
        string="Autopay Retry Interval (days)",
        default=3,
        help="Days between two attempts of a declined autopay charge.",
    )

    @api.constrains(
        "credit_autopay_delay_days", "credit_autopay_notice_days", "credit_autopay_max_retries",
        "credit_autopay_retry_days",
    )
    def _check_credit_autopay(self):
        for company in self:
            if min(company.credit_autopay_delay_days, company.credit_autopay_notice_days,
                   company.credit_autopay_max_retries) < 0 or company.credit_autopay_retry_days < 1:
                raise ValidationError(_("The autopay delay, notice and retries cannot be negative, and retries "
                                        "are at least a day apart."))

    @api.constrains("credit_portal_link_days", "credit_portal_promise_max_days", "credit_portal_upload_max_mb")
    def _check_credit_portal_limits(self):
        for company in self:
            if min(company.credit_portal_link_days, company.credit_portal_promise_max_days,
                   company.credit_portal_upload_max_mb) < 1:
                raise ValidationError(_("The portal link validity, promise horizon and attachment limit must be "
                                        "at least 1."))
