from unittest import SkipTest

from freezegun import freeze_time

from odoo.modules.registry import Registry
from odoo.tests import Form, tagged
from odoo.tests.common import get_db_name

from .common import StatementImportCommon

RECONCILE_VIEW = "account_reconcile_oca.bank_statement_line_form_reconcile_view"


@tagged("post_install", "-at_install")
class TestReconcileOcaWidget(StatementImportCommon):
    """Cash application beside OCA's reconciliation widget
    (``account_reconcile_oca``), through the widget's own methods: a line
    reconciled there closes our proposal, a line we reconciled shows
    reconciled there, and an undo from either side leaves both consistent.

    Runs where ``account_reconcile_oca`` is installed beside the suite (the
    coexistence suite, ``tests/test_oca_coexistence.py``); skipped elsewhere.
    The same behaviour without OCA: credit_control_base's TestCashElsewhere."""

    @classmethod
    def setUpClass(cls):
        # cheap check before the accounting fixture is built
        if "account.account.reconcile" not in Registry(get_db_name()):
            raise SkipTest("OCA's account_reconcile_oca is not installed (the coexistence suite installs it)")
        # frozen only once the test runs (a skipped class has no tearDownClass)
        cls.startClassPatcher(freeze_time("2026-02-11"))
        super().setUpClass()
        # accepting and undoing take the explicit right
        cls.env.user.groups_id |= cls.env.ref("credit_control_base.group_credit_control_cash_application")

    def setUp(self):
        super().setUp()
        self._import(self._camt())
        self.lines = self._st_lines().sorted("sequence")
        self.Proposal = self.env["credit.control.cash.proposal"]

    def _proposal(self, st_line):
        return self.Proposal.search([("statement_line_id", "=", st_line.id)], order="id desc", limit=1)

    def _receivable(self, invoice):
        return invoice.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")

    def _reconcile_in_widget(self, st_line, invoice):
        """What the accountant does in OCA's widget: discard what the widget
        suggests (its own matching rules), add the invoice's item to the
        line, then Reconcile."""
        st_line.reconcile_data_info = st_line._default_reconcile_data(from_unreconcile=True)
        with Form(st_line, view=RECONCILE_VIEW) as form:
            form.add_account_move_line_id = self._receivable(invoice)
            self.assertTrue(form.can_reconcile)
        st_line.reconcile_bank_line()
        self.assertTrue(st_line.is_reconciled)

    def _kinds(self, st_line):
        st_line.invalidate_recordset(["reconcile_data_info"])
        return sorted(line["kind"] for line in st_line.reconcile_data_info["data"])

    def test_reconciled_in_oca_widget_closes_our_proposal(self):
        """The transfer of 300 waits for review (two invoices of 300); the
        accountant reconciles it in OCA's widget: our proposal is closed with
        the reason and never applied on top."""
        st_line = self.lines[4]
        proposal = self._proposal(st_line)
        self.assertEqual(proposal.state, "proposed")
        self._reconcile_in_widget(st_line, self.invoices[6])
        self.assertRecordValues(proposal, [{"state": "cancelled", "close_reason": "reconciled_elsewhere"}])
        proposal.action_accept()
        self.assertEqual(self.invoices[5:].mapped("payment_state"), ["not_paid", "paid"])
        self.assertEqual(len(self._receivable(self.invoices[6]).matched_credit_ids), 1)
        self.assertFalse(self.env["credit.control.cash.matcher"]._credit_run(statement_lines=st_line))

    def test_our_reconciliation_shows_in_oca_widget(self):
        """A line we reconciled is reconciled in OCA's widget: no suspense
        line, the invoice's item as its counterpart, nothing to reconcile."""
        st_line = self.lines[0]
        proposal = self._proposal(st_line)
        self.assertEqual(proposal.state, "reconciled")
        self.assertTrue(st_line.is_reconciled)
        data = st_line.reconcile_data_info["data"]
        self.assertEqual(self._kinds(st_line), ["liquidity", "other"])
        counterpart = [line for line in data if line["kind"] == "other"]
        self.assertEqual([line["id"] for line in counterpart], self._receivable(self.invoices[0]).ids)
        self.assertAlmostEqual(sum(line["amount"] for line in data), 0.0)

    def test_undone_in_oca_widget(self):
        """A line we reconciled, unreconciled in OCA's widget: our proposal
        is undone with the reason, the invoice open again, no partial left;
        matched again, the line waits for review."""
        st_line = self.lines[0]
        proposal = self._proposal(st_line)
        partials = proposal.partial_ids
        st_line.unreconcile_bank_line()
        self.assertFalse(st_line.is_reconciled)
        self.assertFalse(partials.exists())
        self.assertRecordValues(proposal, [{"state": "undone", "close_reason": "undone_elsewhere"}])
        self.assertEqual(self.invoices[0].payment_state, "not_paid")
        again = self.env["credit.control.cash.matcher"]._credit_run(statement_lines=st_line)
        self.assertRecordValues(again, [{"state": "proposed"}])

    def test_undone_by_us_then_reconciled_in_oca_widget(self):
        """Our undo puts the line back on the suspense account, as OCA's
        widget shows it; reconciled there afterwards, the undone proposal
        stays undone and the invoice is paid once."""
        st_line = self.lines[0]
        proposal = self._proposal(st_line)
        proposal.action_undo()
        self.assertFalse(st_line.is_reconciled)
        # the widget shows the line to reconcile: its bank amount, and at
        # most its own suggestion of an open item, nothing of what was undone
        self.assertIn(self._kinds(st_line), (["liquidity", "suspense"], ["liquidity", "other"]))
        for line in st_line.reconcile_data_info["data"]:
            if line["kind"] == "other":
                self.assertEqual(line["counterpart_line_ids"], self._receivable(self.invoices[0]).ids)
        self.assertFalse(st_line.move_id.line_ids.filtered(
            lambda line: line.account_id == self._receivable(self.invoices[0]).account_id))
        self._reconcile_in_widget(st_line, self.invoices[0])
        self.assertRecordValues(proposal, [{"state": "undone", "close_reason": False}])
        self.assertEqual(self.invoices[0].payment_state, "paid")
        self.assertEqual(len(self._receivable(self.invoices[0]).matched_credit_ids), 1)

    def test_reconciled_then_undone_in_oca_widget(self):
        """Reconciled in OCA's widget with another invoice, then undone
        there: our proposal is to review again."""
        st_line = self.lines[4]
        proposal = self._proposal(st_line)
        self._reconcile_in_widget(st_line, self.invoices[6])
        st_line.unreconcile_bank_line()
        self.assertFalse(st_line.is_reconciled)
        self.assertRecordValues(proposal, [{"state": "proposed", "close_reason": False}])
        self.assertEqual(self.invoices[5:].mapped("payment_state"), ["not_paid", "not_paid"])
