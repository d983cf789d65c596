from odoo import api, fields, models
from odoo.tools import SQL, create_index

from ..tools.sql import compact_sums, empty_table, one_of
from .credit_control_kpi import SALE_MOVE_TYPES

# What the movements read: written before each query composed with them.
LINE_FIELDS = ["move_id", "company_id", "account_id", "parent_state", "date", "date_maturity", "balance"]
# Line fields whose change on a posted item moves its receivables.
LINE_TRACKED_FIELDS = {"account_id", "date", "date_maturity", "balance", "debit", "credit"}


class CreditControlKpiBalance(models.Model):
    """Receivables and credit sales per day, kept up to date as entries are
    posted and reconciled: what the CEI reads instead of the whole ledger.

    A row moves the company's receivables on ``date`` for the items due on
    ``date_due``: a posted receivable item adds its balance on its date, a
    reconciliation takes its amount off each of its receivable items on
    the later of its date and the item's (the open items of a past date
    follow the same rule); ``sales`` are the credit sales posted that day
    (invoices, receipts, minus credit notes, tax included). The receivables
    of a day are then the sum of the rows dated up to it, the current ones
    those of the rows due on that day or later.

    Rows are only ever added (a reset to draft adds the opposite of what the
    posting added), never updated: two transactions posting on the same day
    never wait for each other. The nightly refresh sums them per day and due
    date (``_kpi_compact``); ``_kpi_rebuild`` recomputes the table from the
    ledger (install, upgrade, data loaded in SQL)."""

    _name = "credit.control.kpi.balance"
    _description = "Credit Control KPIs: Daily Receivables"
    _log_access = False
    _order = "date, date_due, id"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(required=True, readonly=True)
    date_due = fields.Date(string="Due Date", readonly=True)
    balance = fields.Monetary(readonly=True)
    sales = fields.Monetary(string="Credit Sales", readonly=True)

    def init(self):
        create_index(self.env.cr, "credit_control_kpi_balance_company_date_idx", self._table, ["company_id", "date"])
        # the figures of the ledger as it is, whatever wrote it (install,
        # upgrade, generator data written in SQL)
        empty_table(self.env.cr, self._table)
        self._kpi_rebuild()

    # ------------------------------------------------------------------
    # THE MOVEMENTS
    # ------------------------------------------------------------------

    @api.model
    def _kpi_movements_sql(self, lines, partials=None, balances=True):
        """Query of the receivable movements of the journal items matching
        the SQL ``lines`` (alias ``l``), one row per company, date and due
        date: their balances (unless ``balances`` is False) and the
        reconciliations matching ``partials`` (alias ``pr``, default all)
        that touch them. Columns: company_id, date, date_due, balance."""
        Line = self.env["account.move.line"]
        where = SQL(
            "%s AND l.account_id IN (SELECT id FROM account_account WHERE account_type = 'asset_receivable')", lines,
        )
        branches = [
            SQL(
                """
                SELECT l.company_id, GREATEST(pr.max_date, l.date) AS date, %(due)s AS date_due,
                       %(sign)s * pr.amount AS amount
                  FROM account_partial_reconcile pr
                  JOIN account_move_line l ON l.id = pr.%(side)s
                 WHERE %(where)s AND %(partials)s
                """,
                due=Line._credit_due_date_sql(), sign=sign, side=SQL.identifier(side), where=where,
                partials=partials or SQL("TRUE"),
            )
            for side, sign in (("debit_move_id", -1), ("credit_move_id", 1))
        ]
        if balances:
            branches.insert(0, SQL(
                "SELECT l.company_id, l.date, %(due)s AS date_due, l.balance AS amount"
                " FROM account_move_line l WHERE %(where)s",
                due=Line._credit_due_date_sql(), where=where,
            ))
        return SQL(
            "SELECT company_id, date, date_due, SUM(amount) AS balance FROM (%s) m GROUP BY 1, 2, 3",
            SQL(" UNION ALL ").join(branches),
        )

    @api.model
    def _kpi_sales_sql(self, moves):
        """Query of the credit sales of the entries matching the SQL
        ``moves`` (alias ``m``) per company and date. Columns: company_id,
        date, sales."""
        return SQL(
            """
            SELECT m.company_id, m.date, SUM(m.amount_total_signed) AS sales
              FROM account_move m
             WHERE %s AND m.move_type IN %s
          GROUP BY 1, 2
            """,
            moves, SALE_MOVE_TYPES,
        )

    @api.model
    def _kpi_flush_ledger(self):
        self.env["account.move.line"].flush_model(LINE_FIELDS)
        self.env["account.move"].flush_model(["company_id", "date", "move_type", "state", "amount_total_signed"])
        self.env["account.partial.reconcile"].flush_model(["debit_move_id", "credit_move_id", "amount", "max_date"])
        self.env["account.account"].flush_model(["account_type"])

    @api.model
    def _kpi_insert(self, movements=None, sales=None, sign=1):
        """Add the rows of the queries ``movements`` and ``sales`` (as
        returned by ``_kpi_movements_sql`` and ``_kpi_sales_sql``), times
        ``sign``, in one statement."""
        parts = []
        if movements:
            parts.append(SQL(
                "SELECT company_id, date, date_due, %s * balance AS balance, 0 AS sales FROM (%s) mv", sign, movements,
            ))
        if sales:
            parts.append(SQL(
                "SELECT company_id, date, NULL::date AS date_due, 0 AS balance, %s * sales AS sales FROM (%s) s",
                sign, sales,
            ))
        self.env.cr.execute(SQL(
            """
            INSERT INTO credit_control_kpi_balance (company_id, date, date_due, balance, sales)
            SELECT * FROM (%s) x WHERE balance <> 0 OR sales <> 0
            """,
            SQL(" UNION ALL ").join(parts),
        ))
        self.invalidate_model()

    # ------------------------------------------------------------------
    # HOOKS: POSTING, RESET, RECONCILIATION
    # ------------------------------------------------------------------

    @api.model
    def _kpi_moves_changed(self, posted, unposted):
        """Entries ``posted`` and ``unposted`` (reset to draft, cancelled)
        by the transaction: add their receivable items and credit sales, or
        take them off."""
        for moves, sign in ((posted, 1), (unposted, -1)):
            ids = [move_id for move_id in moves.ids if move_id]
            if not ids:
                continue
            self._kpi_flush_ledger()
            self._kpi_insert(
                # thousands of entries posted at once (an import, a bank statement)
                self._kpi_movements_sql(one_of(SQL("l.move_id"), ids)),
                self._kpi_sales_sql(SQL("m.id = ANY(%s)", ids)),
                sign,
            )

    @api.model
    def _kpi_partials_changed(self, partials, sign):
        """Reconciliations created (``sign`` 1) or about to be removed (-1):
        their amounts on their posted receivable items."""
        ids = [partial_id for partial_id in partials.ids if partial_id]
        if not ids:
            return
        self._kpi_flush_ledger()
        self._kpi_insert(self._kpi_movements_sql(
            SQL("l.parent_state = 'posted'"), SQL("pr.id = ANY(%s)", ids), balances=False,
        ), sign=sign)

    @api.model
    def _kpi_lines_movements(self, lines):
        """The current movements of the posted items ``lines`` as rows, to
        take off once they have changed (``_kpi_lines_changed``)."""
        ids = [line_id for line_id in lines.ids if line_id]
        if not ids:
            return []
        self._kpi_flush_ledger()
        return self.env.execute_query(self._kpi_movements_sql(
            SQL("l.id = ANY(%s) AND l.parent_state = 'posted'", ids),
        ))

    @api.model
    def _kpi_lines_changed(self, lines, before):
        """Posted items ``lines`` changed (due date, account, amount): take
        off their movements ``before`` the change, add the new ones."""
        ids = [line_id for line_id in lines.ids if line_id]
        if not ids:
            return
        self._kpi_lines_removed(before)
        self._kpi_flush_ledger()
        self._kpi_insert(self._kpi_movements_sql(SQL("l.id = ANY(%s) AND l.parent_state = 'posted'", ids)))

    @api.model
    def _kpi_lines_removed(self, before):
        """Take off the movements ``before`` (``_kpi_lines_movements``) of
        posted items that changed or were deleted."""
        if before:
            self.env.cr.execute(SQL(
                "INSERT INTO credit_control_kpi_balance (company_id, date, date_due, balance, sales) VALUES %s",
                SQL(", ").join(SQL("(%s, %s, %s, %s, 0)", company_id, date, due, -balance)
                               for company_id, date, due, balance in before),
            ))
            self.invalidate_model()

    # ------------------------------------------------------------------
    # MAINTENANCE
    # ------------------------------------------------------------------

    @api.model
    def _kpi_rebuild(self):
        """Recompute the whole table from the ledger."""
        self._kpi_flush_ledger()
        self.env.cr.execute(SQL("DELETE FROM credit_control_kpi_balance"))
        self._kpi_insert(
            self._kpi_movements_sql(SQL("l.parent_state = 'posted'")),
            self._kpi_sales_sql(SQL("m.state = 'posted'")),
        )

    @api.model
    def _kpi_compact(self):
        """Sum the rows per company, day and due date (nightly): the table
        then grows with the days, not with the entries."""
        self.flush_model()
        compact_sums(self.env.cr, self._table, ("company_id", "date", "date_due"), ("balance", "sales"))
        self.invalidate_model()
