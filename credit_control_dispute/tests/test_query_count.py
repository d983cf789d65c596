from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import CreditDisputeCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-03-01")
class TestQueryCount(CreditDisputeCommon):
    """Exclusions, forecast and behaviour facts are set-based: 100 invoices
    or dossiers cost the same number of queries as 10."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customers = cls.env["res.partner"].create([{"name": f"Client {i:03d}", "is_company": True} for i in range(100)])
        cls.many_invoices = cls._create_invoices([
            {"partner": customer, "amount": 100.0 + i, "date": date(2026, 1, 1), "due": date(2026, 1, 1 + i % 28)}
            for i, customer in enumerate(customers)
        ])
        cls.dossiers = cls.env["credit.control.dossier"].search([("partner_id", "in", customers.ids)])
        by_partner = {d.partner_id: d for d in cls.dossiers}
        disputes, promises = [], []
        for i, invoice in enumerate(cls.many_invoices):
            values = {"dossier_id": by_partner[invoice.partner_id].id, "move_ids": [(6, 0, invoice.ids)]}
            if i % 3 == 0:
                disputes.append({**values, "reason_id": cls.reason_quality.id})
            elif i % 3 == 1:
                promises.append({**values, "date": date(2026, 3, 10)})
        cls.env["credit.control.dispute"].create(disputes)
        cls.env["credit.control.promise"].create(promises)

    def _count(self, records, reader):
        self.env.invalidate_all()
        records = records.browse(records.ids)
        before = self.env.cr.sql_log_count
        reader(records)
        return self.env.cr.sql_log_count - before

    def _compare(self, records, reader):
        self._count(records[-1:], reader)
        return self._count(records[:10], reader), self._count(records, reader)

    def test_exclusion_of_invoices(self):
        def read(invoices):
            for invoice in invoices:
                _value = invoice.credit_excluded, invoice.credit_exclusion_reason

        small, large = self._compare(self.many_invoices, read)
        self.assertEqual(small, large)
        self.assertLess(large, 15)
        reasons = self.many_invoices.mapped("credit_exclusion_reason")
        self.assertEqual(reasons.count("In dispute"), 34)
        self.assertEqual(reasons.count("Payment promised"), 33)

    def test_behaviour_facts_and_forecast(self):
        small, large = self._compare(self.dossiers, lambda dossiers: dossiers._credit_get_behaviour_facts())
        self.assertEqual(small, large)
        self.assertLessEqual(large, 4)
        Move = self.env["account.move"]
        small, large = self._compare(self.many_invoices, Move._credit_forecast_overrides)
        self.assertEqual(small, large)
