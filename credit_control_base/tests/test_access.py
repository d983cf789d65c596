from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CreditControlCommon


@tagged("post_install", "-at_install")
class TestAccess(CreditControlCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_a = cls._create_customer("Portefeuille A")
        cls.customer_b = cls._create_customer("Portefeuille B")
        cls.customer_free = cls._create_customer("Sans Collecteur")
        for customer in (cls.customer_a, cls.customer_b, cls.customer_free):
            cls._create_invoice(customer, 100.0, due=date(2026, 1, 31))
        cls.dossier_a = cls.env["credit.control.dossier"].search([("partner_id", "=", cls.customer_a.id)])
        cls.dossier_b = cls.env["credit.control.dossier"].search([("partner_id", "=", cls.customer_b.id)])
        cls.dossier_free = cls.env["credit.control.dossier"].search([("partner_id", "=", cls.customer_free.id)])
        cls.dossier_a.collector_id = cls.collector_a
        cls.dossier_b.collector_id = cls.collector_b

    def test_collector_sees_own_portfolio_and_unassigned(self):
        Dossier = self.env["credit.control.dossier"].with_user(self.collector_a)
        visible = Dossier.search([("id", "in", (self.dossier_a | self.dossier_b | self.dossier_free).ids)])
        self.assertEqual(visible, self.dossier_a | self.dossier_free)

    def test_collector_cannot_open_another_collectors_dossier(self):
        with self.assertRaises(AccessError):
            self.dossier_b.with_user(self.collector_a).read(["name", "open_amount"])
        with self.assertRaises(AccessError):
            self.dossier_b.with_user(self.collector_a).write({"collector_id": self.collector_a.id})

    def test_manager_sees_everything_and_configures(self):
        Dossier = self.env["credit.control.dossier"].with_user(self.credit_manager)
        ours = (self.dossier_a | self.dossier_b | self.dossier_free).ids
        self.assertEqual(len(Dossier.search([("id", "in", ours)])), 3)
        segment = self.env["credit.control.segment"].with_user(self.credit_manager).create({"name": "VIP"})
        self.assertTrue(segment)

    def test_collector_cannot_configure_segments(self):
        with self.assertRaises(AccessError):
            self.env["credit.control.segment"].with_user(self.collector_a).create({"name": "Mine"})

    def test_salesperson_reads_only_own_customers(self):
        salesperson = self._create_credit_user("sales_rep", "credit_control_base.group_credit_control_info")
        self.customer_b.user_id = salesperson
        Dossier = self.env["credit.control.dossier"].with_user(salesperson)
        visible = Dossier.search([("id", "in", (self.dossier_a | self.dossier_b).ids)])
        self.assertEqual(visible, self.dossier_b)
        with self.assertRaises(AccessError):
            self.dossier_b.with_user(salesperson).write({"collector_id": salesperson.id})

    def test_salesperson_without_credit_role_sees_no_credit_data(self):
        """Core refuses res.partner's credit and credit_limit to a salesperson
        without accounting rights: the dossier, which computes them under
        sudo, is not a way around it. Without a credit role, no dossier."""
        salesperson = self._create_credit_user("plain_rep", "base.group_user")
        self.customer_b.user_id = salesperson
        Dossier = self.env["credit.control.dossier"].with_user(salesperson)
        with self.assertRaises(AccessError):
            Dossier.search([("id", "=", self.dossier_b.id)])
        with self.assertRaises(AccessError):
            self.dossier_b.with_user(salesperson).read(["open_amount", "overdue_amount", "credit_limit", "exposure"])
        # Credit Info is the right that shows them
        salesperson.groups_id |= self.env.ref("credit_control_base.group_credit_control_info")
        values = self.dossier_b.with_user(salesperson).read(["open_amount", "credit_limit", "exposure"])[0]
        self.assertEqual(values["open_amount"], 100.0)

    def test_other_company_never_sees_our_dossiers(self):
        other = self.setup_other_company(name="Filiale Belge")
        other_company = other["company"]
        manager_other = self._create_credit_user(
            "manager_other", "credit_control_base.group_credit_control_manager", company=other_company,
        )
        customer = self._create_customer("Client Belge")
        self._create_invoice(customer, 100.0, due=date(2026, 1, 31), company=other_company)
        theirs = self._dossier(customer, other_company)
        self.assertTrue(theirs)
        Dossier = self.env["credit.control.dossier"].with_user(manager_other)
        self.assertEqual(Dossier.search([]), theirs)
        with self.assertRaises(AccessError):
            self.dossier_a.with_user(manager_other).read(["name"])
        # and segments of another company stay hidden
        segment = self.env["credit.control.segment"].create({"name": "Ours only", "company_id": self.company.id})
        self.assertFalse(self.env["credit.control.segment"].with_user(manager_other).search([("id", "=", segment.id)]))
