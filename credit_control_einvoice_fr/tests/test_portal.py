import unittest
from datetime import date, datetime

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.credit_control_base.tests.common import load_french

from .common import EinvoiceCommon


@tagged("post_install", "-at_install")
class TestPortalStatus(EinvoiceCommon, HttpCase):
    """The customer reads the latest e-invoicing status of each of its
    invoices on its statement and on the invoice's page (credit_control_portal
    shows what this module gives through credit_control_base's hook), and
    only of its own invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.env["ir.module.module"]._get("credit_control_portal").state != "installed":
            raise unittest.SkipTest("credit_control_portal shows the statuses on the portal: not installed")
        cls.contact = cls._portal_contact(cls.customer, "martin")
        cls.other_customer = cls._customer("Garage Petit", company_registry="552081317")
        cls.other_invoice = cls._create_invoice(
            cls.other_customer, 800.0, date(2026, 1, 31), invoice_date=date(2026, 1, 3),
        )
        cls._portal_contact(cls.other_customer, "petit")

    @classmethod
    def _portal_contact(cls, customer, login):
        contact = cls.env["res.partner"].create({
            "name": f"{login.title()} (compta)", "parent_id": customer.id, "type": "invoice",
            "email": f"{login}@example.com",
        })
        new_test_user(
            cls.env, login=login, groups="base.group_portal", partner_id=contact.id,
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)],
        )
        return contact

    def setUp(self):
        super().setUp()
        self._import(
            self._message("207", reason="PU_ERR", reason_text="Prix unitaire erroné",
                          issued=datetime(2026, 2, 10, 9, 30)),
            self._message("205", invoice=self.other_invoice, issued=datetime(2026, 2, 11, 9, 30)),
        )

    def _page(self, url, follow=False):
        response = self.url_open(url, allow_redirects=follow)
        return response.status_code, response.text

    def test_the_customer_sees_the_status_of_its_own_invoices(self):
        self.authenticate("martin", "martin")
        code, page = self._page(f"/my/credit/{self._dossier(self.customer).id}")
        self.assertEqual(code, 200)
        self.assertIn("E-invoicing platform", page)
        self.assertIn("207 In Dispute", page)
        self.assertIn("02/10/2026", page)
        self.assertIn("Prix unitaire erroné", page)
        self.assertNotIn("205 Approved", page)
        code, page = self._page(f"/my/invoices/{self.invoice.id}")
        self.assertEqual(code, 200)
        self.assertIn("207 In Dispute", page)
        self.assertIn("Prix unitaire erroné", page)
        # another customer's invoice and statement stay out of reach
        code, page = self._page(f"/my/invoices/{self.other_invoice.id}")
        self.assertNotEqual(code, 200)
        self.assertNotIn("205 Approved", page)
        code, page = self._page(f"/my/credit/{self._dossier(self.other_customer).id}")
        self.assertEqual(code, 404)
        self.assertNotIn("205 Approved", page)

    def test_the_other_customer_sees_only_its_own(self):
        self.authenticate("petit", "petit")
        code, page = self._page(f"/my/credit/{self._dossier(self.other_customer).id}")
        self.assertEqual(code, 200)
        self.assertIn("205 Approved", page)
        self.assertNotIn("207 In Dispute", page)
        self.assertNotIn("Prix unitaire erroné", page)

    def test_in_french(self):
        load_french(self.env)
        (self.customer | self.contact).lang = "fr_FR"
        self.env["res.users"].search([("login", "=", "martin")]).lang = "fr_FR"
        self.authenticate("martin", "martin")
        for url in (f"/my/credit/{self._dossier(self.customer).id}", f"/my/invoices/{self.invoice.id}"):
            code, page = self._page(url, follow=True)  # to the French address of the page
            self.assertEqual(code, 200)
            self.assertIn("Plateforme de facturation électronique", page)
            self.assertIn("207 En litige", page)
            self.assertIn("10/02/2026", page)
            self.assertIn("Prix unitaire erroné", page)
