from odoo import fields, models

from .credit_control_dossier import RISK_CLASS_SELECTION


class CreditControlRiskPolicy(models.Model):
    """What a risk class calls for: payment terms and credit limit that a
    credit manager may apply to the customers of the class."""

    _name = "credit.control.risk.policy"
    _description = "Risk Class Policy"
    _order = "company_id, risk_class"
    _rec_name = "risk_class"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    risk_class = fields.Selection(RISK_CLASS_SELECTION, required=True)
    payment_term_id = fields.Many2one(
        "account.payment.term", string="Suggested Payment Terms", check_company=True,
    )
    credit_limit = fields.Monetary(string="Suggested Credit Limit", help="0 means no suggestion.")
    note = fields.Char(help="Other instructions, e.g. ask for a deposit.")

    _sql_constraints = [
        ("company_class_uniq", "unique(company_id, risk_class)", "One policy per risk class and company."),
    ]
