from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import ScenarioCommon


@tagged("post_install", "-at_install")
class TestQueryCount(ScenarioCommon):
    """The daily run is set-based: the queries to plan the reminders of 100
    invoices and queue their e-mails are not ten times those of 10 (the mail
    queue composes and sends them afterwards)."""

    def _queries_for(self, count, tag):
        customers = self.env["res.partner"].create([
            {"name": f"Client {tag} {i:03d}", "is_company": True, "email": f"c{tag}{i}@example.fr"}
            for i in range(count)
        ])
        self._create_invoices([
            {"partner": customer, "amount": 100.0 + i, "due": date(2026, 3, 1)} for i, customer in enumerate(customers)
        ])
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        with freeze_time(date(2026, 3, 10)):
            run = self.env["credit.control.scenario.run"]._credit_run(companies=self.company)
        self.env.flush_all()
        count_queries = self.env.cr.sql_log_count - before
        self.assertEqual(run.sent_count, count)
        return count_queries

    def test_engine_queries_do_not_grow_with_invoices(self):
        self._queries_for(1, "warm")  # caches that are not per record
        small = self._queries_for(10, "small")
        large = self._queries_for(100, "large")
        self.assertLessEqual(large - small, 15, f"10 invoices: {small} queries, 100 invoices: {large}")
        self.assertLess(large, 100)
