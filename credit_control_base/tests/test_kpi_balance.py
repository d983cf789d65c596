from datetime import date, timedelta

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL

from .test_kpi_common import CreditControlKpiCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestKpiBalance(CreditControlKpiCommon):
    """The daily receivables the CEI reads (``credit.control.kpi.balance``)
    are kept up to date by the posting and reconciliation hooks. Two direct
    computations are the oracles: the movements recomputed from the whole
    ledger, and the open items of each date (the aged balance's query). The
    table must equal both on every date of the fixture, as it is and after
    an unreconciliation, a reset to draft, a cancellation, a credit note and
    a due date moved."""

    FIRST_DAY = date(2025, 12, 30)

    def _table(self):
        self.env["credit.control.kpi.balance"].flush_model()
        rows = self.env.execute_query(SQL(
            """
            SELECT date, date_due, SUM(balance), SUM(sales) FROM credit_control_kpi_balance
             WHERE company_id = %s GROUP BY 1, 2 HAVING SUM(balance) <> 0 OR SUM(sales) <> 0
            """,
            self.company.id,
        ))
        return {(day, due): (balance, sales) for day, due, balance, sales in rows}

    def _ledger(self):
        """The movements of the posted entries, from the ledger."""
        Balance = self.env["credit.control.kpi.balance"]
        Balance._kpi_flush_ledger()
        result = {}
        movements = Balance._kpi_movements_sql(SQL("l.parent_state = 'posted'"))
        for day, due, balance in self.env.execute_query(SQL(
            "SELECT date, date_due, balance FROM (%s) m WHERE company_id = %s AND balance <> 0",
            movements, self.company.id,
        )):
            result[day, due] = (balance, 0)
        for day, sales in self.env.execute_query(SQL(
            "SELECT date, sales FROM (%s) s WHERE company_id = %s AND sales <> 0",
            Balance._kpi_sales_sql(SQL("m.state = 'posted'")), self.company.id,
        )):
            result[day, None] = (0, sales)
        return result

    def _assert_equals_ledger(self, label):
        self.assertEqual(self._table(), self._ledger(), label)
        Cei = self.env["credit.control.kpi.cei"]
        Kpi = self.env["credit.control.kpi"]
        day = self.FIRST_DAY
        while day <= self.TODAY:
            [month] = Cei._kpi_cei_series(day, self.company.ids, count=1)
            items = self.env.execute_query_dict(Kpi._kpi_open_items_query(day, self.company.ids))
            [(sales,)] = self.env.execute_query(SQL(
                """
                SELECT COALESCE(SUM(amount_total_signed), 0) FROM account_move
                 WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund', 'out_receipt')
                   AND company_id = %s AND date BETWEEN %s AND %s
                """,
                self.company.id, day.replace(day=1), day,
            ))
            self.assertEqual(
                (month["closing"], month["closing_current"], month["sales"]),
                (float(sum(item["residual"] for item in items)),
                 float(sum(item["residual"] for item in items if item["date_maturity"] >= day)),
                 float(sales)),
                f"{label}: receivables on {day}",
            )
            day += timedelta(days=1)

    def _receivable(self, move):
        return move.line_ids.filtered(lambda line: line.account_type == "asset_receivable")

    def test_fixture(self):
        self._assert_equals_ledger("fixture")
        # a rebuild from the ledger changes nothing
        self.env["credit.control.kpi.balance"]._kpi_rebuild()
        self._assert_equals_ledger("rebuilt")

    def test_unreconcile(self):
        self._receivable(self.inv1).remove_move_reconcile()
        self._assert_equals_ledger("inv1's payment unreconciled")
        self.assertEqual(self._receivable(self.inv1).amount_residual, 1000.0)

    def test_reset_to_draft_and_post_again(self):
        self.inv3.button_draft()  # paid on 04-10: the payment is unreconciled first
        self._assert_equals_ledger("inv3 reset to draft")
        self.inv3.action_post()
        self._assert_equals_ledger("inv3 posted again")

    def test_cancel(self):
        (self.inv2 | self.inv5).button_cancel()
        self._assert_equals_ledger("inv2 and inv5 cancelled")

    def test_credit_note(self):
        """A credit note of 300 dated 05-12 applied to inv2 (due 05-01), and
        inv4 reversed in full on 05-14."""
        refund = self._create_invoices([{"partner": self.customer_a, "amount": 300.0, "date": date(2026, 5, 12),
                                         "due": date(2026, 5, 12), "move_type": "out_refund"}])
        (self._receivable(refund) | self._receivable(self.inv2)).reconcile()
        self.inv4._reverse_moves([{"date": date(2026, 5, 14)}], cancel=True)
        self.assertEqual(self.inv4.payment_state, "reversed")
        self._assert_equals_ledger("credit notes")

    def test_due_date_moved(self):
        self._receivable(self.inv2).date_maturity = date(2026, 6, 30)
        self._assert_equals_ledger("inv2 due 06-30")

    def test_compact(self):
        """The nightly sum leaves one row per day and due date, the same
        figures."""
        self._receivable(self.inv1).remove_move_reconcile()
        self.inv3.button_draft()
        Balance = self.env["credit.control.kpi.balance"]
        Balance._kpi_compact()
        self._assert_equals_ledger("compacted")
        [(rows, keys)] = self.env.execute_query(SQL(
            "SELECT COUNT(*), COUNT(DISTINCT (company_id, date, date_due)) FROM credit_control_kpi_balance"
        ))
        self.assertEqual(rows, keys)
