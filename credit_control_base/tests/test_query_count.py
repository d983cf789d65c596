from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import CreditControlCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestQueryCount(CreditControlCommon):
    """Overdue state and exposure are computed set-based: reading them for
    100 records costs the same number of queries as for 10."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customers = cls.env["res.partner"].create([{"name": f"Client {i:03d}", "is_company": True} for i in range(100)])
        cls.invoices = cls._create_invoices([
            {"partner": customer, "amount": 100.0 + i, "due": date(2026, 1, 1 + i % 28)}
            for i, customer in enumerate(customers)
        ])
        cls.dossiers = cls.env["credit.control.dossier"].search([("partner_id", "in", customers.ids)])
        cls.company.account_use_credit_limit = True

    def _compare_query_counts(self, records, fnames):
        """Return the queries to read ``fnames`` on 10 and on 100 records,
        after a first read that fills the caches that are not per record
        (access rules, currencies...)."""
        self._count_queries(records[-1:], fnames)
        return self._count_queries(records[:10], fnames), self._count_queries(records[:100], fnames)

    def _count_queries(self, records, fnames):
        self.env.invalidate_all()
        records = records.browse(records.ids)
        before = self.env.cr.sql_log_count
        for record in records:
            # read field by field, record by record, as a list view would
            for fname in fnames:
                _value = record[fname]
        return self.env.cr.sql_log_count - before

    def test_dossier_amounts_and_exposure(self):
        fnames = ["open_amount", "overdue_amount", "max_days_overdue", "amount_31_60", "exposure",
                  "limit_breached", "credit_limit", "dunning_contact_id"]
        self.assertEqual(len(self.dossiers), 100)
        small, large = self._compare_query_counts(self.dossiers, fnames)
        self.assertEqual(small, large)
        self.assertLess(large, 25)

    def test_invoice_overdue_state(self):
        fnames = ["credit_days_overdue", "credit_aging_bucket", "credit_overdue_residual", "credit_excluded",
                  "credit_collector_id"]
        small, large = self._compare_query_counts(self.invoices, fnames)
        self.assertEqual(small, large)
        self.assertLess(large, 25)
        self.assertTrue(all(self.invoices.mapped("credit_is_overdue")))
