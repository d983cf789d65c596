from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL

from ..models import credit_control_kpi_kept
from .test_kpi_common import CreditControlKpiCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestKpiKept(CreditControlKpiCommon):
    """Each customer's figures kept for the day by the nightly refresh
    (``credit.control.kpi.kept``): the summaries per customer read from
    them are those read from the ledger, however the ledger changed since
    they were kept. The customers changed since are read from the ledger,
    the others from the kept rows; another date or DSO period, several
    companies or a rebuilt KPI table read the ledger alone."""

    def setUp(self):
        super().setUp()
        self.Kept = self.env["credit.control.kpi.kept"]
        self.Kept._kpi_keep(self.company, self.TODAY)

    def _ledger(self, as_of=None, period=None):
        """The summaries per customer read from the ledger alone."""
        return self.env["credit.control.kpi"].with_context(credit_kpi_direct=True)._kpi_summary(
            as_of or self.TODAY, self.company.ids, "partner", period,
        )

    def _assert_is_ledger(self, label):
        self.assertEqual(self._summary(group_by="partner"), self._ledger(), label)
        Kpi = self.env["credit.control.kpi"]
        Direct = Kpi.with_context(credit_kpi_direct=True)
        # the dashboard's total and each breakdown, with its filters
        for group_bys, filters in (
                (["company", "partner"], None),
                (["company", "segment"], None),
                (["company", "collector"], {"segment_id": 0}),
                (["segment", "partner"], {"collector_id": self.collector_a.id}),
                (["partner"], {"segment_id": self.public.id}),
        ):
            self.assertEqual(
                Kpi._kpi_summaries(self.TODAY, self.company.ids, group_bys, filters=filters),
                Direct._kpi_summaries(self.TODAY, self.company.ids, group_bys, filters=filters),
                f"{label}: {group_bys} {filters}",
            )
        # the late dossiers of the dashboard's getting-started steps
        dashboard = self.env["credit.control.kpi.dashboard"].create({})
        company = [("company_id", "=", self.company.id)]
        self.assertEqual(
            dashboard._credit_late_dossiers(company),
            dashboard.with_context(credit_kpi_direct=True)._credit_late_dossiers(company),
            f"{label}: late dossiers",
        )

    def _stale(self):
        self.env.flush_all()
        self.env["credit.control.kpi"]._kpi_flush()
        rows = self.env.execute_query(SQL(
            "SELECT DISTINCT partner_id FROM credit_control_kpi_kept_stale WHERE company_id = %s", self.company.id,
        ))
        return {partner_id for partner_id, in rows}

    def _alter_kept(self, partners, amount=1):
        """Add ``amount`` to the kept outstanding amount of ``partners``:
        what shows it is read from the kept rows."""
        self.env.cr.execute(SQL(
            "UPDATE credit_control_kpi_kept_customer SET outstanding = outstanding + %s WHERE partner_id = ANY(%s)",
            amount, partners.ids,
        ))

    def test_fixture(self):
        """Kept as of today for the company's DSO period, nothing stale:
        the figures of the ledger (A owes 600 + 2000 - 300, B 800, C 500)."""
        self.assertTrue(self.Kept._kpi_is_kept(self.company.id, self.TODAY, self.company.credit_dso_period))
        self.assertEqual(self._stale(), set())
        self._assert_is_ledger("fixture")
        summary = self._summary(group_by="partner")
        self.assertEqual(
            [summary[customer.id]["outstanding"] for customer in (self.customer_a, self.customer_b, self.customer_c)],
            [2300.0, 800.0, 500.0],
        )
        self.assertEqual(summary[self.customer_a.id]["sales_period"], 1700.0)

    def test_kept_rows_read_until_changed(self):
        """A and B read from the kept rows; once A is paid 500, A from the
        ledger again, B still from its kept row."""
        self._alter_kept(self.customer_a | self.customer_b)
        summary = self._summary(group_by="partner")
        self.assertEqual((summary[self.customer_a.id]["outstanding"], summary[self.customer_b.id]["outstanding"]),
                         (2301.0, 801.0))
        with_total = self.env["credit.control.kpi"]._kpi_summaries(self.TODAY, self.company.ids, ["company", "partner"])
        self.assertEqual(with_total["partner"], summary)
        # the total sums the kept rows too
        self.assertEqual(with_total["company"][self.company.id]["outstanding"], 3602.0)
        self._pay(self.inv2, amount=500.0, payment_date=self.TODAY)
        self.assertEqual(self._stale(), {self.customer_a.id})
        summary = self._summary(group_by="partner")
        self.assertEqual((summary[self.customer_a.id]["outstanding"], summary[self.customer_b.id]["outstanding"]),
                         (1800.0, 801.0))

    def test_kept_dso_read_until_changed(self):
        """Per customer, the credit sales of the period and the count-back
        DSO are read as they were kept; once B is paid, B's are walked from
        the ledger again."""
        ledger = self._ledger()
        self.env.cr.execute(SQL(
            "UPDATE credit_control_kpi_kept_customer SET sales_period = 1234, dso_countback = 42 "
            "WHERE partner_id = %s", self.customer_b.id,
        ))
        summary = self._summary(group_by="partner")
        self.assertEqual(
            (summary[self.customer_b.id]["sales_period"], summary[self.customer_b.id]["dso_countback"]), (1234.0, 42.0),
        )
        self.assertEqual(summary[self.customer_a.id], ledger[self.customer_a.id])
        self._pay(self.inv4, amount=100.0, payment_date=self.TODAY)
        self._assert_is_ledger("B paid 100")

    def test_period_longer_than_the_months_walked(self):
        """A DSO period longer than the 24 months walked back: the kept
        credit sales of the period count the months beyond, as the ledger
        does (B's invoice of April 2024, 25 months back, within 800 days)."""
        self.company.credit_dso_period = 800
        self._create_invoices([
            {"partner": self.customer_b, "amount": 300.0, "date": date(2024, 4, 1), "due": date(2024, 5, 1)},
        ])
        self.Kept._kpi_keep(self.company, self.TODAY)
        self.assertTrue(self.Kept._kpi_is_kept(self.company.id, self.TODAY, 800))
        self.assertEqual(self._stale(), set())
        self._assert_is_ledger("period of 800 days")
        before = self.env["credit.control.kpi"]._kpi_summary(self.TODAY, self.company.ids, "partner", 700)
        summary = self._summary(group_by="partner")
        self.assertEqual(
            summary[self.customer_b.id]["sales_period"], before[self.customer_b.id]["sales_period"] + 300.0,
        )

    def test_breakdowns_read_the_kept_rows(self):
        """The total, the segments and the collectors sum the kept rows of
        the customers unchanged: A and B show the kept figures (one more
        each), A in the segment and with the collector of its dossier
        today, though moved since its figures were kept."""
        self._alter_kept(self.customer_a | self.customer_b)
        self.dossier_a.write({"segment_id": self.public.id, "collector_id": False})
        Kpi = self.env["credit.control.kpi"]
        summaries = Kpi._kpi_summaries(self.TODAY, self.company.ids, ["company", "segment", "collector"])
        self.assertEqual(summaries["company"][self.company.id]["outstanding"], 3602.0)
        self.assertEqual(summaries["segment"][self.public.id]["outstanding"], 2301.0 + 500.0)
        self.assertEqual(summaries["segment"][False]["outstanding"], 801.0)
        self.assertNotIn(self.collector_a.id, summaries["collector"])
        public = Kpi._kpi_summary(self.TODAY, self.company.ids, "company", filters={"segment_id": self.public.id})
        self.assertEqual(public[self.company.id]["outstanding"], 2801.0)
        self._alter_kept(self.customer_b, -1)
        self._pay(self.inv2, amount=500.0, payment_date=self.TODAY)
        self._alter_kept(self.customer_a)  # stale: no longer read
        summaries = Kpi._kpi_summaries(self.TODAY, self.company.ids, ["company", "segment"])
        self.assertEqual(summaries["segment"][self.public.id]["outstanding"], 1800.0 + 500.0)
        self._assert_is_ledger("A paid 500 in its new segment")

    def test_dashboard_reads_the_kept_figures(self):
        """A dashboard as of a day whose figures are kept reads them, and
        the open items of the customers changed since: no table of every
        open item is written for its figures, which are those of the
        ledger (provisions, late dossiers and breakdowns included)."""
        self.env["credit.control.provision.rate"].create({"rate_b2": 10, "rate_b3": 25, "rate_b5": 100})
        self._pay(self.inv2, amount=500.0, payment_date=self.TODAY)
        Dashboard = self.env["credit.control.kpi.dashboard"]
        fnames = ["outstanding", "overdue", "late_customers", "dso_countback", "dso_simple", "add_days",
                  "provision_total", "forecast_total"]
        for group_by in ("segment", "collector", "partner"):
            with self.subTest(group_by=group_by):
                direct = Dashboard.with_context(credit_kpi_direct=True).create({"group_by": group_by})
                direct.action_refresh()
                dashboard = Dashboard.create({"group_by": group_by})
                Kpi = type(self.env["credit.control.kpi"])
                with patch.object(Kpi, "_kpi_open_items_table", side_effect=AssertionError("every open item read")):
                    dashboard.action_refresh()
                self.assertEqual(dashboard.read(fnames), [{**direct.read(fnames)[0], "id": dashboard.id}])
                self.assertEqual(
                    sorted((line[f"{group_by}_id"].id, line.outstanding, line.dso_countback, line.late_customers)
                           for line in dashboard.line_ids),
                    sorted((line[f"{group_by}_id"].id, line.outstanding, line.dso_countback, line.late_customers)
                           for line in direct.line_ids),
                )
                self.assertEqual(
                    {step.key: step.done for step in dashboard.onboarding_ids},
                    {step.key: step.done for step in direct.onboarding_ids},
                )

    def test_items_without_customer_read_the_ledger(self):
        """An item without a customer is never kept: read from the ledger
        with the changed customers."""
        self._post_item_without_customer()
        self.Kept._kpi_keep(self.company, self.TODAY)
        self.assertEqual(self._stale(), set())
        without_customer = self._summary(group_by="partner")[False]
        self.assertEqual((without_customer["outstanding"], without_customer["late_customers"]), (90.0, 0))
        self._assert_is_ledger("an item without a customer")

    def test_many_customers_changed_read_the_ledger(self):
        """Past ``STALE_MAX`` customers changed, every customer is read
        from the ledger."""
        self._alter_kept(self.customer_b)
        self._pay(self.inv2, amount=500.0, payment_date=self.TODAY)
        self.assertEqual(self._summary(group_by="partner")[self.customer_b.id]["outstanding"], 801.0)
        with patch.object(credit_control_kpi_kept, "STALE_MAX", 0):
            self.assertEqual(self._summary(group_by="partner")[self.customer_b.id]["outstanding"], 800.0)

    def test_share_of_customers_changed_read_the_ledger(self):
        """Past ``STALE_SHARE`` of the company's kept customers changed
        (and ``STALE_MIN``), every customer is read from the ledger: at
        most a tenth here, none of the three."""
        kept = self.Kept.search([("company_id", "=", self.company.id)])
        self.assertEqual(kept.customer_count, 3)
        self._alter_kept(self.customer_b)
        self._pay(self.inv1, amount=100.0, payment_date=self.TODAY)
        with patch.object(credit_control_kpi_kept, "STALE_MIN", 0):
            self.assertEqual(self._summary(group_by="partner")[self.customer_b.id]["outstanding"], 800.0)
            with patch.object(credit_control_kpi_kept, "STALE_SHARE", 0.34):
                self.assertEqual(self._summary(group_by="partner")[self.customer_b.id]["outstanding"], 801.0)
        self.assertEqual(self._summary(group_by="partner")[self.customer_b.id]["outstanding"], 801.0)

    def test_ledger_changed(self):
        """Every change of the ledger since the figures were kept: a
        payment, invoices of a kept customer and of a new one, a credit
        note reconciled, an entry reset to draft, a payment unreconciled,
        a customer become the contact of another."""
        self._pay(self.inv2, amount=1500.0, payment_date=self.TODAY)
        self._assert_is_ledger("inv2 paid 1500")
        delta = self._create_customer("Delta Services")
        self._create_invoices([
            {"partner": delta, "amount": 700.0, "date": date(2026, 5, 14), "due": date(2026, 5, 14)},
            {"partner": self.customer_c, "amount": 250.0, "date": date(2026, 4, 2), "due": date(2026, 5, 2)},
        ])
        self._assert_is_ledger("invoices of Delta and Charlie")
        refund = self._create_invoices([{"partner": self.customer_b, "amount": 200.0, "date": date(2026, 5, 12),
                                         "due": date(2026, 5, 12), "move_type": "out_refund"}])
        (refund | self.inv4).line_ids.filtered(lambda line: line.account_type == "asset_receivable").reconcile()
        self._assert_is_ledger("credit note of Bravo reconciled")
        self.inv5.button_draft()
        self._assert_is_ledger("inv5 reset to draft")
        self.inv3.line_ids.filtered(lambda line: line.account_type == "asset_receivable").remove_move_reconcile()
        self._assert_is_ledger("inv3's payment unreconciled")
        self.customer_a.write({"is_company": False, "parent_id": self.customer_b.id})
        self._assert_is_ledger("Alpha a contact of Bravo")
        self.assertEqual(
            self._stale(), {self.customer_a.id, self.customer_b.id, self.customer_c.id, delta.id},
        )

    def test_other_dates_periods_and_companies_read_the_ledger(self):
        """The kept rows are those of today and of the company's period,
        for the company alone."""
        self._alter_kept(self.customer_a)
        period = self.company.credit_dso_period
        for as_of, days in ((self.TODAY - timedelta(days=1), period), (self.TODAY, period + 30)):
            self.assertFalse(self.Kept._kpi_is_kept(self.company.id, as_of, days))
            self.assertEqual(
                self.env["credit.control.kpi"]._kpi_summary(as_of, self.company.ids, "partner", days),
                self._ledger(as_of, days),
            )
        companies = self.company | self.env["res.company"].create({"name": "Second Company"})
        both = self.env["credit.control.kpi"]._kpi_summary(self.TODAY, companies.ids, "partner")
        self.assertEqual(both[self.customer_a.id]["outstanding"], 2300.0)

    def test_rebuilt_tables_forget(self):
        for model in ("credit.control.kpi.open", "credit.control.kpi.sales"):
            self.Kept._kpi_keep(self.company, self.TODAY)
            self.env[model]._kpi_rebuild()
            self.assertFalse(
                self.Kept._kpi_is_kept(self.company.id, self.TODAY, self.company.credit_dso_period), model,
            )

    def test_nightly_refresh_keeps_the_day(self):
        """The nightly refresh keeps the figures of the day again, with
        nothing stale."""
        self._pay(self.inv2, amount=500.0, payment_date=self.TODAY)
        self.env["credit.control.kpi.kept"]._kpi_forget()
        with freeze_time("2026-05-16"):
            self.env["credit.control.dossier"]._cron_refresh_dossiers()
            tomorrow = self.TODAY + timedelta(days=1)
            self.assertTrue(self.Kept._kpi_is_kept(self.company.id, tomorrow, self.company.credit_dso_period))
            self.assertEqual(self._stale(), set())
            self.assertEqual(self._summary(tomorrow, group_by="partner"), self._ledger(tomorrow))
