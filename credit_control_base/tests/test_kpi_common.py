from datetime import date

from odoo import Command

from .common import CreditControlCommon


class CreditControlKpiCommon(CreditControlCommon):
    """A small ledger whose KPIs are computed by hand (today 2026-05-15,
    buckets 30/60/90/120 days, no tax, company currency unless said):

    ====  ========  ========  ==========  =====  =============================
    who   document  date      due         amount  payments
    ====  ========  ========  ==========  =====  =============================
    A     inv1      01-10     02-09       1000   400 on 03-01 (partial)
    A     inv2      04-01     05-01       2000
    A     refund    04-20     04-20       -300   not reconciled
    B     inv3      02-01     03-03       5000   5000 on 04-10 (late, full)
    B     inv4      05-10     06-09        800   B in insolvency proceedings
    C     inv5      03-15     03-15       1000 EUR = 500 at rate 2, segment Public
    ====  ========  ========  ==========  =====  =============================
    """

    TODAY = date(2026, 5, 15)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR", rates=[("2026-01-01", 2.0)])
        cls.customer_a = cls._create_customer("Alpha Bâtiment")
        cls.customer_b = cls._create_customer("Bravo Transports")
        cls.customer_c = cls._create_customer("Charlie Mairie")
        a, b, c = cls.customer_a, cls.customer_b, cls.customer_c
        (cls.inv1, cls.inv2, cls.refund, cls.inv3, cls.inv4, cls.inv5) = cls._create_invoices([
            {"partner": a, "amount": 1000.0, "date": date(2026, 1, 10), "due": date(2026, 2, 9)},
            {"partner": a, "amount": 2000.0, "date": date(2026, 4, 1), "due": date(2026, 5, 1)},
            {"partner": a, "amount": 300.0, "date": date(2026, 4, 20), "due": date(2026, 4, 20),
             "move_type": "out_refund"},
            {"partner": b, "amount": 5000.0, "date": date(2026, 2, 1), "due": date(2026, 3, 3)},
            {"partner": b, "amount": 800.0, "date": date(2026, 5, 10), "due": date(2026, 6, 9)},
            {"partner": c, "amount": 1000.0, "date": date(2026, 3, 15), "due": date(2026, 3, 15),
             "currency": cls.eur},
        ])
        cls._pay(cls.inv1, amount=400.0, payment_date=date(2026, 3, 1))
        cls._pay(cls.inv3, payment_date=date(2026, 4, 10))
        cls.public = cls.env["credit.control.segment"].create({"name": "Public", "rule_domain": "[('id', '=', 0)]"})
        cls.dossier_a = cls._dossier_of(a)
        cls.dossier_b = cls._dossier_of(b)
        cls.dossier_c = cls._dossier_of(c)
        cls.dossier_a.collector_id = cls.collector_a
        cls.dossier_c.segment_id = cls.public
        cls.dossier_b.insolvent = True

    @classmethod
    def _dossier_of(cls, partner):
        return cls.env["credit.control.dossier"].search([
            ("partner_id", "=", partner.id), ("company_id", "=", cls.company.id),
        ])

    def _post_item_without_customer(self):
        """An overdue receivable item of 90 without a customer: owed, but no
        late customer."""
        self.env["account.move"].create({
            "move_type": "entry", "date": date(2026, 2, 1), "line_ids": [
                Command.create({"account_id": self.company_data["default_account_receivable"].id, "debit": 90.0,
                                "date_maturity": date(2026, 3, 1)}),
                Command.create({"account_id": self.company_data["default_account_revenue"].id, "credit": 90.0}),
            ],
        }).action_post()

    def _report(self, as_of=None):
        report = self.env["credit.control.aged.balance"].with_company(self.company)
        if as_of:
            report = report.with_context(credit_as_of=as_of.isoformat())
        return report

    def _open_item_rows(self, query):
        """The rows of ``query`` (``_kpi_open_items_query``) as dicts sorted
        by id, without their share excluding taxes: only the items read from
        today's open items carry it, those read from the ledger leave it
        null (the provisions look it up), so two ways of reading the same
        date differ there alone (``test_provision_base_excludes_taxes``
        checks the share)."""
        rows = self.env.execute_query_dict(query)
        for row in rows:
            del row["untaxed_share"]
        return sorted(rows, key=lambda row: row["id"])

    def _summary(self, as_of=None, group_by="company", **kwargs):
        return self.env["credit.control.kpi"]._kpi_summary(
            as_of or self.TODAY, self.company.ids, group_by, **kwargs
        )
