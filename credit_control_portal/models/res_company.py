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

    @api.constrains("credit_portal_link_days", "credit_portal_promise_max_days", "credit_portal_upload_max_mb")
    def _check_credit_portal_limits(self):
        for company in self:
            if min(company.credit_portal_link_days, company.credit_portal_promise_max_days,
                   company.credit_portal_upload_max_mb) < 1:
                raise ValidationError(_("The portal link validity, promise horizon and attachment limit must be "
                                        "at least 1."))
