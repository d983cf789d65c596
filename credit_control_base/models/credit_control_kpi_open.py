from odoo import api, fields, models
from odoo.tools import SQL

from ..const import COLLECTIBLE_MOVE_TYPES
from ..tools.sql import empty_table

# What a row copies: written before it is computed.
LINE_FIELDS = ["move_id", "partner_id", "company_id", "account_id", "parent_state", "date", "date_maturity",
               "amount_residual"]
# The table's columns, in the order of ``_kpi_rows_sql``.
COLUMNS = SQL(
    "id, move_id, company_id, partner_id, move_partner_id, collectible, date, date_maturity, residual, untaxed_share"
)
# Where the transaction keeps the items whose rows are to be computed again.
PENDING = "credit_control_kpi_open"


class CreditControlKpiOpen(models.Model):
    """The open receivable items of today, one row per journal item (its
    ``id`` is the item's), with what the KPIs read of it resolved once: the
    customer (commercial entity) of the item and of its entry, whether the
    entry is an invoice to collect, the due date, the residual and the
    entry's share excluding taxes (the provisions' base).

    The figures that read every open item of a company (the shared open
    items of the dashboard, the cash-in forecast) read this table instead
    of the items and their customers and entries: at 1M receivable lines,
    the joins to the 340,000 partners and the look-up of 415,000 entries
    cost more than the figures themselves.

    A row is never computed here differently from the ledger: the items
    touched by a transaction (posted, reset, reconciled, changed, deleted,
    their customer re-parented or merged, their account made receivable or
    no longer) are noted, and their rows are
    computed again from ``account.move.line._credit_open_item_sql``, the one
    definition, when the transaction commits or before a figure reads the
    table in it. ``_kpi_rebuild`` computes the whole table (install,
    upgrade, data loaded in SQL); ``_kpi_differences`` is the proof that
    the table is the ledger."""

    _name = "credit.control.kpi.open"
    _description = "Credit Control KPIs: Open Receivable Items"
    _log_access = False
    _order = "id"

    # Indexed: a posting notes its entries, whose rows are found by entry.
    # An entry deleted takes its rows along, whenever its items' are written.
    move_id = fields.Many2one("account.move", string="Journal Entry", readonly=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    # Indexed: the figures kept for the day read the customers changed since alone.
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, index=True,
        help="The commercial entity of the item's partner.",
    )
    # indexed: a batch of the nightly scoring reads its dossiers' open
    # items by customer (2,000 dossiers at 1M lines: 60 ms, against 140 ms
    # scanning all 470,000 open items for each batch)
    move_partner_id = fields.Many2one(
        "res.partner", string="Customer of the Entry", readonly=True, index=True,
        help="The commercial entity of the entry: the customer whose payment delay the forecast applies.",
    )
    collectible = fields.Boolean(readonly=True, help="The entry is a customer invoice or receipt.")
    date = fields.Date(readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True, help="Its maturity, else its date.")
    residual = fields.Monetary(string="Open Amount", readonly=True)
    # numeric, unrounded: the provision base is this exact share of the
    # residual, rounded once, as when it was read from the entry
    untaxed_share = fields.Float(
        string="Share Excluding Taxes", digits=0, readonly=True,
        help="The entry's total excluding taxes divided by its total (1 for an entry without total): the share of "
        "the open amount that is provisioned.",
    )

    def init(self):
        # the items of the ledger as it is, whatever wrote it (install,
        # upgrade, generator data written in SQL)
        empty_table(self.env.cr, self._table)
        self._kpi_rebuild()

    # ------------------------------------------------------------------
    # THE ROWS
    # ------------------------------------------------------------------

    @api.model
    def _kpi_rows_sql(self, where):
        """Query of the rows of the open items matching the SQL ``where``
        (alias ``l``), columns in the order of the table's."""
        Line = self.env["account.move.line"]
        return SQL(
            """
            SELECT l.id, l.move_id, l.company_id, COALESCE(p.commercial_partner_id, l.partner_id),
                   m.commercial_partner_id, m.move_type IN %(collectible)s, l.date, %(due)s, l.amount_residual,
                   %(untaxed_share)s
              FROM account_move_line l
              JOIN account_move m ON m.id = l.move_id
         LEFT JOIN res_partner p ON p.id = l.partner_id
             WHERE %(open_item)s AND %(where)s
            """,
            collectible=COLLECTIBLE_MOVE_TYPES,
            due=Line._credit_due_date_sql(),
            open_item=Line._credit_open_item_sql(),
            untaxed_share=self._kpi_untaxed_share_sql(SQL("m")),
            where=where,
        )

    @api.model
    def _kpi_untaxed_share_sql(self, move):
        """The share excluding taxes of the entry aliased ``move`` (SQL):
        its total excluding taxes over its total, 1 without a total."""
        return SQL(
            "COALESCE(%(m)s.amount_untaxed_signed / NULLIF(%(m)s.amount_total_signed, 0), 1)", m=move,
        )

    @api.model
    def _kpi_insert(self, where, note=False):
        """Write the rows of the open items matching the SQL ``where``.

        :param note: note their customers' kept figures stale
        """
        insert = SQL("INSERT INTO credit_control_kpi_open (%s) %s", COLUMNS, self._kpi_rows_sql(where))
        if note:
            insert = SQL(
                "WITH new AS (%s RETURNING company_id, partner_id) %s",
                insert, self.env["credit.control.kpi.kept"]._kpi_note_sql(SQL("new")),
            )
        self.env.cr.execute(insert)
        self.invalidate_model()

    @api.model
    def _kpi_flush_ledger(self):
        self.env["account.move.line"].flush_model(LINE_FIELDS)
        self.env["account.move"].flush_model(
            ["move_type", "commercial_partner_id", "state", "amount_untaxed_signed", "amount_total_signed"]
        )
        self.env["account.account"].flush_model(["account_type"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])

    @api.model
    def _kpi_recompute(self, line_ids=(), move_ids=()):
        """Compute again the rows of the items ``line_ids`` and of the
        items of the entries ``move_ids``: those open now, none for the
        others (settled, reset, deleted)."""
        line_ids, move_ids = list(line_ids), list(move_ids)
        if not line_ids and not move_ids:
            return
        self._kpi_flush_ledger()
        cr = self.env.cr
        # the customers of the rows before and after: both figures change
        cr.execute(SQL(
            """
            WITH gone AS (DELETE FROM credit_control_kpi_open WHERE id = ANY(%s) OR move_id = ANY(%s)
                          RETURNING company_id, partner_id)
            %s
            """,
            line_ids, move_ids, self.env["credit.control.kpi.kept"]._kpi_note_sql(SQL("gone")),
        ))
        where = SQL("(l.id = ANY(%s) OR l.move_id = ANY(%s))", line_ids, move_ids)
        if move_ids:
            # Thousands of entries posted at once (an import, a bank
            # statement) are looked up entry by entry, with the entries of
            # the items: as a mere filter, PostgreSQL read every open item
            # of the ledger (see ``one_of``): 0.35-0.42 s for 8,000 invoices
            # at 1M, 0.11 s this way (0.11-0.15 s at 100k, where reading all
            # 65,000 open items took 0.05 s).
            where = SQL(
                "%s AND l.move_id IN (SELECT unnest(%s::int[]) UNION ALL"
                " SELECT move_id FROM account_move_line WHERE id = ANY(%s))",
                where, move_ids, line_ids,
            )
        self._kpi_insert(where, note=True)

    # ------------------------------------------------------------------
    # HOOKS: WHAT THE TRANSACTION TOUCHED
    # ------------------------------------------------------------------

    @api.model
    def _kpi_touch(self, lines=None, moves=None):
        """Note the items ``lines`` and the items of the entries ``moves``:
        their rows are computed again before the transaction commits, or
        before a figure reads the table (``_kpi_refresh``), whichever comes
        first; by then the ORM has written their new residuals."""
        line_ids = [line_id for line_id in (lines or self.env["account.move.line"]).ids if line_id]
        move_ids = [move_id for move_id in (moves or self.env["account.move"]).ids if move_id]
        if not line_ids and not move_ids:
            return
        cr = self.env.cr
        pending = cr.precommit.data.get(PENDING)
        if pending is None:
            pending = cr.precommit.data[PENDING] = {"lines": set(), "moves": set()}
            cr.precommit.add(self._kpi_refresh)
        pending["lines"].update(line_ids)
        pending["moves"].update(move_ids)

    @api.model
    def _kpi_touch_partners(self, partners):
        """The customer of the open items of ``partners`` and of their
        contacts may change (a contact moved to another company, partners
        merged): note those items."""
        if partners:
            self._kpi_touch_open_items(SQL(
                "(p.id = ANY(%(ids)s) OR p.commercial_partner_id = ANY(%(ids)s))", ids=partners.ids,
            ))

    @api.model
    def _kpi_touch_open_items(self, where):
        """Note the items open now matching the SQL ``where`` (``l`` the
        journal item, ``p`` its partner), found through the partial index
        of open items."""
        Line = self.env["account.move.line"]
        Line.flush_model(["partner_id", "account_id", "amount_residual", "parent_state"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        rows = self.env.execute_query(SQL(
            """
            SELECT l.id FROM account_move_line l
         LEFT JOIN res_partner p ON p.id = l.partner_id
             WHERE l.amount_residual <> 0 AND l.parent_state = 'posted' AND %s
            """,
            where,
        ))
        self._kpi_touch(Line.browse(row[0] for row in rows))

    @api.model
    def _kpi_refresh(self):
        """Compute again the rows of the items the transaction touched."""
        pending = self.env.cr.precommit.data.pop(PENDING, None)
        if pending:
            self._kpi_recompute(pending["lines"], pending["moves"])
            # a figure read them: the rows are right; the hook is still
            # registered, a touch after this adds to a new set
            self.env.cr.precommit.data.setdefault(PENDING, {"lines": set(), "moves": set()})

    # ------------------------------------------------------------------
    # MAINTENANCE AND PROOF
    # ------------------------------------------------------------------

    @api.model
    def _kpi_rebuild(self):
        """Compute the whole table from the ledger."""
        self._kpi_flush_ledger()
        self.env.cr.execute(SQL("DELETE FROM credit_control_kpi_open"))
        self._kpi_insert(SQL("TRUE"))
        self.env["credit.control.kpi.kept"]._kpi_forget()

    @api.model
    def _kpi_differences(self, limit=10):
        """The rows that differ from the ledger (at most ``limit`` of each
        side): ``[("table" | "ledger", row)]``, empty when the table is
        right."""
        self._kpi_refresh()
        self._kpi_flush_ledger()
        rows = self.env.execute_query(SQL(
            """
            (SELECT 'table', * FROM (SELECT %(columns)s FROM credit_control_kpi_open
                                     EXCEPT ALL %(ledger)s) t LIMIT %(limit)s)
             UNION ALL
            (SELECT 'ledger', * FROM (%(ledger)s
                                      EXCEPT ALL SELECT %(columns)s FROM credit_control_kpi_open) l LIMIT %(limit)s)
            """,
            columns=COLUMNS, ledger=self._kpi_rows_sql(SQL("TRUE")), limit=limit,
        ))
        return [(row[0], row[1:]) for row in rows]
