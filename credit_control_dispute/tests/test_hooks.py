from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import CreditDisputeCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-03-01")
class TestHooks(CreditDisputeCommon):
    def test_forecast_overrides(self):
        self.Promise._credit_create_promise(self.dossier, self.invoice_1, date(2026, 3, 10), amount=700.0)
        self.Plan._credit_create_plan(self.dossier, self.invoice_2, 2, date(2026, 3, 20))
        other = self._create_invoice(self.customer, 90.0, due=date(2026, 2, 1))
        forecast = self.env["account.move"]._credit_forecast_overrides(self.invoices | other)
        self.assertEqual(forecast, {
            self.invoice_1.id: [(date(2026, 3, 10), 700.0, "promised")],
            self.invoice_2.id: [(date(2026, 3, 20), 250.0, "planned"), (date(2026, 4, 20), 250.0, "planned")],
        })
        # each in its own column of the forecast; the rest of invoice 1 (300) is not claimed twice
        weeks = self.env["credit.control.kpi.forecast"]._kpi_forecast(
            date(2026, 3, 1), filters={"partner_id": self.customer.id})
        self.assertEqual(
            {w["week"]: (w["promised"], w["planned"]) for w in weeks if w["promised"] or w["planned"]},
            {1: (700.0, 0.0), 2: (0.0, 250.0), 7: (0.0, 250.0)},
        )
        self.assertLessEqual(sum(w["amount"] for w in weeks), sum((self.invoices | other).mapped("amount_residual")))
        # the forecast asks the hook about the invoices of a pending promise or plan only
        Move = self.env["account.move"]
        self.assertEqual(Move.search(Move._credit_forecast_override_domain()) & (self.invoices | other), self.invoices)
        # the invoices behind a week: the promised one in the promise's week, the planned one in its instalment's
        Forecast = self.env["credit.control.kpi.forecast"]
        filters = {"partner_id": self.customer.id}
        self.assertIn(self.invoice_1, Forecast._kpi_forecast_week_moves(1, date(2026, 3, 1), filters=filters))
        self.assertIn(self.invoice_2, Forecast._kpi_forecast_week_moves(7, date(2026, 3, 1), filters=filters))
        # a multi-invoice promise goes to the invoices in due date order
        self.Promise.search([]).action_cancel()
        self.Promise._credit_create_promise(self.dossier, self.invoices, date(2026, 3, 12), amount=1200.0)
        forecast = self.env["account.move"]._credit_forecast_overrides(self.invoices)
        self.assertEqual(forecast, {
            self.invoice_1.id: [(date(2026, 3, 12), 1000.0, "promised")],
            self.invoice_2.id: [(date(2026, 3, 12), 200.0, "promised")],
        })

    def test_behaviour_facts(self):
        other_customer = self._create_customer("Épicerie Durand")
        other_invoice = self._create_invoice(other_customer, 300.0, due=date(2026, 1, 31))
        other_dossier = self._dossier(other_customer)
        kept = self.Promise._credit_create_promise(self.dossier, self.invoice_1, date(2026, 3, 5))
        self._pay(self.invoice_1)
        self.assertEqual(kept.state, "kept")
        partial = self.Promise._credit_create_promise(self.dossier, self.invoice_2, date(2026, 3, 5))
        self._pay(self.invoice_2, amount=100.0)
        broken = self.Promise._credit_create_promise(other_dossier, other_invoice, date(2026, 3, 5))
        with freeze_time("2026-03-20"):
            self.Promise._cron_check_deadlines()
        self.assertEqual((partial | broken).mapped("state"), ["partially_kept", "broken"])
        self.Dispute._credit_create_dispute(self.dossier, self.invoice_2, "price")
        self.Dispute._credit_create_dispute(self.dossier, self.invoice_2, "delivery").action_reject()
        facts = (self.dossier | other_dossier)._credit_get_behaviour_facts()
        self.assertEqual(facts, {
            self.dossier.id: {"kept_promises": 1, "broken_promises": 1, "open_disputes": 1},
            other_dossier.id: {"kept_promises": 0, "broken_promises": 1, "open_disputes": 0},
        })

    def test_call_outcomes_create_promises_plans_and_disputes(self):
        outcomes = dict(self.dossier._credit_call_outcomes())
        self.assertEqual(
            [outcomes[key] for key in ("promise", "payment_plan", "dispute")],
            ["Payment promise", "Payment plan", "Dispute"],
        )
        promise = self.dossier._credit_apply_call_outcome(
            "promise", note="Virement vendredi", values={"date": date(2026, 3, 6), "amount": 800.0},
        )
        # without invoices given, the overdue ones
        self.assertRecordValues(promise, [{
            "origin": "call", "amount": 800.0, "date": date(2026, 3, 6), "note": "Virement vendredi",
            "move_ids": self.invoices.ids,
        }])
        self.assertIn("Payment promise", self.dossier.message_ids[0].body)
        promise.action_cancel()
        plan = self.dossier._credit_apply_call_outcome(
            "payment_plan",
            values={"instalment_count": 2, "first_date": date(2026, 3, 31), "move_ids": self.invoice_1.ids},
        )
        self.assertRecordValues(plan, [{"origin": "call", "state": "active", "amount_total": 1000.0}])
        dispute = self.dossier._credit_apply_call_outcome(
            "dispute", note="Livraison incomplète", values={"reason": "delivery", "move_ids": self.invoice_2},
        )
        self.assertRecordValues(dispute, [{
            "origin": "call",
            "reason_id": self.env.ref("credit_control_dispute.credit_control_dispute_reason_delivery").id,
            "move_ids": self.invoice_2.ids, "state": "new",
        }])
        with self.assertRaises(ValidationError):
            self.dossier._credit_apply_call_outcome("promise", values={})

    def test_buttons_open_prefilled_forms(self):
        action = self.invoice_1.action_credit_record_promise()
        self.assertEqual(action["res_model"], "credit.control.promise")
        self.assertEqual(action["context"]["default_dossier_id"], self.dossier.id)
        self.assertEqual(action["context"]["default_move_ids"], self.invoice_1.ids)
        promise = self.Promise.with_context(**action["context"]).create({"date": date(2026, 3, 15)})
        self.assertRecordValues(promise, [{"origin": "invoice", "amount": 1000.0, "move_ids": self.invoice_1.ids}])
        action = self.dossier.action_new_dispute()
        dispute = self.Dispute.with_context(**action["context"]).create({"reason_id": self.reason_quality.id})
        self.assertRecordValues(dispute, [
            {"origin": "dossier", "move_ids": self.invoices.ids, "disputed_amount": 1500.0},
        ])
        self.assertEqual(self.dossier.open_dispute_count, 1)
        action = self.invoice_2.action_credit_open_disputes()
        self.assertEqual(action["domain"], [("move_ids", "in", self.invoice_2.ids)])

    def test_forms_opened_from_the_invoice(self):
        context = self.invoice_1.action_credit_record_promise()["context"]
        with Form(self.Promise.with_context(**context)) as form:
            form.date = date(2026, 3, 15)
            self.assertEqual(form.amount, 1000.0)
            form.amount = 900.0
        self.assertRecordValues(form.record, [{"amount": 900.0, "state": "pending", "origin": "invoice"}])
        form.record.action_cancel()
        context = self.invoice_2.action_credit_payment_plan()["context"]
        with Form(self.Plan.with_context(**context)) as form:
            form.instalment_count = 2
            form.first_date = date(2026, 3, 31)
        plan = form.record
        plan.action_confirm()
        self.assertEqual(plan.instalment_ids.mapped("amount"), [250.0, 250.0])
        context = self.invoice_1.action_credit_open_dispute()["context"]
        with Form(self.Dispute.with_context(**context)) as form:
            form.reason_id = self.reason_quality
            self.assertEqual(form.disputed_amount, 1000.0)
            form.disputed_amount = 300.0
        self.assertRecordValues(form.record, [{"disputed_amount": 300.0, "move_ids": self.invoice_1.ids}])
