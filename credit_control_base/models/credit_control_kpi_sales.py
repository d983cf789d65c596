from odoo import api, fields, models
from odoo.tools import SQL, create_index

from ..tools.sql import compact_sums, empty_table
from .credit_control_kpi import SALE_MOVE_TYPES

# What the credit sales read: written before each query composed with them.
MOVE_FIELDS = ["company_id", "commercial_partner_id", "date", "move_type", "state", "amount_total_signed"]


class CreditControlKpiSales(models.Model):
    """Credit sales per customer and day, kept up to date as invoices and
    credit notes are posted: what the DSO reads instead of the invoices.

    A row is the credit sales of a customer (commercial entity) posted on
    ``date`` in a company: customer invoices and receipts minus credit
    notes, tax included, in company currency (``amount_total_signed``).
    The DSO walks the months back from any date (the month before the 15th
    runs from the 16th), so the rows are kept per day, not per calendar
    month: every figure stays the one computed from the invoices.

    As the daily receivables (``credit.control.kpi.balance``), rows are
    only ever added: a reset to draft, a cancellation or the deletion of a
    posted entry adds the opposite of what its posting added. The nightly
    refresh sums them per company, customer and day (``_kpi_compact``);
    ``_kpi_rebuild`` recomputes the table from the invoices (install,
    upgrade, data loaded in SQL)."""

    _name = "credit.control.kpi.sales"
    _description = "Credit Control KPIs: Credit Sales per Customer"
    _log_access = False
    _order = "date, id"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    # Indexed: the figures kept for the day read the customers changed since alone.
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True, index=True)
    date = fields.Date(required=True, readonly=True)
    sales = fields.Monetary(string="Credit Sales", readonly=True)

    def init(self):
        create_index(self.env.cr, "credit_control_kpi_sales_company_date_idx", self._table, ["company_id", "date"])
        # the figures of the invoices as they are, whatever wrote them
        # (install, upgrade, generator data written in SQL)
        empty_table(self.env.cr, self._table)
        self._kpi_rebuild()

    @api.model
    def _kpi_sales_sql(self, moves):
        """Query of the credit sales of the entries matching the SQL
        ``moves`` (alias ``m``) per company, customer and date. Columns:
        company_id, partner_id, date, sales."""
        return SQL(
            """
            SELECT m.company_id, m.commercial_partner_id AS partner_id, m.date, SUM(m.amount_total_signed) AS sales
              FROM account_move m
             WHERE %s AND m.move_type IN %s
          GROUP BY 1, 2, 3
            """,
            moves, SALE_MOVE_TYPES,
        )

    @api.model
    def _kpi_insert(self, sales, sign=1, note=False):
        """Add the rows of the query ``sales`` (as returned by
        ``_kpi_sales_sql``), times ``sign``, in one statement.

        :param note: note their customers' kept figures stale
        """
        self.env["account.move"].flush_model(MOVE_FIELDS)
        insert = SQL(
            """
            INSERT INTO credit_control_kpi_sales (company_id, partner_id, date, sales)
            SELECT company_id, partner_id, date, %s * sales FROM (%s) s WHERE sales <> 0
            """,
            sign, sales,
        )
        if note:
            insert = SQL(
                "WITH new AS (%s RETURNING company_id, partner_id) %s",
                insert, self.env["credit.control.kpi.kept"]._kpi_note_sql(SQL("new")),
            )
        self.env.cr.execute(insert)
        self.invalidate_model()

    # ------------------------------------------------------------------
    # HOOKS: POSTING, RESET, DELETION
    # ------------------------------------------------------------------

    @api.model
    def _kpi_moves_changed(self, posted, unposted):
        """Entries ``posted`` and ``unposted`` (reset to draft, cancelled,
        about to be deleted) by the transaction: add their credit sales, or
        take them off."""
        for moves, sign in ((posted, 1), (unposted, -1)):
            ids = [move_id for move_id in moves.ids if move_id]
            if ids:
                self._kpi_insert(self._kpi_sales_sql(SQL("m.id = ANY(%s)", ids)), sign, note=True)

    # ------------------------------------------------------------------
    # MAINTENANCE
    # ------------------------------------------------------------------

    @api.model
    def _kpi_rebuild(self):
        """Recompute the whole table from the posted invoices."""
        self.env.cr.execute(SQL("DELETE FROM credit_control_kpi_sales"))
        self._kpi_insert(self._kpi_sales_sql(SQL("m.state = 'posted'")))
        self.env["credit.control.kpi.kept"]._kpi_forget()

    @api.model
    def _kpi_compact(self):
        """Sum the rows per company, customer and day (nightly): the table
        then grows with the days each customer buys, not with the
        postings."""
        self.flush_model()
        compact_sums(self.env.cr, self._table, ("company_id", "partner_id", "date"), ("sales",))
        self.invalidate_model()
