from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.credit_control_base.models.account_move import AccountMove

from .test_kpi_common import CreditControlKpiCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestKpiIndicators(CreditControlKpiCommon):

    def test_outstanding_overdue_add(self):
        kpis = self._summary()[self.company.id]
        self.assertEqual(kpis["outstanding"], 3600.0)  # 600 + 2000 - 300 + 800 + 500
        self.assertEqual(kpis["overdue"], 3100.0)  # 600 + 2000 + 500, not the credit note
        self.assertAlmostEqual(kpis["overdue_rate"], 3100 / 3600 * 100)
        self.assertEqual(kpis["late_customers"], 2)  # A and C
        # (600 × 95 + 2000 × 14 + 500 × 61) / 3100
        self.assertAlmostEqual(kpis["add_days"], 115500 / 3100)
        per_customer = self._summary(group_by="partner")
        self.assertAlmostEqual(per_customer[self.customer_a.id]["add_days"], (600 * 95 + 2000 * 14) / 2600)
        self.assertEqual(per_customer[self.customer_b.id]["overdue"], 0.0)

    def test_breakdowns_without_the_customers(self):
        """Without a breakdown per customer, the figures of the company,
        segment and collector breakdowns are summed per company, segment
        and collector, and the late customers counted apart; with one, per
        customer first. Both give the same on every week of the fixture,
        under each filter, and across two companies, where a customer late
        in both counts once in each."""
        Kpi = self.env["credit.control.kpi"]
        company_2 = self.setup_other_company(name="Filiale Recouvrement")["company"]
        self._create_invoice(self.customer_a, 700.0, due=date(2026, 2, 28), company=company_2)
        self._post_item_without_customer()
        companies = (self.company | company_2).ids
        breakdowns = ["company", "segment", "collector"]
        day = date(2026, 1, 5)
        while day <= self.TODAY + timedelta(days=7):
            for filters in ({}, {"segment_id": self.public.id}, {"segment_id": 0},
                            {"collector_id": self.collector_a.id}, {"partner_id": self.customer_a.id}):
                alone = Kpi._kpi_summaries(day, companies, breakdowns, filters=filters)
                with_customers = Kpi._kpi_summaries(day, companies, [*breakdowns, "partner"], filters=filters)
                for group_by in breakdowns:
                    self.assertEqual(alone[group_by], with_customers[group_by], f"{group_by} {filters} on {day}")
            day += timedelta(days=7)
        # A (both companies) and C are late, without a segment for A: A counts in each company
        segments = Kpi._kpi_summaries(self.TODAY, companies, ["segment"])["segment"]
        self.assertEqual((segments[False]["late_customers"], segments[self.public.id]["late_customers"]), (2, 1))
        self.assertEqual(segments[False]["overdue"], 600 + 2000 + 700 + 90)

    def test_customers_alone_summed_once(self):
        """Per customer alone, in one company, each customer's items are
        summed once: the same figures as summed per customer, segment and
        collector first (asked with another breakdown), on every week of
        the fixture, under each filter, an item without customer included."""
        Kpi = self.env["credit.control.kpi"]
        self._post_item_without_customer()
        day = date(2026, 1, 5)
        while day <= self.TODAY + timedelta(days=7):
            for filters in ({}, {"segment_id": self.public.id}, {"collector_id": self.collector_a.id}):
                alone = Kpi._kpi_summaries(day, self.company.ids, ["partner"], filters=filters)["partner"]
                first = Kpi._kpi_summaries(day, self.company.ids, ["company", "partner"], filters=filters)["partner"]
                self.assertEqual(alone, first, f"{filters} on {day}")
            day += timedelta(days=7)
        without_customer = Kpi._kpi_summaries(self.TODAY, self.company.ids, ["partner"])["partner"][False]
        self.assertEqual((without_customer["outstanding"], without_customer["late_customers"]), (90.0, 0))

    def test_months_back_are_postgresql_months(self):
        """The bounds of the months the count-back walks are worked out in
        Python: on every day of two years (ends of months, 29 February),
        the days of each month back, of several months and of none are
        those of PostgreSQL's date arithmetic."""
        Kpi = self.env["credit.control.kpi"]
        day = date(2027, 1, 1)
        while day < date(2029, 1, 1):
            rows = self.env.execute_query(SQL(
                """
                SELECT %(python)s, (%(day)s::date - make_interval(months => k))::date
                                   - (%(day)s::date - make_interval(months => j + 1))::date
                  FROM generate_series(0, 23) k, generate_series(k - 1, 23) j
                """,
                python=Kpi._kpi_days_of_months(day, SQL("k"), SQL("j")), day=day,
            ))
            self.assertEqual([python for python, _pg in rows], [max(pg, 0) for _python, pg in rows], f"on {day}")
            day += timedelta(days=1)

    def test_dso_simple(self):
        """Sales of (02-14, 05-15]: 500 + 2000 - 300 + 800 = 3000;
        3600 / 3000 × 90 days."""
        kpis = self._summary()[self.company.id]
        self.assertEqual(kpis["sales_period"], 3000.0)
        self.assertAlmostEqual(kpis["dso_simple"], 108.0)
        # 30 days: sales of (04-15, 05-15] = 500 (inv4 800 - refund 300)
        self.assertAlmostEqual(self._summary(period=30)[self.company.id]["dso_simple"], 3600 / 500 * 30)

    def test_dso_period_longer_than_the_months_walked(self):
        """A DSO period longer than the 24 months the count-back walks
        still sums every credit sale of the period: on 2028-06-01, 900
        days back reach 2025-12-14, before the fixture's sales (9,000, all
        more than 24 months back), as the receivables of today."""
        kpis = self._summary(date(2028, 6, 1), period=900)[self.company.id]
        self.assertEqual(kpis["sales_period"], 9000.0)
        self.assertAlmostEqual(kpis["dso_simple"], 3600 / 9000 * 900)
        self.assertEqual(self._summary(date(2028, 6, 1), period=900, group_by="partner")[self.customer_b.id][
            "sales_period"], 5800.0)

    def test_dso_count_back(self):
        """Months back from 05-15: (04-15, 05-15] 500 over 30 days,
        (03-15, 04-15] 2000 over 31, (02-15, 03-15] 500 over 28, then
        (01-15, 02-15] 5000 over 31 covers the last 600 pro rata."""
        kpis = self._summary()[self.company.id]
        self.assertAlmostEqual(kpis["dso_countback"], 30 + 31 + 28 + 600 / 5000 * 31)
        # Customer A owes 2300: -300, 2000, nothing, nothing, then 600 of the 1000 of January.
        per_customer = self._summary(group_by="partner")
        self.assertAlmostEqual(per_customer[self.customer_a.id]["dso_countback"], 30 + 31 + 28 + 31 + 0.6 * 31)
        # As of 04-01: owes 8100; (03-01, 04-01] 2500 over 31 days, (02-01, 03-01] 0 over 28,
        # (01-01, 02-01] 6000 covers 5600 pro rata.
        past = self._summary(as_of=date(2026, 4, 1))[self.company.id]
        self.assertEqual(past["outstanding"], 8100.0)
        self.assertAlmostEqual(past["dso_countback"], 31 + 28 + 5600 / 6000 * 31)

    def test_segment_and_collector_breakdown(self):
        by_segment = self._summary(group_by="segment")
        self.assertEqual(by_segment[self.public.id]["outstanding"], 500.0)
        self.assertEqual(by_segment[False]["outstanding"], 3100.0)
        by_collector = self._summary(group_by="collector")
        self.assertEqual(by_collector[self.collector_a.id]["outstanding"], 2300.0)
        filtered = self._summary(filters={"collector_id": self.collector_a.id})[self.company.id]
        self.assertEqual((filtered["outstanding"], filtered["sales_period"]), (2300.0, 1700.0))

    def test_cei(self):
        """April: opening 1000 - 400 + 5000 + 500 = 6100, sales 1700,
        closing 2800 (inv3 paid), not due at 04-30: inv2 2000.
        CEI = (6100 + 1700 - 2800) / (6100 + 1700 - 2000)."""
        series = self.env["credit.control.kpi.cei"]._kpi_cei_series(self.TODAY, self.company.ids, count=3)
        self.assertEqual([month["month"] for month in series], [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)])
        april = series[1]
        self.assertEqual(
            (april["opening"], april["sales"], april["closing"], april["closing_current"]),
            (6100.0, 1700.0, 2800.0, 2000.0),
        )
        self.assertAlmostEqual(april["cei"], 5000 / 5800 * 100)
        # March: opening 6000, sales 500, payment 400, closing 6100; not due at 03-31: inv3 no (03-03), nothing
        self.assertAlmostEqual(series[0]["cei"], (6000 + 500 - 6100) / (6000 + 500 - 0) * 100)

    def test_forecast(self):
        """A pays 20 days late (400 on 03-01 for 02-09), B 38 days (04-10
        for 03-03), C has no history: inv1 and inv5, already late, and
        inv2 (05-01 + 20 = 05-21) this week, inv4 06-09 + 38 = 07-17 in
        week 9."""
        weeks = self.env["credit.control.kpi.forecast"]._kpi_forecast(self.TODAY, self.company.ids)
        self.assertEqual(len(weeks), 12)
        self.assertEqual({w["week"]: w["amount"] for w in weeks if w["amount"]}, {0: 3100.0, 9: 800.0})

        asked = self.env["account.move"]

        def overrides(_self, moves):
            nonlocal asked
            asked |= moves
            return {self.inv4.id: [(date(2026, 5, 20), 300.0, "promised"), (date(2026, 6, 1), 500.0, "promised")]
                    } if self.inv4 in moves else {}

        with patch.object(AccountMove, "_credit_forecast_overrides", overrides), \
                patch.object(AccountMove, "_credit_forecast_override_domain",
                             lambda _self, _today=None: [("id", "in", (self.inv2 | self.inv4 | self.inv3).ids)]):
            weeks = self.env["credit.control.kpi.forecast"]._kpi_forecast(self.TODAY, self.company.ids)
        self.assertEqual(
            {w["week"]: (w["estimated"], w["promised"]) for w in weeks if w["amount"]},
            {0: (3100.0, 300.0), 2: (0.0, 500.0)},
        )
        # the hook is asked about the open invoices of its domain only (inv3 is paid)
        self.assertEqual(asked, self.inv2 | self.inv4)

    def _assert_forecast_of_inv4(self, expected):
        """The forecast's weeks with an amount are ``expected`` ({week:
        (estimated, promised, predicted)}), the open amount is expected
        once, and inv4 is behind the last of them."""
        Forecast = self.env["credit.control.kpi.forecast"]
        weeks = Forecast._kpi_forecast(self.TODAY, self.company.ids)
        self.assertEqual(
            {w["week"]: (w["estimated"], w["promised"], w["predicted"]) for w in weeks if w["amount"]},
            expected,
        )
        self.assertEqual(sum(w["amount"] for w in weeks), 3900.0)
        self.assertIn(self.inv4, Forecast._kpi_forecast_week_moves(max(expected), self.TODAY, self.company.ids))

    def test_forecast_adds_up_to_the_open_amount(self):
        """Whatever the hook answers, the forecast expects each invoice's
        open amount once: inv4 owes 800 (expected in week 9)."""
        cases = [
            # the rest of a partly promised invoice stays on its estimate
            ([(date(2026, 5, 20), 300.0, "promised")], {0: (3100.0, 300.0, 0.0), 9: (500.0, 0.0, 0.0)}),
            # a receipt never claims more than is owed: the latest gives up the excess
            ([(date(2026, 5, 20), 600.0, "promised"), (date(2026, 6, 1), 600.0, "promised")],
             {0: (3100.0, 600.0, 0.0), 2: (0.0, 200.0, 0.0)}),
            # a promise beats a prediction, whichever module answered first
            ([(date(2026, 6, 1), 800.0, "predicted"), (date(2026, 5, 20), 300.0, "promised")],
             {0: (3100.0, 300.0, 0.0), 9: (500.0, 0.0, 0.0)}),
            ([(date(2026, 6, 1), 800.0, "predicted")], {0: (3100.0, 0.0, 0.0), 2: (0.0, 0.0, 800.0)}),
        ]
        for receipts, expected in cases:
            with self.subTest(receipts=receipts), \
                    patch.object(AccountMove, "_credit_forecast_overrides",
                                 lambda _self, moves, r=receipts: {self.inv4.id: r} if self.inv4 in moves else {}), \
                    patch.object(AccountMove, "_credit_forecast_override_domain",
                                 lambda _self, _today=None: [("id", "=", self.inv4.id)]), \
                    patch.object(AccountMove, "_credit_forecast_override_kinds",
                                 lambda _self: {"promised": 10, "predicted": 20}):
                self._assert_forecast_of_inv4(expected)

    def test_forecast_kept_dates(self):
        """A date kept for an open instalment (``_credit_forecast_kept_sql``)
        moves it to that week, in its kind's column, summed in the
        database; it holds only for the customer and due date it was kept
        for, and an override of the invoice still beats it."""
        line = self.inv4.line_ids.filtered(lambda item: item.display_type == "payment_term")
        customer = self.inv4.commercial_partner_id

        def kept(due):
            return lambda _self, _today: SQL(
                "SELECT %s AS id, %s AS partner_id, %s::date AS date_maturity, %s::date AS date, 'predicted' AS kind",
                line.id, customer.id, due, date(2026, 6, 1),
            )

        promise = {self.inv4.id: [(date(2026, 5, 20), 300.0, "promised")]}
        cases = [
            # kept for its due date: week 2, predicted
            (line.date_maturity, {}, {0: (3100.0, 0.0, 0.0), 2: (0.0, 0.0, 800.0)}),
            # kept for another due date: no longer holds, estimated in week 9
            (date(2026, 6, 2), {}, {0: (3100.0, 0.0, 0.0), 9: (800.0, 0.0, 0.0)}),
            # a promise replaces the invoice's kept date; the rest stays on the estimate
            (line.date_maturity, promise, {0: (3100.0, 300.0, 0.0), 9: (500.0, 0.0, 0.0)}),
        ]
        for due, receipts, expected in cases:
            with self.subTest(due=due, receipts=receipts), \
                    patch.object(AccountMove, "_credit_forecast_kept_sql", kept(due)), \
                    patch.object(AccountMove, "_credit_forecast_overrides",
                                 lambda _self, moves, r=receipts: {k: v for k, v in r.items() if k in moves.ids}), \
                    patch.object(AccountMove, "_credit_forecast_override_domain",
                                 lambda _self, _today=None, r=receipts: [("id", "in", list(r))]), \
                    patch.object(AccountMove, "_credit_forecast_override_kinds",
                                 lambda _self: {"promised": 10, "predicted": 20}):
                self._assert_forecast_of_inv4(expected)

    def test_provisions(self):
        """Company rates 0/0/10/25/50/100, Public segment 0 in 61-90 days:
        inv1 600 × 50 %, inv4 800 × 100 % (B insolvent), inv5 500 × 0 %."""
        Rate = self.env["credit.control.provision.rate"]
        Rate.create([
            {"rate_not_due": 0, "rate_b1": 0, "rate_b2": 10, "rate_b3": 25, "rate_b4": 50, "rate_b5": 100},
            {"segment_id": self.public.id, "rate_b3": 0},
        ])
        rows = self._report().search([("provision_amount", "!=", 0)])
        self.assertRecordValues(rows.sorted("residual"), [
            {"move_id": self.inv1.id, "provision_rate": 50.0, "provision_amount": 300.0, "provision_full": False},
            {"move_id": self.inv4.id, "provision_rate": 100.0, "provision_amount": 800.0, "provision_full": True},
        ])
        provision_account = self.env["account.account"].create({
            "name": "Dépréciation des comptes clients", "code": "491000", "account_type": "asset_current",
        })
        wizard = self.env["credit.control.provision.move"].create({
            "provision_account_id": provision_account.id,
            "expense_account_id": self.company_data["default_account_expense"].id,
        })
        self.assertEqual((wizard.required_amount, wizard.existing_amount, wizard.adjustment), (1100.0, 0.0, 1100.0))
        move = self.env["account.move"].browse(wizard.action_create_move()["res_id"])
        self.assertEqual(move.state, "draft")
        self.assertRecordValues(move.line_ids.sorted("balance"), [
            {"partner_id": self.customer_b.id, "account_id": provision_account.id, "balance": -800.0},
            {"partner_id": self.customer_a.id, "account_id": provision_account.id, "balance": -300.0},
            {"partner_id": False, "account_id": self.company_data["default_account_expense"].id, "balance": 1100.0},
        ])
        # Once posted, a later run only proposes the change: A paid nothing more, B's invoice is disputed
        # away by a credit note -> reversal of 800.
        move.action_post()
        refund = self._create_invoices([{"partner": self.customer_b, "amount": 800.0, "date": self.TODAY,
                                         "due": self.TODAY, "move_type": "out_refund"}])
        (refund + self.inv4).line_ids.filtered(lambda line: line.account_type == "asset_receivable").reconcile()
        wizard = self.env["credit.control.provision.move"].create({
            "provision_account_id": provision_account.id,
            "expense_account_id": self.company_data["default_account_expense"].id,
        })
        self.assertEqual((wizard.required_amount, wizard.existing_amount, wizard.adjustment), (300.0, 1100.0, -800.0))

    def test_provisions_summed_over_the_rows_that_may_have_one(self):
        """The dashboard and the provision entry sum the provisions over the
        rows provisioned in full or in a bucket with a rate: the same total
        as over every row, whichever rates the company and its segments
        have (a segment's own rate, no rate at all, B insolvent)."""
        Rate = self.env["credit.control.provision.rate"]
        company = [("company_id", "=", self.company.id)]
        for label, rates in (
                ("no rates", []),
                ("the company's", [{"rate_b2": 10, "rate_b3": 25, "rate_b4": 50, "rate_b5": 100}]),
                ("a segment's only", [{"rate_b3": 0, "rate_b5": 0}, {"segment_id": self.public.id, "rate_b2": 40}]),
                ("not due too", [{"rate_not_due": 5, "rate_b5": 100}]),
        ):
            with self.subTest(rates=label):
                Rate.search(company).unlink()
                Rate.create(rates)
                report = self._report()
                [(everywhere,)] = report._read_group(company, [], ["provision_amount:sum"])
                [(provisioned,)] = report._read_group(
                    company + report._credit_provisioned_domain(), [], ["provision_amount:sum"])
                self.assertEqual(provisioned, everywhere)
                self.assertTrue(everywhere)  # B's invoice at 100 %, whatever the rates
                if label != "not due too":
                    self.assertLess(report.search_count(company + report._credit_provisioned_domain()),
                                    report.search_count(company), "the rows at 0 % left out")
                # the open lines that may have a provision read alone, today
                # and on a past date (read from the ledger), shared or not
                for as_of in (None, date(2026, 3, 20)):
                    report = self._report(as_of)
                    only = report.with_context(credit_provisioned_only=True)
                    [(on_the_date,)] = report._read_group(company, [], ["provision_amount:sum"])
                    [(alone,)] = only._read_group(
                        company + report._credit_provisioned_domain(), [], ["provision_amount:sum"])
                    self.assertEqual(alone, on_the_date, as_of)
                    with self.env["credit.control.kpi"]._kpi_shared_open_items(
                            as_of or self.TODAY, self.company.ids) as kpi:
                        sharing = only.with_context(credit_open_items_table=kpi.env.context["credit_open_items_table"])
                        [(shared,)] = sharing._read_group(
                            company + report._credit_provisioned_domain(), [], ["provision_amount:sum"])
                    self.assertEqual(shared, on_the_date, as_of)
                action = self.env["credit.control.kpi.dashboard"].action_open_dashboard()
                dashboard = self.env["credit.control.kpi.dashboard"].browse(action["res_id"])
                self.assertEqual(dashboard.provision_total, everywhere)

    def test_provision_base_excludes_taxes(self):
        """VAT is recovered on a bad debt, not provisioned: the base is the
        open amount times the invoice's share excluding taxes. The items of
        today carry that share from the table of today's open items, those
        read from the ledger look it up: every way of reading a date gives
        the same base and provision, the dashboard's too."""
        self.env["credit.control.provision.rate"].create({"rate_b1": 10, "rate_b4": 50, "rate_b5": 100})
        vat = self.env["account.tax"].create({"name": "TVA collectée 20 %", "amount": 20.0, "type_tax_use": "sale"})
        values = self._invoice_values({
            "partner": self.customer_a, "amount": 1000.0, "date": date(2025, 12, 1), "due": date(2025, 12, 31),
        })
        values["invoice_line_ids"][0][2]["tax_ids"] = [Command.set(vat.ids)]
        invoice = self.env["account.move"].create(values)
        invoice.action_post()
        self.assertEqual(invoice.amount_total, 1200.0)
        self._pay(invoice, amount=240.0, payment_date=date(2026, 4, 1))

        def provision(as_of):
            row = self._report(as_of).search([("move_id", "=", invoice.id)])
            return row.residual, row.aging_bucket, row.provision_base, row.provision_amount

        Kpi = self.env.registry["credit.control.kpi"]
        # 960 open of 1,200: 800 excluding taxes, at 100 % beyond 120 days
        expected = {
            self.TODAY: (960.0, "b5", 800.0, 800.0),
            date(2026, 4, 15): (960.0, "b4", 800.0, 400.0),  # after the payment
            date(2026, 1, 15): (1200.0, "b1", 1000.0, 100.0),  # before it, nothing reconciled yet
        }
        for from_before in (False, True):
            with patch.object(Kpi, "_kpi_from_before", lambda self, as_of, company_ids, fb=from_before: fb):
                for as_of, figures in expected.items():
                    self.assertEqual(provision(as_of), figures, f"{as_of}, from the ledger: {from_before}")
        action = self.env["credit.control.kpi.dashboard"].with_company(self.company).action_open_dashboard()
        dashboard = self.env["credit.control.kpi.dashboard"].browse(action["res_id"])
        [(total,)] = self._report()._read_group([("company_id", "=", self.company.id)], [], ["provision_amount:sum"])
        self.assertEqual(dashboard.provision_total, total)

    def test_dashboard(self):
        action = self.env["credit.control.kpi.dashboard"].action_open_dashboard()
        dashboard = self.env["credit.control.kpi.dashboard"].browse(action["res_id"])
        self.assertRecordValues(dashboard, [{
            "outstanding": 3600.0, "overdue": 3100.0, "late_customers": 2, "forecast_total": 3900.0,
        }])
        self.assertAlmostEqual(dashboard.dso_countback, 30 + 31 + 28 + 600 / 5000 * 31)
        self.assertAlmostEqual(dashboard.cei_last_month, 5000 / 5800 * 100)
        self.assertEqual(len(dashboard.month_ids), 12)
        self.assertEqual(len(dashboard.week_ids), 12)
        self.assertEqual(
            {line.segment_id: line.outstanding for line in dashboard.line_ids},
            {self.public: 500.0, self.env["credit.control.segment"]: 3100.0},
        )
        overdue = self.env["account.move"].search(dashboard.action_open_overdue()["domain"])
        self.assertEqual(overdue, self.inv1 | self.inv2 | self.inv5)
        public_line = dashboard.line_ids.filtered("segment_id")
        self.assertEqual(self.env["account.move"].search(public_line.action_open_invoices()["domain"]), self.inv5)
        # the CEI and forecast rows open the invoices behind them
        april = dashboard.month_ids.filtered(lambda m: m.month == date(2026, 4, 1))
        sales = self.env["account.move"].search(april.action_open_sales()["domain"])
        self.assertEqual(sum(sales.mapped("amount_total_signed")), april.sales)
        closing = april.action_open_closing()
        report = self.env["credit.control.aged.balance"].with_context(**closing["context"])
        self.assertEqual(sum(report.search(closing["domain"]).mapped("residual")), april.closing)
        this_week, week_9 = dashboard.week_ids[0], dashboard.week_ids[9]
        self.assertEqual(self.env["account.move"].search(this_week.action_open_invoices()["domain"]),
                         self.inv1 | self.inv2 | self.inv5)
        self.assertEqual(self.env["account.move"].search(week_9.action_open_invoices()["domain"]), self.inv4)
        dashboard.write({"group_by": "collector", "monthly_dso": True})
        dashboard.action_refresh()
        self.assertEqual(dashboard.line_ids.collector_id, self.collector_a)
        self.assertAlmostEqual(dashboard.month_ids[-1].dso_countback, dashboard.dso_countback)


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestKpiQueryCount(CreditControlKpiCommon):
    """The KPIs cost the same number of queries whatever the number of
    customers and invoices."""

    def _count(self, func):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        func()
        return self.env.cr.sql_log_count - before

    def _measure(self):
        report = self._report(date(2026, 4, 1))
        return [
            self._count(lambda: self._summary(group_by="partner")),
            self._count(lambda: report._read_group([], ["partner_id", "aging_bucket"], ["residual:sum"])),
            self._count(lambda: self.env["credit.control.kpi.cei"]._kpi_cei_series(self.TODAY, self.company.ids)),
            self._count(lambda: self.env["credit.control.kpi.forecast"]._kpi_forecast(self.TODAY, self.company.ids)),
        ]

    def test_query_count_flat(self):
        self._measure()
        small = self._measure()
        customers = self.env["res.partner"].create([{"name": f"Client {i:03d}", "is_company": True}
                                                   for i in range(100)])
        invoices = self._create_invoices([
            {"partner": customer, "amount": 100.0 + i, "date": date(2026, 3, 1), "due": date(2026, 3, 1 + i % 28)}
            for i, customer in enumerate(customers)
        ])
        self._pay(invoices[:50], payment_date=date(2026, 4, 15))
        # the first figure read writes the rows of the new open items
        # first, in the same few queries for one invoice or a hundred
        self.assertLessEqual(self._count(self.env["credit.control.kpi.open"]._kpi_refresh), 2)
        large = self._measure()
        self.assertEqual(small, large)
        # two of them set the JIT and work memory of the figures and restore them (``_kpi_query_settings``)
        self.assertLess(max(large), 12)

    def test_query_settings_restored(self):
        """The figures run without JIT and with at least KPI_WORK_MEM per
        sort or hash; the rest of the transaction gets its settings back,
        and a server configured with more memory keeps its own."""
        Kpi = self.env["credit.control.kpi"]

        def settings():
            [row] = self.env.execute_query(SQL(
                "SELECT current_setting('jit'), pg_size_bytes(current_setting('work_mem'))"
            ))
            return row

        for server_mem, inside_mem in (("4MB", 32 << 20), ("64MB", 64 << 20)):
            self.env.cr.execute(SQL("SET LOCAL work_mem = %s", server_mem))
            before = settings()
            with Kpi._kpi_query_settings():
                self.assertEqual(settings(), ("off", inside_mem))
            self.assertEqual(settings(), before)


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestKpiDashboardConsistency(CreditControlKpiCommon):
    """The dashboard computes its figures together (issue #19: one query
    for the total and the breakdown, the CEI from movements summed per
    date and due date): each figure must equal the figure computed on its
    own, and the CEI receivables the open items of the aged balance on
    every date."""

    def _open_items(self, as_of, from_before):
        Kpi = self.env["credit.control.kpi"]
        Kpi._kpi_flush()
        return self._open_item_rows(Kpi._kpi_open_items_query(as_of, self.company.ids, from_before))

    def test_cei_receivables_are_the_open_items_of_every_date(self):
        """The closing receivables of a day are the open items on that day
        (a reconciliation takes as much off one receivable item as it adds
        back to the other, or settles it against cash), the current ones
        those not yet due: on every day of the fixture, both ways of
        reading the reconciliations."""
        Cei = self.env["credit.control.kpi.cei"]
        day = date(2025, 12, 30)
        while day <= self.TODAY:
            [month] = Cei._kpi_cei_series(day, self.company.ids, count=1)
            for from_before in (True, False):
                items = self._open_items(day, from_before)
                self.assertEqual(
                    (month["closing"], month["closing_current"]),
                    (float(sum(item["residual"] for item in items)),
                     float(sum(item["residual"] for item in items if item["date_maturity"] >= day))),
                    f"receivables on {day}",
                )
            day += timedelta(days=1)

    def test_shared_open_items_are_the_open_items_of_every_date(self):
        """The dashboard computes the open items of its date once, for the
        summaries and the provisions (issue #19): on every day of the
        fixture they are the open items of the direct query, both ways of
        reading the reconciliations; the provisions read from them equal
        the aged balance's, the summary read from them the summary computed
        on its own."""
        self.env["credit.control.provision.rate"].create({"rate_b3": 25, "rate_b4": 50, "rate_b5": 100})
        Kpi = self.env["credit.control.kpi"]
        day = date(2025, 12, 30)
        while day <= self.TODAY:
            direct = [self._open_items(day, from_before) for from_before in (True, False)]
            self.assertEqual(direct[0], direct[1], f"open items on {day}")
            report = self._report(day).with_context(allowed_company_ids=self.company.ids)
            [(provisions,)] = report._read_group([], [], ["provision_amount:sum"])
            with Kpi._kpi_shared_open_items(day, self.company.ids) as kpi:
                shared = self._open_item_rows(kpi._kpi_open_items_query(day, self.company.ids))
                self.assertEqual(shared, direct[0], f"shared items on {day}")
                shared_report = report.with_context(
                    credit_open_items_table=kpi.env.context["credit_open_items_table"]
                )
                self.assertEqual(
                    shared_report._read_group([], [], ["provision_amount:sum"]), [(provisions,)],
                    f"provisions on {day}",
                )
                self.assertEqual(
                    kpi._kpi_summary(day, self.company.ids, "partner", 60),
                    Kpi._kpi_summary(day, self.company.ids, "partner", 60),
                    f"summary on {day}",
                )
            day += timedelta(days=7)

    def test_cei_months_chain(self):
        """Each month opens on the previous month's closing, and the last
        month of a 12-month series is the 1-month series of the same day."""
        Cei = self.env["credit.control.kpi.cei"]
        series = Cei._kpi_cei_series(self.TODAY, self.company.ids)
        for previous, month in zip(series, series[1:], strict=False):
            self.assertEqual(month["opening"], previous["closing"])
        for as_of in (date(2026, 3, 31), date(2026, 4, 15), self.TODAY):
            self.assertEqual(
                Cei._kpi_cei_series(as_of, self.company.ids)[-1],
                Cei._kpi_cei_series(as_of, self.company.ids, count=1)[0],
            )

    def test_summaries_equal_each_summary(self):
        Kpi = self.env["credit.control.kpi"]
        group_bys = ["company", "segment", "collector", "partner"]
        for as_of in (date(2026, 2, 28), date(2026, 4, 1), self.TODAY):
            for filters in ({}, {"collector_id": self.collector_a.id}, {"segment_id": self.public.id}):
                together = Kpi._kpi_summaries(as_of, self.company.ids, group_bys, 60, filters)
                for group_by in group_bys:
                    self.assertEqual(
                        together[group_by], Kpi._kpi_summary(as_of, self.company.ids, group_by, 60, filters),
                        f"{group_by} on {as_of} with {filters}",
                    )

    def test_dashboard_equals_each_figure(self):
        self.env["credit.control.provision.rate"].create({"rate_b3": 25, "rate_b4": 50, "rate_b5": 100})
        Kpi = self.env["credit.control.kpi"]
        for group_by in ("segment", "collector", "partner"):
            dashboard = self.env["credit.control.kpi.dashboard"].create({"group_by": group_by})
            dashboard.action_refresh()
            total = Kpi._kpi_summary(self.TODAY, self.company.ids, "company", dashboard.period)[self.company.id]
            self.assertRecordValues(dashboard, [{
                fname: total[fname] for fname in (
                    "outstanding", "overdue", "overdue_rate", "late_customers", "dso_countback", "dso_simple",
                    "sales_period", "add_days")
            }])
            breakdown = Kpi._kpi_summary(self.TODAY, self.company.ids, group_by, dashboard.period)
            self.assertEqual(
                {line[f"{group_by}_id"].id or False: (line.outstanding, line.overdue, line.dso_countback)
                 for line in dashboard.line_ids},
                {key: (values["outstanding"], values["overdue"], values["dso_countback"])
                 for key, values in breakdown.items()},
            )
            series = self.env["credit.control.kpi.cei"]._kpi_cei_series(self.TODAY, self.company.ids)
            self.assertEqual(
                [(m.month, m.opening, m.sales, m.closing, m.closing_current, m.cei) for m in dashboard.month_ids],
                [(m["month"], m["opening"], m["sales"], m["closing"], m["closing_current"], m["cei"])
                 for m in series],
            )
            self.assertEqual(dashboard.cei_last_month, series[-2]["cei"])
            weeks = self.env["credit.control.kpi.forecast"]._kpi_forecast(self.TODAY, self.company.ids)
            self.assertEqual([w.amount for w in dashboard.week_ids], [w["amount"] for w in weeks])
            [(provisions,)] = self._report()._read_group(
                [("company_id", "=", self.company.id)], [], ["provision_amount:sum"]
            )
            self.assertEqual(dashboard.provision_total, provisions)
            self.assertTrue(provisions)

    def test_onboarding_contacts_and_collectors(self):
        """The getting-started steps read the overdue amounts in one query:
        the same steps ticked as the dossiers' own fields tell."""
        dashboard = self.env["credit.control.kpi.dashboard"].create({})
        steps = {step["key"]: step["done"] for step in dashboard._credit_onboarding_steps()}
        late = self.env["credit.control.dossier"].search([
            ("company_id", "=", self.company.id), ("overdue_amount", ">", 0),
        ])
        self.assertEqual(late, self.dossier_a | self.dossier_c)
        self.assertEqual(steps["collectors"], not late.filtered(lambda d: not d.collector_id))
        self.assertFalse(steps["collectors"])  # C has no collector
        self.dossier_c.collector_id = self.collector_a
        steps = {step["key"]: step["done"] for step in dashboard._credit_onboarding_steps()}
        self.assertTrue(steps["collectors"])
        self.assertEqual(steps["contacts"], all(dossier.dunning_contact_id.email for dossier in late))
        # inside the dashboard's refresh, the same read from the open items its figures share
        company = [("company_id", "=", self.company.id)]
        self.dossier_a.collector_id = False
        direct = dashboard._credit_late_dossiers(company)
        # the one owing the most overdue first (A: 2,600, C: 500)
        self.assertEqual(direct, ([self.dossier_a.id, self.dossier_c.id], True))
        self.assertEqual(dashboard._credit_late_dossiers(company, limit=1), ([self.dossier_a.id], True))
        Kpi = self.env["credit.control.kpi"]
        with Kpi._kpi_shared_open_items(self.TODAY, self.company.ids) as kpi:
            sharing = dashboard.with_context(credit_open_items_table=kpi.env.context["credit_open_items_table"])
            self.assertEqual(sharing._credit_late_dossiers(company), direct)
            self.assertEqual(sharing._credit_late_dossiers(company, limit=1), ([self.dossier_a.id], True))
        # whether one has no collector is asked of every late dossier, not of the first ones only
        self.dossier_a.collector_id = self.collector_a
        self.dossier_c.collector_id = False
        self.assertEqual(dashboard._credit_late_dossiers(company, limit=1), ([self.dossier_a.id], True))

    def test_dashboard_query_count_flat(self):
        """A dashboard load costs a bounded number of queries whatever the
        number of customers and invoices (the breakdown by segment)."""
        Dashboard = self.env["credit.control.kpi.dashboard"]
        Dashboard.action_open_dashboard()

        def count():
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            Dashboard.action_open_dashboard()
            return self.env.cr.sql_log_count - before

        small = count()
        customers = self.env["res.partner"].create([
            {"name": f"Client {i:03d}", "is_company": True, "email": f"client{i}@example.com"} for i in range(100)
        ])
        invoices = self._create_invoices([
            {"partner": customer, "amount": 100.0 + i, "date": date(2026, 3, 1), "due": date(2026, 3, 1 + i % 28)}
            for i, customer in enumerate(customers)
        ])
        self._pay(invoices[:50], payment_date=date(2026, 4, 15))
        large = count()
        # the ten largest late customers' contacts are read, whatever their number
        self.assertLessEqual(large, small + 10)
        self.assertLess(large, 80)
