from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import ScenarioCommon


@tagged("post_install", "-at_install")
class TestClaims(ScenarioCommon):
    """A reminder claims each overdue instalment with its own due date, days
    late and amount, and never money the customer has already sent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 30 % due on 01/03, 70 % on 30/05 (invoice of 30/01)
        cls.term = cls._create_instalment_term([(30, 30), (70, 120)])

    def _instalment_invoice(self, customer, amount=1000.0):
        return self._create_invoices([
            {"partner": customer, "amount": amount, "date": date(2026, 1, 30), "payment_term": self.term},
        ])

    def test_letter_claims_only_the_instalment_due(self):
        """Failed before: the formal notice claimed the whole invoice (1 000),
        due on the last instalment's date."""
        customer = self._customer("Menuiserie Aubert")
        invoice = self._instalment_invoice(customer)
        action = self._run(date(2026, 4, 20)).action_ids
        self.assertRecordValues(action, [{"step_id": self.step_notice.id, "amount": 300.0}])
        self.assertEqual(action.line_ids.amount, 300.0)
        with freeze_time("2026-04-20"):
            action.action_validate()
        self.assertIn("300.00", action.content)
        self.assertNotIn("1,000.00", action.content)
        html = self.env["ir.actions.report"]._render_qweb_html(
            "credit_control_scenario.report_credit_letter", action.ids
        )[0].decode()
        self.assertIn("03/01/2026", html)
        self.assertIn(">50<", html.replace(" ", ""), "days late of the first instalment")
        self.assertNotIn("05/30/2026", html, "a formal notice does not mention what is not due")
        self.assertNotIn("700.00", html)
        with freeze_time("2026-04-20"):
            self.assertEqual(invoice.credit_overdue_residual, 300.0)

    def test_email_lists_instalments_apart(self):
        customer = self._customer("Garage Aubert")
        self._instalment_invoice(customer)
        action = self._run(date(2026, 3, 10)).action_ids
        self.assertRecordValues(action, [{"step_id": self.step_first.id, "amount": 300.0}])
        body = action.content
        self.assertIn("03/01/2026", body)
        self.assertIn("300.00", body)
        # the second instalment appears apart, as not yet due
        self.assertIn("Not yet due", body)
        self.assertIn("05/30/2026", body)

    def test_no_reminder_for_money_received(self):
        """Failed before: a customer whose balance is 0 (a transfer not
        matched yet) was reminded."""
        customer = self._customer("Boulangerie Payée")
        self._create_invoice(customer, 1000.0, due=date(2026, 3, 1))
        self._dossier(customer).collector_id = self.collector_a
        payment = self._receive_unapplied(customer, 1000.0, date(2026, 3, 5))
        run = self._run(date(2026, 3, 10))
        self.assertFalse(run.action_ids)
        activity = self._dossier(customer).activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("Probably paid", activity.summary)
        self.assertIn(payment.move_id.name, activity.summary)
        self.assertEqual(activity.user_id, self.collector_a)
        # told once, not every day
        self.assertFalse(self._run(date(2026, 3, 11)).action_ids)
        self.assertEqual(len(self._dossier(customer).activity_ids), 1)

    def test_partly_covered_waits_or_says_so(self):
        customer = self._customer("Atelier Partiel")
        self._create_invoice(customer, 1000.0, due=date(2026, 3, 1))
        self._receive_unapplied(customer, 400.0, date(2026, 3, 5))
        self.assertEqual(self.company.credit_control_partial_credit, "wait")
        self.assertFalse(self._run(date(2026, 3, 10)).action_ids)
        self.assertIn("Partly paid", self._dossier(customer).activity_ids.summary)
        self.company.credit_control_partial_credit = "send"
        action = self._run(date(2026, 3, 11)).action_ids
        self.assertRecordValues(action, [{"step_id": self.step_first.id, "amount": 1000.0}])
        self.assertIn("400.00", action.content)

    def test_interest_on_the_instalment_due_only(self):
        """Failed before: interest ran on the whole invoice from its last due
        date, so a formal notice on an invoice whose first instalment was 50
        days late booked no interest at all (the last one not due yet)."""
        self.company.write({"credit_control_ecb_rate": 2.15, "credit_control_interest_margin": 10.0})
        customer = self._customer("Menuiserie Aubert")
        self._instalment_invoice(customer)
        action = self._run(date(2026, 4, 20)).action_ids
        with freeze_time("2026-04-20"):
            action.action_validate()
        # 40 € indemnity + 300 × 12.15 % × 50 / 365 = 4.99 € (the 700 due on 30/05 owes none)
        self.assertEqual(sorted(action.penalty_move_id.invoice_line_ids.mapped("price_unit")), [4.99, 40.0])
        self.assertIn("50 days", action.penalty_move_id.invoice_line_ids.filtered(
            lambda line: line.price_unit == 4.99).name)
