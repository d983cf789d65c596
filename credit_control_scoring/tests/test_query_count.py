from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.credit_control_base.tests.common import CreditControlCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestScoringQueryCount(CreditControlCommon):
    """The recompute is set-based: scoring 100 dossiers costs the same
    number of queries as scoring 10."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customers = cls.env["res.partner"].create([{"name": f"Client {i:03d}", "is_company": True} for i in range(100)])
        invoices = cls._create_invoices([
            {"partner": customer, "amount": 100.0 + i, "date": date(2026, 1, 1), "due": date(2026, 1, 1 + i % 28)}
            for i, customer in enumerate(customers)
        ])
        cls._pay(invoices[::2], payment_date=date(2026, 2, 10))
        cls.dossiers = cls.env["credit.control.dossier"].search([("partner_id", "in", customers.ids)])

    def _count(self, dossiers):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        dossiers._credit_recompute_scores()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_recompute_query_count(self):
        self.assertEqual(len(self.dossiers), 100)
        self._count(self.dossiers[-1:])
        small = self._count(self.dossiers[:10])
        large = self._count(self.dossiers)
        self.assertEqual(small, large)
        self.assertLess(large, 60)
