from odoo import fields, models


class CreditControlKpiKeptCustomer(models.Model):
    """A customer's open items summed as of the day its company's figures
    are kept (``credit.control.kpi.kept``), with its credit sales of the
    DSO period and its count-back DSO: its row of the summaries per
    customer."""

    _name = "credit.control.kpi.kept.customer"
    _description = "Credit Control KPIs: Customer Open Items Kept for a Day"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade", index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True, ondelete="cascade")
    outstanding = fields.Monetary(readonly=True)
    overdue = fields.Monetary(readonly=True)
    late_customers = fields.Integer(string="Late", readonly=True, help="1 when the customer has an overdue item.")
    # numeric, unrounded: the sum of each overdue amount times its days late
    late_weight = fields.Float(
        string="Days Late Weight", digits=0, readonly=True,
        help="The overdue amounts times their days late, summed.",
    )
    sales_period = fields.Monetary(string="Credit Sales of the Period", readonly=True)
    dso_countback = fields.Float(
        string="DSO (count-back)", readonly=True,
        help="Count-back DSO: walking back month by month from the date, each month's credit sales are "
        "taken off the receivables until they are covered; the days walked (the last month pro "
        "rata).",
    )
