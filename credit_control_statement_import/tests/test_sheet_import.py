from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import StatementImportCommon
from .test_statement_import import CAMT_NOT_ZIP

CSV_FILE = "releve_20260210.csv"
# the file's rows after the line of column names (Windows-1252, CRLF)
CSV_ROWS = 5


@tagged("post_install", "-at_install")
@freeze_time("2026-02-11")
class TestSheetImport(StatementImportCommon):
    """The CSV export of a French bank (Date;Libellé;Débit;Crédit,
    semicolons, decimal commas, dd/mm/yyyy, Windows-1252) through OCA's
    sheet importer and the mapping this module ships, set as the bank
    journal's default."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mapping = cls.env.ref("credit_control_statement_import.account_statement_import_sheet_mapping_fr_csv")
        cls.bank_journal.default_sheet_mapping_id = cls.mapping

    def _csv(self, rows=None):
        """The bytes of the CSV file of tests/data, its first ``rows`` rows
        only when given (an export of a shorter period)."""
        lines = self._data(CSV_FILE).split(b"\r\n")
        return b"\r\n".join(lines[:1 + rows] + [b""]) if rows is not None else self._data(CSV_FILE)

    def test_french_csv_import_matches_at_once(self):
        """Imported through OCA's wizard with the journal's default mapping:
        the lines, with their signs, accents and amounts, are matched at
        once and the accountant told the result."""
        wizard, action = self._import(self._csv(), filename=CSV_FILE)
        self.assertEqual(wizard.sheet_mapping_id, self.mapping)
        lines = self._st_lines().sorted("sequence")
        self.assertEqual(lines.mapped("amount"), [1200.0, 2450.0, 830.5, 315.0, -89.9])
        self.assertIn("RÈGLEMENT FACTURES INV/2026/00002", lines[1].payment_ref)
        self.assertEqual(lines[4].payment_ref, "FRAIS TENUE DE COMPTE FÉVRIER")
        self.assertEqual(len(set(lines.mapped("unique_import_id"))), CSV_ROWS, "each transaction has its import id")
        proposals = self.env["credit.control.cash.proposal"].search([("statement_line_id", "in", lines.ids)])
        reconciled = proposals.filtered(lambda p: p.state == "reconciled")
        self.assertEqual(proposals.statement_line_id, lines[:3], "the three customers' transfers are matched")
        self.assertTrue(reconciled)
        self.assertEqual(action["params"]["message"], f"5 bank lines imported: {len(reconciled)} matched "
                         f"automatically, {len(proposals - reconciled)} to review.")
        paid = reconciled.line_ids.move_id
        self.assertEqual(paid.mapped("payment_state"), ["paid"] * len(paid))

    def test_same_csv_twice_refused(self):
        self._import(self._csv(), filename=CSV_FILE)
        message = (r"This file \(releve_20260210 \(1\)\.csv\) was already imported on .*: it is the file of the "
                   r"bank statement .*releve_20260210\.csv\. Nothing was imported again\.")
        with self.assertRaisesRegex(UserError, message):
            self._import(self._csv(), filename="releve_20260210 (1).csv")
        self.assertEqual(len(self._st_lines()), CSV_ROWS)

    def test_overlapping_exports_add_the_new_lines_only(self):
        """Two exports of overlapping periods (a CSV has no transaction id):
        the lines of the first are known by what they say, only the new
        ones are imported and the accountant is told; an export holding
        nothing new is refused."""
        self._import(self._csv(rows=2), filename="releve_debut.csv")
        self.assertEqual(len(self._st_lines()), 2)
        _wizard, action = self._import(self._csv(), filename=CSV_FILE)
        self.assertEqual(len(self._st_lines()), CSV_ROWS)
        self.assertIn("3 bank lines imported", action["params"]["message"])
        self.assertIn("2 transactions had already been imported and were ignored.", action["params"]["message"])
        with self.assertRaisesRegex(UserError, "already imported"):
            self._import(self._csv(rows=3), filename="releve_milieu.csv")
        self.assertEqual(len(self._st_lines()), CSV_ROWS)

    def test_identical_lines_of_one_day_are_both_imported(self):
        """Two identical transfers the same day are two lines, not one
        taken for a duplicate of the other."""
        content = self._csv(rows=1)
        content += content.split(b"\r\n")[1] + b"\r\n"
        self._import(content, filename="releve_double.csv")
        self.assertEqual(self._st_lines().mapped("amount"), [1200.0, 1200.0])

    @mute_logger(CAMT_NOT_ZIP)
    def test_camt_on_a_journal_with_a_sheet_mapping(self):
        """The journal's default mapping reads spreadsheets only: a CAMT.053
        file of the same journal still goes to its own parser."""
        _wizard, action = self._import(self._camt())
        self.assertEqual(len(self._st_lines()), 7)
        self.assertIn("7 bank lines imported", action["params"]["message"])
