from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import CAMT_FILE, StatementImportCommon

# OCA's CAMT parser logs an error when a file that is not CAMT is not a zip
# of CAMT files either, before handing it to the next parser.
CAMT_NOT_ZIP = "odoo.addons.account_statement_import_camt.models.account_statement_import"


@tagged("post_install", "-at_install")
@freeze_time("2026-02-11")
class TestStatementImport(StatementImportCommon):
    def test_camt053_import_matches_at_once(self):
        """A CAMT.053 imported through OCA's wizard creates its lines and
        matches them in the same request; the accountant is told what was
        matched and what waits for review."""
        # the references quoted by the file
        self.assertEqual(self.invoices.mapped("name"), [f"INV/2026/0000{n}" for n in range(1, 8)])
        cron = self.env.ref("credit_control_base.ir_cron_credit_control_cash_match")
        triggers_before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        _wizard, action = self._import(self._camt())

        lines = self._st_lines().sorted("sequence")
        self.assertEqual(lines.mapped("amount"), [1200.0, 2450.0, 830.5, 640.0, 300.0, 315.0, -89.9])
        self.assertEqual(lines.mapped("partner_id"), self.martin | self.dupont | self.alpes)
        self.assertEqual(lines[5].partner_name, "SCI LES TILLEULS")
        self.assertFalse(lines[5].partner_id, "an unknown payer stays unknown")
        self.assertEqual(len(set(lines.mapped("unique_import_id"))), 7, "each transaction has its import id")
        self.assertIn("INV/2026/00001", lines[0].payment_ref)

        proposals = self.env["credit.control.cash.proposal"].search([("statement_line_id", "in", lines.ids)])
        by_line = {p.statement_line_id: p for p in proposals}
        self.assertEqual([by_line[line].state if line in by_line else None for line in lines],
                         ["reconciled", "reconciled", "reconciled", "reconciled", "proposed", None, None])
        self.assertEqual(self.invoices.mapped("payment_state")[:5], ["paid"] * 5)
        self.assertEqual(self.invoices[5:].mapped("payment_state"), ["not_paid"] * 2,
                         "two invoices of 300: the transfer of 300 waits for review")
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers_before,
                         "matched in the request, not left to the cron")

        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["message"], "7 bank lines imported: 4 matched automatically, 1 to review.")
        self.assertEqual(action["params"]["next"]["res_model"], "credit.control.cash.proposal")
        self.assertEqual(action["params"]["next"]["domain"], [("id", "in", by_line[lines[4]].ids)])

    def test_accountant_without_credit_rights(self):
        """The accountant who imports the statement needs no credit-control
        right: the matching the company chose runs all the same."""
        accountant = new_test_user(
            self.env, login="comptable", groups="base.group_user,account.group_account_user",
            company_id=self.company.id, company_ids=[Command.set(self.company.ids)])
        self.env = self.env(user=accountant)
        _wizard, action = self._import(self._camt())
        self.assertEqual(action["params"]["message"], "7 bank lines imported: 4 matched automatically, 1 to review.")
        self.assertEqual(action["params"]["next"]["res_model"], "credit.control.cash.proposal")
        self.assertEqual(self.invoices.sudo().mapped("payment_state")[:5], ["paid"] * 5)

    def test_import_without_automatic_cash_application(self):
        """A company that did not choose automatic cash application gets
        its lines and nothing reconciled."""
        self.company.credit_cash_application = False
        _wizard, action = self._import(self._camt())
        lines = self._st_lines()
        self.assertEqual(len(lines), 7)
        self.assertFalse(self.env["credit.control.cash.proposal"].search([("statement_line_id", "in", lines.ids)]))
        self.assertEqual(action["params"]["message"], "7 bank lines imported.")
        self.assertEqual(action["params"]["next"]["res_model"], "account.bank.statement")

    def test_same_file_twice_refused(self):
        """The same file imported twice: refused with a clear message,
        nothing duplicated."""
        self._import(self._camt())
        message = (rf"This file \({CAMT_FILE}\) was already imported on .*: it is the file of the bank statement "
                   r"2026021000001\. Nothing was imported again\.")
        with self.assertRaisesRegex(UserError, message):
            self._import(self._camt())
        self.assertEqual(len(self._st_lines()), 7)
        self.assertEqual(len(self.env["account.bank.statement"].search([("journal_id", "=", self.bank_journal.id)])), 1)

    def test_same_statement_sent_again_refused(self):
        """The same statement in another file (the bank sent it again: new
        message id and time, another name): its transactions are known by
        the bank's references, so nothing is duplicated."""
        self._import(self._camt())
        again = self._camt(replace=[("CAMT053-20260210-063012-4471", "CAMT053-20260210-091544-4502"),
                                    ("2026-02-11T06:30:12", "2026-02-11T09:15:44")])
        with self.assertRaisesRegex(UserError, "already imported"):
            self._import(again, filename="releve_20260210_bis.xml")
        self.assertEqual(len(self._st_lines()), 7)

    @mute_logger(CAMT_NOT_ZIP)
    def test_malformed_file_imports_nothing(self):
        """A file cut off during its transfer, or not a statement at all:
        a clear error, and no statement nor line created."""
        content = self._camt()
        truncated = content[:content.index(b"20260210FR0005")]
        with self.assertRaisesRegex(UserError, "is not a well-formed XML file .*cut off"):
            self._import(truncated, filename="releve_coupe.xml")
        with self.assertRaisesRegex(UserError, "format is not supported"):
            self._import(b"%PDF-1.4 not a statement", filename="releve.pdf")
        self.assertFalse(self._st_lines())
        self.assertFalse(self.env["account.bank.statement"].search([("journal_id", "=", self.bank_journal.id)]))


@tagged("post_install", "-at_install")
@freeze_time("2026-02-11")
class TestOfxImport(StatementImportCommon):
    @mute_logger(CAMT_NOT_ZIP)
    def test_ofx_import_matches_at_once(self):
        """An OFX file (what French banks also export): OCA's OFX importer
        creates the lines, the matching runs on them at once. OFX carries no
        payer's account: the payer is found from the label, or the match
        waits for review."""
        currency = self.company.currency_id.name.encode()
        content = self._data("releve_20260210.ofx").replace(b"<CURDEF>EUR", b"<CURDEF>" + currency)
        _wizard, action = self._import(content, filename="releve_20260210.ofx")
        lines = self._st_lines().sorted("sequence")
        self.assertEqual(lines.mapped("amount"), [1200.0, 830.5, -89.9])
        proposals = self.env["credit.control.cash.proposal"].search([("statement_line_id", "in", lines.ids)])
        self.assertEqual(proposals.statement_line_id, lines[:2], "both receipts are matched")
        self.assertEqual(proposals.line_ids.move_line_id.move_id, self.invoices[0] | self.invoices[3])
        reconciled = proposals.filtered(lambda p: p.state == "reconciled")
        self.assertEqual(action["params"]["message"], f"3 bank lines imported: {len(reconciled)} matched "
                         f"automatically, {len(proposals - reconciled)} to review.")
        with self.assertRaisesRegex(UserError, "already imported"):
            self._import(content, filename="releve_20260210 (1).ofx")
        self.assertEqual(len(self._st_lines()), 3)
