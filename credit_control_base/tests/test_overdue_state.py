from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import CreditControlCommon


@tagged("post_install", "-at_install")
class TestOverdueState(CreditControlCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Boulangerie Martin")
        cls.invoice = cls._create_invoice(cls.customer, 1200.0, due=date(2026, 3, 31))

    def _state(self, invoice):
        invoice.invalidate_recordset()
        return {
            "credit_days_overdue": invoice.credit_days_overdue,
            "credit_is_overdue": invoice.credit_is_overdue,
            "credit_aging_bucket": invoice.credit_aging_bucket,
            "credit_overdue_residual": invoice.credit_overdue_residual,
        }

    def test_around_due_date(self):
        expectations = [
            ("2026-03-30", 0, False, "not_due", 0.0),
            ("2026-03-31", 0, False, "not_due", 0.0),  # due today is not late
            ("2026-04-01", 1, True, "b1", 1200.0),
            ("2026-04-30", 30, True, "b1", 1200.0),
            ("2026-05-01", 31, True, "b2", 1200.0),
            ("2026-06-30", 91, True, "b4", 1200.0),
            ("2026-07-30", 121, True, "b5", 1200.0),
        ]
        for today, days, overdue, bucket, residual in expectations:
            with self.subTest(today=today), freeze_time(today):
                self.assertEqual(
                    self._state(self.invoice),
                    {
                        "credit_days_overdue": days,
                        "credit_is_overdue": overdue,
                        "credit_aging_bucket": bucket,
                        "credit_overdue_residual": residual,
                    },
                )

    @freeze_time("2026-05-15")
    def test_partial_then_full_payment(self):
        self._pay(self.invoice, amount=500.0, payment_date=date(2026, 5, 10))
        self.assertEqual(self._state(self.invoice)["credit_overdue_residual"], 700.0)
        self.assertEqual(self.invoice.credit_days_overdue, 45)
        self._pay(self.invoice, payment_date=date(2026, 5, 12))
        self.assertEqual(
            self._state(self.invoice),
            {
                "credit_days_overdue": 0,
                "credit_is_overdue": False,
                "credit_aging_bucket": False,
                "credit_overdue_residual": 0.0,
            },
        )

    @freeze_time("2026-05-15")
    def test_search_by_days_and_bucket(self):
        recent = self._create_invoice(self.customer, 100.0, due=date(2026, 5, 1))
        not_due = self._create_invoice(self.customer, 100.0, due=date(2026, 6, 1))
        paid = self._create_invoice(self.customer, 100.0, due=date(2026, 1, 1))
        self._pay(paid)
        # the payment is a move of the customer too: only look at invoices
        mine = [("partner_id", "=", self.customer.id), ("move_type", "=", "out_invoice")]
        Move = self.env["account.move"]
        self.assertEqual(Move.search(mine + [("credit_days_overdue", ">", 30)]), self.invoice)
        self.assertEqual(Move.search(mine + [("credit_is_overdue", "=", True)]), self.invoice | recent)
        self.assertEqual(Move.search(mine + [("credit_is_overdue", "=", False)]), not_due | paid)
        self.assertEqual(Move.search(mine + [("credit_aging_bucket", "=", "b1")]), recent)
        self.assertEqual(Move.search(mine + [("credit_aging_bucket", "=", "not_due")]), not_due)
        self.assertEqual(
            Move.search(mine + [("credit_aging_bucket", "in", ["b2", "not_due"])]), self.invoice | not_due
        )

    @freeze_time("2026-05-15")
    def test_search_agrees_with_the_field(self):
        """Searched on today's open items as kept per item, the open
        invoices found are those whose days overdue read from the ledger
        match, whatever the operator: late, not due, partly paid, with a
        first instalment late and the second not due, a credit note, a paid
        invoice (never found, as before)."""
        term = self.env["account.payment.term"].create({
            "name": "Moitié comptant, moitié à 60 jours",
            "line_ids": [
                Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 0}),
                Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 60}),
            ],
        })
        split = self._create_invoices([{"partner": self.customer, "amount": 1000.0, "date": date(2026, 4, 5),
                                        "payment_term": term}])
        partly = self._create_invoice(self.customer, 300.0, due=date(2026, 5, 5))
        self._pay(partly, amount=100.0, payment_date=date(2026, 5, 10))
        not_due = self._create_invoice(self.customer, 100.0, due=date(2026, 6, 1))
        paid = self._create_invoice(self.customer, 100.0, due=date(2026, 1, 1))
        self._pay(paid)
        refund = self._create_invoice(self.customer, 40.0, due=date(2026, 4, 1), move_type="out_refund")
        invoices = self.invoice | split | partly | not_due | paid | refund
        Move = self.env["account.move"]
        self.assertEqual(split.credit_days_overdue, 40)
        open_invoices = invoices - paid - refund
        operators = {">": int.__gt__, ">=": int.__ge__, "<": int.__lt__, "<=": int.__le__,
                     "=": int.__eq__, "!=": int.__ne__}
        for operator, function in operators.items():
            for value in (0, 10, 40, 45):
                with self.subTest(operator=operator, value=value):
                    self.assertEqual(
                        Move.search([("id", "in", invoices.ids), ("credit_days_overdue", operator, value)]),
                        open_invoices.filtered(lambda m, o=function, v=value: o(m.credit_days_overdue, v)),
                    )

    @freeze_time("2026-05-15")
    def test_aging_follows_the_company_buckets(self):
        """Buckets of 15/45/90/180 days (Settings): the invoice's Aging, its
        label and the search by aging use them, as the aged balance does."""
        self.company.write({"credit_aging_limit_1": 15, "credit_aging_limit_2": 45,
                            "credit_aging_limit_3": 90, "credit_aging_limit_4": 180})
        recent = self._create_invoice(self.customer, 100.0, due=date(2026, 4, 25))  # 20 days
        self.invoice.invalidate_recordset()  # 45 days
        self.assertEqual((recent | self.invoice).mapped("credit_aging_bucket"), ["b2", "b2"])
        labels = dict(self.env["account.move"].fields_get(["credit_aging_bucket"])["credit_aging_bucket"]["selection"])
        self.assertEqual(labels["b2"], "16-45 days")
        self.assertEqual(labels["b5"], "Over 180 days")
        mine = [("partner_id", "=", self.customer.id), ("move_type", "=", "out_invoice")]
        Move = self.env["account.move"]
        self.assertEqual(Move.search(mine + [("credit_aging_bucket", "=", "b2")]), recent | self.invoice)
        self.assertFalse(Move.search(mine + [("credit_aging_bucket", "in", ["b1", "b3"])]))

    @freeze_time("2026-05-15")
    def test_instalments_use_earliest_open_due_date(self):
        """The invoice due date is the last instalment's; the first one can
        already be late."""
        term = self.env["account.payment.term"].create({
            "name": "Half now, half in 60 days",
            "line_ids": [
                Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 0}),
                Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 60}),
            ],
        })
        invoice = self._create_invoices([{
            "partner": self.customer, "amount": 1000.0, "date": date(2026, 5, 1), "payment_term": term,
        }])
        self.assertEqual(invoice.invoice_date_due, date(2026, 6, 30))
        self.assertRecordValues(invoice, [{
            "credit_due_date": date(2026, 5, 1),
            "credit_days_overdue": 14,
            "credit_overdue_residual": 500.0,
        }])

    @freeze_time("2026-05-15")
    def test_foreign_currency_residual_in_company_currency(self):
        chf = self.setup_other_currency("CHF", rates=[("2026-01-01", 2.0)])
        invoice = self._create_invoice(self.customer, 300.0, due=date(2026, 4, 1), currency=chf)
        self.assertEqual(invoice.credit_overdue_residual, 150.0)

    @freeze_time("2026-05-15")
    def test_credit_notes_are_not_collected(self):
        refund = self._create_invoice(self.customer, 50.0, due=date(2026, 4, 1), move_type="out_refund")
        self.assertFalse(refund.credit_is_overdue)
        self.assertFalse(refund.credit_aging_bucket)

    @freeze_time("2026-05-15")
    def test_hold_excludes_with_reason(self):
        self.assertFalse(self.invoice.credit_excluded)
        self.invoice.write({"credit_hold": True, "credit_hold_note": "Waiting for the delivery note"})
        self.invoice.invalidate_recordset(["credit_excluded", "credit_exclusion_reason"])
        self.assertRecordValues(self.invoice, [{"credit_excluded": True, "credit_exclusion_reason": "On hold"}])
        Move = self.env["account.move"]
        mine = [("partner_id", "=", self.customer.id)]
        self.assertEqual(Move.search(mine + [("credit_excluded", "=", True)]), self.invoice)
        self.assertFalse(Move.search(mine + [("credit_excluded", "=", False)]))
