import base64
import io
from datetime import date

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ScoringCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestRatingImport(ScoringCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["credit.control.rating.grade"].search([]).active = False
        cls.env["credit.control.rating.grade"].create([
            {"agency": "Insurer", "code": str(rank), "rank": rank, "risk_class": risk_class}
            for rank, risk_class in [(1, "A"), (2, "B"), (3, "C"), (4, "D"), (5, "E")]
        ])

    def _import(self, content, filename="ratings.csv"):
        wizard = self.env["credit.control.rating.import"].create({
            "file": base64.b64encode(content), "filename": filename,
        })
        wizard.action_import()
        return wizard

    def test_csv_import_history_and_current(self):
        wizard = self._import(
            b"customer;agency;grade;score;covered_limit;date\n"
            b"FR 40 303 265 045;Insurer;1;;20000;2025-01-10\n"
            b"C-LATE;Insurer;2;;10 000,50;15/04/2026\n"
            b"FR40303265045;Insurer;3;;15000;2026-05-01\n"
        )
        self.assertRecordValues(wizard, [{"state": "done", "imported_count": 3}])
        ratings = self.env["credit.control.rating"].search([("partner_id", "in", (self.good | self.late).ids)])
        self.assertRecordValues(ratings, [
            {"partner_id": self.good.id, "rating_date": date(2026, 5, 1), "is_current": True,
             "covered_limit": 15000.0, "risk_class": "C", "source": "import"},
            {"partner_id": self.late.id, "rating_date": date(2026, 4, 15), "is_current": True,
             "covered_limit": 10000.5, "risk_class": "B", "source": "import"},
            {"partner_id": self.good.id, "rating_date": date(2025, 1, 10), "is_current": False,
             "covered_limit": 20000.0, "risk_class": "A", "source": "import"},
        ])
        self.assertEqual(self._dossier(self.good).credit_external_class, "C")
        # the external class is the worst of the classes
        self.dossiers._credit_recompute_scores()
        self.assertEqual(self._dossier(self.good).credit_risk_class, "C")
        # the new grade ranks worse than the one it replaces
        alert = self.env["credit.control.alert"].search([("dossier_id", "=", self._dossier(self.good).id)])
        self.assertRecordValues(alert, [{"alert_type": "rating_downgrade", "state": "new"}])

    def test_bad_rows_import_nothing(self):
        self._create_customer("Dupont SARL", ref="C-DUP")
        self._create_customer("Dupont SAS", ref="c-dup")
        wizard = self._import(
            b"customer,agency,grade,score,covered_limit,date\n"
            b"C-GOOD,Insurer,2,,1000,2026-05-01\n"
            b"FR99999999999,Insurer,2,,1000,2026-05-01\n"
            b"C-LATE,Insurer,Z,,1000,2026-05-01\n"
            b"C-BAD,Insurer,3,,abc,31/02/2026\n"
            b"C-DUP,,2,,,2026-05-01\n"
        )
        self.assertEqual(wizard.state, "error")
        self.assertEqual(wizard.report.splitlines(), [
            "Row 3: unknown customer FR99999999999",
            "Row 4: unknown grade Z for Insurer",
            "Row 5: invalid date 31/02/2026; invalid number in covered_limit: abc",
            "Row 6: several customers match C-DUP; no agency",
        ])
        self.assertFalse(self.env["credit.control.rating"].search([]))

    def test_xlsx_import(self):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["Customer", "Agency", "Grade", "Score", "Covered limit", "Date"])
        sheet.append(["C-BAD", "Insurer", "5", 3.5, 0, date(2026, 3, 1)])
        sheet.append(["C-GOOD", "Rating Agency", None, 17.2, None, "2026-04-01"])
        stream = io.BytesIO()
        workbook.save(stream)
        wizard = self._import(stream.getvalue(), "ratings.xlsx")
        self.assertEqual(wizard.state, "done", wizard.report)
        self.assertRecordValues(self.env["credit.control.rating"].search([], order="rating_date"), [
            {"partner_id": self.bad.id, "agency": "Insurer", "risk_class": "E", "score": 3.5},
            {"partner_id": self.good.id, "agency": "Rating Agency", "risk_class": False, "score": 17.2},
        ])

    def test_missing_column(self):
        with self.assertRaises(UserError):
            self._import(b"name;grade\nC-GOOD;1\n")

    def test_stale_rating(self):
        self.env.company.credit_rating_stale_months = 12
        dossier = self._dossier(self.good)
        self.env["credit.control.rating"].create({
            "dossier_id": dossier.id, "agency": "Insurer", "rating_date": date(2025, 4, 30),
        })
        self.assertTrue(dossier.credit_rating_stale)
        Dossier = self.env["credit.control.dossier"]
        self.assertEqual(Dossier.search([("credit_rating_stale", "=", True)]), dossier)
        self.env["credit.control.rating"].create({
            "dossier_id": dossier.id, "agency": "Insurer", "rating_date": date(2026, 1, 31),
        })
        self.assertFalse(dossier.credit_rating_stale)
