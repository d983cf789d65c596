from datetime import date
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.credit_control_base.models.account_move import AccountMove
from odoo.addons.credit_control_base.models.credit_control_cash_matcher import compact, parse_amounts

from .common import CreditControlCommon


class CashCommon(CreditControlCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.company.write({"credit_cash_tolerance": 5.0, "credit_cash_auto_threshold": 90,
                           "credit_cash_writeoff_account_id": False})
        cls._enable_cash_application()
        cls.Matcher = cls.env["credit.control.cash.matcher"]
        cls.Proposal = cls.env["credit.control.cash.proposal"]
        # accepting, rejecting and undoing take the explicit right
        cls.env.user.groups_id |= cls.env.ref("credit_control_base.group_credit_control_cash_application")

    @classmethod
    def _bank_line(cls, amount, label, partner=None, journal=None, **values):
        return cls.env["account.bank.statement.line"].create({
            "journal_id": (journal or cls.bank_journal).id,
            "date": date(2026, 2, 10),
            "payment_ref": label,
            "amount": amount,
            "partner_id": partner.id if partner else False,
            **values,
        })

    def _match(self, st_lines=None, **kwargs):
        return self.Matcher._credit_run(companies=self.company, statement_lines=st_lines, **kwargs)


@tagged("post_install", "-at_install")
@freeze_time("2026-02-15")
class TestCashMatching(CashCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Boulangerie Martin")
        cls.other_customer = cls._create_customer("Garage Dupont")

    def test_normalization_helpers(self):
        self.assertEqual(compact("inv/2026 - 00012.")[0], "INV202600012")
        cases = {
            "1 234,56 EUR": 1234.56, "1,234.56": 1234.56, "1234.56 €": 1234.56, "1.234,56": 1234.56,
            "€1,234.56": 1234.56, "300,00": 300.0, "le 15/01/2026": None, "FAC/2026/00012": None,
        }
        for text, value in cases.items():
            with self.subTest(text=text):
                amounts = [a[2] for a in parse_amounts(text)]
                self.assertEqual(amounts, [value] if value is not None else [])

    def test_reference_tolerant_to_spaces_dashes_case_and_ocr(self):
        invoices = self._create_invoices([
            {"partner": self.customer, "amount": 1000.0 + i, "due": date(2026, 1, 31)} for i in range(4)
        ])
        labels = [
            (invoices[0], invoices[0].name, 100),
            (invoices[1], "VIR SEPA " + invoices[1].name.replace("/", " ").lower() + " MERCI", 100),
            (invoices[2], "Paiement " + invoices[2].name.replace("/", "-"), 100),
            (invoices[3], "REMISE " + invoices[3].name.replace("0", "O").replace("1", "l"), 95),
        ]
        st_lines = self.env["account.bank.statement.line"]
        for invoice, label, _confidence in labels:
            # no customer on the line: the reference finds the invoice, the payer's name confirms it
            st_lines |= self._bank_line(invoice.amount_total, label, partner_name="BOULANGERIE MARTIN")
        proposals = self._match(st_lines)
        for invoice, label, confidence in labels:
            with self.subTest(label=label):
                proposal = proposals.filtered(lambda p, i=invoice: p.move_ids == i)
                self.assertRecordValues(proposal, [{
                    "rule": "reference", "confidence": confidence, "state": "reconciled", "automatic": True,
                    "partner_id": self.customer.id,
                }])
                self.assertEqual(invoice.amount_residual, 0.0)
                self.assertTrue(proposal.statement_line_id.is_reconciled)
                self.assertIn("Reconciled automatically", proposal.message_ids[0].body)

    def test_exact_amount_of_the_customer(self):
        invoice = self._create_invoice(self.customer, 432.10, due=date(2026, 1, 31))
        self._create_invoice(self.customer, 99.0, due=date(2026, 1, 31))
        self._create_invoice(self.other_customer, 432.10, due=date(2026, 1, 31))
        st_line = self._bank_line(432.10, "VIREMENT BOULANGERIE", partner=self.customer)
        action = st_line.action_credit_cash_match()
        self.assertEqual(action["params"]["message"], "1 reconciled automatically, 0 to review.")
        proposals = self.Proposal.search([("statement_line_id", "=", st_line.id)])
        self.assertRecordValues(proposals, [{"rule": "amount", "confidence": 90, "state": "reconciled"}])
        self.assertEqual(proposals.move_ids, invoice)
        self.assertEqual(invoice.amount_residual, 0.0)

    def test_two_invoices_of_the_same_amount_are_never_matched_automatically(self):
        old, new = self._create_invoices([
            {"partner": self.customer, "amount": 500.0, "due": date(2026, 1, 10)},
            {"partner": self.customer, "amount": 500.0, "due": date(2026, 1, 20)},
        ])
        proposal = self._match(self._bank_line(500.0, "VIREMENT", partner=self.customer))
        self.assertRecordValues(proposal, [{"rule": "amount", "confidence": 40, "state": "proposed"}])
        self.assertEqual(proposal.move_ids, old)
        self.assertEqual((old | new).mapped("amount_residual"), [500.0, 500.0])
        self.assertIn(new.name, proposal.explanation)
        proposal.action_accept()
        self.assertRecordValues(proposal, [{"state": "reconciled", "automatic": False}])
        self.assertEqual((old | new).mapped("amount_residual"), [0.0, 500.0])

    def test_sum_of_several_invoices(self):
        invoices = self._create_invoices([
            {"partner": self.customer, "amount": amount, "due": date(2026, 1, 31)} for amount in (100.0, 250.0, 400.0)
        ])
        proposal = self._match(self._bank_line(650.0, "REGLEMENT FACTURES", partner=self.customer))
        self.assertRecordValues(proposal, [{"rule": "sum", "confidence": 85, "state": "proposed"}])
        self.assertEqual(proposal.move_ids, invoices[1:])
        proposal.action_accept()
        self.assertEqual(invoices.mapped("amount_residual"), [100.0, 0.0, 0.0])
        self.assertTrue(proposal.statement_line_id.is_reconciled)

    def test_reject(self):
        self._create_invoices([{"partner": self.customer, "amount": 70.0, "due": date(2026, 1, 31)}] * 2)
        st_line = self._bank_line(70.0, "VIREMENT", partner=self.customer)
        proposal = self._match(st_line)
        proposal.action_reject()
        self.assertEqual(proposal.state, "rejected")
        self.assertFalse(st_line.is_reconciled)
        self.assertFalse(self._match(st_line), "a rejected bank line is not proposed again")

    def test_partial_payment(self):
        invoice = self._create_invoice(self.customer, 1000.0, due=date(2026, 1, 31))
        proposal = self._match(self._bank_line(300.0, f"Acompte {invoice.name}", partner=self.customer))
        self.assertRecordValues(proposal, [{"rule": "reference", "confidence": 90, "state": "reconciled"}])
        self.assertRecordValues(invoice, [{"amount_residual": 700.0, "payment_state": "partial"}])

    def test_overpayment_leaves_the_rest_on_the_suspense_account(self):
        invoice = self._create_invoice(self.customer, 100.0, due=date(2026, 1, 31))
        st_line = self._bank_line(150.0, f"{invoice.name}", partner=self.customer)
        proposal = self._match(st_line)
        self.assertRecordValues(proposal, [{"confidence": 80, "state": "proposed"}])
        proposal.action_accept()
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertFalse(st_line.is_reconciled)
        self.assertEqual(st_line.amount_residual, -50.0)

    def test_tolerance_for_bank_fees(self):
        invoices = self._create_invoices([
            {"partner": self.customer, "amount": 1000.0, "due": date(2026, 1, 31)},
            {"partner": self.customer, "amount": 2000.0, "due": date(2026, 1, 31)},
            {"partner": self.customer, "amount": 3000.0, "due": date(2026, 1, 31)},
        ])
        # without a bank fee account, the invoice stays open for the fees
        proposal = self._match(self._bank_line(996.50, f"VIR {invoices[0].name}", partner=self.customer))
        self.assertRecordValues(proposal, [{"confidence": 95, "state": "reconciled", "writeoff_amount": 0.0}])
        self.assertAlmostEqual(invoices[0].amount_residual, 3.50)
        # with one, they are booked there
        fees = self.company_data["default_account_expense"]
        self.company.credit_cash_writeoff_account_id = fees
        st_line = self._bank_line(1996.50, f"VIR {invoices[1].name}", partner=self.customer)
        proposal = self._match(st_line)
        self.assertRecordValues(proposal, [{"confidence": 95, "state": "reconciled", "writeoff_amount": 3.50}])
        self.assertEqual(invoices[1].amount_residual, 0.0)
        self.assertEqual(st_line.line_ids.filtered(lambda line: line.account_id == fees).balance, 3.50)
        # beyond the tolerance, it is a partial payment
        self._match(self._bank_line(2990.0, f"VIR {invoices[2].name}", partner=self.customer))
        self.assertEqual(invoices[2].amount_residual, 10.0)

    def test_multi_currency(self):
        currency = self.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])
        invoice = self._create_invoice(self.customer, 200.0, due=date(2026, 1, 31), currency=currency)
        # the bank converted 200 EUR into 100 USD: matched in the currency of the transfer
        st_line = self._bank_line(100.0, f"PAYMENT {invoice.name}", foreign_currency_id=currency.id,
                                  amount_currency=200.0, partner=self.customer)
        proposal = self._match(st_line)
        self.assertRecordValues(proposal, [{"currency_id": currency.id, "amount": 200.0, "state": "reconciled"}])
        self.assertRecordValues(invoice, [{"amount_residual": 0.0, "payment_state": "paid"}])
        # 200 EUR of another customer's transfer in USD do not pay a EUR invoice by amount
        other = self._create_invoice(self.other_customer, 300.0, due=date(2026, 1, 31), currency=currency)
        self.assertFalse(self._match(self._bank_line(300.0, "VIR", partner=self.other_customer)))
        self.assertEqual(other.amount_residual, 300.0)

    def test_never_twice(self):
        invoice = self._create_invoice(self.customer, 800.0, due=date(2026, 1, 31))
        first = self._bank_line(800.0, invoice.name, partner=self.customer)
        second = self._bank_line(800.0, invoice.name, partner=self.customer)
        proposals = self._match(first | second)
        self.assertEqual(proposals.mapped("state"), ["reconciled", "proposed"],
                         "the invoice is paid by the first bank line only")
        self.assertEqual(proposals[1].rule, "duplicate", "the second one is a probable duplicate payment")
        self.assertFalse(self._match(first | second))
        self.assertEqual(invoice.amount_residual, 0.0)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.Proposal.create({
                "company_id": self.company.id, "statement_line_id": first.id, "currency_id": invoice.currency_id.id,
                "rule": "amount", "state": "proposed",
            })
            self.env.flush_all()

    def test_never_across_companies(self):
        company_2 = self.setup_other_company(name="Filiale")["company"]
        foreign = self._create_invoice(self.customer, 640.0, due=date(2026, 1, 31), company=company_2)
        st_line = self._bank_line(640.0, f"VIR {foreign.name}", partner=self.customer)
        self.assertFalse(self.Matcher._credit_run(companies=self.company | company_2, statement_lines=st_line))
        self.assertEqual(foreign.amount_residual, 640.0)

    def test_payment_matched(self):
        invoice = self._create_invoice(self.customer, 380.0, due=date(2026, 1, 31))
        payment = self.env["account.payment"].create({
            "payment_type": "inbound", "partner_type": "customer", "partner_id": self.customer.id,
            "amount": 380.0, "memo": f"Chèque {invoice.name}", "journal_id": self.bank_journal.id,
        })
        payment.action_post()
        self.env["credit.control.cash.matcher"]._credit_action_match_payments(payment)
        proposal = self.Proposal.search([("payment_id", "=", payment.id)])
        self.assertRecordValues(proposal, [{"rule": "reference", "state": "reconciled"}])
        self.assertEqual(invoice.amount_residual, 0.0)
        proposal.action_undo()
        self.assertEqual(invoice.amount_residual, 380.0)

    def test_undo_in_one_click(self):
        invoice = self._create_invoice(self.customer, 250.0, due=date(2026, 1, 31))
        st_line = self._bank_line(250.0, invoice.name, partner=self.customer)
        proposal = self._match(st_line)
        self.assertTrue(proposal.partial_ids)
        proposal.action_undo()
        self.assertRecordValues(proposal, [{"state": "undone"}])
        self.assertEqual(invoice.amount_residual, 250.0)
        self.assertFalse(st_line.is_reconciled)
        _liquidity, suspense, other = st_line._seek_for_lines()
        self.assertEqual((len(suspense), len(other)), (1, 0))
        self.assertIn("undone", proposal.message_ids[0].body)
        again = self._match(st_line)
        self.assertRecordValues(again, [{"state": "proposed"}])  # proposed again, never reconciled again alone
        self.assertEqual(invoice.amount_residual, 250.0, "not reconciled again behind the user's back")

    def test_reconciliation_notifies_credit_control(self):
        invoice = self._create_invoice(self.customer, 610.0, due=date(2026, 1, 31))
        calls = []
        with patch.object(AccountMove, "_credit_collection_changed", autospec=True,
                          side_effect=lambda moves: calls.append(moves)):
            proposal = self._match(self._bank_line(610.0, invoice.name, partner=self.customer))
            self.assertTrue(any(invoice in moves for moves in calls))
            calls.clear()
            proposal.action_undo()
            self.assertTrue(any(invoice in moves for moves in calls))

    def test_cron_and_import_trigger(self):
        invoice = self._create_invoice(self.customer, 90.0, due=date(2026, 1, 31))
        cron = self.env.ref("credit_control_base.ir_cron_credit_control_cash_match")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        self._bank_line(90.0, invoice.name, partner=self.customer)
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers + 1)
        self.Matcher._cron_match_cash()
        self.assertEqual(invoice.amount_residual, 0.0)

    def test_query_count_does_not_grow_with_the_lines(self):
        customers = self.env["res.partner"].create([{"name": f"Client {i}", "is_company": True} for i in range(111)])
        invoices = self._create_invoices([
            {"partner": customer, "amount": 100.0 + i, "due": date(2026, 1, 31)} for i, customer in enumerate(customers)
        ])
        lines = self.env["account.bank.statement.line"].create([
            {"journal_id": self.bank_journal.id, "payment_ref": f"VIR {invoice.name}", "amount": invoice.amount_total}
            for invoice in invoices
        ])

        def count(st_lines):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            proposals = self._match(st_lines, auto=False)
            self.env.flush_all()
            self.assertEqual(len(proposals), len(st_lines))
            return self.env.cr.sql_log_count - before

        count(lines[:1])
        small, large = count(lines[1:11]), count(lines[11:111])
        self.assertLessEqual(large, small + 5)
