"""Cash application beside other reconciliation tools (issue 22): a bank
line reconciled, or unreconciled, outside Cash Application (Odoo's own
undo, a manual entry, OCA's widget: see credit_control_statement_import's
TestReconcileOcaWidget) takes its proposals with it."""
from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .test_cash_matching import CashCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-02-15")
class TestCashElsewhere(CashCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Boulangerie Martin")
        cls.expense_account = cls.company_data["default_account_expense"]

    def setUp(self):
        super().setUp()
        self.invoice = self._create_invoice(self.customer, 640.0, due=date(2026, 1, 31))
        self.receivable = self.invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable")

    def _notes(self, proposal):
        return " ".join(proposal.message_ids.mapped("body"))

    def _proposal(self, st_line):
        return self.Proposal.search([("statement_line_id", "=", st_line.id)], order="id desc", limit=1)

    def _to_review(self):
        """A bank line whose proposal waits for review (unknown payer)."""
        st_line = self._bank_line(640.0, f"VIR SEPA RECU /MOTIF {self.invoice.name}")
        self._match(st_line)
        self.assertEqual(self._proposal(st_line).state, "proposed")
        return st_line

    def _reconciled_by_us(self):
        st_line = self._bank_line(640.0, f"VIR SEPA RECU /MOTIF {self.invoice.name}", partner=self.customer)
        self._match(st_line)
        self.assertEqual(self._proposal(st_line).state, "reconciled")
        return st_line

    def _reconcile_by_hand(self, st_line, account, reconcile_with=None):
        """What an accountant (or any reconciliation tool) does without Cash
        Application: the suspense item of the bank line replaced by a
        counterpart on ``account``, reconciled with ``reconcile_with``."""
        _liquidity, suspense, _other = st_line._seek_for_lines()
        st_line.move_id.with_context(skip_readonly_check=True, force_delete=True).write({"line_ids": [
            Command.delete(suspense.id),
            Command.create({
                "name": st_line.payment_ref, "account_id": account.id, "partner_id": self.customer.id,
                "balance": suspense.balance, "amount_currency": suspense.amount_currency,
                "currency_id": suspense.currency_id.id,
            }),
        ]})
        if reconcile_with:
            counterpart = st_line.move_id.line_ids.filtered(lambda line: line.account_id == account)
            (counterpart | reconcile_with).reconcile()
        self.assertTrue(st_line.is_reconciled)

    def test_reconciled_by_hand_closes_the_proposal(self):
        """The line is reconciled with the invoice outside Cash Application:
        its proposal is closed with the reason, and never applied twice."""
        st_line = self._to_review()
        proposal = self._proposal(st_line)
        self._reconcile_by_hand(st_line, self.receivable.account_id, reconcile_with=self.receivable)
        self.assertRecordValues(proposal, [{"state": "cancelled", "close_reason": "reconciled_elsewhere"}])
        self.assertIn("reconciled elsewhere", self._notes(proposal))
        self.assertIn("reconciled elsewhere", proposal.explanation)
        proposal.action_accept()
        self.assertEqual(proposal.state, "cancelled")
        self.assertEqual(len(self.receivable.matched_credit_ids), 1, "the invoice is paid once")
        self.assertFalse(self._match(st_line), "nothing to match on a reconciled line")

    def test_written_off_by_hand_closes_the_proposal(self):
        """Reconciled without any partial reconciliation (booked on an
        expense account): closed as well."""
        st_line = self._to_review()
        self._reconcile_by_hand(st_line, self.expense_account)
        self.assertRecordValues(self._proposal(st_line), [{"state": "cancelled",
                                                           "close_reason": "reconciled_elsewhere"}])
        self.assertEqual(self.invoice.payment_state, "not_paid")

    def test_undone_elsewhere_the_closed_proposal_is_to_review_again(self):
        """The reconciliation made elsewhere is undone (Odoo's undo): the
        proposal closed with it is to review again, its invoice still open."""
        st_line = self._to_review()
        proposal = self._proposal(st_line)
        self._reconcile_by_hand(st_line, self.expense_account)
        st_line.action_undo_reconciliation()
        self.assertFalse(st_line.is_reconciled)
        self.assertRecordValues(proposal, [{"state": "proposed", "close_reason": False}])
        self.assertIn("undone elsewhere", self._notes(proposal))
        proposal.action_accept()
        self.assertEqual(proposal.state, "reconciled")
        self.assertEqual(self.invoice.payment_state, "paid")

    def test_reconciled_elsewhere_with_its_invoice_then_undone(self):
        """Undone after a reconciliation that paid the proposal's invoice
        elsewhere: the invoice is open again, so is the proposal."""
        st_line = self._to_review()
        proposal = self._proposal(st_line)
        self._reconcile_by_hand(st_line, self.receivable.account_id, reconcile_with=self.receivable)
        self.assertEqual(self.invoice.payment_state, "paid")
        st_line.action_undo_reconciliation()
        self.assertEqual(self.invoice.payment_state, "not_paid")
        self.assertRecordValues(proposal, [{"state": "proposed", "close_reason": False}])

    def test_our_reconciliation_undone_by_odoo(self):
        """A line Cash Application reconciled, undone with Odoo's own undo:
        the proposal is undone with the reason, no partial left, and the
        line waits for review when matched again."""
        st_line = self._reconciled_by_us()
        proposal = self._proposal(st_line)
        self.assertTrue(st_line.is_reconciled)
        partials = proposal.partial_ids
        st_line.action_undo_reconciliation()
        self.assertFalse(st_line.is_reconciled)
        self.assertFalse(partials.exists())
        self.assertRecordValues(proposal, [{"state": "undone", "close_reason": "undone_elsewhere"}])
        self.assertFalse(proposal.partial_ids)
        self.assertIn("Undone elsewhere", self._notes(proposal))
        self.assertEqual(self.invoice.payment_state, "not_paid")
        again = self._match(st_line)
        self.assertRecordValues(again, [{"state": "proposed"}])
        self.assertIn("Undone before", again.explanation)

    def test_our_reconciliation_unreconciled_from_the_invoice(self):
        """The reconciliation removed from the invoice's side (its payment
        widget, OCA's unreconcile of journal items): the proposal does not
        claim a reconciliation that is gone."""
        st_line = self._reconciled_by_us()
        proposal = self._proposal(st_line)
        self.receivable.remove_move_reconcile()
        self.assertRecordValues(proposal, [{"state": "undone", "close_reason": "undone_elsewhere"}])
        self.assertFalse(proposal.partial_ids)
        self.assertEqual(self.invoice.payment_state, "not_paid")

    def test_our_own_apply_and_undo_are_not_elsewhere(self):
        st_line = self._to_review()
        proposal = self._proposal(st_line)
        proposal.action_accept()
        self.assertRecordValues(proposal, [{"state": "reconciled", "close_reason": False}])
        self.assertTrue(st_line.is_reconciled)
        proposal.action_undo()
        self.assertRecordValues(proposal, [{"state": "undone", "close_reason": False}])
        self.assertFalse(st_line.is_reconciled)

    def test_several_lines_at_once(self):
        """One undo of many lines: each proposal follows its own line."""
        invoices = self._create_invoices([
            {"partner": self.customer, "amount": 100.0 + i, "due": date(2026, 1, 31)} for i in range(3)
        ])
        st_lines = self.env["account.bank.statement.line"]
        for invoice in invoices:
            st_lines |= self._bank_line(invoice.amount_total, f"VIR {invoice.name}", partner=self.customer)
        proposals = self._match(st_lines)
        self.assertEqual(proposals.mapped("state"), ["reconciled"] * 3)
        st_lines.action_undo_reconciliation()
        self.assertEqual(proposals.mapped("close_reason"), ["undone_elsewhere"] * 3)
        self.assertEqual(invoices.mapped("payment_state"), ["not_paid"] * 3)
