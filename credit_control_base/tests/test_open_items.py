from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import CreditControlCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestOpenItems(CreditControlCommon):
    """One definition of what a customer owes: every open receivable line
    (an instalment, or an unapplied credit) of the commercial entity, with
    its own due date and days late."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Menuiserie Aubert")
        cls.contact = cls.env["res.partner"].create({"name": "Paul Aubert", "parent_id": cls.customer.id})
        # 30 % on 16/04 (29 days late on 15/05), 70 % on 15/06 (not due)
        cls.term = cls._create_instalment_term([(30, 15), (70, 75)])

    def test_contact_payment_counts_for_customer(self):
        """Failed before: the payment's receivable line carries the contact,
        the dossier read its customer's lines only (1 000 open)."""
        self._create_invoice(self.customer, 1000.0, due=date(2026, 4, 30))
        self._receive_unapplied(self.contact, 300.0, date(2026, 5, 10))
        dossier = self._dossier(self.customer)
        self.assertEqual(dossier.open_amount, 700.0)
        self.assertRecordValues(dossier, [{
            "open_amount": 700.0, "overdue_amount": 1000.0, "unapplied_amount": 300.0, "exposure": 700.0,
        }])
        self.assertEqual(self.env["credit.control.dossier"].search(
            [("id", "=", dossier.id), ("open_amount", "=", 700.0)]), dossier)
        # 700 owed + 700 new stays under the limit of 1 500: the invoice posts
        self.company.write({"account_use_credit_limit": True, "credit_control_block_over_limit": True})
        self.customer.with_company(self.company).credit_limit = 1500.0
        invoice = self._create_invoices(
            [{"partner": self.customer, "amount": 700.0, "due": date(2026, 6, 15)}], post=False
        )
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")

    def test_instalments_have_their_own_due_date(self):
        invoice = self._create_invoices([{
            "partner": self.customer, "amount": 1000.0, "date": date(2026, 4, 1), "payment_term": self.term,
        }])
        self.assertRecordValues(invoice, [{
            "credit_due_date": date(2026, 4, 16), "credit_days_overdue": 29, "credit_overdue_residual": 300.0,
            "credit_is_overdue": True,
        }])
        self.assertEqual(
            [(i["due_date"], i["days_late"], i["amount"], i["amount_company"], i["overdue"])
             for i in invoice._credit_instalments()],
            [(date(2026, 4, 16), 29, 300.0, 300.0, True), (date(2026, 6, 15), -31, 700.0, 700.0, False)],
        )
        dossier = self._dossier(self.customer)
        self.assertRecordValues(dossier, [{
            "open_amount": 1000.0, "overdue_amount": 300.0, "max_days_overdue": 29, "amount_not_due": 700.0,
            "amount_1_30": 300.0, "unapplied_amount": 0.0,
        }])
        rows = self.env["credit.control.aged.balance"].search([("move_id", "=", invoice.id)])
        self.assertEqual(sorted(rows.mapped("overdue_amount")), [0.0, 300.0])
        self.assertEqual(sorted(rows.mapped("days_overdue")), [-31, 29])

    def test_unapplied_credits_of_the_customer(self):
        self._create_invoice(self.customer, 500.0, due=date(2026, 4, 30))
        payment = self._receive_unapplied(self.contact, 200.0, date(2026, 5, 10))
        refund = self._create_invoice(self.customer, 50.0, due=date(2026, 5, 10), move_type="out_refund")
        dossier = self._dossier(self.customer)
        credits = dossier._credit_unapplied_credits()
        self.assertEqual({c["move"].id for c in credits}, set((payment.move_id | refund).ids))
        self.assertEqual(sum(c["amount_company"] for c in credits), 250.0)
        self.assertEqual(dossier.unapplied_amount, 250.0)
        self.assertEqual(dossier.open_amount, 250.0)

    def test_open_items_of_many_documents_at_once(self):
        """The open items of many documents read in one query (the nightly
        priorities, the forecast) are those read record by record: each
        instalment, what is left of a partly paid invoice, a credit note, a
        payment not applied yet, an invoice in another currency."""
        usd = self.env.ref("base.USD")
        usd.active = True
        self.env["res.currency.rate"].create({
            "currency_id": usd.id, "name": date(2026, 1, 1), "rate": 1.25, "company_id": self.company.id,
        })
        instalments = self._create_invoices([{
            "partner": self.customer, "amount": 1000.0, "date": date(2026, 4, 1), "payment_term": self.term,
        }])
        partly_paid = self._create_invoice(self.customer, 800.0, due=date(2026, 4, 30))
        self._pay(partly_paid, amount=300.0, payment_date=date(2026, 5, 2))
        paid = self._create_invoice(self.customer, 200.0, due=date(2026, 4, 10))
        self._pay(paid, payment_date=date(2026, 5, 2))
        refund = self._create_invoice(self.customer, 50.0, due=date(2026, 5, 10), move_type="out_refund")
        payment = self._receive_unapplied(self.contact, 120.0, date(2026, 5, 10))
        foreign = self._create_invoices([
            {"partner": self.customer, "amount": 500.0, "due": date(2026, 5, 1), "currency": usd},
        ])
        moves = instalments | partly_paid | paid | refund | payment.move_id | foreign
        at_once = self.env["account.move.line"]._credit_item_values_of(moves.ids)
        self.assertEqual(
            [{key: value for key, value in item.items() if key != "balance"} for item in at_once],
            moves.line_ids._credit_item_values(),
        )
        # two instalments, the rest of the partly paid invoice, the credit note, the payment, the dollars
        self.assertEqual(len(at_once), 6)
        self.assertEqual([item["currency"].name for item in at_once if item["move"] == foreign], ["USD"])
        self.assertEqual([item["balance"] for item in at_once], [item["line"].balance for item in at_once])
