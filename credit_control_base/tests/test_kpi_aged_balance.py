import base64
import io
from datetime import date

from freezegun import freeze_time
from openpyxl import load_workbook

from odoo.tests import tagged

from .test_kpi_common import CreditControlKpiCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestKpiAgedBalance(CreditControlKpiCommon):

    def _buckets(self, as_of=None, domain=()):
        groups = self._report(as_of)._read_group(
            [("company_id", "=", self.company.id), *domain], ["aging_bucket"], ["residual:sum"]
        )
        return dict(groups)

    def test_both_ways_to_a_past_date_agree(self):
        """The open items on a date, from the reconciliations up to it or
        from those after it, are the same rows with the same residuals, on
        every date of the fixture (partial payment, credit note, foreign
        currency)."""
        Kpi = self.env["credit.control.kpi"]
        Kpi._kpi_flush()
        for as_of in (date(2025, 12, 31), date(2026, 2, 28), date(2026, 3, 15), date(2026, 4, 30), self.TODAY):
            rows = [
                self._open_item_rows(Kpi._kpi_open_items_query(as_of, self.company.ids, from_before))
                for from_before in (True, False)
            ]
            self.assertTrue(rows[0] or as_of < date(2026, 1, 1))
            self.assertEqual(rows[0], rows[1], f"open items on {as_of}")

    def test_buckets_today(self):
        """Partial payment, credit note and foreign currency in their buckets."""
        self.assertEqual(self._buckets(), {"not_due": 800.0, "b1": 1700.0, "b3": 500.0, "b4": 600.0})
        rows = self._report().search([("company_id", "=", self.company.id)], order="date_maturity, id")
        self.assertRecordValues(rows, [
            {"move_id": self.inv1.id, "days_overdue": 95, "aging_bucket": "b4", "residual": 600.0,
             "overdue_amount": 600.0, "collector_id": self.collector_a.id, "segment_id": False},
            {"move_id": self.inv5.id, "days_overdue": 61, "aging_bucket": "b3", "residual": 500.0,
             "overdue_amount": 500.0, "collector_id": False, "segment_id": self.public.id},
            {"move_id": self.refund.id, "days_overdue": 25, "aging_bucket": "b1", "residual": -300.0,
             "overdue_amount": 0.0, "collector_id": self.collector_a.id, "segment_id": False},
            {"move_id": self.inv2.id, "days_overdue": 14, "aging_bucket": "b1", "residual": 2000.0,
             "overdue_amount": 2000.0, "collector_id": self.collector_a.id, "segment_id": False},
            {"move_id": self.inv4.id, "days_overdue": -25, "aging_bucket": "not_due", "residual": 800.0,
             "overdue_amount": 0.0, "collector_id": False, "segment_id": False},
        ])
        self.assertEqual((rows[0].amount_b4, rows[1].amount_b3, rows[2].amount_b1, rows[4].amount_not_due),
                         (600.0, 500.0, -300.0, 800.0))

    def test_buckets_as_of_past_date(self):
        """On 2026-04-01 inv3 was still open (paid on 04-10), inv1 was
        already paid 400 (03-01), inv2 dated that day counts, the credit
        note and inv4 did not exist yet."""
        as_of = date(2026, 4, 1)
        self.assertEqual(self._buckets(as_of), {"not_due": 2000.0, "b1": 5500.0, "b2": 600.0})
        rows = self._report(as_of).search([("company_id", "=", self.company.id)])
        self.assertEqual(
            {row.move_id: (row.residual, row.days_overdue) for row in rows},
            {self.inv1: (600.0, 51), self.inv3: (5000.0, 29), self.inv5: (500.0, 17), self.inv2: (2000.0, -30)},
        )
        # the day before the partial payment, inv1 was open in full
        self.assertEqual(self._buckets(date(2026, 2, 28), [("partner_id", "=", self.customer_a.id)]), {"b1": 1000.0})

    def test_two_dates_in_one_transaction(self):
        """The rows of two dates are the same journal items (same ids): the
        values read for one date are not served from the cache for the
        other (the oracle test compares several dates in one transaction)."""
        past = self._report(date(2026, 4, 1)).search([("move_id", "=", self.inv1.id)])
        self.assertEqual((past.residual, past.days_overdue, past.aging_bucket), (600.0, 51, "b2"))
        today = self._report().search([("move_id", "=", self.inv1.id)])
        self.assertEqual(today.id, past.id)
        self.assertEqual((today.residual, today.days_overdue, today.aging_bucket), (600.0, 95, "b4"))

    def test_configurable_buckets(self):
        self.company.write({"credit_aging_limit_1": 15, "credit_aging_limit_2": 45,
                            "credit_aging_limit_3": 60, "credit_aging_limit_4": 90})
        self.assertEqual(self._buckets(), {"not_due": 800.0, "b1": 2000.0, "b2": -300.0, "b4": 500.0, "b5": 600.0})
        labels = dict(self.env["credit.control.kpi"]._kpi_bucket_labels(self.company))
        self.assertEqual(labels["b2"], "16-45 days")
        self.assertEqual(self._report().fields_get(["amount_b5"])["amount_b5"]["string"], "Over 90 days")

    def test_drill_down_to_invoices(self):
        action = self._report()._credit_open_invoices_action([("aging_bucket", "=", "b1")])
        self.assertEqual(self.env["account.move"].search(action["domain"]), self.inv2 | self.refund)

    def test_collector_sees_own_portfolio(self):
        rows = self._report().with_user(self.collector_b).search([])
        # collector_b sees the unassigned customers B and C, not A (collector_a)
        self.assertEqual(rows.move_id, self.inv4 | self.inv5)

    def test_exports(self):
        wizard = self.env["credit.control.aged.balance.wizard"].create({
            "as_of": date(2026, 4, 1), "group_by": "partner", "show_details": True,
        })
        rows, total = wizard._credit_groups()
        self.assertEqual([row["name"] for row in rows], ["Alpha Bâtiment", "Bravo Transports", "Charlie Mairie"])
        self.assertEqual(total["residual"], 8100.0)
        action = wizard.action_export_xlsx()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        sheet = load_workbook(io.BytesIO(base64.b64decode(attachment.datas))).active
        values = [[cell.value for cell in row] for row in sheet.iter_rows()]
        self.assertEqual(values[-1][0], "Total")
        self.assertEqual(values[-1][3:9], [2000.0, 5500.0, 600.0, 0.0, 0.0, 0.0])
        self.assertIn(self.inv3.name, [row[1] for row in values])
        html = self.env["ir.actions.report"]._render_qweb_html(
            "credit_control_base.credit_control_aged_balance_report", wizard.ids
        )[0].decode()
        self.assertIn("Bravo Transports", html)
        self.assertIn("8,100.00", html)
