from odoo import fields, models


class CreditControlKpiKeptMonth(models.Model):
    """A customer's credit sales of a month back from the day its
    company's figures are kept (``credit.control.kpi.kept``): month 0 ends
    on that day, month k k months before (the months the count-back DSO
    walks)."""

    _name = "credit.control.kpi.kept.month"
    _description = "Credit Control KPIs: Customer Credit Sales per Month Kept for a Day"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade", index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True, ondelete="cascade")
    month = fields.Integer(string="Months Back", readonly=True)
    sales = fields.Monetary(string="Credit Sales", readonly=True)
    sales_period = fields.Monetary(
        string="Credit Sales of the Period", readonly=True,
        help="The month's credit sales within the DSO period (empty when none of its days is).",
    )
    # the count-back's walk of the customer's months, as it walks them
    covered = fields.Monetary(
        string="Credit Sales Since", readonly=True,
        help="The customer's credit sales of this month and the later ones walked back.",
    )
    month_before = fields.Integer(
        string="Month Walked Before", readonly=True,
        help="The last month with credit sales walked before this one (-1 for none).",
    )
    last = fields.Boolean(string="Last Month Walked", readonly=True)
