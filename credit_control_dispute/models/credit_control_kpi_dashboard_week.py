from odoo import fields, models


class CreditControlKpiDashboardWeek(models.TransientModel):
    """The cash-in forecast's column of payment plans: a kind of expected
    receipt of ``account.move._credit_forecast_overrides``."""

    _inherit = "credit.control.kpi.dashboard.week"

    planned = fields.Monetary(help="Instalments of payment plans expected this week.")
