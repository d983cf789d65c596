from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo.tests import tagged

from .common import CreditControlCommon


@tagged("post_install", "-at_install")
class TestWorklistPriority(CreditControlCommon):
    """The collector's worklist comes sorted by priority: each overdue
    amount weighted by its days late, so that a small debt long overdue
    comes before a large one just overdue. The nightly job refreshes it, as
    days late grow every day."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.old = cls._create_customer("Atelier Durand SAS")
        cls.recent = cls._create_customer("Boulangerie Martin")
        cls.not_due = cls._create_customer("Fromagerie Roux")
        cls._create_invoices([
            # 800 due 1 February and 200 due 1 March
            {"partner": cls.old, "amount": 800.0, "date": date(2026, 1, 2), "due": date(2026, 2, 1)},
            {"partner": cls.old, "amount": 200.0, "date": date(2026, 1, 30), "due": date(2026, 3, 1)},
            {"partner": cls.recent, "amount": 5000.0, "date": date(2026, 3, 1), "due": date(2026, 3, 31)},
            {"partner": cls.not_due, "amount": 9000.0, "date": date(2026, 3, 15), "due": date(2026, 5, 14)},
        ])
        cls.dossiers = cls.env["credit.control.dossier"].search([
            ("partner_id", "in", (cls.old | cls.recent | cls.not_due).ids),
        ])

    def _refresh(self, day):
        with freeze_time(day):
            self.env["credit.control.dossier"]._cron_refresh_dossiers()
        self.dossiers.invalidate_recordset(["credit_priority"])

    def test_old_small_debt_before_recent_large_one(self):
        self._refresh("2026-04-10")
        # 800 x 68 days + 200 x 40 days; 5 000 x 10 days; nothing overdue
        self.assertRecordValues(
            self._dossier(self.old) | self._dossier(self.recent) | self._dossier(self.not_due),
            [{"credit_priority": 800 * 68 + 200 * 40}, {"credit_priority": 5000 * 10}, {"credit_priority": 0.0}],
        )
        worklist = self.env["credit.control.dossier"].with_user(self.collector_a).search(
            [("id", "in", self.dossiers.ids)], order="credit_priority desc",
        )
        self.assertEqual(worklist.partner_id, self.old | self.recent | self.not_due)

    def test_nightly_refresh(self):
        self._refresh("2026-04-10")
        self.assertEqual(self._dossier(self.recent).credit_priority, 50000.0)
        # days late grow every night: the recent large debt catches up
        self._refresh("2026-04-30")
        self.assertEqual(self._dossier(self.recent).credit_priority, 5000 * 30)
        self.assertEqual(self._dossier(self.old).credit_priority, 800 * 88 + 200 * 60)
        worklist = self.dossiers.search([("id", "in", self.dossiers.ids)], order="credit_priority desc")
        self.assertEqual(worklist.partner_id, self.recent | self.old | self.not_due)

    def test_paid_customer_leaves_the_top(self):
        self._refresh("2026-04-10")
        invoices = self.env["account.move"].search([("partner_id", "=", self.old.id)])
        with freeze_time("2026-04-10"):
            self._pay(invoices, payment_date=date(2026, 4, 10))
        self.env.invalidate_all()
        self.assertEqual(self._dossier(self.old).credit_priority, 0.0)

    def test_worklist_sorted_and_explained(self):
        field = self.env["credit.control.dossier"]._fields["credit_priority"]
        self.assertTrue(field.store, "the list sorts on it in SQL")
        self.assertIn("days late", field.help)
        for xmlid in ("credit_control_base.credit_control_dossier_action_my",
                      "credit_control_base.credit_control_dossier_action"):
            action = self.env.ref(xmlid)
            with self.subTest(action=xmlid):
                self.assertEqual(action.view_mode.split(",")[0], "list")
                views = self.env["credit.control.dossier"].with_user(self.collector_a).get_views(
                    [(False, "list"), (False, "kanban")], {"action_id": action.id},
                )["views"]
                for view_type in ("list", "kanban"):
                    arch = etree.fromstring(views[view_type]["arch"])
                    self.assertEqual(arch.get("default_order"), "credit_priority desc")
                    self.assertTrue(arch.xpath("//field[@name='credit_priority']"), view_type)


@tagged("post_install", "-at_install")
class TestCreditLimitBar(CreditControlCommon):
    """The credit-limit usage bar: red once the limit is exceeded, absent
    (not '0 %') when the customer has no limit; the figures' column titles
    fit."""

    def test_bar_arch(self):
        views = self.env["credit.control.dossier"].get_views([(False, "list"), (False, "form")])["views"]
        for view_type in ("list", "form"):
            arch = etree.fromstring(views[view_type]["arch"])
            with self.subTest(view_type=view_type):
                bar = arch.xpath("//field[@name='limit_usage']")[0]
                self.assertEqual(bar.get("widget"), "progressbar")
                self.assertIn("bg-danger", bar.get("options"))
                # the progress bar overflows at its max value: 100 (%)
                self.assertNotIn("max_value", bar.get("options"))
                self.assertEqual(bar.get("invisible"), "not credit_limit")
        list_arch = etree.fromstring(views["list"]["arch"])
        for fname in ("max_days_overdue", "overdue_invoice_count", "limit_usage", "credit_priority"):
            with self.subTest(column=fname):
                self.assertTrue(list_arch.xpath(f"//field[@name='{fname}'][@width]"), "a width its title fits in")

    @freeze_time("2026-04-10")
    def test_usage_values(self):
        customer = self._create_customer("Client Plafonné")
        unlimited = self._create_customer("Client Libre")
        customer.with_company(self.company).credit_limit = 1000.0
        self._create_invoice(customer, 1500.0, due=date(2026, 5, 1))
        self._create_invoice(unlimited, 1500.0, due=date(2026, 5, 1))
        self.assertRecordValues(self._dossier(customer) | self._dossier(unlimited), [
            {"credit_limit": 1000.0, "limit_usage": 150.0, "limit_breached": True},
            {"credit_limit": 0.0, "limit_usage": 0.0, "limit_breached": False},
        ])
