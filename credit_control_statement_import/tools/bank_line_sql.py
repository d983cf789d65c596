"""Imported bank statements written in bulk SQL: the statements, their
lines and the posted journal entry of each line (the move, its liquidity
and suspense items), as ``account.bank.statement.create`` would write them,
in a few set-based inserts instead of Odoo's work per line (about 17
queries and 0.3 s each: the entry, the synchronisation between the line
and its entry, the fiscal-position and analytic look-ups, the number, the
posting).

Only the simple case is written here (``BankLineSqlWriter.unsafe_reason``
says why a statement is not): lines in the company's currency on a bank
journal in that currency with a suspense account, no analytic
distribution model, no fiscal position to find, no lock date in the way,
only the values OCA's parsers give. Everything else goes through the ORM.

What this writes, and how (``TestBankLineSql`` compares both, column by
column):

* the values the ORM computes from the line's values in a way that does
  not depend on the database (amounts, debit/credit/balance, names,
  related copies of the move's columns on its items, the internal index
  of the line, ...) are written directly;
* the entry's number comes from Odoo's own sequence mixin
  (``_get_next_sequence_format`` of a prototype entry per date, and the
  transaction's sequence cache, updated afterwards as
  ``_locked_increment`` does), numbered in the order ``_compute_name``
  follows (date, reference, creation);
* so are the stored computed columns of the account module whose value
  is known for such an entry without running their method over each
  record (``COMPUTED``: totals, residuals, payment state, the items'
  links to their statement, ...), as long as no other module overrides
  their method: those methods read each new record through the ORM and
  write back one update per record and field, most of the import's time;
* the default of every other column is ``default_get``'s, once per
  model, and every other stored computed column (added by other modules,
  or overridden) is left to Odoo's own compute methods, in one batch over
  all the new records;
* the chatter rows the ORM writes (the importing user as follower of each
  entry, the partner as follower of each posted entry, the creation note)
  are written too: the followers as the chatter computes them, the first
  note through the chatter, the others copies of it.
"""
import datetime
import re

from psycopg2 import errors as pgerrors

from odoo import fields
from odoo.tools import SQL, float_is_zero, float_round

from odoo.addons.credit_control_base.tools.sql import convert_by_shape, copy_message, next_ids

MAXINT = 2147483647
INSERT_BATCH = 5000

# The runs of a text that Odoo's HTML sanitizer copies as they are: word
# characters and punctuation that no markup, entity or e-mail quote
# detection involves ("<", "&", "!", "-", ">" and white space are not in
# it), with single spaces between them. See ``_html_column``.
VERBATIM = re.compile(r"[\w.,:;/()+%]+(?: [\w.,:;/()+%]+)*")

# The values of a transaction (and of a statement) that OCA's CAMT, OFX
# and CSV parsers give and the journal hooks complete: any other key (a
# foreign currency, a counterpart account, ...) goes through the ORM.
LINE_KEYS = frozenset({
    "payment_ref", "amount", "date", "partner_name", "account_number", "unique_import_id", "transaction_type",
    "narration", "ref", "partner_id", "partner_bank_id", "journal_id", "sequence", "raw_data",
})
STATEMENT_KEYS = frozenset({"name", "date", "balance_start", "balance_end_real", "journal_id", "transactions"})

# The stored computed columns written with the rows (see ``_line_rows``
# and ``_statement_totals``), each as the account module computes it for
# a posted entry of a bank line in the company's currency (move type
# "entry", two items without tax, no payment, no reconciliation yet).
COMPUTED = {
    "account.bank.statement": ("date", "first_line_index", "balance_end", "is_complete"),
    "account.move": (
        "amount_untaxed", "amount_tax", "amount_total", "amount_residual", "amount_untaxed_signed",
        "amount_untaxed_in_currency_signed", "amount_tax_signed", "amount_total_signed",
        "amount_total_in_currency_signed", "amount_residual_signed", "payment_state", "is_storno",
        "always_tax_exigible", "auto_post_until", "invoice_date_due", "invoice_user_id", "payment_reference",
        "incoterm_location", "made_sequence_gap", "commercial_partner_id", "invoice_partner_display_name",
        "preferred_payment_method_line_id",
    ),
    "account.move.line": (
        "amount_residual", "amount_residual_currency", "reconciled", "price_subtotal", "price_total",
        "tax_tag_invert", "invoice_date", "payment_id", "statement_line_id", "statement_id",
    ),
}


