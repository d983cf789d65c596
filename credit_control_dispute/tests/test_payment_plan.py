from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import CreditDisputeCommon


@tagged("post_install", "-at_install")
class TestPaymentPlan(CreditDisputeCommon):
    def _plan(self, moves=None, count=3, amount=None):
        with freeze_time("2026-03-01"):
            return self.Plan._credit_create_plan(
                self.dossier, moves or self.invoices, count, date(2026, 3, 15), amount=amount,
            )

    def test_debt_split_into_monthly_instalments(self):
        plan = self._plan(self.invoice_1)
        self.assertRecordValues(plan, [{"state": "active", "amount_total": 1000.0, "residual_start": 1000.0}])
        self.assertTrue(plan.name.startswith("PLAN/"))
        self.assertRecordValues(plan.instalment_ids.sorted("sequence"), [
            {"sequence": 1, "date": date(2026, 3, 15), "amount": 333.33, "state": "pending",
             "pause_until": date(2026, 3, 18)},
            {"sequence": 2, "date": date(2026, 4, 15), "amount": 333.33, "state": "pending",
             "pause_until": date(2026, 4, 18)},
            {"sequence": 3, "date": date(2026, 5, 15), "amount": 333.34, "state": "pending",
             "pause_until": date(2026, 5, 18)},
        ])
        self.assertEqual(plan.instalment_ids.move_ids, self.invoice_1)
        # the dossier counts the plan, not its instalments as promises
        self.assertRecordValues(self.dossier, [{"active_plan_count": 1, "pending_promise_count": 0}])

    def test_instalments_kept_in_date_order_until_completed(self):
        plan = self._plan(count=3)
        first, second, third = plan.instalment_ids.sorted("sequence")
        for day in ("2026-03-01", "2026-05-18"):
            with self.subTest(day=day), freeze_time(day):
                self.assertEqual(self._excluded(self.invoices), {
                    self.invoice_1.name: "Payment promised", self.invoice_2.name: "Payment promised",
                })
        with freeze_time("2026-03-14"):
            self._pay(self.invoice_2)  # 500: the first instalment and part of the second
        self.assertRecordValues(first | second | third, [
            {"state": "kept", "amount_paid": 500.0},
            {"state": "pending", "amount_paid": 0.0},
            {"state": "pending", "amount_paid": 0.0},
        ])
        self._run_cron("2026-04-10")
        self.assertEqual(plan.state, "active")
        with freeze_time("2026-04-12"):
            self._pay(self.invoice_1, amount=500.0)
        self.assertRecordValues(first | second | third, [
            {"state": "kept", "amount_paid": 500.0},
            {"state": "kept", "amount_paid": 500.0},
            {"state": "pending", "amount_paid": 0.0},
        ])
        with freeze_time("2026-05-02"):
            self._pay(self.invoice_1)
        self.assertEqual(plan.state, "completed")
        self.assertEqual(set(plan.instalment_ids.mapped("state")), {"kept"})
        self.assertEqual(plan.amount_paid, 1500.0)

    def _run_cron(self, day):
        with freeze_time(day):
            self.Promise._cron_check_deadlines()

    def test_missed_instalment_breaks_the_plan(self):
        plan = self._plan(count=3)
        first, second, third = plan.instalment_ids.sorted("sequence")
        self._run_cron("2026-03-18")
        self.assertEqual(plan.state, "active")
        self._run_cron("2026-03-19")
        self.assertRecordValues(plan, [{"state": "broken"}])
        self.assertRecordValues(first | second | third, [
            {"state": "broken"}, {"state": "cancelled"}, {"state": "cancelled"},
        ])
        with freeze_time("2026-03-19"):
            self.assertEqual(self._excluded(self.invoices), {self.invoice_1.name: False, self.invoice_2.name: False})
        self.assertRecordValues(self.dossier.activity_ids, [{"user_id": self.collector_a.id}])
        self.assertEqual(self.dossier.active_plan_count, 0)

    def test_cancel_resumes_collection(self):
        plan = self._plan()
        plan.action_cancel()
        self.assertEqual(set(plan.instalment_ids.mapped("state")), {"cancelled"})
        with freeze_time("2026-03-01"):
            self.assertEqual(self._excluded(self.invoice_1), {self.invoice_1.name: False})

    def test_no_promise_on_an_invoice_of_an_active_plan(self):
        self._plan()
        with self.assertRaises(ValidationError):
            self.Promise._credit_create_promise(self.dossier, self.invoice_1, date(2026, 3, 20))
