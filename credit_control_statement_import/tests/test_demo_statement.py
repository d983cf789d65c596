from datetime import date

from odoo.tests import TransactionCase, tagged

from odoo.addons.credit_control_base.tests.sample_data import load_sample, skip_without_sample

sample = load_sample()  # setup/sample/ of the checkout, None elsewhere


@skip_without_sample(sample)
@tagged("post_install", "-at_install")
class TestDemoStatement(TransactionCase):
    def test_demo_imports_todays_camt053(self):
        """The demo's generator writes today's CAMT.053 of the main
        company's bank and imports it: Cash Application shows what was
        matched automatically and what waits for review."""
        today = date(2025, 6, 30)
        # customers enough for a day of receipts beside those reminded last night
        counts = sample.generate(self.env, customers=36, invoices=220, seed=5, today=today, receipts=True)
        statement = self.env["account.bank.statement"].search([("name", "=", "2025063000001")])
        self.assertEqual(len(statement.line_ids), counts["statement_lines"])
        self.assertEqual(statement.attachment_ids.mapped("name"), ["camt053_20250630.xml"])
        self.assertGreaterEqual(counts["statement_lines"], 6)
        self.assertGreaterEqual(counts["receipts_matched"], 1)
        self.assertGreaterEqual(counts["receipts_to_review"], 1, "paid more than the invoice quoted")
        proposals = self.env["credit.control.cash.proposal"].search([
            ("statement_line_id", "in", statement.line_ids.ids)])
        self.assertEqual(len(proposals), counts["receipts_matched"] + counts["receipts_to_review"])
        self.assertTrue(statement.line_ids.filtered(lambda line: line.partner_name == "SCI LES TILLEULS"),
                        "an unknown payer")
