import html

import stripe
from lxml import etree

from odoo.tests import tagged

from .common import CreditPortalCommon

# Stripe.js's Payment Element API on top of localstripe's fake Stripe.js
# (static/tests/localstripe_payment_element.js): in no asset bundle.
PAYMENT_ELEMENT_SHIM = "/credit_control_portal/static/tests/localstripe_payment_element.js"


class AutopayTourCommon(CreditPortalCommon):
    """The autopay opt-in in Chromium, as the customer does it: a new card
    saved through Odoo's payment form and payment_stripe, with the consent,
    logged in on the portal then revoked in one click, and from a reminder's
    signed link without a login. Stripe.js is localstripe's, with the
    Payment Element API payment_stripe uses added by a test-only script:
    the browser talks to localstripe as it talks to Stripe, nothing in the
    page is played by the test."""

    lang = "en"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._use_localstripe_js()

    @classmethod
    def _use_localstripe_js(cls):
        """payment_stripe's page loads https://js.stripe.com/v3/, out of reach
        here: for this class only (its transaction is rolled back, the
        template cache cleared after each test), localstripe's fake Stripe.js
        and the shim instead."""
        view = cls.env.ref("payment_stripe.sdk_assets")
        arch = etree.fromstring(view.arch)
        script = arch.xpath("//script[@src='https://js.stripe.com/v3/']")[0]
        script.set("src", f"{cls.stripe_url}/js.stripe.com/v3/")
        shim = etree.Element("script", type="text/javascript", src=PAYMENT_ELEMENT_SHIM)
        shim.text = ""
        script.addnext(shim)
        view.arch = etree.tostring(arch, encoding="unicode")

    def _tour(self, url, name, login=None):
        self.start_tour(url, f"credit_control_portal_autopay_{name}_{self.lang}", login=login, timeout=120)
        self.env.invalidate_all()

    def _consent_words(self):
        return "J'autorise" if self.lang == "fr" else "I authorise"

    def _assert_saved_on_autopay(self, payer, sepa=False):
        """The method typed (the card 4242..., or the IBAN ...2606) is a
        payment.token of ``payer`` holding the localstripe customer and
        payment method, and the customer is on autopay with it, the consent
        kept with the mandate reference."""
        setup = self.env["payment.transaction"].search([
            ("credit_dossier_id", "=", self.dossier.id), ("credit_autopay_setup", "=", True),
        ])
        self.assertRecordValues(setup, [{
            "state": "done", "operation": "validation", "partner_id": payer.id, "provider_id": self.provider.id,
        }])
        token = setup.token_id
        last4 = "2606" if sepa else "4242"
        self.assertRecordValues(token, [{
            "partner_id": payer.id, "provider_id": self.provider.id, "payment_details": last4, "active": True,
        }])
        # payment_stripe files a card under the brand Stripe reports
        self.assertEqual(token.payment_method_id, self.env.ref(
            "payment.payment_method_sepa_direct_debit" if sepa else "payment.payment_method_visa"
        ))
        client = stripe.StripeClient(self.provider.stripe_secret_key, base_addresses={"api": self.stripe_url})
        method = client.payment_methods.retrieve(token.stripe_payment_method)
        self.assertEqual(method.customer, token.provider_ref, "the method is attached to its Stripe customer")
        self.assertEqual(method.type, "sepa_debit" if sepa else "card")
        self.assertEqual(method[method.type].last4, last4)
        self.assertTrue(token.provider_ref.startswith("cus_"))

        self.assertRecordValues(self.dossier, [{"autopay_active": True, "autopay_token_id": token.id}])
        reference = self.dossier.autopay_mandate_ref
        self.assertTrue(reference.startswith(f"CC-{self.dossier.id}-"))
        consent = self.dossier.message_ids.filtered(lambda m: reference in m.body)
        self.assertEqual(consent.author_id, payer)
        self.assertIn(self._consent_words(), html.unescape(consent.body), "the consent, in the customer's language")
        return token

    def _check_portal_user_saves_a_card_then_revokes(self):
        self.assertFalse(self.env["payment.token"].search([("partner_id", "child_of", self.customer.id)]))
        self._tour("/my/credit", "save_card", login="claire")
        token = self._assert_saved_on_autopay(self.contact)
        reference = self.dossier.autopay_mandate_ref

        self._tour("/my/credit", "revoke", login="claire")
        self.assertRecordValues(self.dossier, [{"autopay_active": False, "autopay_token_id": False}])
        self.assertNotIn(self.dossier, self.env["credit.control.dossier"].search([("autopay_active", "=", True)]))
        revoked = self.dossier.message_ids[:1]
        self.assertIn(reference, revoked.body)
        self.assertEqual(revoked.author_id, self.contact)
        self.assertTrue(token.active, "the card stays saved, for the customer to choose again")

    def _check_signed_link_saves_a_card_without_login(self):
        self._tour(self._statement_url(), "save_card")
        self._assert_saved_on_autopay(self.customer)


@tagged("post_install", "-at_install")
class TestAutopayTour(AutopayTourCommon):

    def test_portal_user_saves_a_card_then_revokes(self):
        self._check_portal_user_saves_a_card_then_revokes()

    def test_signed_link_saves_a_card_without_login(self):
        self._check_signed_link_saves_a_card_without_login()

    def test_declined_card_saves_nothing(self):
        """localstripe declines the card 4000 0000 0000 0002 as Stripe does:
        the refusal is shown on the page, nothing is saved, no autopay."""
        self._tour(self._statement_url(), "declined")
        self.assertFalse(self.env["payment.token"].search([("partner_id", "child_of", self.customer.id)]))
        self.assertRecordValues(self.dossier, [{"autopay_active": False, "autopay_token_id": False}])
        setup = self.env["payment.transaction"].search([("credit_dossier_id", "=", self.dossier.id)])
        self.assertNotEqual(setup.state, "done")

    def test_signed_link_saves_a_sepa_mandate(self):
        """Where the provider offers SEPA Direct Debit, the customer chooses
        it on the same page and types its IBAN."""
        sepa = self.env.ref("payment.payment_method_sepa_direct_debit")
        sepa.active = True
        self.provider.payment_method_ids |= sepa
        self._tour(self._statement_url(), "save_sepa")
        self._assert_saved_on_autopay(self.customer, sepa=True)


@tagged("post_install", "-at_install")
class TestAutopayTourFrench(AutopayTourCommon):
    """The same in French: the portal user and the customer read French."""

    lang = "fr"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._read_french()

    def test_portal_user_saves_a_card_then_revokes(self):
        self._check_portal_user_saves_a_card_then_revokes()

    def test_signed_link_saves_a_card_without_login(self):
        self._check_signed_link_saves_a_card_without_login()
