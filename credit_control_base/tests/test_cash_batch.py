"""Cash application applied by batches (issue 19): many proposals applied in
one pass write exactly what applying them one by one writes, undo puts
everything back, a proposal that cannot be applied any more stops nothing,
and the queries per applied match do not grow with the matches."""
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_cash_matching import CashCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-02-15")
class TestCashBatch(CashCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"].create([
            {"name": f"Client Lot {i}", "is_company": True} for i in range(6)])
        cls.fees = cls.company_data["default_account_expense"]
        cls.currency = cls.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])

    def _scenario(self):
        """Bank lines of every shape a proposal applies: an invoice paid
        exactly, two invoices in one transfer, an instalment, bank fees on
        the fee account, a transfer in another currency, two instalments of
        one invoice (in two passes: they share it), more than the invoice
        (the rest stays on the suspense account)."""
        self.company.credit_cash_writeoff_account_id = self.fees
        c = self.customers
        inv = self._create_invoices([
            {"partner": c[0], "amount": 250.0, "due": date(2026, 1, 31)},
            {"partner": c[1], "amount": 120.0, "due": date(2026, 1, 20)},
            {"partner": c[1], "amount": 380.0, "due": date(2026, 1, 31)},
            {"partner": c[2], "amount": 1000.0, "due": date(2026, 1, 31)},
            {"partner": c[3], "amount": 2000.0, "due": date(2026, 1, 31)},
            {"partner": c[4], "amount": 200.0, "due": date(2026, 1, 31), "currency": self.currency},
            {"partner": c[5], "amount": 900.0, "due": date(2026, 1, 31)},
            {"partner": c[0], "amount": 100.0, "due": date(2026, 1, 31)},
        ])
        st_lines = (
            self._bank_line(250.0, f"VIR {inv[0].name}", partner=c[0])
            | self._bank_line(500.0, f"FACTURES {inv[1].name} {inv[2].name}", partner=c[1])
            | self._bank_line(300.0, f"ACOMPTE {inv[3].name}", partner=c[2])
            | self._bank_line(1996.50, f"VIR {inv[4].name}", partner=c[3])
            | self._bank_line(100.0, f"PAYMENT {inv[5].name}", partner=c[4], foreign_currency_id=self.currency.id,
                              amount_currency=200.0)
            | self._bank_line(400.0, f"ACOMPTE 1 {inv[6].name}", partner=c[5])
            | self._bank_line(300.0, f"ACOMPTE 2 {inv[6].name}", partner=c[5])
            | self._bank_line(150.0, f"{inv[7].name}", partner=c[0])
        )
        proposals = self._match(st_lines, auto=False)
        self.assertEqual(len(proposals), len(st_lines))
        return inv, st_lines, proposals

    def _snapshot(self, invoices, st_lines, proposals):
        """What the application wrote, without the ids (two runs create
        different records): the bank entries' items and their
        reconciliations, the invoices' residuals, the proposals."""
        self.env.flush_all()
        self.env.invalidate_all()

        def item(line):
            return (line.account_id.code, line.partner_id.name, line.name, line.debit, line.credit,
                    line.amount_currency, line.currency_id.name, line.amount_residual,
                    line.amount_residual_currency, line.reconciled, bool(line.full_reconcile_id))

        def partials(line):
            return sorted(
                (partial.debit_move_id.move_id.name, partial.credit_move_id.move_id.name, partial.amount,
                 partial.debit_amount_currency, partial.credit_amount_currency)
                for partial in line.matched_debit_ids | line.matched_credit_ids)

        return {
            "bank": [sorted((item(line), partials(line)) for line in st_line.move_id.line_ids)
                     for st_line in st_lines],
            "bank_lines": [(st_line.is_reconciled, st_line.amount_residual) for st_line in st_lines],
            "invoices": [(move.amount_residual, move.payment_state,
                          sorted(item(line) for line in move.line_ids)) for move in invoices],
            "proposals": [(p.state, p.automatic, p.auto_failed, sorted(p.partial_ids.mapped("amount")))
                          for p in proposals],
        }

    def test_batch_writes_what_one_by_one_writes_and_undo_is_exact(self):
        invoices, st_lines, proposals = self._scenario()
        before = self._snapshot(invoices, st_lines, proposals)
        with self.env.cr.savepoint() as savepoint:
            for proposal in proposals:
                proposal.action_accept()
            one_by_one = self._snapshot(invoices, st_lines, proposals)
            savepoint.rollback()
        self.env.invalidate_all()
        self.assertEqual(self._snapshot(invoices, st_lines, proposals), before)
        plans = []
        reconcile_plan = type(self.env["account.move.line"])._reconcile_plan
        with patch.object(type(self.env["account.move.line"]), "_reconcile_plan", autospec=True,
                          side_effect=lambda lines, plan: plans.append(plan) or reconcile_plan(lines, plan)):
            proposals.action_accept()
        # one pass up to the second instalment of an invoice of the first;
        # Odoo's reconciliation gets what the bulk adapter leaves to it: the
        # other currency (the bank fees and the invoice already partly paid
        # are the adapter's)
        self.assertEqual([len(plan) for plan in plans], [1])
        batch = self._snapshot(invoices, st_lines, proposals)
        self.assertEqual(batch, one_by_one)
        self.assertEqual(proposals.mapped("state"), ["reconciled"] * 8)
        self.assertEqual(invoices.mapped("amount_residual"), [0.0, 0.0, 0.0, 700.0, 0.0, 0.0, 200.0, 0.0])
        self.assertEqual(st_lines[3].move_id.line_ids.filtered(lambda line: line.account_id == self.fees).balance,
                         3.50)
        self.assertEqual(st_lines[7].amount_residual, -50.0, "the rest of the overpayment stays on suspense")
        proposals.action_undo()
        after_undo = self._snapshot(invoices, st_lines, proposals)
        self.assertEqual(after_undo["bank"], before["bank"])
        self.assertEqual(after_undo["bank_lines"], before["bank_lines"])
        self.assertEqual(after_undo["invoices"], before["invoices"])
        self.assertEqual(proposals.mapped("state"), ["undone"] * 8)

    def test_automatic_batch_goes_on_without_what_cannot_be_applied(self):
        invoices, st_lines, proposals = self._scenario()
        confident = proposals.filtered(lambda p: p.confidence >= 90 and p.payer_confirmed)
        self.assertEqual(len(confident), 7, "all but the overpayment")
        # paid meanwhile, between the matching and the application
        self._pay(invoices[0])
        confident._credit_apply_automatically()
        stale = confident.filtered(lambda p: p.statement_line_id == st_lines[0])
        self.assertRecordValues(stale, [{"state": "proposed", "auto_failed": True}])
        self.assertIn("no longer has", stale.message_ids[0].body)
        self.assertEqual((confident - stale).mapped("state"), ["reconciled"] * 6)
        self.assertTrue(all((confident - stale).mapped("automatic")))
        self.assertIn("Reconciled automatically", (confident - stale)[0].message_ids[0].body)

    def test_refused_batch_is_retried_proposal_by_proposal(self):
        _invoices, st_lines, proposals = self._scenario()
        confident = proposals.filtered(lambda p: p.confidence >= 90 and p.payer_confirmed)
        apply = type(self.Proposal)._credit_apply
        refusal = "refused by Odoo's reconciliation"

        def refuse_the_first_line(batch):
            if st_lines[0] in batch.statement_line_id:
                raise UserError(refusal)
            return apply(batch)

        with patch.object(type(self.Proposal), "_credit_apply", autospec=True, side_effect=refuse_the_first_line):
            confident._credit_apply_automatically()
        refused = confident.filtered(lambda p: p.statement_line_id == st_lines[0])
        self.assertRecordValues(refused, [{"state": "proposed", "auto_failed": True}])
        self.assertFalse(st_lines[0].is_reconciled)
        self.assertEqual((confident - refused).mapped("state"), ["reconciled"] * 6)

    def test_queries_per_applied_match_do_not_grow(self):
        customers = self.env["res.partner"].create([{"name": f"Payeur {i}", "is_company": True} for i in range(60)])
        invoices = self._create_invoices([
            {"partner": customer, "amount": 100.0 + i, "due": date(2026, 1, 31)} for i, customer in enumerate(customers)
        ])
        st_lines = self.env["account.bank.statement.line"].create([{
            "journal_id": self.bank_journal.id, "date": date(2026, 2, 10), "payment_ref": f"VIR {invoice.name}",
            "amount": invoice.amount_total, "partner_id": invoice.partner_id.id,
        } for invoice in invoices])
        proposals = self._match(st_lines, auto=False)
        self.assertEqual(len(proposals), 60)
        # as the cron applies them: with the chatter's tracking
        proposals = proposals.with_context(tracking_disable=False)

        def count(batch):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            batch._credit_apply_automatically()
            self.env.flush_all()
            self.assertEqual(batch.mapped("state"), ["reconciled"] * len(batch))
            return self.env.cr.sql_log_count - before

        count(proposals[:1])
        small, large = count(proposals[1:11]), count(proposals[11:60])
        per_match = (large - small) / 39
        self.assertLessEqual(per_match, 15, f"{small} queries for 10 matches, {large} for 49")
        self.assertEqual(invoices.mapped("amount_residual"), [0.0] * 60)
