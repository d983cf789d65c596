import logging

from freezegun import freeze_time

from odoo.tests import tagged

from .cash_labelled import CLASSES, LabelledStatement, automatic_rate, evaluate, format_table, run_matching
from .test_cash_matching import CashCommon

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
@freeze_time("2026-02-15")
class TestCashLabelled(CashCommon):
    """The labelled French statement of ``cash_labelled`` (a small seed):
    not one wrong automatic reconciliation, and most of what can be matched
    matched alone. The benchmark ``setup/bench/run cash_labelled`` runs
    larger seeds."""

    def test_labelled_statement(self):
        cases = LabelledStatement(self.env, self.company, self.bank_journal, seed=24, customers=14, lines=70).build()
        drawn = {case["cls"] for case in cases}
        self.assertFalse(set(CLASSES) - {"twin_stale"} - drawn, "every class of line is in the statement")
        run_matching(self.env, self.company, cases)
        table, wrong = evaluate(self.env, cases)
        _logger.info("Labelled cash application, seed 24:\n%s", format_table(table))
        self.assertEqual(wrong, [], "no wrong automatic reconciliation")
        for cls, row in table.items():
            with self.subTest(cls=cls):
                self.assertEqual(row["auto_wrong"], 0)
        self.assertGreaterEqual(automatic_rate(table), 0.85, format_table(table))
