from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

BREAKDOWN_LIMIT = 500


class CreditControlKpiDashboard(models.TransientModel):
    """The credit manager's and CFO's summary: outstanding, overdue, DSO
    (both methods), average days delinquent, CEI per month, the cash-in
    forecast and the provisions, as of a date, for a company or a part of
    its customers. Every figure opens the invoices behind it."""

    _name = "credit.control.kpi.dashboard"
    _description = "Credit Control Dashboard"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    as_of = fields.Date(
        string="As of", required=True, default=fields.Date.context_today,
        help="Date of the figures: only the invoices, payments and reconciliations dated up to this "
        "day count.",
    )
    period = fields.Integer(
        string="DSO Period (days)",
        required=True,
        default=lambda self: self.env.company.credit_dso_period,
        help="Number of days of credit sales the simple DSO compares the receivables with (receivables "
        "/ credit sales of the period x days).",
    )
    group_by = fields.Selection(
        [("segment", "Segment"), ("collector", "Collector"), ("partner", "Customer")],
        string="Break Down by",
        required=True,
        default="segment",
    )
    segment_id = fields.Many2one("credit.control.segment", string="Segment")
    collector_id = fields.Many2one("res.users", string="Collector")
    monthly_dso = fields.Boolean(
        string="Monthly DSO",
        help="Also compute the DSO and outstanding at the end of each of the last 12 months (slower).",
    )
    outstanding = fields.Monetary(readonly=True)
    overdue = fields.Monetary(readonly=True)
    overdue_rate = fields.Float(string="Overdue Rate (%)", readonly=True, help="Overdue / outstanding.")
    late_customers = fields.Integer(readonly=True, help="Customers with at least one overdue item.")
    dso_countback = fields.Float(
        string="DSO (count-back)",
        readonly=True,
        help="Days Sales Outstanding, count-back method: starting from the date, take each past month's "
        "credit sales off the receivables until they are covered; the DSO is the number of days walked "
        "(the last month pro rata).",
    )
    dso_simple = fields.Float(
        string="DSO (simple)",
        readonly=True,
        help="Days Sales Outstanding, simple method: receivables / credit sales of the period × days of the "
        "period.",
    )
    sales_period = fields.Monetary(string="Credit Sales of the Period", readonly=True)
    add_days = fields.Float(
        string="Average Days Delinquent",
        readonly=True,
        help="Days past due of the overdue items, weighted by their open amount.",
    )
    cei_last_month = fields.Float(
        string="CEI Last Month (%)",
        readonly=True,
        help="Collection Effectiveness Index of the last complete month: (opening receivables + credit sales "
        "- closing receivables) / (opening receivables + credit sales - closing current receivables) × 100.",
    )
    forecast_total = fields.Monetary(
        string="Cash-in Next 12 Weeks", readonly=True,
        help="Receipts expected in the next 12 weeks: the due dates of the open invoices shifted by "
        "each customer's usual delay, replaced by the dates of payment promises and payment "
        "plans.",
    )
    provision_total = fields.Monetary(
        string="Provisions", readonly=True,
        help="Provisions for doubtful debts: open amounts excluding taxes times the rate of their "
        "aging bucket and segment; 100 % for disputed invoices and customers in insolvency "
        "proceedings.",
    )
    line_ids = fields.One2many("credit.control.kpi.dashboard.line", "dashboard_id", string="Breakdown")
    month_ids = fields.One2many("credit.control.kpi.dashboard.month", "dashboard_id", string="Months")
    week_ids = fields.One2many("credit.control.kpi.dashboard.week", "dashboard_id", string="Forecast")
    onboarding_ids = fields.One2many(
        "credit.control.kpi.dashboard.onboarding", "dashboard_id", string="Getting Started"
    )
    onboarding_done = fields.Boolean(compute="_compute_onboarding_done")

    @api.depends("onboarding_ids.done")
    def _compute_onboarding_done(self):
        for dashboard in self:
            dashboard.onboarding_done = all(dashboard.onboarding_ids.mapped("done"))

    def _compute_display_name(self):
        for dashboard in self:
            dashboard.display_name = _("Credit Dashboard")

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    @api.model
    def action_open_dashboard(self):
        dashboard = self.create({})
        dashboard.action_refresh()
        return {
            "type": "ir.actions.act_window",
            "name": _("Credit Dashboard"),
            "res_model": self._name,
            "res_id": dashboard.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_refresh(self):
        for dashboard in self:
            # the open items of the date are read once for the figures and
            # the getting-started steps (which read those of today)
            with dashboard._credit_sharing() as kpi:
                sharing = dashboard.with_context(credit_open_items_table=kpi.env.context.get("credit_open_items_table"))
                sharing._credit_compute()
                sharing._credit_refresh_onboarding()
        return True

    def action_open_outstanding(self):
        return self._credit_drill([], _("Outstanding"))

    def action_open_overdue(self):
        return self._credit_drill([("is_overdue", "=", True)], _("Overdue"))

    def action_open_provisions(self):
        return self._credit_drill([("provision_amount", "!=", 0)], _("Provisions"))

    def action_open_aged_balance(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_control_base.credit_control_aged_balance_action"
        )
        action["domain"] = self._credit_domain()
        action["context"] = {"credit_as_of": fields.Date.to_string(self.as_of)}
        return action

    # ------------------------------------------------------------------
    # ONBOARDING
    # ------------------------------------------------------------------

    def _credit_refresh_onboarding(self):
        self.ensure_one()
        self.onboarding_ids = [fields.Command.clear()] + [
            fields.Command.create({"sequence": sequence, **step})
            for sequence, step in enumerate(self._credit_onboarding_steps())
        ]

    def _credit_onboarding_steps(self):
        """Extension point: the getting-started steps of the company, as
        ``[{"key", "name", "description", "done", "action_xmlid"}]`` in
        order. Base checks the collectors, the segments and the dunning
        contacts; higher modules add theirs (scenario, simulation, payment)."""
        Dossier = self.env["credit.control.dossier"]
        company = [("company_id", "=", self.company_id.id)]
        top_ids, unassigned = self._credit_late_dossiers(company, limit=10)
        top = Dossier.browse(top_ids)
        return [{
            "key": "collectors",
            "name": _("Assign collectors"),
            "description": _("Every customer with overdue invoices has a collector in charge."),
            "done": bool(top) and not unassigned,
            "action_xmlid": "credit_control_base.credit_control_dossier_action",
        }, {
            "key": "segments",
            "name": _("Review the segments"),
            "description": _("Customers are grouped by segment rules, each segment with its way of collecting."),
            "done": bool(Dossier.search_count(company + [("segment_id", "!=", False)], limit=1)),
            "action_xmlid": "credit_control_base.credit_control_segment_action",
        }, {
            "key": "contacts",
            "name": _("Check the dunning contacts of your top customers"),
            "description": _("The ten customers owing the most overdue have a contact with an e-mail address."),
            "done": bool(top) and all(dossier.dunning_contact_id.email for dossier in top),
            "action_xmlid": "credit_control_base.credit_control_dossier_action",
        }]

    def _credit_late_dossiers(self, domain, limit=None):
        """``([dossier id], whether one has no collector)``: the dossiers
        of the dashboard's company matching ``domain`` that have something
        overdue, the ``limit`` owing the most first (all without a limit),
        and whether any of them has no collector, in one query (record
        rules applied). As of a day whose figures are kept
        (``credit.control.kpi.kept``), the kept customers' overdue amounts
        are read, and the open items of the customers changed since;
        inside the refresh of a dashboard as of today, the open items its
        figures read (``_kpi_shared_open_items``); else the ledger. Only
        the first few come back: not the 55,000 late customers of 1M
        receivable lines."""
        Dossier = self.env["credit.control.dossier"]
        self.env["account.move.line"]._credit_flush_open_items()
        Dossier.flush_model(["collector_id"])
        dossiers = Dossier._search(domain).subselect()
        Kpi = self.env["credit.control.kpi"]
        Kept = self.env["credit.control.kpi.kept"]
        today = fields.Date.context_today(self)
        company_ids = self.company_id.ids
        stale = Kept._kpi_stale(company_ids, today)
        shared = Kpi._kpi_shared_table(today, company_ids)
        if stale is not None or shared:
            # the overdue items alone: a dossier without any has no sum; the
            # items carry their dossier and its collector
            late = SQL(
                """
                SELECT x.dossier_id AS id, x.collector_id IS NULL AS unassigned, SUM(x.residual) AS amount
                  FROM (%(items)s) x
                 WHERE %(overdue)s AND %(dossiers)s AND %(stale)s
              GROUP BY x.dossier_id, x.collector_id
                HAVING SUM(x.residual) > 0
                %(kept)s
                """,
                overdue=Kpi._kpi_overdue_sql(today),
                items=Kpi._kpi_open_items_query(today, company_ids) if stale is None
                else Kpi._kpi_open_items_joined(today, company_ids),
                dossiers=SQL("x.dossier_id IN %s", dossiers),
                stale=SQL("TRUE") if stale is None else SQL("x.partner_id = ANY(%s::int[])", stale),
                kept=SQL("UNION ALL %s", Kept._kpi_customers_sql(
                    SQL("d.id, d.collector_id IS NULL, m.overdue"), company_ids[0], stale,
                    SQL("m.overdue > 0 AND d.id IN %s", dossiers), dossier=True,
                )) if stale is not None else SQL(),
            )
        else:
            overdue = Dossier._credit_amounts_select()["overdue_amount"]
            late = Dossier._credit_amounts_query(
                SQL("d.id IN %s", dossiers),
                columns=SQL("d.id, d.collector_id IS NULL AS unassigned, %s AS amount", overdue),
                having=SQL("%s > 0", overdue),
            )
        rows = self.env.execute_query(SQL(
            """
            WITH late AS MATERIALIZED (%s)
            SELECT id, EXISTS (SELECT FROM late WHERE unassigned) FROM late ORDER BY amount DESC, id %s
            """,
            late, SQL("LIMIT %s", limit) if limit else SQL(),
        ))
        return [id_ for id_, _unassigned in rows], bool(rows and rows[0][1])

    def _credit_onboarding_action(self, key, xmlid):
        """The screen of a getting-started step."""
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        if key == "collectors":
            action["context"] = {"search_default_unassigned": 1, "search_default_overdue": 1}
        elif key == "contacts":
            action["context"] = {"search_default_overdue": 1}
        return action

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_filters(self):
        filters = {}
        if self.segment_id:
            filters["segment_id"] = self.segment_id.id
        if self.collector_id:
            filters["collector_id"] = self.collector_id.id
        return filters

    def _credit_domain(self):
        domain = [("company_id", "=", self.company_id.id)]
        for fname, value in self._credit_filters().items():
            domain.append((fname, "=", value))
        return domain

    def _credit_report(self):
        return self.env["credit.control.aged.balance"].with_context(
            credit_as_of=fields.Date.to_string(self.as_of)
        ).with_company(self.company_id)

    def _credit_drill(self, domain, name):
        self.ensure_one()
        return self._credit_report()._credit_open_invoices_action(self._credit_domain() + domain, name)

    def _credit_sharing(self):
        """The context manager the figures are computed in, yielding the
        KPI model. As of a day whose figures are kept for the company and
        the DSO period (``credit.control.kpi.kept``), each figure reads the
        kept figures and the customers changed since: a table of every
        open item shared by the figures would cost more than they do (0.5 s
        at 1M receivable lines). Otherwise the open items of the date are
        computed once for all (``_kpi_shared_open_items``)."""
        Kpi = self.env["credit.control.kpi"].with_company(self.company_id)
        if self.env["credit.control.kpi.kept"]._kpi_stale(self.company_id.ids, self.as_of, self.period) is not None:
            return Kpi._kpi_query_settings()
        return Kpi._kpi_shared_open_items(self.as_of, self.company_id.ids)

    def _credit_compute(self):
        self.ensure_one()
        if self.period < 1:
            raise UserError(_("The DSO period must be at least one day."))
        Kpi = self.env["credit.control.kpi"].with_company(self.company_id)
        company_ids = self.company_id.ids
        filters = self._credit_filters()
        with self._credit_sharing() as kpi:
            # the total and the breakdown in one query
            summaries = kpi._kpi_summaries(self.as_of, company_ids, ["company", self.group_by], self.period, filters)
            # the report of the dashboard's company alone: the items shared are that company's
            report = self._credit_report().with_context(
                allowed_company_ids=company_ids, credit_open_items_table=kpi.env.context.get("credit_open_items_table"),
                credit_provisioned_only=True,
            )
            [(provisions,)] = report._read_group(
                self._credit_domain() + report._credit_provisioned_domain(), [], ["provision_amount:sum"],
            )
        total = summaries["company"].get(self.company_id.id, {})
        breakdown = summaries[self.group_by]
        # Per customer, the largest balances only: the aged balance pivot has the others.
        breakdown = dict(sorted(breakdown.items(), key=lambda item: -item[1]["outstanding"])[:BREAKDOWN_LIMIT])
        months = self.env["credit.control.kpi.cei"]._kpi_cei_series(self.as_of, company_ids)
        weeks = self.env["credit.control.kpi.forecast"]._kpi_forecast(
            fields.Date.context_today(self), company_ids, filters
        )
        # each kind of expected receipt (promised, planned, predicted...) has its column
        forecast_kinds = self.env["account.move"]._credit_forecast_override_kinds()
        month_dso = {}
        if self.monthly_dso:
            for month in months:
                month_dso[month["date_to"]] = Kpi._kpi_summary(
                    month["date_to"], company_ids, "company", self.period, filters
                ).get(self.company_id.id, {})
        self.line_ids.unlink()
        self.month_ids.unlink()
        self.week_ids.unlink()
        self.write({
            "outstanding": total.get("outstanding", 0.0),
            "overdue": total.get("overdue", 0.0),
            "overdue_rate": total.get("overdue_rate", 0.0),
            "late_customers": total.get("late_customers", 0),
            "dso_countback": total.get("dso_countback", 0.0),
            "dso_simple": total.get("dso_simple", 0.0),
            "sales_period": total.get("sales_period", 0.0),
            "add_days": total.get("add_days", 0.0),
            "cei_last_month": months[-2]["cei"] if len(months) > 1 else 0.0,
            "forecast_total": sum(week["amount"] for week in weeks),
            "provision_total": provisions or 0.0,
            "line_ids": [
                fields.Command.create({
                    f"{self.group_by}_id": key,
                    **{fname: values[fname] for fname in (
                        "outstanding", "overdue", "overdue_rate", "late_customers", "dso_countback",
                        "dso_simple", "add_days")},
                })
                for key, values in breakdown.items()
            ],
            "month_ids": [
                fields.Command.create({
                    "month": month["date_from"],
                    "date_to": month["date_to"],
                    **{fname: month[fname] for fname in (
                        "opening", "sales", "closing", "closing_current", "collected", "cei")},
                    "dso_countback": month_dso.get(month["date_to"], {}).get("dso_countback", 0.0),
                    "dso_simple": month_dso.get(month["date_to"], {}).get("dso_simple", 0.0),
                })
                for month in months
            ],
            "week_ids": [
                fields.Command.create({fname: week[fname] for fname in (
                    "date_from", "date_to", "estimated", *forecast_kinds, "amount")})
                for week in weeks
            ],
        })
