from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import CreditDisputeCommon


@tagged("post_install", "-at_install")
class TestPromise(CreditDisputeCommon):
    def _promise(self, moves=None, amount=None, promised=date(2026, 3, 10)):
        with freeze_time("2026-03-01"):
            return self.Promise._credit_create_promise(self.dossier, moves or self.invoice_1, promised, amount=amount)

    def _run_cron(self, day):
        with freeze_time(day):
            self.Promise._cron_check_deadlines()

    def test_reminders_paused_until_the_date_plus_grace(self):
        promise = self._promise()
        self.assertRecordValues(promise, [{
            "state": "pending", "amount": 1000.0, "residual_start": 1000.0, "amount_paid": 0.0,
            "pause_until": date(2026, 3, 13), "currency_id": self.company.currency_id.id,
        }])
        days = [("2026-03-01", "Payment promised"), ("2026-03-13", "Payment promised"), ("2026-03-14", False)]
        for day, reason in days:
            with self.subTest(day=day), freeze_time(day):
                excluded = self._excluded(self.invoices)
                self.assertEqual(excluded, {self.invoice_1.name: reason, self.invoice_2.name: False})
        self.company.credit_promise_grace_days = 10
        self.assertEqual(promise.pause_until, date(2026, 3, 20))

    def test_full_payment_keeps_the_promise_at_once(self):
        promise = self._promise()
        with freeze_time("2026-03-08"):
            payment = self._pay(self.invoice_1)
            self.assertRecordValues(promise, [
                {"state": "kept", "amount_paid": 1000.0, "closed_date": date(2026, 3, 8)},
            ])
            # the payment is undone before the deadline: the promise waits again
            payment.move_id.line_ids.remove_move_reconcile()
            self.assertRecordValues(promise, [{"state": "pending", "amount_paid": 0.0, "closed_date": False}])
        self._run_cron("2026-03-14")
        self.assertEqual(promise.state, "broken")

    def test_partial_payment_makes_it_partially_kept(self):
        promise = self._promise()
        with freeze_time("2026-03-09"):
            self._pay(self.invoice_1, amount=400.0)
        self.assertRecordValues(promise, [{"state": "pending", "amount_paid": 400.0}])
        self._run_cron("2026-03-13")  # still within the grace period
        self.assertEqual(promise.state, "pending")
        self._run_cron("2026-03-14")
        self.assertRecordValues(promise, [
            {"state": "partially_kept", "amount_paid": 400.0, "closed_date": date(2026, 3, 14)},
        ])
        with freeze_time("2026-03-14"):
            self.assertEqual(self._excluded(self.invoice_1), {self.invoice_1.name: False})

    def test_broken_promise_resumes_collection_and_warns_the_collector(self):
        promise = self._promise()
        self._run_cron("2026-03-14")
        self.assertRecordValues(promise, [{"state": "broken", "amount_paid": 0.0}])
        activity = self.dossier.activity_ids
        self.assertRecordValues(activity, [{
            "user_id": self.collector_a.id, "date_deadline": date(2026, 3, 14), "summary": "Payment promise not kept",
        }])
        self.assertIn("broken", self.dossier.message_ids[0].body)
        self.assertIn(self.invoice_1.name, self.dossier.message_ids[0].body)
        with freeze_time("2026-03-14"):
            self.assertEqual(self._excluded(self.invoice_1), {self.invoice_1.name: False})
        # the cron does not break it twice
        self._run_cron("2026-03-15")
        self.assertEqual(len(self.dossier.activity_ids), 1)

    def test_multi_invoice_promise(self):
        promise = self._promise(self.invoices)
        self.assertRecordValues(promise, [{"amount": 1500.0, "residual_start": 1500.0}])
        with freeze_time("2026-03-01"):
            self.assertEqual(self._excluded(self.invoices), {
                self.invoice_1.name: "Payment promised", self.invoice_2.name: "Payment promised",
            })
        with freeze_time("2026-03-05"):
            self._pay(self.invoice_2)
            self.assertRecordValues(promise, [{"state": "pending", "amount_paid": 500.0}])
            self._pay(self.invoice_1, amount=1000.0)
        self.assertRecordValues(promise, [{"state": "kept", "amount_paid": 1500.0}])

    def test_promise_of_part_of_the_debt(self):
        promise = self._promise(self.invoices, amount=600.0)
        with freeze_time("2026-03-05"):
            self._pay(self.invoice_1, amount=600.0)
        self.assertRecordValues(promise, [{"state": "kept", "amount_paid": 600.0}])
        with freeze_time("2026-03-05"):
            self.assertEqual(self._excluded(self.invoices), {self.invoice_1.name: False, self.invoice_2.name: False})

    def test_promise_in_a_foreign_currency(self):
        """A promise is followed in the currency of its invoices, whatever the
        exchange rate of the payments: 1 000 CHF promised, paid in CHF."""
        chf = self.setup_other_currency("CHF", rates=[("2025-01-01", 2.0), ("2026-03-07", 2.5)])
        invoice = self._create_invoice(self.customer, 1000.0, due=date(2026, 2, 28), currency=chf)
        promise = self._promise(invoice)
        self.assertRecordValues(promise, [{"currency_id": chf.id, "amount": 1000.0, "residual_start": 1000.0}])
        with freeze_time("2026-03-08"):
            self._pay(invoice, amount=400.0)
            self.assertRecordValues(promise, [{"state": "pending", "amount_paid": 400.0}])
            # forecast in company currency at today's rate: 600 CHF left at 2.5
            self.assertEqual(self.env["account.move"]._credit_forecast_overrides(invoice),
                             {invoice.id: [(date(2026, 3, 10), 240.0, "promised")]})
            self._pay(invoice, amount=600.0)
        self.assertRecordValues(promise, [{"state": "kept", "amount_paid": 1000.0}])
        with self.assertRaises(ValidationError):
            self._promise(invoice | self.invoice_2)

    def test_one_pending_promise_per_invoice(self):
        promise = self._promise()
        with self.assertRaises(ValidationError):
            self._promise(self.invoices)
        promise.action_cancel()
        self.assertEqual(promise.state, "cancelled")
        with freeze_time("2026-03-01"):
            self.assertEqual(self._excluded(self.invoice_1), {self.invoice_1.name: False})
        self.assertEqual(self._promise(self.invoices).state, "pending")

    def test_amount_must_be_positive(self):
        with self.assertRaises(ValidationError):
            self._promise(amount=0.0)
