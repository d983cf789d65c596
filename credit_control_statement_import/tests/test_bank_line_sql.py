import base64
import re

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from ..tools.bank_line_sql import BankLineSqlWriter
from ..wizard.account_statement_import import SQL_MIN_LINES_PARAM
from .common import StatementImportCommon

# Columns not compared: the ids themselves, who and when (the same user and
# transaction time anyway, the write date differs by the order of writes).
SKIPPED = {"id", "create_uid", "create_date", "write_uid", "write_date"}
# Columns holding the id of the record they are on (the internal index of
# a statement line: date, sequence, id) or of a new line (the first line
# index of a statement).
INDEX_COLUMNS = {"internal_index", "first_line_index"}


@tagged("post_install", "-at_install")
@freeze_time("2026-02-11")
class TestBankLineSql(StatementImportCommon):
    """The bulk SQL writer of large statements writes what the ORM writes,
    column by column, and what it writes works afterwards in Odoo."""

    def _camt_of(self, size):
        """A CAMT.053 of the file of tests/data with ``size`` entries more:
        receipts of known payers (found by their IBAN), of unknown ones,
        some quoting an invoice, and a debit."""
        text = self._camt().decode()
        head, rest = text.split("<Ntry>", 1)
        entries = "<Ntry>" + rest.rsplit("</Ntry>", 1)[0] + "</Ntry>"
        tail = rest.rsplit("</Ntry>", 1)[1]
        first = "<Ntry>" + rest.split("</Ntry>", 1)[0] + "</Ntry>"
        more = [
            re.sub(r"1200\.00", f"{100 + rank}.{rank % 100:02d}",
                   first.replace("20260210FR0001", f"S{rank:04d}").replace("INV/2026/00001", f"DIVERS {rank}"))
            for rank in range(size)
        ]
        return (head + entries + "\n".join(more) + tail).encode()

    def _import_by(self, content, sql, lines=19):
        """Import ``content`` through the bulk SQL writer or the ORM; return
        the wizard and the statements, once the transaction's pending work
        (the tracking Odoo leaves to the commit) is done."""
        self.env["ir.config_parameter"].sudo().set_param(SQL_MIN_LINES_PARAM, "1" if sql else "0")
        wizard = self.env["account.statement.import"].with_context(journal_id=self.bank_journal.id).create({
            "statement_file": base64.b64encode(content), "statement_filename": "camt053_sql.xml"})
        result = wizard._import_file()
        self.assertEqual(result.get("credit_sql_lines"), lines if sql else None)
        statements = self.env["account.bank.statement"].browse(result["statement_ids"])
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.flush_all()
        return wizard, statements

    def _snapshot(self, statements):
        """Every stored column of the new statements, lines, entries and
        items, and the chatter of the entries, with the ids of new records
        replaced by their rank."""
        cr = self.env.cr
        ids = {
            "account.bank.statement": statements.ids,
            "account.bank.statement.line": statements.line_ids.ids,
            "account.move": statements.line_ids.move_id.ids,
            "account.move.line": statements.line_ids.move_id.line_ids.ids,
        }
        ranks = {model: {id_: rank for rank, id_ in enumerate(sorted(model_ids))} for model, model_ids in ids.items()}
        tables = {}
        for model, model_ids in ids.items():
            Model = self.env[model]
            cr.execute(f'SELECT * FROM "{Model._table}" WHERE id = ANY(%s) ORDER BY id', [model_ids])  # noqa: S608
            rows = []
            for row in cr.dictfetchall():
                own = row["id"]
                for column, value in list(row.items()):
                    field = Model._fields.get(column)
                    if column in SKIPPED:
                        del row[column]
                    elif column in INDEX_COLUMNS and value:
                        line_id = int(value[-10:])
                        row[column] = (value[:-10], ranks["account.bank.statement.line"].get(line_id, line_id))
                        if column == "internal_index":
                            self.assertEqual(line_id, own)
                    elif field is not None and field.type == "many2one" and field.comodel_name in ranks and value:
                        row[column] = ("new", ranks[field.comodel_name].get(value, value))
                rows.append(row)
            tables[model] = rows
        move_ranks = ranks["account.move"]
        cr.execute("""SELECT res_id, partner_id, ARRAY(SELECT r.mail_message_subtype_id
                                                          FROM mail_followers_mail_message_subtype_rel r
                                                         WHERE r.mail_followers_id = f.id ORDER BY 1)
                        FROM mail_followers f WHERE res_model = 'account.move' AND res_id = ANY(%s)""",
                   [ids["account.move"]])
        tables["mail.followers"] = sorted((move_ranks[r[0]], r[1], r[2]) for r in cr.fetchall())
        # every column of each message (the writer copies the first note),
        # but its own id and the message id a batch of notes draws at random
        cr.execute("""SELECT m.res_id, to_jsonb(m) - ARRAY['id', 'res_id', 'message_id', 'create_date', 'write_date'],
                             ARRAY(SELECT (t.field_id, t.old_value_char, t.new_value_char, t.old_value_integer,
                                           t.new_value_integer)::text
                                     FROM mail_tracking_value t WHERE t.mail_message_id = m.id ORDER BY t.field_id),
                             ARRAY(SELECT r.res_partner_id FROM mail_message_res_partner_rel r
                                    WHERE r.mail_message_id = m.id ORDER BY 1)
                        FROM mail_message m WHERE m.model = 'account.move' AND m.res_id = ANY(%s)""",
                   [ids["account.move"]])
        tables["mail.message"] = sorted((move_ranks[r[0]], sorted(r[1].items()), *r[2:]) for r in cr.fetchall())
        return tables

    def _assert_same(self, orm, sql):
        """Every row of each table the same, else the list of what differs."""
        diffs = []
        for table, orm_rows in orm.items():
            sql_rows = sql[table]
            if len(sql_rows) != len(orm_rows):
                diffs.append(f"{table}: {len(orm_rows)} rows by the ORM, {len(sql_rows)} in SQL: "
                             f"{orm_rows[:3]} ... by the ORM, {sql_rows[:3]} ... in SQL")
                continue
            for rank, (orm_row, sql_row) in enumerate(zip(orm_rows, sql_rows, strict=True)):
                if not isinstance(orm_row, dict):
                    if orm_row != sql_row:
                        diffs.append(f"{table} row {rank}: {orm_row} by the ORM, {sql_row} in SQL")
                    continue
                diffs += [f"{table} row {rank}: {column} {orm_row.get(column)!r} by the ORM, "
                          f"{sql_row.get(column)!r} in SQL"
                          for column in sorted(set(orm_row) | set(sql_row))
                          if orm_row.get(column) != sql_row.get(column)]
        self.assertFalse(diffs, "\n".join(diffs))

    def test_sql_writes_what_the_orm_writes(self):
        """The same file imported through the ORM, then (rolled back)
        through the bulk SQL writer: every stored column of the statement,
        its lines, their entries and items is the same, and so is the
        chatter of the entries (followers, creation notes, tracking)."""
        self.company.credit_cash_application = False
        # as an accountant imports, chatter on (the test fixture turns it off)
        self.env = self.env(context=dict(self.env.context, tracking_disable=False, mail_create_nolog=False,
                                         mail_create_nosubscribe=False, mail_notrack=False))
        # the file's own 7 lines balance (a complete statement), 19 do not
        for more, lines in ((12, 19), (0, 7)):
            with self.subTest(lines=lines):
                content = self._camt_of(more)
                orm = self._rolled_back(lambda content=content: self._snapshot(
                    self._import_by(content, sql=False)[1]))
                sql = self._rolled_back(lambda content=content, lines=lines: self._check_sql_import(content, lines))
                self.assertEqual(len(orm["account.bank.statement.line"]), lines)
                self._assert_same(orm, sql)

    def test_sql_writes_what_the_orm_writes_varied_notes(self):
        """As above for transactions whose notes the writer sanitizes by
        shape (``_html_column``): French labels with accents, a name with
        "&" and a label with "<" (each sanitized on its own), structured and
        unstructured remittance information, an entry of two transactions,
        a returned transfer with its reason, a label spread over lines with
        an e-mail signature ("--") and quote (">") the sanitizer marks, and
        a partner found by the IBAN of an accented customer."""
        self.company.credit_cash_application = False
        self.env = self.env(context=dict(self.env.context, tracking_disable=False, mail_create_nolog=False,
                                         mail_create_nosubscribe=False, mail_notrack=False))
        entries = [
            self._entry("V01", "1830.50", "CRDT", [{
                "ref": "V01", "name": "Hôtel des Alpes &amp; Cie", "iban": "FR7617806000140412345678934",
                "remittance": "<Strd><CdtrRefInf><Ref>RF18 2026 0000 4</Ref></CdtrRefInf></Strd>"
                              "<Ustrd>Règlement facture n° INV/2026/00004 – échéance février (acompte 50%)</Ustrd>",
            }]),
            self._entry("V02", "1900.00", "CRDT", [
                {"ref": "V02-A", "name": "Garage Dupont et Fils", "iban": "FR7630003012340005012345678",
                 "remittance": "<Ustrd>VIR SEPA INV/2026/00002 -- \nsigné: Élodie Dupont\n> merci</Ustrd>"},
                {"ref": "V02-B", "name": "Garage Dupont et Fils", "iban": "FR7630003012340005012345678",
                 "remittance": "<Ustrd>VIR SEPA INV/2026/00003 montant &lt; 1 000 € x--!&gt;y 'déjà' \"payé\"</Ustrd>"},
            ], amounts=["1000.00", "900.00"]),
            self._entry("V03", "640.00", "DBIT", [{
                "ref": "V03", "name": "Boulangerie Martin SARL", "iban": "FR7610278060310002045670132",
                "remittance": "<Ustrd>RETOUR VIREMENT – compte clôturé</Ustrd>",
                "more": "<RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>Compte clôturé  le 09/02</AddtlInf></RtrInf>",
            }]),
        ]
        text = self._camt().decode()
        content = text.replace("    </Stmt>", "\n".join(entries) + "\n    </Stmt>").replace(
            'Ccy="EUR"', f'Ccy="{self.company.currency_id.name}"').encode()
        orm = self._rolled_back(lambda: self._snapshot(self._import_by(content, sql=False, lines=11)[1]))
        sql = self._rolled_back(lambda: self._check_sql_import(content, 11))
        narrations = [row["narration"] for row in orm["account.move"]]
        self.assertTrue(any("data-o-mail-quote" in str(note) for note in narrations), narrations)
        self.assertTrue(any("Règlement" in str(note) and "RF18 2026 0000 4" in str(note) for note in narrations))
        self.assertTrue(any("&lt; 1 000 €" in str(note) for note in narrations), narrations)
        self.assertTrue(any("AC04" in str(note) for note in narrations), narrations)
        self._assert_same(orm, sql)

    @staticmethod
    def _entry(ref, amount, sign, transactions, amounts=None):
        """A CAMT.053 entry (Ntry) of ``transactions``: dicts of their bank
        reference, other party's name and IBAN, remittance information and
        more details (XML)."""
        party, account = ("Dbtr", "DbtrAcct") if sign == "CRDT" else ("Cdtr", "CdtrAcct")
        details = "".join(
            f"""<TxDtls><Refs><AcctSvcrRef>{tx['ref']}</AcctSvcrRef><EndToEndId>E2E-{tx['ref']}</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="EUR">{(amounts or [amount])[rank]}</Amt></TxAmt></AmtDtls>
            <RltdPties><{party}><Nm>{tx['name']}</Nm></{party}>
            <{account}><Id><IBAN>{tx['iban']}</IBAN></Id></{account}></RltdPties>
            <RmtInf>{tx['remittance']}</RmtInf>{tx.get('more', '')}</TxDtls>"""
            for rank, tx in enumerate(transactions))
        return f"""<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{sign}</CdtDbtInd><Sts>BOOK</Sts>
            <BookgDt><Dt>2026-02-10</Dt></BookgDt><ValDt><Dt>2026-02-10</Dt></ValDt><AcctSvcrRef>{ref}</AcctSvcrRef>
            <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
            <NtryDtls>{details}</NtryDtls><AddtlNtryInf>Libellé {ref} – opération</AddtlNtryInf></Ntry>"""

    def _check_sql_import(self, content, lines):
        """Import ``content`` through the bulk SQL writer; its snapshot."""
        wizard, statements = self._import_by(content, sql=True, lines=lines)
        self.assertEqual(wizard.credit_summary, f"{lines} bank lines imported.")
        self.assertEqual(statements.is_complete, lines == 7)
        return self._snapshot(statements)

    def _rolled_back(self, function):
        """The result of ``function``, whose writes are rolled back, with
        the transaction's pending work and caches."""
        savepoint = self.env.cr.savepoint()
        try:
            return function()
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()
            self.env.cr.precommit.clear()

    def test_sql_lines_work_in_odoo(self):
        """A statement written in SQL works in Odoo afterwards: it balances,
        the suite's matching ran on its lines at once, a line is reconciled
        through the ORM, and a file repeating its transactions imports only
        the new ones."""
        self.env["ir.config_parameter"].sudo().set_param(SQL_MIN_LINES_PARAM, "19")
        content = self._camt_of(12)
        wizard = self.env["account.statement.import"].with_context(journal_id=self.bank_journal.id).create({
            "statement_file": base64.b64encode(content), "statement_filename": "camt053_sql.xml"})
        result = wizard._import_file()
        self.assertEqual(result["credit_sql_lines"], 19, "written in bulk SQL")
        statement = self.env["account.bank.statement"].search([("journal_id", "=", self.bank_journal.id)])
        lines = statement.line_ids
        self.assertEqual(len(lines), 19)
        self.assertRecordValues(statement, [{"balance_start": 10000.0, "balance_end_real": 15645.6}])
        self.assertAlmostEqual(statement.balance_end, statement.balance_start + sum(lines.mapped("amount")))
        self.assertAlmostEqual(lines.sorted()[0].running_balance, statement.balance_end)
        self.assertEqual(set(lines.move_id.mapped("state")), {"posted"})

        # the matching hook ran on the new lines, as after any import
        self.assertRegex(wizard.credit_summary, r"^19 bank lines imported: 4 matched automatically, \d+ to review\.$")
        self.assertEqual(self.invoices[:5].mapped("payment_state"), ["paid"] * 5)

        # an accountant reconciles the unknown payer's transfer by hand
        st_line = lines.filtered(lambda line: line.partner_name == "SCI LES TILLEULS")
        invoice = self.invoices[6]
        receivable = invoice.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        _liquidity, suspense, _other = st_line._seek_for_lines()
        st_line.move_id.with_context(skip_readonly_check=True).write({"line_ids": [Command.update(suspense.id, {
            "account_id": receivable.account_id.id, "partner_id": invoice.partner_id.id})]})
        counterpart = st_line.move_id.line_ids.filtered(lambda line: line.account_id == receivable.account_id)
        (counterpart | receivable).reconcile()
        self.assertTrue(st_line.is_reconciled)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

        # the bank sends the statement again with two more transactions
        again = self._camt_of(14).replace(b"CAMT053-20260210-063012-4471", b"CAMT053-20260210-091544-4502")
        wizard, action = self._import(again, filename="releve_bis.xml")
        self.assertEqual(len(self._st_lines()), 21)
        self.assertIn("19 transactions had already been imported and were ignored.", action["params"]["message"])

    def test_other_cases_through_the_orm(self):
        """A statement the writer would not write as the ORM does (here an
        analytic distribution model, which Odoo applies to the items) is
        written by the ORM, however large."""
        plan = self.env["account.analytic.plan"].create({"name": "Banque"})
        analytic = self.env["account.analytic.account"].create({"name": "Frais bancaires", "plan_id": plan.id})
        self.env["account.analytic.distribution.model"].create({"analytic_distribution": {str(analytic.id): 100}})
        self.assertEqual(BankLineSqlWriter(self.bank_journal).unsafe_reason([{"transactions": []}]),
                         "analytic distribution models")
        self.env["ir.config_parameter"].sudo().set_param(SQL_MIN_LINES_PARAM, "1")
        wizard = self.env["account.statement.import"].with_context(journal_id=self.bank_journal.id).create({
            "statement_file": base64.b64encode(self._camt()), "statement_filename": "camt053.xml"})
        result = wizard._import_file()
        self.assertNotIn("credit_sql_lines", result)
        self.assertEqual(len(self._st_lines()), 7)
