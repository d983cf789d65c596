import unittest
from datetime import date, datetime

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.credit_control_base.tests.common import load_french

from .common import EinvoiceCommon


class PortalCommon(EinvoiceCommon):
    """Two customers, each with a portal contact and an invoice its
    platform gave a status: 207 for Boulangerie Martin's, 205 for Garage
    Petit's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
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

    def _in_french(self):
        load_french(self.env)
        (self.customer | self.contact).lang = "fr_FR"
        self.env["res.users"].search([("login", "=", "martin")]).lang = "fr_FR"


@tagged("post_install", "-at_install")
class TestPortalStatus(PortalCommon, HttpCase):
    """The customer reads the latest e-invoicing status of each of its
    invoices on its statement and on the invoice's page (credit_control_portal
    shows what this module gives through credit_control_base's hook), and
    only of its own invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.env["ir.module.module"]._get("credit_control_portal").state != "installed":
            raise unittest.SkipTest("credit_control_portal shows the statuses on the portal: not installed")

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
        self._in_french()
        self.authenticate("martin", "martin")
        for url in (f"/my/credit/{self._dossier(self.customer).id}", f"/my/invoices/{self.invoice.id}"):
            code, page = self._page(url, follow=True)  # to the French address of the page
            self.assertEqual(code, 200)
            self.assertIn("Plateforme de facturation électronique", page)
            self.assertIn("207 En litige", page)
            self.assertIn("10/02/2026", page)
            self.assertIn("Prix unitaire erroné", page)


@tagged("post_install", "-at_install")
class TestPortalInvoiceList(PortalCommon, HttpCase):
    """Odoo's list of the customer's invoices (/my/invoices, without the
    credit-control portal) shows the latest platform status of each, and
    only of the reader's own invoices."""

    def test_the_list_shows_the_status_of_its_own_invoices(self):
        self.authenticate("martin", "martin")
        code, page = self._page("/my/invoices")
        self.assertEqual(code, 200)
        self.assertIn(self.invoice.name, page)
        self.assertIn("E-invoicing", page)
        self.assertIn("207 In Dispute", page)
        self.assertIn("02/10/2026", page)
        self.assertNotIn(self.other_invoice.name, page)
        self.assertNotIn("205 Approved", page)

    def test_the_other_customer_sees_only_its_own(self):
        self.authenticate("petit", "petit")
        code, page = self._page("/my/invoices")
        self.assertEqual(code, 200)
        self.assertIn(self.other_invoice.name, page)
        self.assertIn("205 Approved", page)
        self.assertIn("02/11/2026", page)
        self.assertNotIn(self.invoice.name, page)
        self.assertNotIn("207 In Dispute", page)

    def test_no_column_without_a_status(self):
        self.Status.search([("move_id", "=", self.invoice.id)]).unlink()
        self.authenticate("martin", "martin")
        code, page = self._page("/my/invoices")
        self.assertEqual(code, 200)
        self.assertIn(self.invoice.name, page)
        self.assertNotIn('name="credit_einvoice_status"', page)

    def test_a_status_not_readable_through_another_invoice(self):
        """The field reads nothing of an invoice its reader may not read."""
        martin = self.env["res.users"].search([("login", "=", "martin")])
        moves = (self.invoice | self.other_invoice).with_user(martin)
        self.assertEqual(moves.mapped("credit_einvoice_customer_label"), ["207 In Dispute", False])

    def test_in_french(self):
        self._in_french()
        self.authenticate("martin", "martin")
        code, page = self._page("/my/invoices", follow=True)  # to the French address of the page
        self.assertEqual(code, 200)
        self.assertIn("Facturation électronique", page)
        self.assertIn("207 En litige", page)
        self.assertIn("10/02/2026", page)
