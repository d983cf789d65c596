from odoo import api, fields, models
from odoo.tools import SQL, create_index

from .credit_control_kpi_balance import LINE_TRACKED_FIELDS

# Item fields whose change moves an open item's row of the KPIs (its
# customer, due date, amount, account).
OPEN_TRACKED_FIELDS = LINE_TRACKED_FIELDS | {"partner_id"}

# Item fields whose change on a reconciled item moves its payments' days late.
DELAY_TRACKED_FIELDS = {"date", "date_maturity"}

# What the open-item definition reads: flushed before any query composed
# with it, so that no search reads a stale residual.
OPEN_ITEM_FIELDS = [
    "move_id", "partner_id", "company_id", "account_id", "parent_state", "date", "date_maturity",
    "balance", "amount_residual", "amount_residual_currency", "currency_id",
]


class AccountMoveLine(models.Model):
    """What a customer owes, defined once.

    An *open receivable item* is a posted journal item of a receivable
    account with a residual: one instalment of an invoice (an invoice with
    two payment term lines has two, each with its own due date), or, with a
    negative residual, an *unapplied credit* (a payment or a credit note not
    matched yet). It belongs to the commercial entity of its partner: a
    payment made by a contact counts for the customer. Its due date is its
    maturity, else its accounting date; it is *overdue* when it is still to
    be paid (positive residual) and its due date has passed; its days late
    are the days since its due date.

    Every figure (dossier, invoice state, aged balance, KPIs, forecast,
    scoring, reminder run) composes the SQL fragments below, and every
    document (letters, e-mails, portal) the Python helpers, so that they
    cannot disagree.
    """

    _inherit = "account.move.line"

    def _auto_init(self):
        result = super()._auto_init()
        # Credit control reads open receivable items per customer and company
        # all day long. Only open items of reconcilable accounts have a
        # residual, so this partial index stays small however big the ledger.
        create_index(
            self.env.cr,
            "account_move_line_credit_control_open_idx",
            self._table,
            ["partner_id", "company_id", "date_maturity"],
            where="amount_residual <> 0 AND parent_state = 'posted'",
        )
        # The KPIs (open items of a company, the forecast) read every open
        # item of a company: with every column they read in the index, they
        # scan it alone (an index-only scan) instead of the whole table, which
        # grows with the history (5.5 s of 1.6 GB for 584,000 open items of
        # 5.5 million lines). Open items only, as the index above: an item
        # settled leaves both, and a write that changes a residual already
        # writes a new entry in every index of the table.
        create_index(
            self.env.cr,
            "account_move_line_credit_control_open_company_idx",
            self._table,
            ["company_id", "partner_id", "account_id", "date_maturity", "date", "move_id", "id", "amount_residual"],
            where="amount_residual <> 0 AND parent_state = 'posted'",
        )
        return result

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        # an item added to a posted entry (a bank entry's receivable, when a
        # statement line is reconciled) moves the receivables at once; the
        # items of a draft entry count when it is posted
        posted = lines.filtered(lambda line: line.parent_state == "posted")
        if posted:
            self.env["credit.control.kpi.balance"]._kpi_lines_changed(posted, [])
            self.env["credit.control.kpi.open"]._kpi_touch(posted)
        return lines

    def unlink(self):
        posted = self.filtered(lambda line: line.parent_state == "posted")
        Balance = self.env["credit.control.kpi.balance"]
        before = Balance._kpi_lines_movements(posted) if posted else []
        self.env["credit.control.kpi.open"]._kpi_touch(posted)
        result = super().unlink()
        Balance._kpi_lines_removed(before)
        return result

    def write(self, vals):
        # a posted item's due date (or amount, account) changed: its
        # receivables move to the new due date
        posted = self.browse()
        if LINE_TRACKED_FIELDS.intersection(vals):
            posted = self.filtered(lambda line: line.parent_state == "posted")
        Balance = self.env["credit.control.kpi.balance"]
        before = Balance._kpi_lines_movements(posted) if posted else []
        # and the days late of the payments already reconciled on it
        Delay = self.env["credit.control.kpi.delay"]
        dated = posted if DELAY_TRACKED_FIELDS.intersection(vals) else self.browse()
        delays = Delay._kpi_lines_delays(dated) if dated else []
        result = super().write(vals)
        if OPEN_TRACKED_FIELDS.intersection(vals):
            # and its row of today's open items (a draft item has none, its
            # posting writes it)
            self.env["credit.control.kpi.open"]._kpi_touch(
                posted if LINE_TRACKED_FIELDS.intersection(vals)
                else self.filtered(lambda line: line.parent_state == "posted")
            )
        if posted:
            Balance._kpi_lines_changed(posted, before)
        if delays:
            Delay._kpi_lines_changed(dated, delays)
        return result

    # ------------------------------------------------------------------
    # SQL: THE DEFINITION
    # ------------------------------------------------------------------

    @api.model
    def _credit_flush_open_items(self):
        """Write what the open-item fragments read; call it before running
        any query composed with them."""
        self.flush_model(OPEN_ITEM_FIELDS)
        self.env["account.move"].flush_model(["move_type", "commercial_partner_id", "state"])
        self.env["account.account"].flush_model(["account_type"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])

    @api.model
    def _credit_receivable_sql(self, alias="l"):
        """Posted journal item ``alias`` of a receivable account."""
        return SQL(
            "%(l)s.parent_state = 'posted' AND %(l)s.account_id IN ("
            "SELECT id FROM account_account WHERE account_type = 'asset_receivable')",
            l=SQL.identifier(alias),
        )

    @api.model
    def _credit_open_item_sql(self, alias="l"):
        """Open receivable item ``alias`` today: an instalment still to be
        paid or an unapplied credit. Matches the partial index on open items
        (``amount_residual <> 0 AND parent_state = 'posted'``)."""
        return SQL(
            "%(receivable)s AND %(l)s.amount_residual <> 0",
            receivable=self._credit_receivable_sql(alias),
            l=SQL.identifier(alias),
        )

    @api.model
    def _credit_due_date_sql(self, alias="l"):
        """Due date of item ``alias``: its maturity, else its date."""
        return SQL("COALESCE(%(l)s.date_maturity, %(l)s.date)", l=SQL.identifier(alias))

    @api.model
    def _credit_days_late_sql(self, as_of, alias="l", due=None):
        """Days between the due date of item ``alias`` (or the SQL ``due``)
        and ``as_of``: negative while not due."""
        return SQL("(%s::date - %s)", as_of, due or self._credit_due_date_sql(alias))

    @api.model
    def _credit_overdue_sql(self, as_of, alias="l", residual=None, due=None):
        """Item ``alias`` is overdue on ``as_of``: still to be paid and past
        its due date. ``residual`` and ``due`` replace the item's columns
        for a query that computes them (the aged balance as of a past
        date)."""
        return SQL(
            "(%s > 0 AND %s < %s)",
            residual or SQL("%s.amount_residual", SQL.identifier(alias)),
            due or self._credit_due_date_sql(alias),
            as_of,
        )

    @api.model
    def _credit_customer_partners_sql(self, partner):
        """The partners whose items belong to the commercial entity
        ``partner`` (SQL): itself and its contacts."""
        return SQL("(SELECT id FROM res_partner WHERE commercial_partner_id = %s)", partner)

    # ------------------------------------------------------------------
    # PYTHON: THE SAME DEFINITION FOR DOCUMENTS
    # ------------------------------------------------------------------

    def _credit_is_open_item(self):
        self.ensure_one()
        return (
            self.parent_state == "posted"
            and self.account_id.account_type == "asset_receivable"
            and not self.company_currency_id.is_zero(self.amount_residual)
        )

    def _credit_due_date(self):
        self.ensure_one()
        return self.date_maturity or self.date

    def _credit_item_values(self, as_of=None):
        """The open items of ``self`` as dicts, in due date order: ``line``,
        ``move``, ``due_date``, ``days_late`` (negative while not due),
        ``overdue``, ``amount`` (residual in the document currency, with
        ``currency``) and ``amount_company`` (in company currency)."""
        as_of = as_of or fields.Date.context_today(self)
        items = []
        for line in self.filtered(lambda item: item._credit_is_open_item()):
            due = line._credit_due_date()
            foreign = line.currency_id and line.currency_id != line.company_currency_id
            items.append({
                "line": line,
                "move": line.move_id,
                "due_date": due,
                "days_late": (as_of - due).days,
                "overdue": line.amount_residual > 0 and due < as_of,
                "currency": line.currency_id if foreign else line.company_currency_id,
                "amount": line.amount_residual_currency if foreign else line.amount_residual,
                "amount_company": line.amount_residual,
            })
        return sorted(items, key=lambda item: (item["due_date"], item["move"].id, item["line"].id))

    @api.model
    def _credit_item_values_of(self, move_ids, as_of=None):
        """``_credit_item_values`` of the receivable items of the entries
        ``move_ids``, found in one query on the SQL definition of an open
        item (``_credit_open_item_sql``), each dict with the item's
        ``balance`` too: for every open invoice of a company at once (the
        nightly priorities, the forecast). Read record by record, each
        group of a thousand walked the ids of all the others (Odoo's
        prefetch): 250 s for the 63,000 open invoices of 100,000."""
        as_of = as_of or fields.Date.context_today(self)
        if not move_ids:
            return []
        self.flush_model([
            "move_id", "account_id", "parent_state", "date", "date_maturity", "amount_residual",
            "amount_residual_currency", "currency_id", "company_currency_id", "balance",
        ])
        rows = self.env.execute_query(SQL(
            """
            SELECT l.id, l.move_id, %(due)s, l.amount_residual, l.amount_residual_currency,
                   l.currency_id, l.company_currency_id, l.balance
              FROM account_move_line l
             WHERE l.move_id = ANY(%(move_ids)s) AND %(open_item)s
          ORDER BY 3, 2, 1
            """,
            due=self._credit_due_date_sql(), move_ids=list(move_ids), open_item=self._credit_open_item_sql(),
        ))
        # records sharing one prefetch set each, as a recordset's are
        lines = self.browse([row[0] for row in rows])
        moves = self.env["account.move"].browse([row[1] for row in rows])
        currencies = self.env["res.currency"].browse({row[5] for row in rows} | {row[6] for row in rows})
        currency = {currency.id: currency for currency in currencies}
        items = []
        for line, move, row in zip(lines, moves, rows, strict=True):
            _line_id, _move_id, due, residual, residual_currency, currency_id, company_currency_id, balance = row
            foreign = currency_id and currency_id != company_currency_id
            items.append({
                "line": line,
                "move": move,
                "due_date": due,
                "days_late": (as_of - due).days,
                "overdue": residual > 0 and due < as_of,
                "currency": currency[currency_id if foreign else company_currency_id],
                "amount": residual_currency if foreign else residual,
                "amount_company": residual,
                "balance": balance,
            })
        return items
