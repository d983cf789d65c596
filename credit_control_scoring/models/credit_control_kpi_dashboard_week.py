from odoo import fields, models


class CreditControlKpiDashboardWeek(models.TransientModel):
    """The cash-in forecast's column of predicted payment dates: a kind of
    expected receipt of ``account.move._credit_forecast_overrides``."""

    _inherit = "credit.control.kpi.dashboard.week"

    predicted = fields.Monetary(
        help="Open instalments of the customers with a payment profile, on their predicted payment date "
        "(promised or planned invoices are in their own columns).",
    )
