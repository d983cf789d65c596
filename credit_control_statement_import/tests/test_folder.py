import os
import tempfile

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import CAMT_FILE, StatementImportCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-02-11")
class TestWatchedFolder(StatementImportCommon):
    def test_folder_files_imported_then_moved(self):
        """Each file dropped in the folder is imported by the cron, one per
        transaction, then moved to done/ or to error/ with its reason once
        committed."""
        folder = tempfile.mkdtemp(prefix="cc_statements_")
        self.addCleanup(lambda: __import__("shutil").rmtree(folder, ignore_errors=True))
        content = self._camt()
        with open(os.path.join(folder, CAMT_FILE), "wb") as good:
            good.write(content)
        with open(os.path.join(folder, "releve_coupe.xml"), "wb") as bad:
            bad.write(content[:len(content) // 2])
        with open(os.path.join(folder, "notice.pdf"), "wb") as other:
            other.write(b"%PDF-1.4")
        self.bank_journal.credit_import_folder = folder
        Journal = self.env["account.journal"]
        for _file in range(2):
            Journal._cron_credit_import_folders()
            # what the cron framework's commit does after each file
            self.env.cr.postcommit.run()
        self.assertEqual(len(self._st_lines()), 7)
        self.assertEqual(sorted(os.listdir(folder)), ["done", "error", "notice.pdf"])
        self.assertEqual(os.listdir(os.path.join(folder, "done")), [CAMT_FILE])
        self.assertEqual(sorted(os.listdir(os.path.join(folder, "error"))),
                         ["releve_coupe.xml", "releve_coupe.xml.error.txt"])
        with open(os.path.join(folder, "error", "releve_coupe.xml.error.txt"), encoding="utf-8") as reason:
            self.assertIn("is not a well-formed XML file", reason.read())
        Journal._cron_credit_import_folders()
        self.env.cr.postcommit.run()
        self.assertEqual(len(self._st_lines()), 7, "nothing left to import")

    def test_folder_is_an_absolute_path_of_a_bank_journal(self):
        with self.assertRaises(ValidationError):
            self.bank_journal.credit_import_folder = "relative/inbox"
        with self.assertRaises(ValidationError):
            self.company_data["default_journal_sale"].credit_import_folder = "/srv/inbox"
