from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CreditPortalCommon


@tagged("post_install", "-at_install")
class TestStatementAccess(CreditPortalCommon):
    """A customer never sees another customer's invoices, whatever it tries."""

    def test_portal_contact_sees_its_statement_only(self):
        self.authenticate("claire", "claire")
        response = self.url_open("/my/credit", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(f"/my/credit/{self.dossier.id}"))
        page = self.url_open(f"/my/credit/{self.dossier.id}").text
        for invoice in self.invoices:
            self.assertIn(invoice.name, page)
        self.assertNotIn(self.other_invoice.name, page)
        self.assertIn("Statement of Account", self.url_open("/my").text)

    def test_id_enumeration_answers_not_found(self):
        self.authenticate("claire", "claire")
        self.assertEqual(self.url_open(f"/my/credit/{self.other_dossier.id}").status_code, 404)
        self.assertEqual(self.url_open("/my/credit/999999999").status_code, 404)
        pdf = f"/my/credit/{self.dossier.id}/invoice/{self.other_invoice.id}"
        self.assertEqual(self.url_open(pdf).status_code, 404)

    def test_link_without_account(self):
        token = self._new_token()
        response = self.url_open(self._statement_url(token=token))
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.invoice_1.name, response.text)
        self.assertIn(f"/my/credit/{self.dossier.id}/invoice/{self.invoice_1.id}?access_token=", response.text)
        invoice = self.url_open(f"/my/credit/{self.dossier.id}/invoice/{self.invoice_1.id}?access_token={token}")
        self.assertEqual(invoice.status_code, 200)
        self.assertIn(self.invoice_1.name, invoice.text)

    def test_tampered_and_foreign_tokens_answer_not_found(self):
        token = self._new_token()
        expiry, signature = token.split(".")
        tampered = [
            None,
            "",
            f"{expiry}.{signature[:-1]}{'0' if signature[-1] != '0' else '1'}",
            f"{int(expiry) + 86400}.{signature}",  # a longer life
            signature,
        ]
        for bad in tampered:
            url = f"/my/credit/{self.dossier.id}" + (f"?access_token={bad}" if bad is not None else "")
            self.assertEqual(self.url_open(url).status_code, 404, bad)
        # The link of one customer opens nothing of another.
        self.assertEqual(self.url_open(self._statement_url(self.other_dossier, token=token)).status_code, 404)

    def test_expired_and_revoked_links(self):
        expired = self.dossier._credit_statement_token(self.dossier._credit_now() - 1)
        response = self.url_open(self._statement_url(token=expired))
        self.assertEqual(response.status_code, 403)
        self.assertIn("This link has expired", response.text)
        self.assertNotIn(self.invoice_1.name, response.text)

        token = self._new_token()
        self.assertEqual(self.url_open(self._statement_url(token=token)).status_code, 200)
        self.dossier.with_user(self.credit_manager).action_revoke_statement_links()
        self.assertEqual(self.url_open(self._statement_url(token=token)).status_code, 404)
        self.assertEqual(self.url_open(self._statement_url(token=self._new_token())).status_code, 200)

    def test_another_company_of_the_same_customer(self):
        company_2 = self.setup_other_company(name="Durand Suisse")["company"]
        invoice_2 = self._create_invoices([{
            "partner": self.customer, "amount": 300.0, "date": date(2026, 1, 5), "due": date(2026, 2, 4),
            "company": company_2,
        }])
        dossier_2 = self.env["credit.control.dossier"].search([
            ("partner_id", "=", self.customer.id), ("company_id", "=", company_2.id),
        ])
        page = self.url_open(self._statement_url()).text
        self.assertIn(f"/invoice/{self.invoice_1.id}?", page)
        self.assertNotIn(f"/invoice/{invoice_2.id}?", page)
        self.assertNotIn("300.00", page)
        # The token of the first company's dossier does not open the second.
        self.assertEqual(self.url_open(self._statement_url(dossier_2, token=self._new_token())).status_code, 404)
        pdf = f"/my/credit/{self.dossier.id}/invoice/{invoice_2.id}?access_token={self._new_token()}"
        self.assertEqual(self.url_open(pdf).status_code, 404)

    def test_reminder_link_is_signed_and_expires(self):
        self.company.credit_portal_link_days = 10
        url = self.dossier._credit_statement_url()
        self.assertIn(f"/my/credit/{self.dossier.id}?access_token=", url)
        expiry = int(url.split("access_token=")[1].split(".")[0])
        self.assertAlmostEqual(expiry - self.dossier._credit_now(), 10 * 86400, delta=5)
        self.assertEqual(self.dossier._credit_check_statement_token(url.split("access_token=")[1]), "valid")
        self.assertFalse(self.other_dossier._credit_check_statement_token(url.split("access_token=")[1]))

    def test_collector_cannot_revoke_links(self):
        self.dossier._credit_statement_token(self.dossier._credit_now() + 60)
        with self.assertRaises(AccessError):
            self.dossier.with_user(self.collector_a).action_revoke_statement_links()

    def test_link_opens_in_the_customer_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["credit_control_portal"], ["fr_FR"], overwrite=True)
        (self.customer | self.contact).lang = "fr_FR"
        page = self.url_open(self._statement_url()).text
        self.assertIn("Relevé de compte", page)
        self.assertIn("Annoncer une date de paiement", page)
        self.assertRegex(page, r"1\s?000,00")
        self.assertIn("31/01/2026", page)

    def test_getting_started_payment_step(self):
        dashboard = self.env["credit.control.kpi.dashboard"].with_user(self.credit_manager).create({})
        dashboard.action_refresh()
        step = dashboard.onboarding_ids.filtered(lambda s: s.key == "payment")
        self.assertTrue(step.done, "the Stripe provider of the company is in test mode")
        self.assertEqual(step.action_open()["res_model"], "payment.provider")
        self.provider.state = "disabled"
        # failed before: any enabled provider ticked "Connect Stripe"
        self.provider.copy({"name": "Virement", "code": "none", "state": "enabled", "company_id": self.company.id})
        dashboard.action_refresh()
        self.assertFalse(dashboard.onboarding_ids.filtered(lambda s: s.key == "payment").done)

    def test_breadcrumb_names_the_statement_only(self):
        page = self.url_open(self._statement_url()).text
        breadcrumb = page[page.index("o_portal_submenu"):page.index("</ol>", page.index("o_portal_submenu"))]
        self.assertIn("Statement of Account", breadcrumb)
        self.assertNotIn(self.invoice_2.name, breadcrumb)
