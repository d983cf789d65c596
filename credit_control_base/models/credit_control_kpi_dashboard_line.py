from odoo import _, fields, models
from odoo.tools import format_date

from ..tools.lang_format import elide
from .credit_control_kpi import SALE_MOVE_TYPES


class CreditControlKpiDashboardLine(models.TransientModel):
    """KPIs of one segment, collector or customer of a dashboard."""

    _name = "credit.control.kpi.dashboard.line"
    _description = "Credit Dashboard Breakdown"
    _order = "outstanding desc, id"

    dashboard_id = fields.Many2one("credit.control.kpi.dashboard", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="dashboard_id.currency_id")
    segment_id = fields.Many2one("credit.control.segment", string="Segment")
    collector_id = fields.Many2one("res.users", string="Collector")
    partner_id = fields.Many2one("res.partner", string="Customer")
    outstanding = fields.Monetary()
    overdue = fields.Monetary()
    overdue_rate = fields.Float(
        string="Overdue Rate (%)", aggregator="avg",
        help="Overdue amount / outstanding, in percent.",
    )
    late_customers = fields.Integer(
        help="Customers with at least one overdue amount.",
    )
    dso_countback = fields.Float(
        string="DSO (count-back)", aggregator="avg",
        help="Count-back DSO: walking back month by month from the date, each month's credit sales are "
        "taken off the receivables until they are covered; the days walked (the last month pro "
        "rata).",
    )
    dso_simple = fields.Float(
        string="DSO (simple)", aggregator="avg",
        help="Simple DSO: receivables / credit sales of the period x days of the period.",
    )
    add_days = fields.Float(string="Average Days Delinquent", aggregator="avg")

    def action_open_invoices(self):
        """The open invoices behind the line (the dashboard's filters and
        the line's segment, collector or customer)."""
        self.ensure_one()
        dashboard = self.dashboard_id
        fname = f"{dashboard.group_by}_id"
        return dashboard._credit_drill([(fname, "=", self[fname].id)], self[fname].display_name or _("None"))


class CreditControlKpiDashboardMonth(models.TransientModel):
    """One month of a dashboard: receivables, credit sales, CEI, DSO."""

    _name = "credit.control.kpi.dashboard.month"
    _description = "Credit Dashboard Month"
    _order = "month"

    dashboard_id = fields.Many2one("credit.control.kpi.dashboard", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="dashboard_id.currency_id")
    month = fields.Date()
    date_to = fields.Date(string="Until")
    opening = fields.Monetary(string="Opening Receivables", aggregator=None)
    sales = fields.Monetary(string="Credit Sales")
    closing = fields.Monetary(string="Closing Receivables", aggregator=None)
    closing_current = fields.Monetary(
        string="Closing Not Due", aggregator=None,
        help="Receivables at the end of the month not yet due on that day.",
    )
    collected = fields.Monetary(help="Opening receivables + credit sales - closing receivables.")
    cei = fields.Float(
        string="CEI (%)", aggregator="avg",
        help="Collection Effectiveness Index of the month: (opening receivables + credit sales - "
        "closing receivables) / (opening receivables + credit sales - closing receivables not yet "
        "due) x 100. 100 % means everything collectable was collected.",
    )
    dso_countback = fields.Float(string="DSO (count-back)", aggregator="avg")
    dso_simple = fields.Float(string="DSO (simple)", aggregator="avg")

    def action_open_sales(self):
        """The credit sales of the month: invoices, receipts and credit notes
        posted with an accounting date in the month."""
        self.ensure_one()
        dashboard = self.dashboard_id
        moves = self.env["account.move"].search([
            ("move_type", "in", SALE_MOVE_TYPES),
            ("state", "=", "posted"),
            ("company_id", "=", dashboard.company_id.id),
            ("date", ">=", self.month),
            ("date", "<=", self.date_to),
        ])
        month = format_date(self.env, self.month, date_format="MMMM y")
        # "Ventes à crédit d'avril 2026"
        return dashboard._credit_report()._credit_invoices_action(
            moves, elide(self.env, _("Credit sales of %s", month), month)
        )

    def action_open_closing(self):
        """The receivables at the end of the month: the aged balance as of
        that day."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("credit_control_base.credit_control_aged_balance_action")
        action.update({
            "name": _("Receivables on %s", format_date(self.env, self.date_to)),
            "domain": [("company_id", "=", self.dashboard_id.company_id.id)],
            "context": {"credit_as_of": fields.Date.to_string(self.date_to), "search_default_group_partner": 1},
        })
        return action


class CreditControlKpiDashboardWeek(models.TransientModel):
    """One week of the cash-in forecast of a dashboard."""

    _name = "credit.control.kpi.dashboard.week"
    _description = "Credit Dashboard Forecast Week"
    _order = "date_from"

    dashboard_id = fields.Many2one("credit.control.kpi.dashboard", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="dashboard_id.currency_id")
    date_from = fields.Date(string="Week of")
    date_to = fields.Date(string="Until")
    estimated = fields.Monetary(help="Open instalments expected this week: due date + the customer's usual delay.")
    # one field per kind of account.move._credit_forecast_override_kinds (higher modules add theirs)
    promised = fields.Monetary(help="Payment promises expected this week.")
    amount = fields.Monetary(string="Expected Cash-in")

    def action_open_invoices(self):
        """The invoices whose cash-in the week expects."""
        self.ensure_one()
        dashboard = self.dashboard_id
        today = fields.Date.context_today(self)
        moves = self.env["credit.control.kpi.forecast"]._kpi_forecast_week_moves(
            max((self.date_from - today).days // 7, 0), today, dashboard.company_id.ids, dashboard._credit_filters()
        )
        return dashboard._credit_report()._credit_invoices_action(
            moves, _("Cash-in expected from %s", format_date(self.env, self.date_from))
        )
