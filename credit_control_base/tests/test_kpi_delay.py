from datetime import date, timedelta

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL

from .test_kpi_common import CreditControlKpiCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestKpiDelay(CreditControlKpiCommon):
    """The payments per customer and day the cash-in forecast reads for
    each customer's usual delay (``credit.control.kpi.delay``) are kept up
    to date by the reconciliation hooks. Two oracles: the reconciliations
    summed again in the test, and the forecast and the customers' delays
    read from the reconciliations instead of the table, on every day of the
    fixture. The table must equal both as it is and after an
    unreconciliation, a reset to draft, a credit note, a due date moved, a
    payment in a second company and the nightly compaction."""

    FIRST_DAY = date(2025, 12, 30)

    def _table(self):
        self.env["credit.control.kpi.delay"].flush_model()
        rows = self.env.execute_query(SQL(
            """
            SELECT company_id, partner_id, date, SUM(amount), SUM(amount_days) FROM credit_control_kpi_delay
          GROUP BY 1, 2, 3 HAVING SUM(amount) <> 0 OR SUM(amount_days) <> 0
            """
        ))
        return {(company_id, partner_id, day): (amount, days) for company_id, partner_id, day, amount, days in rows}

    def _reconciliations(self):
        """The reconciliations of the customer documents' debit items,
        summed per company, customer and day (the oracle, written
        independently)."""
        self.env.flush_all()
        rows = self.env.execute_query(SQL(
            """
            SELECT company_id, partner_id, max_date, SUM(amount), SUM(amount * days_late)
              FROM (SELECT l.company_id, p.commercial_partner_id AS partner_id, pr.max_date, pr.amount,
                           pr.max_date - COALESCE(l.date_maturity, l.date) AS days_late
                      FROM account_partial_reconcile pr
                      JOIN account_move_line l ON l.id = pr.debit_move_id
                      JOIN account_move m ON m.id = l.move_id
                 LEFT JOIN res_partner p ON p.id = m.partner_id
                     WHERE m.move_type IN ('out_invoice', 'out_refund', 'out_receipt')) paid
          GROUP BY 1, 2, 3 HAVING SUM(amount) <> 0 OR SUM(amount * days_late) <> 0
            """
        ))
        return {(company_id, partner_id, day): (amount, days) for company_id, partner_id, day, amount, days in rows}

    def _assert_equals_reconciliations(self, label, companies=None):
        self.assertEqual(self._table(), self._reconciliations(), label)
        Delay = self.env["credit.control.kpi.delay"]
        Forecast = self.env["credit.control.kpi.forecast"]
        company_ids = (companies or self.company).ids
        day = self.FIRST_DAY
        while day <= self.TODAY:
            self.assertEqual(
                sorted(self.env.execute_query(Delay._kpi_customer_delays_sql(day - timedelta(365), day, company_ids))),
                sorted(self.env.execute_query(
                    Delay._kpi_customer_delays_sql(day - timedelta(365), day, company_ids, from_reconciliations=True)
                )),
                f"{label}: delays on {day}",
            )
            self.assertEqual(
                Forecast._kpi_forecast(day, company_ids),
                Forecast._kpi_forecast(day, company_ids, from_reconciliations=True),
                f"{label}: forecast on {day}",
            )
            day += timedelta(days=1)

    def _receivable(self, move):
        return move.line_ids.filtered(lambda line: line.account_type == "asset_receivable")

    def _delays(self):
        Delay = self.env["credit.control.kpi.delay"]
        return {
            partner_id: days for partner_id, _company_id, days in self.env.execute_query(
                Delay._kpi_customer_delays_sql(self.TODAY - timedelta(365), self.TODAY, self.company.ids)
            )
        }

    def test_fixture(self):
        # by hand: inv1, 400 of it paid on 03-01, due 02-09 (20 days late);
        # inv3, 5000 paid on 04-10, due 03-03 (38 days late)
        table = self._table()
        self.assertEqual(table[self.company.id, self.customer_a.id, date(2026, 3, 1)], (400.0, 8000.0))
        self.assertEqual(table[self.company.id, self.customer_b.id, date(2026, 4, 10)], (5000.0, 190000.0))
        self.assertEqual(self._delays(), {self.customer_a.id: 20, self.customer_b.id: 38})
        self._assert_equals_reconciliations("fixture")
        self.env["credit.control.kpi.delay"]._kpi_rebuild()
        self._assert_equals_reconciliations("rebuilt")

    def test_unreconcile(self):
        self._receivable(self.inv1).remove_move_reconcile()
        self.assertNotIn(self.customer_a.id, self._delays())
        self._assert_equals_reconciliations("inv1's payment unreconciled")

    def test_reset_to_draft_and_post_again(self):
        self.inv3.button_draft()  # paid on 04-10: the payment is unreconciled first
        self._assert_equals_reconciliations("inv3 reset to draft")
        self.inv3.action_post()
        self._assert_equals_reconciliations("inv3 posted again")

    def test_credit_note_and_second_payment(self):
        """A credit note of 300 dated 05-12 applied to inv2 (due 05-01, 11
        days late), 600 more of inv1 paid on 05-14, and inv4 reversed in
        full on 05-14."""
        refund = self._create_invoices([{"partner": self.customer_a, "amount": 300.0, "date": date(2026, 5, 12),
                                         "due": date(2026, 5, 12), "move_type": "out_refund"}])
        (self._receivable(refund) | self._receivable(self.inv2)).reconcile()
        self._pay(self.inv1, amount=600.0, payment_date=date(2026, 5, 14))
        self.inv4._reverse_moves([{"date": date(2026, 5, 14)}], cancel=True)
        # A: 400 x 20 + 300 x 11 + 600 x 94 days over 1300
        self.assertEqual(round(self._delays()[self.customer_a.id], 6), round((8000 + 3300 + 56400) / 1300, 6))
        self._assert_equals_reconciliations("credit notes and payments")

    def test_due_date_moved(self):
        """inv1's due date moved after its partial payment: the payment is
        now early, the days late follow."""
        self._receivable(self.inv1).date_maturity = date(2026, 3, 31)
        self.assertEqual(self._table()[self.company.id, self.customer_a.id, date(2026, 3, 1)], (400.0, -12000.0))
        self._assert_equals_reconciliations("inv1 due 03-31")

    def test_second_company(self):
        company_2 = self.setup_other_company(name="Filiale Retards")["company"]
        # a credit note of 04-13 settles an invoice due 04-03: 10 days late
        invoice, refund = self._create_invoices([
            {"partner": self.customer_a, "amount": 700.0, "date": date(2026, 4, 3), "due": date(2026, 4, 3),
             "company": company_2},
            {"partner": self.customer_a, "amount": 700.0, "date": date(2026, 4, 13), "due": date(2026, 4, 13),
             "company": company_2, "move_type": "out_refund"},
        ])
        (self._receivable(invoice) | self._receivable(refund)).reconcile()
        self.assertEqual(self._table()[company_2.id, self.customer_a.id, date(2026, 4, 13)], (700.0, 7000.0))
        self._assert_equals_reconciliations("second company", self.company | company_2)

    def test_compact(self):
        """The nightly sum leaves one row per company, customer and day,
        the same figures."""
        self._receivable(self.inv1).remove_move_reconcile()
        self._pay(self.inv1, amount=400.0, payment_date=date(2026, 3, 1))
        self.inv3.button_draft()
        self.inv3.action_post()
        self._pay(self.inv3, payment_date=date(2026, 4, 10))
        Delay = self.env["credit.control.kpi.delay"]
        Delay._kpi_compact()
        self._assert_equals_reconciliations("compacted")
        [(rows, keys)] = self.env.execute_query(SQL(
            "SELECT COUNT(*), COUNT(DISTINCT (company_id, partner_id, date)) FROM credit_control_kpi_delay"
        ))
        self.assertEqual(rows, keys)
        # the next night rewrites only what was added since (a payment of
        # inv2): the other rows keep their place in the table
        kept = self.env.execute_query(SQL("SELECT id FROM credit_control_kpi_delay ORDER BY id"))
        self._pay(self.inv2, amount=100.0, payment_date=date(2026, 5, 14))
        Delay._kpi_compact()
        self.assertEqual(
            self.env.execute_query(SQL("SELECT id FROM credit_control_kpi_delay WHERE id <= %s ORDER BY id",
                                       kept[-1][0])),
            kept,
        )
        self.assertFalse(self.env.execute_query(SQL(
            "SELECT id FROM credit_control_kpi_delay WHERE summed IS NOT TRUE"
        )), "every row is in the year's sums")
        self._assert_equals_reconciliations("compacted again")

    def _year_sums(self):
        self.env["credit.control.kpi.delay.year"].flush_model()
        rows = self.env.execute_query(SQL(
            "SELECT company_id, partner_id, date, amount, amount_days FROM credit_control_kpi_delay_year"
        ))
        return {(company_id, partner_id): (day, amount, days) for company_id, partner_id, day, amount, days in rows}

    def test_year_sums(self):
        """Near the nightly refresh, the delays are read from each
        customer's sums of the year, the rows of the days between that year
        and the one asked, and the rows added since: on every day of the
        fixture they equal the reconciliations, before and after payments,
        an unreconciliation, a credit note and a due date moved, whether
        the year asked ends before or after the sums', and for a customer
        paid only since the sums."""
        Delay = self.env["credit.control.kpi.delay"]
        Year = self.env["credit.control.kpi.delay.year"]
        # a payment that leaves the year in the fixture's days: 2025-05-01
        old = self._create_invoices([{"partner": self.customer_b, "amount": 1000.0, "date": date(2025, 4, 1),
                                      "due": date(2025, 4, 1)}])
        self._pay(old, payment_date=date(2025, 5, 1))
        Delay._kpi_compact()
        # the year up to today: B's payment of 2025-05-01 is out of it
        self.assertEqual(self._year_sums(), {
            (self.company.id, self.customer_a.id): (self.TODAY, 400.0, 8000.0),
            (self.company.id, self.customer_b.id): (self.TODAY, 5000.0, 190000.0),
        })
        self.assertIsNotNone(Year._kpi_customer_delays_sql(self.TODAY - timedelta(31), self.company.ids))
        self.assertIsNone(Year._kpi_customer_delays_sql(self.TODAY - timedelta(32), self.company.ids))
        self._assert_equals_reconciliations("summed today")

        self._receivable(self.inv1).remove_move_reconcile()
        self._pay(self.inv1, amount=600.0, payment_date=date(2026, 5, 14))
        refund = self._create_invoices([{"partner": self.customer_a, "amount": 300.0, "date": date(2026, 4, 25),
                                         "due": date(2026, 4, 25), "move_type": "out_refund"}])
        (self._receivable(refund) | self._receivable(self.inv2)).reconcile()
        self._receivable(self.inv3).date_maturity = date(2026, 3, 31)
        # a customer without sums of the year, paid since them
        new = self._create_invoices([{"partner": self.customer_c, "amount": 200.0, "date": date(2026, 4, 1),
                                      "due": date(2026, 4, 30)}])
        self._pay(new, payment_date=date(2026, 5, 10))
        self.assertIn(self.customer_c.id, self._delays())
        self._assert_equals_reconciliations("changed since the sums")

        # sums of an earlier day: the days after it are added, those
        # before its year taken off
        Year._kpi_refresh(date(2026, 4, 20))
        self.assertEqual(self._year_sums()[self.company.id, self.customer_b.id][0], date(2026, 4, 20))
        self._assert_equals_reconciliations("summed on 04-20")
        Delay._kpi_compact()
        self._assert_equals_reconciliations("summed again today")