class BankLineSqlWriter:
    """Writes the statements of one bank journal (see the module's
    docstring). ``write_statements(stmts_vals)`` returns the statements, or None
    when it wrote nothing (another transaction was numbering entries of
    the same journal: the ORM then does it)."""

    def __init__(self, journal):
        self.env = journal.env
        self.journal = journal
        self.company = journal.company_id
        self.currency = self.company.currency_id
        self.cr = self.env.cr
        # the computed values shared by the new records (_prepare_computed)
        self._computed = {}

    # ------------------------------------------------------------------
    # SAFETY
    # ------------------------------------------------------------------

    def unsafe_reason(self, stmts_vals):
        """Why these statements must go through the ORM (a short text for
        the log), or None when this writer writes exactly what it would."""
        journal = self.journal
        if journal.type != "bank" or not journal.active:
            return "not an active bank journal"
        if journal.currency_id and journal.currency_id != self.currency:
            return "journal in a foreign currency"
        if not journal.suspense_account_id or not journal.default_account_id:
            return "journal without a suspense or bank account"
        if (journal.suspense_account_id | journal.default_account_id).filtered("deprecated"):
            return "deprecated account on the journal"
        if journal.restrict_mode_hash_table:
            return "journal with inalterable hashing"
        for st_vals in stmts_vals:
            if set(st_vals) - STATEMENT_KEYS:
                return f"statement values {sorted(set(st_vals) - STATEMENT_KEYS)}"
            for vals in st_vals["transactions"]:
                if set(vals) - LINE_KEYS:
                    return f"line values {sorted(set(vals) - LINE_KEYS)}"
                if vals.get("journal_id", journal.id) != journal.id:
                    return "line of another journal"
        if self.env["account.analytic.distribution.model"].sudo().search_count(
                [("company_id", "in", [False, self.company.id])], limit=1):
            return "analytic distribution models"
        partner_ids = {v["partner_id"] for st in stmts_vals for v in st["transactions"] if v.get("partner_id")}
        if partner_ids and self._fiscal_positions_apply(partner_ids):
            return "fiscal positions to find"
        if self.env["mail.message.subtype"].sudo().search_count(
                [("res_model", "=", "account.move"), ("relation_field", "!=", False)], limit=1):
            return "followers of a parent record subscribed to each entry"
        dates = {fields.Date.to_date(v["date"]) for st in stmts_vals for v in st["transactions"]}
        for date in dates:
            # where posting would move the entry to the first open date
            if self.company._get_violated_lock_dates(date, False, journal):
                return "a lock date"
        return None

    def _fiscal_positions_apply(self, partner_ids):
        """Whether a journal entry of one of these partners would get a
        fiscal position (Odoo finds one for each entry with a partner):
        one set by hand on a partner, or one applied automatically."""
        FiscalPosition = self.env["account.fiscal.position"].with_company(self.company).sudo()
        if FiscalPosition.search_count(
                FiscalPosition._check_company_domain(self.company) + [("auto_apply", "=", True)], limit=1):
            return True
        # the partner's, or its delivery address's
        Partner = self.env["res.partner"].with_company(self.company).sudo().with_context(active_test=False)
        return bool(Partner.search_count([
            ("id", "child_of", list(partner_ids)), ("property_account_position_id", "!=", False)], limit=1))

    # ------------------------------------------------------------------
    # WRITING
    # ------------------------------------------------------------------

    def write_statements(self, stmts_vals):
        cache = self.env["account.move"]._get_sequence_cache()
        numbering = dict(cache)
        try:
            with self.cr.savepoint():
                return self._create(stmts_vals)
        except pgerrors.UniqueViolation:
            # numbers taken meanwhile by another transaction: the ORM
            # waits for it and takes the next ones, from the numbering as
            # it was before
            cache.clear()
            cache.update(numbering)
            return None

    def _create(self, stmts_vals):
        env = self.env
        env.flush_all()
        Statement, Line = env["account.bank.statement"], env["account.bank.statement.line"]
        Move, Item = env["account.move"], env["account.move.line"]
        lines = [vals for st_vals in stmts_vals for vals in st_vals["transactions"]]
        statement_ids = next_ids(self.cr, Statement, len(stmts_vals))
        line_ids = next_ids(self.cr, Line, len(lines))
        move_ids = next_ids(self.cr, Move, len(lines))
        item_ids = next_ids(self.cr, Item, 2 * len(lines))
        now = self.cr.now()
        uid = env.uid
        audit = {"create_uid": uid, "write_uid": uid, "create_date": now, "write_date": now}

        rows = {"st": [], "line": [], "move": [], "item": []}
        self._prepare_computed(lines)
        rank = 0
        for st_index, st_vals in enumerate(stmts_vals):
            st_row = {
                "id": statement_ids[st_index], "journal_id": self.journal.id, "company_id": self.company.id,
                **{key: st_vals[key] for key in ("name", "balance_start", "balance_end_real") if key in st_vals},
                **audit,
            }
            rows["st"].append(st_row)
            for vals in st_vals["transactions"]:
                self._line_rows(rows, vals, statement_ids[st_index], line_ids[rank], move_ids[rank],
                                item_ids[2 * rank:2 * rank + 2], audit)
                rank += 1
            self._statement_totals(st_row, rows["line"][rank - len(st_vals["transactions"]):rank], st_vals)
        self._number(rows["move"], rows["item"])
        self._sequence_gaps(rows["move"])
        self._leave_to_odoo(rows)

        explicit = {}
        explicit[Statement._name] = self._insert((Statement, rows["st"]))[0]
        # the entry and its line refer to each other: both inserted by the
        # same statements, PostgreSQL checking their foreign keys at the end
        # of each (an update of the entries afterwards would write every
        # index of the large entries' table a second time)
        explicit[Move._name], explicit[Line._name] = self._insert((Move, rows["move"]), (Line, rows["line"]))
        explicit[Item._name] = self._insert((Item, rows["item"]))[0]
        statements = Statement.browse(statement_ids)
        st_lines = Line.browse(line_ids)
        moves = Move.browse(move_ids)
        items = Item.browse(item_ids)
        self._compute_others([(statements, explicit[Statement._name]), (st_lines, explicit[Line._name]),
                              (moves, explicit[Move._name]), (items, explicit[Item._name])])
        # as ``mail.thread.create``: no tracking of new records (computed
        # tracked fields such as the payment state would log a change)
        moves._track_discard()
        self._write_chatter(moves, rows["move"])
        env.flush_all()
        return statements

    def _line_rows(self, rows, vals, statement_id, line_id, move_id, item_ids, audit):
        # the journal's, company's and currency's values read once for all
        # the lines (``_prepare_computed``): reading them from the records
        # costs more than the rest of a row
        computed = self._computed
        journal_id, company_id, currency_id, rounding = computed["ids"]
        date = computed["dates"].get(vals["date"])
        if date is None:
            date = computed["dates"][vals["date"]] = fields.Date.to_date(vals["date"])
        amount = float_round(float(vals.get("amount") or 0.0), precision_rounding=rounding)
        zero = float_is_zero(amount, precision_rounding=rounding)
        sequence = vals.get("sequence", 1)
        partner_id = vals.get("partner_id") or None
        label = vals.get("payment_ref")
        rows["line"].append({
            "id": line_id, "move_id": move_id, "statement_id": statement_id, "journal_id": journal_id,
            "company_id": company_id, "sequence": sequence, "partner_id": partner_id,
            "account_number": vals.get("account_number"), "partner_name": vals.get("partner_name"),
            "transaction_type": vals.get("transaction_type"), "payment_ref": label,
            "currency_id": currency_id, "amount": amount, "amount_currency": 0.0, "foreign_currency_id": None,
            "amount_residual": -amount, "is_reconciled": zero,
            "internal_index": f"{date:%Y%m%d}{MAXINT - sequence:0>10}{line_id:0>10}",
            "unique_import_id": vals.get("unique_import_id"), "raw_data": vals.get("raw_data"),
            **audit,
        })
        rows["move"].append({
            "id": move_id, "journal_id": journal_id, "company_id": company_id, "date": date,
            "move_type": "entry", "state": "posted", "posted_before": True, "auto_post": "no",
            "statement_line_id": line_id, "partner_id": partner_id,
            # set on posting from the journal, else left empty
            "checked": computed["checked"],
            # the line's own writes on its entry mark it
            "is_manually_modified": True,
            # none to find (unsafe_reason), without Odoo's look-up per entry
            "fiscal_position_id": None,
            "partner_bank_id": vals.get("partner_bank_id") or None, "ref": vals.get("ref"),
            "narration": vals.get("narration"), "currency_id": currency_id,
            **self._move_totals(amount),
            **computed["move"],
            **computed["partner"].get(partner_id, computed["nobody"]),
            **audit,
        })
        for item_id, (account_id, open_on, sign) in zip(item_ids, computed["accounts"], strict=True):
            balance = sign * amount
            # open on a reconcilable (or cash) account until reconciled
            residual = balance if open_on else 0.0
            rows["item"].append({
                "id": item_id, "move_id": move_id, "journal_id": journal_id, "company_id": company_id,
                "company_currency_id": currency_id, "date": date, "parent_state": "posted",
                "ref": vals.get("ref"), "name": label, "account_id": account_id, "partner_id": partner_id,
                "currency_id": currency_id, "amount_currency": balance, "balance": balance,
                "debit": balance if balance > 0 else 0.0, "credit": -balance if balance < 0 else 0.0,
                "display_type": "product", "quantity": 1.0, "sequence": 100,
                # no distribution model (unsafe_reason): none, without
                # Odoo's look-up per item
                "analytic_distribution": None,
                "amount_residual": residual, "amount_residual_currency": residual,
                # the balance is the amount, signed
                "reconciled": open_on and zero,
                # no tax: the amount itself (``_compute_totals`` of an entry)
                "price_subtotal": balance, "price_total": balance,
                "statement_line_id": line_id, "statement_id": statement_id,
                **computed["item"],
                **audit,
            })

    # ------------------------------------------------------------------
    # COMPUTED COLUMNS (see COMPUTED)
    # ------------------------------------------------------------------

    def _prepare_computed(self, lines):
        """The computed values the new records share, and those of each
        partner, read once for all the lines into ``self._computed``."""
        Move = self.env["account.move"].sudo()
        # an entry without partner shows who created it, in the user's
        # language: the account module's own method says it
        nobody = Move.new({"move_type": "entry", "company_id": self.company.id})
        nobody._compute_invoice_partner_display_info()
        self._computed = {
            # an entry is neither an invoice nor a payment: no tax, no
            # salesperson, no due term (due today), nothing paid to track
            "move": {
                "payment_state": "not_paid", "is_storno": False, "always_tax_exigible": True,
                "auto_post_until": None, "invoice_date_due": fields.Date.context_today(Move),
                "invoice_user_id": None, "payment_reference": None, "incoterm_location": None,
            },
            "nobody": {"commercial_partner_id": None, "preferred_payment_method_line_id": None,
                       "invoice_partner_display_name": nobody.invoice_partner_display_name},
            "partner": self._partner_values({vals["partner_id"] for vals in lines if vals.get("partner_id")}),
            "item": {"tax_tag_invert": False, "invoice_date": None, "payment_id": None},
            # (account, open until reconciled, sign) of the bank item and of
            # the suspense item: open on a reconcilable (or cash) account
            "accounts": [(account.id, bool(account.reconcile or account.account_type in (
                "asset_cash", "liability_credit_card")), sign) for account, sign in (
                (self.journal.default_account_id, 1), (self.journal.suspense_account_id, -1))],
            "ids": (self.journal.id, self.company.id, self.currency.id, self.currency.rounding),
            # set on posting from the journal, else left empty
            "checked": True if self.journal.autocheck_on_post else None,
            "dates": {},
        }

    def _partner_values(self, partner_ids):
        """The columns of an entry that come from its partner, as the
        account module computes them (stored computes run as superuser)."""
        partners = self.env["res.partner"].sudo().with_company(self.company).browse(sorted(partner_ids))
        return {partner.id: {
            "commercial_partner_id": partner.commercial_partner_id.id,
            "invoice_partner_display_name": partner.display_name,
            # an entry is not a sale document: the outbound method
            "preferred_payment_method_line_id": partner.property_outbound_payment_method_line_id.id or None,
        } for partner in partners}

    @staticmethod
    def _move_totals(amount):
        """The totals ``_compute_amount`` gives a miscellaneous entry: its
        debit as total, nothing untaxed, taxed or residual (those count
        invoice lines only)."""
        total = abs(amount)
        return {
            "amount_untaxed": 0.0, "amount_tax": 0.0, "amount_total": total, "amount_residual": 0.0,
            "amount_untaxed_signed": 0.0, "amount_untaxed_in_currency_signed": 0.0, "amount_tax_signed": 0.0,
            "amount_total_signed": total, "amount_total_in_currency_signed": total, "amount_residual_signed": 0.0,
        }

    def _statement_totals(self, st_row, line_rows, st_vals):
        """The statement's date and first line (of its lines in the order of
        their internal index), and its end balance when the file gives its
        balances (else Odoo computes the start balance, then those)."""
        indexes = sorted(row["internal_index"] for row in line_rows)
        st_row["first_line_index"] = indexes[0] if indexes else None
        # the date of its last line (the index starts with it: YYYYMMDD)
        st_row["date"] = datetime.datetime.strptime(indexes[-1][:8], "%Y%m%d").date() if indexes else None
        if "balance_start" in st_vals and "balance_end_real" in st_vals:
            balance_end = self.currency.round(st_vals["balance_start"] + sum(row["amount"] for row in line_rows))
            st_row["balance_end"] = balance_end
            st_row["is_complete"] = bool(line_rows) and not self.currency.compare_amounts(
                balance_end, st_vals["balance_end_real"])

    def _sequence_gaps(self, move_rows):
        """``made_sequence_gap`` of each entry: whether the number before
        its own is missing in its journal and prefix. The new numbers
        follow each other, so only the first of each prefix can."""
        firsts = {}
        for row in move_rows:
            row["made_sequence_gap"] = False
            first = firsts.get(row["sequence_prefix"])
            if first is None or row["sequence_number"] < first["sequence_number"]:
                firsts[row["sequence_prefix"]] = row
        for prefix, row in firsts.items():
            if row["sequence_number"] > 1:
                self.cr.execute(SQL(
                    """SELECT 1 FROM account_move
                        WHERE journal_id = %s AND sequence_prefix = %s AND sequence_number = %s""",
                    self.journal.id, prefix, row["sequence_number"] - 1,
                ))
                row["made_sequence_gap"] = not self.cr.fetchone()

    def _leave_to_odoo(self, rows):
        """Take out of the rows the computed columns Odoo must compute: the
        end balances when a statement lacks its balances (each row gives
        the same columns), and those ``_leave_overridden`` says."""
        if any(set(row) != set(rows["st"][0]) for row in rows["st"]):
            for row in rows["st"]:
                row.pop("balance_end", None)
                row.pop("is_complete", None)
        for key, model in (("st", "account.bank.statement"), ("move", "account.move"), ("item", "account.move.line")):
            self._leave_overridden(self.env[model], rows[key])

    @staticmethod
    def _leave_overridden(model, rows):
        """Leave to Odoo's compute the columns of ``COMPUTED`` whose method
        another module overrides (the value written here is the account
        module's): the writer then does not write them."""
        overridden = set()
        for name in COMPUTED[model._name]:
            field = model._fields[name]
            if field.related or not isinstance(field.compute, str):
                continue
            owners = {cls.__module__ for cls in type(model).__mro__ if field.compute in vars(cls)}
            if any(not owner.startswith("odoo.addons.account.") for owner in owners):
                overridden.add(name)
        for row in rows if overridden else ():
            for name in overridden:
                row.pop(name, None)

    def _number(self, move_rows, item_rows):
        """Give each entry its number, as ``_compute_name`` would on posting
        them: in the order of (date, reference, creation), each period's
        numbering continuing from the last number of the journal (or the
        transaction's sequence cache)."""
        Move = self.env["account.move"].with_company(self.company)
        cache = Move._get_sequence_cache()
        formats = {}
        for date in {row["date"] for row in move_rows}:
            prototype = Move.new({"journal_id": self.journal.id, "date": date, "move_type": "entry",
                                  "company_id": self.company.id})
            format_string, format_values = prototype._get_next_sequence_format()
            seq = format_values.pop("seq")
            key = (format_string.format(**format_values, seq=0), self.journal)
            formats[date] = (key, format_string, format_values)
            cache.setdefault(key, seq)
        regex = re.sub(r"\?P<\w+>", "?:", Move._sequence_fixed_regex.replace(r"?P<seq>", ""))
        names = {}
        for row in sorted(move_rows, key=lambda r: (r["date"], r["ref"] or "", r["id"])):
            key, format_string, format_values = formats[row["date"]]
            cache[key] += 1
            name = format_string.format(**format_values, seq=cache[key])
            matching = re.match(regex, name)
            row.update(name=name, sequence_prefix=name[:matching.start(1)],
                       sequence_number=int(matching.group(1) or 0))
            names[row["id"]] = name
        for row in item_rows:
            row["move_name"] = names[row["move_id"]]

    # ------------------------------------------------------------------
    # LOW LEVEL
    # ------------------------------------------------------------------

    def _insert(self, *tables):
        """Insert the rows of each ``(model, rows)`` (dicts of column values)
        into the model's table, each with the model's defaults for the
        columns it does not give; return, per table, the names of the
        fields written. The tables are inserted together, in one statement
        per batch of rows, so that rows referring to each other row for
        row satisfy their foreign keys."""
        plans = [self._insert_plan(model, rows) for model, rows in tables]
        for start in range(0, len(tables[0][1]), INSERT_BATCH):
            queries = [self._insert_query(model, rows[start:start + INSERT_BATCH], plan)
                       for (model, rows), plan in zip(tables, plans, strict=True)]
            self.cr.execute(SQL("WITH %s %s", SQL(", ").join(
                SQL("%s AS (%s)", SQL.identifier(f"insert_{rank}"), query) for rank, query in enumerate(queries[:-1])
            ), queries[-1]) if len(queries) > 1 else queries[0])
        return [set(plan[0]) | set(plan[1]) for plan in plans]

    def _insert_plan(self, model, rows):
        """The columns given by ``rows`` (sorted) and the model's defaults
        of the others, as the ORM inserts them."""
        if not rows:
            return [], {}
        given = set(rows[0])
        stored = {name: field for name, field in model._fields.items()
                  if field.store and field.column_type and name not in given}
        defaults = model.default_get([name for name, field in stored.items() if not field.compute])
        record = model.browse()
        default_columns = {name: stored[name].convert_to_column_insert(value, record)
                           for name, value in defaults.items()
                           if name in stored and stored[name].type not in ("one2many", "many2many")}
        # what the ORM inserts for a field computed before the insert when
        # its method assigns nothing (the method runs again afterwards)
        default_columns.update({name: field.convert_to_column_insert(False, record)
                                for name, field in stored.items()
                                if field.compute and field.precompute and name not in default_columns})
        return sorted(given), default_columns

    def _insert_query(self, model, rows, plan):
        """The INSERT of ``rows`` into the model's table (see ``_insert``):
        one typed array per column, unnested into rows by PostgreSQL;
        psycopg2 quotes the values of a list at C speed, where one VALUES
        row per record costs an SQL object and a tuple in Python."""
        given, default_columns = plan
        fields_, record = model._fields, model.browse()
        return SQL(
            "INSERT INTO %s (%s) SELECT v.*%s FROM unnest(%s) AS v",
            SQL.identifier(model._table),
            SQL(", ").join(SQL.identifier(name) for name in given + sorted(default_columns)),
            SQL("").join(SQL(", %s::%s", default_columns[name], SQL(fields_[name].column_type[0]))
                         for name in sorted(default_columns)),
            SQL(", ").join(
                SQL("%s::%s[]", self._column(fields_[name], record, [row[name] for row in rows]),
                    SQL(fields_[name].column_type[0]))
                for name in given
            ),
        )

    @staticmethod
    def _column(field, record, values):
        """The column values of ``values`` for ``field``, as the ORM inserts
        them: texts converted (sanitized html, translations) once per
        distinct value, since notes and labels repeat, html once per shape
        (``_html_column``)."""
        if field.type == "html" and not getattr(field, "translate", False):
            return _html_column(field, record, values)
        if field.type in ("char", "text", "html"):
            converted = {}
            for value in values:
                if value not in converted:
                    converted[value] = field.convert_to_column_insert(value, record)
            return [converted[value] for value in values]
        if field.type in ("json", "properties") or getattr(field, "translate", False):
            return [field.convert_to_column_insert(value, record) for value in values]
        return values

    def _compute_others(self, records_and_written):
        """Leave every stored computed field this writer does not write to
        Odoo's own compute methods, in one batch per model."""
        for records, written in records_and_written:
            for name, field in records._fields.items():
                if field.store and field.compute and name not in written and field.column_type:
                    self.env.add_to_compute(field, records)
        self.env.flush_all()

    def _write_chatter(self, moves, move_rows):
        """The followers and notes the ORM writes on each new entry, from
        the chatter's own methods: the importing user follows each entry
        (``mail.thread.create``), so does its partner once posted
        (``account.move._post``), and each gets its creation note."""
        context = self.env.context
        Followers = self.env["mail.followers"].sudo().with_context(default_partner_id=False)
        user = self.env.user
        logged = not context.get("tracking_disable")
        user_partner = user.partner_id.id if logged and user.active and not context.get(
            "mail_create_nosubscribe") else None
        follower_vals = []
        if user_partner:
            new, _update = Followers._add_default_followers(
                moves._name, moves.ids, [user_partner], customer_ids=[], check_existing=False)
            follower_vals += [dict(vals, res_id=res_id) for res_id, vals_list in new.items() for vals in vals_list]
        partner_ids = sorted({row["partner_id"] for row in move_rows if row["partner_id"]} - {user_partner})
        if partner_ids:
            new, _update = Followers._add_default_followers(moves._name, [], partner_ids, check_existing=False)
            by_partner = {vals["partner_id"]: vals for vals in new.get(0, [])}
            follower_vals += [dict(by_partner[row["partner_id"]], res_id=row["id"]) for row in move_rows
                              if row["partner_id"] in by_partner]
        follower_vals.sort(key=lambda vals: (vals["res_id"], vals["partner_id"] != user_partner))
        self._insert_followers(Followers, follower_vals)
        # no tracking message: ``mail.thread.create`` discards the tracking
        # of the records it creates for the rest of the transaction
        if logged and not context.get("mail_create_nolog"):
            first = moves[:1]
            note = first._message_log_batch(bodies={first.id: first._creation_message()})
            copy_message(self.cr, note, moves[1:].ids)

    def _insert_followers(self, Followers, follower_vals):
        """Insert the followers ``_add_default_followers`` gives (a partner
        and its subtypes on a record), as ``mail.followers.create`` would
        without its work per follower (they have no computed column)."""
        if not follower_vals:
            return
        follower_ids = next_ids(self.cr, Followers, len(follower_vals))
        self._insert((Followers, [
            {"id": follower_id, "res_model": vals["res_model"], "res_id": vals["res_id"],
             "partner_id": vals["partner_id"]}
            for follower_id, vals in zip(follower_ids, follower_vals, strict=True)
        ]))
        field = Followers._fields["subtype_ids"]
        pairs = [(follower_id, subtype_id) for follower_id, vals in zip(follower_ids, follower_vals, strict=True)
                 for command in vals["subtype_ids"] for subtype_id in command[2]]
        self.cr.execute(SQL(
            "INSERT INTO %s (%s, %s) SELECT unnest(%s::int[]), unnest(%s::int[])",
            SQL.identifier(field.relation), SQL.identifier(field.column1), SQL.identifier(field.column2),
            [pair[0] for pair in pairs], [pair[1] for pair in pairs],
        ))


def _html_column(field, record, values):
    """The column values of ``values`` for the html ``field``, as the ORM
    inserts them (sanitized by ``convert_to_column_insert``), each shape
    sanitized once (``convert_by_shape``). The notes of a statement's lines
    are plain texts that differ by their names, references and amounts,
    which the sanitizer copies as they are (``VERBATIM``); a text holding
    markup or an entity ("<", "&") is sanitized on its own."""
    return convert_by_shape(
        lambda value: field.convert_to_column_insert(value, record), values, VERBATIM,
        alone=lambda text: "<" in text or "&" in text,
    )
