from datetime import date, timedelta

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL

from .test_kpi_common import CreditControlKpiCommon

GROUP_BYS = ["company", "segment", "collector", "partner"]


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestKpiSales(CreditControlKpiCommon):
    """The credit sales the DSO reads (``credit.control.kpi.sales``, per
    company, customer and day) are kept up to date by the posting hooks.
    Two oracles: the posted invoices and credit notes summed again in the
    test, and every figure of the summaries (outstanding, DSO both ways,
    sales of the period, per company, segment, collector and customer) read
    from the invoices instead of the table, on every week of the fixture.
    The table must equal both as it is and after a credit note, a reversal,
    a reset to draft, a cancellation, a deletion and in a second company."""

    FIRST_DAY = date(2026, 1, 2)

    def _table(self):
        self.env["credit.control.kpi.sales"].flush_model()
        rows = self.env.execute_query(SQL(
            """
            SELECT company_id, partner_id, date, SUM(sales) FROM credit_control_kpi_sales
          GROUP BY 1, 2, 3 HAVING SUM(sales) <> 0
            """
        ))
        return {(company_id, partner_id, day): sales for company_id, partner_id, day, sales in rows}

    def _invoices(self):
        """The credit sales summed from the posted documents, per company,
        customer and day (the oracle, written independently)."""
        self.env.flush_all()
        rows = self.env.execute_query(SQL(
            """
            SELECT m.company_id, p.commercial_partner_id, m.date, SUM(m.amount_total_signed)
              FROM account_move m
         LEFT JOIN res_partner p ON p.id = m.partner_id
             WHERE m.state = 'posted' AND m.move_type IN ('out_invoice', 'out_refund', 'out_receipt')
          GROUP BY 1, 2, 3 HAVING SUM(m.amount_total_signed) <> 0
            """
        ))
        return {(company_id, partner_id, day): sales for company_id, partner_id, day, sales in rows}

    def _assert_equals_invoices(self, label, companies=None):
        self.assertEqual(self._table(), self._invoices(), label)
        Kpi = self.env["credit.control.kpi"]
        company_ids = (companies or self.company).ids
        day = self.FIRST_DAY
        while day <= self.TODAY:
            for period in (30, 90):
                self.assertEqual(
                    Kpi._kpi_summaries(day, company_ids, GROUP_BYS, period),
                    Kpi._kpi_summaries(day, company_ids, GROUP_BYS, period, from_invoices=True),
                    f"{label}: figures on {day} ({period} days)",
                )
            day += timedelta(days=7)

    def test_fixture(self):
        # inv5: 1000 EUR at rate 2, in company currency
        self.assertEqual(self._table()[self.company.id, self.customer_c.id, date(2026, 3, 15)], 500.0)
        self._assert_equals_invoices("fixture")
        # the hand-computed figures of the fixture, read from the table
        summary = self.env["credit.control.kpi"]._kpi_summary(self.TODAY, self.company.ids, "partner", 90)
        self.assertEqual(summary[self.customer_a.id]["sales_period"], 1700.0)
        self.env["credit.control.kpi.sales"]._kpi_rebuild()
        self._assert_equals_invoices("rebuilt")

    def test_credit_notes(self):
        """A credit note of 300 dated 05-12 on A, and inv4 reversed in full
        on 05-14."""
        self._create_invoices([{"partner": self.customer_a, "amount": 300.0, "date": date(2026, 5, 12),
                                "due": date(2026, 5, 12), "move_type": "out_refund"}])
        self.inv4._reverse_moves([{"date": date(2026, 5, 14)}], cancel=True)
        self._assert_equals_invoices("credit notes")

    def test_reset_to_draft_and_post_again(self):
        self.inv3.button_draft()
        self._assert_equals_invoices("inv3 reset to draft")
        self.assertNotIn((self.company.id, self.customer_b.id, date(2026, 2, 1)), self._table())
        self.inv3.action_post()
        self._assert_equals_invoices("inv3 posted again")

    def test_cancel_and_delete(self):
        (self.inv2 | self.inv5).button_cancel()
        self._assert_equals_invoices("inv2 and inv5 cancelled")
        self.inv4.with_context(force_delete=True).unlink()
        self._assert_equals_invoices("inv4 deleted")

    def test_contact_counts_for_its_customer(self):
        contact = self.env["res.partner"].create({"name": "Achats", "parent_id": self.customer_a.id})
        self._create_invoices([{"partner": contact, "amount": 250.0, "date": date(2026, 5, 2)}])
        self.assertEqual(self._table()[self.company.id, self.customer_a.id, date(2026, 5, 2)], 250.0)
        self._assert_equals_invoices("invoice of a contact")

    def test_second_company(self):
        company_2 = self.setup_other_company(name="Filiale Ventes")["company"]
        self._create_invoices([
            {"partner": self.customer_a, "amount": 700.0, "date": date(2026, 4, 3), "company": company_2},
            {"partner": self.customer_a, "amount": 100.0, "date": date(2026, 4, 3), "company": company_2,
             "move_type": "out_refund"},
        ])
        self.assertEqual(self._table()[company_2.id, self.customer_a.id, date(2026, 4, 3)], 600.0)
        self._assert_equals_invoices("second company", self.company | company_2)
        summary = self.env["credit.control.kpi"]._kpi_summary(self.TODAY, company_2.ids, "partner", 90)
        self.assertEqual(summary[self.customer_a.id]["sales_period"], 600.0)

    def test_months_back_as_age(self):
        """The months back the count-back DSO walks are PostgreSQL's
        ``age``'s, for every date of a leap year and of two February ends,
        and every day of the 25 months before it (month ends included)."""
        Kpi = self.env["credit.control.kpi"]
        as_of = date(2024, 1, 1)
        dates = [as_of + timedelta(days=n) for n in range(366)] + [date(2025, 2, 28), date(2026, 2, 28)]
        for as_of in dates:
            rows = self.env.execute_query(SQL(
                """
                SELECT t::date, (EXTRACT(YEAR FROM age(%(as_of)s::date, t::date)) * 12
                                 + EXTRACT(MONTH FROM age(%(as_of)s::date, t::date)))::int
                  FROM generate_series(%(as_of)s::date - 770, %(as_of)s::date, interval '1 day') t
                """,
                as_of=as_of,
            ))
            differences = [day for day, months in rows if Kpi._kpi_months_back(as_of, day) != months]
            self.assertEqual(differences, [], as_of)

    def test_compact(self):
        """The nightly sum leaves one row per company, customer and day,
        the same figures."""
        self.inv3.button_draft()
        self.inv3.action_post()
        Sales = self.env["credit.control.kpi.sales"]
        Sales._kpi_compact()
        self._assert_equals_invoices("compacted")
        [(rows, keys)] = self.env.execute_query(SQL(
            "SELECT COUNT(*), COUNT(DISTINCT (company_id, partner_id, date)) FROM credit_control_kpi_sales"
        ))
        self.assertEqual(rows, keys)
