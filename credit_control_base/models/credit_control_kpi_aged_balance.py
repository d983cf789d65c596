from datetime import timedelta

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import SQL

from .credit_control_kpi import AGING_KEYS

# Exclusion rules (account.move._credit_exclusion_rules codes) whose
# invoices are provisioned in full, whatever their age.
FULL_PROVISION_CODES = ("dispute", "insolvent")


class CreditControlAgedBalance(models.Model):
    """Aged balance (balance âgée) as of a date: one row per receivable
    journal item open on that date, with its age, bucket and provision.

    Read-only report on a parametrized query: the date comes from the
    context key ``credit_as_of`` (default today), the companies from the
    active companies. Grouped in a pivot by customer, segment, collector or
    bucket, it gives the aged balance; its rows are the invoices behind
    every figure."""

    _name = "credit.control.aged.balance"
    _description = "Aged Balance"
    _auto = False
    _order = "date_maturity, id"
    _rec_name = "move_id"

    move_id = fields.Many2one("account.move", string="Document", readonly=True)
    move_type = fields.Selection(related="move_id.move_type")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    dossier_id = fields.Many2one("credit.control.dossier", string="Dossier", readonly=True)
    segment_id = fields.Many2one("credit.control.segment", string="Segment", readonly=True)
    collector_id = fields.Many2one("res.users", string="Collector", readonly=True)
    date = fields.Date(string="Accounting Date", readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    days_overdue = fields.Integer(
        readonly=True, aggregator="max", help="Days between the due date and the date of the report."
    )
    aging_bucket = fields.Selection(selection="_selection_aging_bucket", string="Aging", readonly=True)
    is_overdue = fields.Boolean(string="Past Due", readonly=True)
    residual = fields.Monetary(
        string="Open Amount",
        readonly=True,
        help="What was left to pay on the date of the report, in company currency: only the payments "
        "and reconciliations dated up to that date count.",
    )
    overdue_amount = fields.Monetary(string="Overdue", readonly=True)
    amount_not_due = fields.Monetary(string="Not Due", readonly=True)
    amount_b1 = fields.Monetary(string="Bucket 1", readonly=True)
    amount_b2 = fields.Monetary(string="Bucket 2", readonly=True)
    amount_b3 = fields.Monetary(string="Bucket 3", readonly=True)
    amount_b4 = fields.Monetary(string="Bucket 4", readonly=True)
    amount_b5 = fields.Monetary(string="Bucket 5", readonly=True)
    provision_full = fields.Boolean(
        string="Fully Provisioned",
        readonly=True,
        help="Disputed invoice or customer in insolvency proceedings: provisioned at 100 %.",
    )
    provision_rate = fields.Float(string="Provision Rate (%)", readonly=True, aggregator="avg")
    provision_base = fields.Monetary(
        readonly=True,
        help="Open amount excluding taxes (VAT is recovered on a bad debt, not provisioned).",
    )
    provision_amount = fields.Monetary(string="Provision", readonly=True)

    # ------------------------------------------------------------------
    # QUERY
    # ------------------------------------------------------------------

    @api.model
    def _credit_as_of(self):
        as_of = self.env.context.get("credit_as_of")
        return fields.Date.to_date(as_of) if as_of else fields.Date.context_today(self)

    @property
    def _table_query(self):
        as_of = self._credit_as_of()
        # the query reads other models' tables: write their pending changes first
        self.env["credit.control.kpi"]._kpi_flush()
        provisioned = self.env.context.get("credit_provisioned_only")
        items = self.env["credit.control.kpi"]._kpi_open_items_query(
            as_of, self.env.companies.ids, where=self._credit_provisioned_lines_sql(as_of) if provisioned else None,
        )
        amounts = [
            SQL("CASE WHEN x.aging_bucket = %s THEN x.residual ELSE 0 END AS %s", key, SQL.identifier(fname))
            for key, fname in zip(AGING_KEYS, self._credit_bucket_fields(), strict=True)
        ]
        rate = SQL("CASE x.aging_bucket %s END", SQL(" ").join(
            SQL("WHEN %s THEN COALESCE(rs.%s, rc.%s, 0)", key, SQL.identifier(f"rate_{key}"),
                SQL.identifier(f"rate_{key}"))
            for key in AGING_KEYS
        ))
        full = SQL("(COALESCE(x.insolvent, FALSE) OR x.move_id IN %s)", self._credit_full_provision_moves())
        rate = SQL("CASE WHEN x.residual <= 0 THEN 0 WHEN %s THEN 100 ELSE %s END", full, rate)
        # The invoice's share excluding taxes comes with the items read from
        # today's open items (the dashboard's: 41,000 look-ups of entries at
        # 1M lines, a third of their pages outside PostgreSQL's buffers).
        # The others look it up for the items provisioned only (a rate of
        # 0, most open items: not due or recently due, gives 0 without it),
        # not joined for every open item.
        base = SQL(
            "CASE WHEN x.residual > 0 THEN ROUND(x.residual * COALESCE(x.untaxed_share, ("
            "SELECT %s FROM account_move m WHERE m.id = x.move_id), 1), cur.decimal_places) ELSE 0 END",
            self.env["credit.control.kpi.open"]._kpi_untaxed_share_sql(SQL("m")),
        )
        return SQL(
            """
            SELECT x.id, x.move_id, x.partner_id, x.company_id, c.currency_id, x.dossier_id,
                   x.segment_id, x.collector_id, x.date, x.date_maturity, x.days_overdue, x.aging_bucket,
                   x.residual, %(overdue)s AS is_overdue,
                   CASE WHEN %(overdue)s THEN x.residual ELSE 0 END AS overdue_amount,
                   %(amounts)s,
                   x.residual > 0 AND %(full)s AS provision_full,
                   %(rate)s AS provision_rate,
                   %(base)s AS provision_base,
                   CASE WHEN (%(rate)s) = 0 THEN 0
                        ELSE ROUND(%(base)s * (%(rate)s)::numeric / 100.0, cur.decimal_places) END AS provision_amount
              FROM (%(items)s) x
              JOIN res_company c ON c.id = x.company_id
              JOIN res_currency cur ON cur.id = c.currency_id
         LEFT JOIN credit_control_provision_rate rs
                ON rs.company_id = x.company_id AND rs.segment_id = x.segment_id
         LEFT JOIN credit_control_provision_rate rc
                ON rc.company_id = x.company_id AND rc.segment_id IS NULL
            """,
            items=items,
            overdue=self.env["credit.control.kpi"]._kpi_overdue_sql(as_of),
            amounts=SQL(", ").join(amounts),
            full=full,
            rate=rate,
            base=base,
        )

    def _fetch_query(self, query, fields):
        """Override to forget the rows read for another date or other
        companies first: a row's id is its journal item's, the same on
        every date, and the cache keeps the values it read first (so a
        second date read in the same transaction would show the first)."""
        key = (self._credit_as_of(), tuple(sorted(self.env.companies.ids)),
               bool(self.env.context.get("credit_provisioned_only")))
        if self.env.cr.cache.get("credit_control_aged_balance_key") != key:
            self.invalidate_model()
            self.env.cr.cache["credit_control_aged_balance_key"] = key
        return super()._fetch_query(query, fields)

    @api.model
    def _credit_bucket_fields(self):
        return ["amount_not_due", "amount_b1", "amount_b2", "amount_b3", "amount_b4", "amount_b5"]

    @api.model
    def _credit_provisioned_domain(self):
        """Domain of the rows that may have a provision: provisioned in
        full, or in an aging bucket with a rate above zero for some segment
        of the active companies. The other rows have none: a sum of the
        provisions over these rows is the sum over all, without a rate
        worked out for every open item (most are not due or recently due,
        at 0 %: 0.29 s of the dashboard at 1M lines)."""
        return ["|", ("provision_full", "=", True), ("aging_bucket", "in", self._credit_provisioned_buckets())]

    @api.model
    def _credit_provisioned_buckets(self):
        """The aging buckets with a rate above zero for some segment of the
        active companies, the rates read as the report's query reads them,
        whoever looks."""
        rates = self.env["credit.control.provision.rate"].sudo().search_read(
            [("company_id", "in", self.env.companies.ids)], [f"rate_{key}" for key in AGING_KEYS],
        )
        return [key for key in AGING_KEYS if any(rate[f"rate_{key}"] for rate in rates)]

    @api.model
    def _credit_provisioned_lines_sql(self, as_of):
        """SQL on the open lines of ``as_of`` (alias o, the columns of
        ``_kpi_open_lines_query``): those that may have a provision, old
        enough for a bucket of ``_credit_provisioned_buckets`` or
        provisioned in full. With the context key
        ``credit_provisioned_only``, the report reads these alone: a
        superset of the rows of ``_credit_provisioned_domain``, found
        before the open lines are joined to their dossiers and aged (a
        tenth of them at 1M receivable lines, the provisions of the
        dashboard 0.59 s read from every open line)."""
        Kpi = self.env["credit.control.kpi"]
        buckets = self._credit_provisioned_buckets()
        # the fewest days past due of those buckets in any company (None: not due)
        lows = [
            Kpi._kpi_bucket_bounds(Kpi._kpi_bucket_limits(company))[key][0]
            for company in self.env.companies for key in buckets
        ]
        if None in lows:
            old = SQL("TRUE")
        elif lows:
            old = SQL("o.date_maturity <= %s", fields.Date.to_date(as_of) - timedelta(days=min(lows)))
        else:
            old = SQL("FALSE")
        return SQL(
            """
            (%s OR o.move_id IN %s OR (o.company_id, o.partner_id) IN (
                SELECT company_id, partner_id FROM credit_control_dossier WHERE insolvent))
            """,
            old, self._credit_full_provision_moves(),
        )

    @api.model
    def _credit_full_provision_moves(self):
        """Subquery of the invoices excluded from collection for a reason
        that calls for a full provision (dispute, insolvency)."""
        domains = [
            domain for code, _label, domain in self.env["account.move"]._credit_exclusion_rules()
            if code in FULL_PROVISION_CODES
        ]
        if not domains:
            return SQL("(SELECT NULL::int WHERE FALSE)")
        return self.env["account.move"].sudo()._search(expression.OR(domains)).subselect()

    @api.model
    def _selection_aging_bucket(self):
        return self.env["credit.control.kpi"]._kpi_bucket_labels()

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        """Override to title the bucket columns with the bucket limits of
        the current company."""
        result = super().fields_get(allfields, attributes)
        labels = dict(self.env["credit.control.kpi"]._kpi_bucket_labels())
        for key, fname in zip(AGING_KEYS, self._credit_bucket_fields(), strict=True):
            if "string" in result.get(fname, {}):
                result[fname]["string"] = labels[key]
        return result

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_open_move(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "view_mode": "form",
        }

    @api.model
    def _credit_open_invoices_action(self, domain, name=None):
        """Base's 'Invoices to Collect' action on the documents of the report
        rows matching ``domain`` (the drill-down of a figure)."""
        return self._credit_invoices_action(self.search(domain).move_id, name)

    @api.model
    def _credit_invoices_action(self, moves, name=None):
        """Base's 'Invoices to Collect' action on ``moves``."""
        action = self.env["ir.actions.act_window"]._for_xml_id("credit_control_base.credit_control_invoice_action")
        action.update({
            "domain": [("id", "in", moves.ids)],
            "context": {"create": False},
            "name": name or action["name"],
        })
        return action
