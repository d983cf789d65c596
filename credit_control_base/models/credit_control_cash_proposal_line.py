from odoo import fields, models


class CreditControlCashProposalLine(models.Model):
    """The share of a bank line or payment a proposal allocates to one open
    invoice."""

    _name = "credit.control.cash.proposal.line"
    _description = "Cash Application Proposal Line"
    _order = "proposal_id, id"

    proposal_id = fields.Many2one("credit.control.cash.proposal", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="proposal_id.company_id", store=True)
    currency_id = fields.Many2one(related="proposal_id.currency_id")
    move_line_id = fields.Many2one(
        "account.move.line", string="Receivable Item", required=True, ondelete="cascade", index=True
    )
    move_id = fields.Many2one(related="move_line_id.move_id", string="Invoice")
    partner_id = fields.Many2one(related="move_line_id.partner_id", string="Customer")
    date_maturity = fields.Date(related="move_line_id.date_maturity", string="Due Date")
    amount_residual = fields.Monetary(
        related="move_line_id.amount_residual_currency", string="Still Due", currency_field="currency_id"
    )
    amount = fields.Monetary(string="Allocated", currency_field="currency_id", required=True)
    remittance_amount = fields.Monetary(
        string="On Remittance Advice",
        currency_field="currency_id",
        help="Amount the customer's remittance advice gives for this invoice.",
    )
