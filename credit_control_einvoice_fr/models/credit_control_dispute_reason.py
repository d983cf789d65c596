from odoo import api, fields, models


class CreditControlDisputeReason(models.Model):
    _inherit = "credit.control.dispute.reason"

    credit_einvoice_codes = fields.Char(
        string="E-invoicing Reason Codes",
        help="The reason codes of the e-invoicing platforms (MDT-113, e.g. PU_ERR, QTE_ERR) that open a "
        "dispute with this reason, separated by commas.",
    )

    @api.model
    def _credit_for_einvoice_code(self, code):
        """The dispute reason of a platform's reason code; 'Other' when no
        reason lists it."""
        code = (code or "").strip().upper()
        if code:
            for reason in self.search([("credit_einvoice_codes", "!=", False)]):
                if code in {c.strip().upper() for c in reason.credit_einvoice_codes.split(",")}:
                    return reason
        return self.env.ref("credit_control_dispute.credit_control_dispute_reason_other")
