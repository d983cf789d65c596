from datetime import date

from odoo import sql_db
from odoo.tests import tagged

from .common import CreditPortalCommon


@tagged("post_install", "-at_install")
class TestStatementQueries(CreditPortalCommon):
    """The statement costs the same number of queries for 2 invoices as for
    42: nothing is read invoice by invoice (500 invoices: setup/bench/run
    portal)."""

    def _page_queries(self, url):
        self.url_open(url)  # templates and assets compiled once
        before = sql_db.sql_counter
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return sql_db.sql_counter - before, response.text

    def test_statement_queries_do_not_grow_with_invoices(self):
        url = self._statement_url()
        self.Promise._credit_create_promise(self.dossier, self.invoice_1, date.today())
        self.Dispute._credit_create_dispute(self.dossier, self.invoice_2, "quality")
        few, _page = self._page_queries(url)
        more = self._create_invoices([
            {"partner": self.customer, "amount": 100.0 + n, "date": date(2026, 2, 1), "due": date(2026, 3, n % 28 + 1)}
            for n in range(40)
        ])
        self.Promise._credit_create_promise(self.dossier, more[:5], date.today())
        self.Dispute._credit_create_dispute(self.dossier, more[5:10], "quality")
        many, page = self._page_queries(url)
        self.assertIn(more[-1].name, page)
        self.assertEqual(many, few, f"{few} queries for 2 invoices, {many} for 42")
