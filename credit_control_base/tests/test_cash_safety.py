"""Cash application you can leave switched on (issue 24): one test per
failure class of the labelled statement, each failing on the matcher that
reconciled 9 lines of 255 with the wrong invoice."""
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.credit_control_base.models import credit_control_cash_matcher

from .test_cash_matching import CashCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-02-15")
class TestCashSafety(CashCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Boulangerie Martin et Fils")
        cls.other_customer = cls._create_customer("Garage Dupont")
        cls.supplier = cls._create_customer("Fournitures Leroy")

    def _proposal(self, st_line):
        return self.Proposal.search([("statement_line_id", "=", st_line.id)], order="id desc", limit=1)

    # class 1 -------------------------------------------------------------

    def test_class1_reference_of_another_customer_is_never_applied(self):
        invoice = self._create_invoice(self.customer, 640.0, due=date(2026, 1, 31))
        st_line = self._bank_line(640.0, f"VIR SEPA RECU /DE GARAGE DUPONT /MOTIF FACT {invoice.name}")
        self._match(st_line)
        proposal = self._proposal(st_line)
        self.assertRecordValues(proposal, [{"state": "proposed", "payer_confirmed": False}])
        self.assertLess(proposal.confidence, 90)
        self.assertEqual(invoice.amount_residual, 640.0)

    def test_class1_supplier_refund_quoting_its_own_number(self):
        invoice = self._create_invoice(self.customer, 1000.0, due=date(2026, 1, 31))
        st_line = self._bank_line(120.0, f"VIR SEPA RECU /DE FOURNITURES LEROY /MOTIF REMBT AVOIR {invoice.name}",
                                  partner_name="FOURNITURES LEROY")
        self._match(st_line)
        self.assertNotEqual(self._proposal(st_line).state, "reconciled")
        self.assertEqual(invoice.amount_residual, 1000.0)

    def test_class1_unknown_payer_is_reviewed_payer_name_or_iban_confirms(self):
        invoices = self._create_invoices([
            {"partner": self.customer, "amount": 100.0 + i, "due": date(2026, 1, 31)} for i in range(3)
        ])
        self.env["res.partner.bank"].create({
            "partner_id": self.customer.id, "acc_number": "FR7630006000011234567890189",
        })
        unknown = self._bank_line(100.0, invoices[0].name)
        by_name = self._bank_line(101.0, f"VIR {invoices[1].name}", partner_name="BOULANGERIE MARTIN ET FILS")
        by_iban = self._bank_line(102.0, f"VIR {invoices[2].name}", account_number="FR76 3000 6000 0112 3456 7890 189")
        self._match(unknown | by_name | by_iban)
        self.assertRecordValues(self._proposal(unknown), [{"state": "proposed", "payer_confirmed": False}])
        self.assertRecordValues(self._proposal(by_name) | self._proposal(by_iban), [
            {"state": "reconciled", "payer_confirmed": True}, {"state": "reconciled", "payer_confirmed": True},
        ])

    # class 2 -------------------------------------------------------------

    def test_class2_memo_naming_a_paid_invoice_is_a_probable_duplicate(self):
        paid, still_open = self._create_invoices([
            {"partner": self.customer, "amount": 500.0, "due": date(2026, 1, 10)},
            {"partner": self.customer, "amount": 500.0, "due": date(2026, 1, 20)},
        ])
        self._pay(paid)
        st_line = self._bank_line(500.0, f"VIR SEPA RECU /DE BOULANGERIE MARTIN /MOTIF {paid.name}",
                                  partner=self.customer)
        self._match(st_line)
        proposal = self._proposal(st_line)
        self.assertRecordValues(proposal, [{"rule": "duplicate", "state": "proposed"}])
        self.assertIn("duplicate", proposal.explanation)
        self.assertEqual(still_open.amount_residual, 500.0)

    # class 3 -------------------------------------------------------------

    def test_class3_proposals_under_review_hold_nothing(self):
        first, twin = self._create_invoices([
            {"partner": self.customer, "amount": 500.0, "due": date(2026, 1, 10)},
            {"partner": self.customer, "amount": 500.0, "due": date(2026, 1, 20)},
        ])
        day_1 = self._bank_line(500.0, "VIREMENT", partner=self.customer)
        ambiguous = self._match(day_1)
        self.assertRecordValues(ambiguous, [{"rule": "amount", "state": "proposed"}])
        self.assertEqual(ambiguous.move_ids, first)
        day_2 = self._bank_line(500.0, f"VIR {first.name}", partner=self.customer)
        exact = self._match(day_2)
        self.assertRecordValues(exact, [{"rule": "reference", "state": "reconciled"}])
        self.assertEqual(exact.move_ids, first, "the exact payment pays its invoice, not the twin")
        self.assertEqual(twin.amount_residual, 500.0)
        self.assertEqual(ambiguous.state, "cancelled", "the stale proposal is closed")
        self.assertIn("paid meanwhile", ambiguous.explanation)
        self.assertTrue(self._match(day_1), "the first bank line can be matched again")

    # class 4 -------------------------------------------------------------

    def test_class4_several_numbers_in_one_memo(self):
        invoices = self._create_invoices([
            {"partner": self.customer, "amount": amount, "due": date(2026, 1, 31)} for amount in (204.0, 279.0, 123.0)
        ])
        prefix, numbers = invoices[0].sequence_prefix, [f"{n:05d}" for n in invoices.mapped("sequence_number")]
        label = f"FACTURES {prefix.replace('/', ' ')}{' '.join(numbers)}"
        st_line = self._bank_line(606.0, label, partner=self.customer)
        proposal = self._match(st_line)
        self.assertRecordValues(proposal, [{"rule": "reference", "confidence": 100, "state": "reconciled"}])
        self.assertEqual(proposal.move_ids, invoices)

    def test_class4_sum_of_some_quoted_invoices(self):
        invoices = self._create_invoices([
            {"partner": self.customer, "amount": amount, "due": date(2026, 1, 31)} for amount in (210.0, 320.0, 430.0)
        ])
        label = "REGLEMENT " + " ".join(invoices.mapped("name"))
        proposal = self._match(self._bank_line(640.0, label, partner=self.customer))
        self.assertRecordValues(proposal, [{"rule": "reference", "state": "reconciled"}])
        self.assertEqual(proposal.move_ids, invoices[0] | invoices[2])

    # class 5 -------------------------------------------------------------

    def test_class5_truncated_payer_name_and_iban(self):
        by_name, by_iban = self._create_invoices([
            {"partner": self.customer, "amount": 318.40, "due": date(2026, 1, 31)},
            {"partner": self.other_customer, "amount": 77.70, "due": date(2026, 1, 31)},
        ])
        self.env["res.partner.bank"].create({"partner_id": self.other_customer.id,
                                             "acc_number": "FR76 1027 8060 0100 0205 4250 117"})
        name_line = self._bank_line(318.40, "VIR SEPA RECU /DE STE BOULANGERIE MARTIN ET /MOTIF REGLEMENT")
        iban_line = self._bank_line(77.70, "VIR SEPA RECU /MOTIF PAIEMENT",
                                    account_number="FR7610278060010002054250117")
        self._match(name_line | iban_line)
        self.assertRecordValues(self._proposal(name_line) | self._proposal(iban_line), [
            {"rule": "amount", "state": "reconciled", "partner_id": self.customer.id},
            {"rule": "amount", "state": "reconciled", "partner_id": self.other_customer.id},
        ])
        self.assertEqual((by_name | by_iban).mapped("amount_residual"), [0.0, 0.0])

    # class 6 -------------------------------------------------------------

    def test_class6_accountant_without_email_matches_and_undoes(self):
        accountant = new_test_user(
            self.env, login="accountant_no_mail", email=False,
            groups="base.group_user,account.group_account_invoice,"
                   "credit_control_base.group_credit_control_cash_application",
            company_id=self.company.id, company_ids=[Command.set(self.company.ids)],
        )
        invoice = self._create_invoice(self.customer, 250.0, due=date(2026, 1, 31))
        st_line = self._bank_line(250.0, invoice.name, partner=self.customer)
        env = self.env(user=accountant, context=dict(self.env.context, tracking_disable=False))
        proposal = env["credit.control.cash.matcher"]._credit_run(companies=self.company, statement_lines=st_line)
        self.assertEqual(proposal.state, "reconciled")
        self.assertEqual(invoice.amount_residual, 0.0)
        proposal.action_undo()
        self.assertEqual(proposal.state, "undone")
        self.assertEqual(invoice.amount_residual, 250.0)

    def test_accept_reject_undo_take_the_cash_application_group(self):
        self._create_invoices([{"partner": self.customer, "amount": 70.0, "due": date(2026, 1, 31)}] * 2)
        proposal = self._match(self._bank_line(70.0, "VIREMENT", partner=self.customer))
        billing = new_test_user(self.env, login="billing_only", groups="base.group_user,account.group_account_invoice",
                                company_id=self.company.id, company_ids=[Command.set(self.company.ids)])
        for action in ("action_accept", "action_reject", "action_undo"):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(proposal.with_user(billing), action)()
        self.assertEqual(proposal.state, "proposed")

    # class 7 -------------------------------------------------------------

    def test_class7_undone_line_is_proposed_again_for_review(self):
        invoice = self._create_invoice(self.customer, 250.0, due=date(2026, 1, 31))
        st_line = self._bank_line(250.0, invoice.name, partner=self.customer)
        self._match(st_line).action_undo()
        again = self._match(st_line)
        self.assertRecordValues(again, [{"state": "proposed", "rule": "reference"}])
        self.assertIn("Undone before", again.explanation)
        self.assertEqual(invoice.amount_residual, 250.0)

    def test_class7_background_batches_are_shared_with_the_workers(self):
        """The cron cuts the bank lines into batches that the worker crons
        match too; each line is applied once, the customer payments are
        matched when the last batch is done, and nothing is left behind."""
        self.env["ir.config_parameter"].sudo().set_param("credit_control.parallel_workers", "2")
        invoices = self._create_invoices([
            {"partner": self.customer, "amount": 20.0 + i, "due": date(2026, 1, 31)} for i in range(6)
        ])
        st_lines = self.env["account.bank.statement.line"].with_context(credit_cash_no_trigger=True).create([{
            "journal_id": self.bank_journal.id, "payment_ref": f"VIR {invoice.name}", "amount": invoice.amount_total,
            "partner_id": self.customer.id,
        } for invoice in invoices[:5]])
        payment = self.env["account.payment"].create({
            "payment_type": "inbound", "partner_type": "customer", "partner_id": self.customer.id,
            "amount": invoices[5].amount_total, "memo": f"Chèque {invoices[5].name}",
            "journal_id": self.bank_journal.id,
        })
        payment.action_post()
        Batch = self.env["credit.control.work.batch"]
        worker = self.env.ref("credit_control_base.ir_cron_credit_control_worker_1")
        worker_triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", worker.id)])
        # only this company's lines: the demo company has automatic cash application too
        self.env["res.company"].search([("id", "!=", self.company.id)]).credit_cash_application = False

        self.Matcher._cron_match_cash(batch_size=2)
        batches = Batch.search([("res_model", "=", self.Matcher._name)])
        self.assertEqual(sorted(batches.mapped("size")), [1, 2, 2], "5 lines, one batch done by the cron")
        self.assertEqual(batches.filtered(lambda b: b.state == "done").mapped("size"), [2])
        if "queue.job" not in self.env:  # else credit_control_queue makes them queue jobs
            self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", worker.id)]),
                             worker_triggers + 1, "the worker is woken")
        # the worker and the cron take the next batches
        Batch._cron_process_batches()
        self.Matcher._cron_match_cash(batch_size=2)
        self.assertFalse(Batch.search([("res_model", "=", self.Matcher._name)]), "job finished and forgotten")
        for st_line in st_lines:
            self.assertEqual(self.Proposal.search_count([("statement_line_id", "=", st_line.id)]), 1)
        self.assertEqual(invoices.mapped("amount_residual"), [0.0] * 6)
        self.assertRecordValues(self.Proposal.search([("payment_id", "=", payment.id)]), [{"state": "reconciled"}])
        self.assertTrue(all(st_lines.mapped("credit_cash_checked_at")))

    def test_class7_a_customer_s_lines_are_cut_into_one_batch(self):
        """Two workers paying invoices of one customer at once wait for each
        other, and one does its batch again: the cron cuts the bank lines
        customer by customer, a contact's payment with its company's, and
        does not cut a customer's lines in two batches."""
        self.env["ir.config_parameter"].sudo().set_param("credit_control.parallel_workers", "2")
        self.env["res.company"].search([("id", "!=", self.company.id)]).credit_cash_application = False
        accountant = self.env["res.partner"].create({"name": "Mme Martin", "parent_id": self.customer.id})
        bakery_1, garage_1, bakery_2, garage_2, garage_3 = self._create_invoices([
            {"partner": partner, "amount": amount, "due": date(2026, 1, 31)}
            for partner, amount in ((self.customer, 31.0), (self.other_customer, 32.0), (self.customer, 33.0),
                                    (self.other_customer, 34.0), (self.other_customer, 35.0))
        ])
        # the transfers came in turns, the bakery's accountant paying one
        st_lines = self.env["account.bank.statement.line"].with_context(credit_cash_no_trigger=True).create([{
            "journal_id": self.bank_journal.id, "payment_ref": f"VIR {invoice.name}", "amount": invoice.amount_total,
            "partner_id": partner.id,
        } for invoice, partner in ((bakery_1, self.customer), (garage_1, self.other_customer),
                                   (bakery_2, accountant), (garage_2, self.other_customer),
                                   (garage_3, self.other_customer))])

        # two batches of at most 4 lines: 3 and 2 would cut the garage's
        self.Matcher._cron_match_cash(batch_size=4)
        batches = self.env["credit.control.work.batch"].search([("res_model", "=", self.Matcher._name)])
        self.assertEqual(sorted(sorted(batch.record_ids) for batch in batches),
                         sorted([sorted(st_lines[0::2][:2].ids), sorted((st_lines[1::2] | st_lines[4]).ids)]))

    def test_class7_the_next_run_passes_the_lines_its_previous_run_looked_at(self):
        """A run looks again at the lines looked at before the previous run
        began. ir.cron's ``lastcall``, taken for that start, is the end of
        the cron's latest call: every line the previous run could not match
        was looked at again by the next, and again by each run after."""
        self.env["res.company"].search([("id", "!=", self.company.id)]).credit_cash_application = False
        unknown, older = self.env["account.bank.statement.line"].with_context(credit_cash_no_trigger=True).create([{
            "journal_id": self.bank_journal.id, "payment_ref": "VIR SEPA RECU /DE INCONNU /MOTIF CADEAU",
            "amount": amount,
        } for amount in (77.77, 88.88)])
        now = self.env.cr.now()  # the database's clock, as the lines' checks
        self.Matcher.with_context(lastcall=now - timedelta(days=1))._cron_match_cash()
        self.assertTrue(unknown.credit_cash_checked_at)
        # a line looked at before that run began
        self.env.cr.execute("UPDATE account_bank_statement_line SET credit_cash_checked_at = %s WHERE id = %s",
                            [now - timedelta(days=2), older.id])
        older.invalidate_recordset(["credit_cash_checked_at"])

        # the next run: ir.cron's lastcall is the end of the previous call
        Matcher = self.Matcher.with_context(lastcall=now + timedelta(minutes=5))
        pending = [line_id for line_id, _customer in self.env.execute_query(
            Matcher._cron_pending_lines(Matcher._cron_previous_run_start()))]
        self.assertIn(older.id, pending)
        self.assertNotIn(unknown.id, pending)

    def test_class7_many_lines_are_matched_in_the_background_by_batches(self):
        invoices = self._create_invoices([
            {"partner": self.customer, "amount": 10.0 + i, "due": date(2026, 1, 31)} for i in range(5)
        ])
        cron = self.env.ref("credit_control_base.ir_cron_credit_control_cash_match")
        st_lines = self.env["account.bank.statement.line"].with_context(credit_cash_no_trigger=True).create([{
            "journal_id": self.bank_journal.id, "payment_ref": f"VIR {invoice.name}", "amount": invoice.amount_total,
            "partner_id": self.customer.id,
        } for invoice in invoices])
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        with patch.object(credit_control_cash_matcher, "BACKGROUND_LIMIT", 3):
            action = self.Matcher._credit_action_match_all()
        self.assertIn("background", action["params"]["message"])
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers + 1)
        self.assertFalse(self.Proposal.search([("statement_line_id", "in", st_lines.ids)]))
        progress = []
        with patch.object(type(self.env["ir.cron"]), "_notify_progress",
                          lambda self, done, remaining, deactivate=False: progress.append((done, remaining))):
            for _call in range(200):  # the demo data may hold bank lines too
                self.Matcher._cron_match_cash(batch_size=2)
                if progress[-1][1] == 0:
                    break
        self.assertGreaterEqual(len(progress), 3, "bounded batches")
        self.assertTrue(all(done <= 2 for done, _remaining in progress))
        self.assertEqual(progress[-1][1], 0)
        self.assertEqual(invoices.mapped("amount_residual"), [0.0] * 5)
