import html
import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import stripe

from odoo import fields
from odoo.tests import tagged

from odoo.addons.credit_control_base.tests.common import load_french

from .common import CreditPortalCommon

CARD = {"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}}
IBAN = {"type": "sepa_debit", "sepa_debit": {"iban": "FR1420041010050500013M02606"}}


class AutopaySignedLinkCommon(CreditPortalCommon):
    """A customer without a portal account, arriving from a reminder's
    signed link, saves a new card (or SEPA mandate) for autopay through
    Odoo's payment form in validation mode: payment_stripe makes the Stripe
    customer and SetupIntent (localstripe), the test plays Stripe.js (it
    confirms the SetupIntent with the details typed, then comes back to
    payment_stripe's return route, and the status page polls)."""

    def _setup_page(self, token, consent=True):
        response = self._post("autopay/new", {"autopay_consent": "1"} if consent else {}, token)
        context = {
            key: html.unescape(value)
            for key, value in re.findall(r'data-(access-token|transaction-route|landing-route|mode)="([^"]*)"',
                                         response.text)
        }
        return response, context

    def _rpc(self, url, params):
        response = self.url_open(
            url, data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def _transaction(self, page, method=None, **extra):
        """What the payment form of ``page`` posts for a new method."""
        return self._rpc(page["transaction-route"], {
            "provider_id": self.provider.id,
            "payment_method_id": (method or self.card).id,
            "token_id": None,
            "amount": None,
            "flow": "direct",
            "tokenization_requested": True,
            "landing_route": page["landing-route"],
            "is_validation": True,
            "access_token": page["access-token"],
            **extra,
        })

    def _confirm_like_stripe_js(self, processing, method_data):
        """Stripe.js in the browser: the SetupIntent confirmed with the
        details typed, then back to payment_stripe's return URL, then the
        status page's poll (which post-processes the transaction)."""
        client = stripe.StripeClient(self.provider.stripe_secret_key, base_addresses={"api": self.stripe_url})
        setup_intent_id = processing["client_secret"].split("_secret_")[0]
        method = client.payment_methods.create(params=method_data)
        client.setup_intents.confirm(setup_intent_id, params={
            "payment_method": method.id, "client_secret": processing["client_secret"],
        })
        return_url = urlsplit(processing["return_url"])
        response = self.url_open(
            f"{return_url.path}?{return_url.query}&setup_intent={setup_intent_id}", allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        return self._rpc("/payment/status/poll", {})["result"]

    def _post_new(self, token):
        """The statement's "save a new method" button, with a link that
        opens no statement (the CSRF token from another page)."""
        csrf = self._csrf_token(self._statement_url(self.other_dossier))
        return self.url_open(f"/my/credit/{self.dossier.id}/autopay/new", data={
            "autopay_consent": "1", "access_token": token, "csrf_token": csrf,
        }, allow_redirects=False)

    def _setup_transactions(self):
        return self.env["payment.transaction"].search([
            ("credit_dossier_id", "=", self.dossier.id), ("operation", "=", "validation"),
        ])

    def _tokens(self):
        return self.env["payment.token"].search([("partner_id", "child_of", self.customer.id)])


@tagged("post_install", "-at_install")
class TestAutopaySignedLink(AutopaySignedLinkCommon):

    def test_new_card_from_the_signed_link_then_charged(self):
        token = self._new_token()
        statement = self.url_open(self._statement_url(token=token))
        self.assertIn("o_credit_autopay_new", statement.text, "no saved method: the statement offers a new one")

        response, _page = self._setup_page(token, consent=False)
        self.assertEqual(response.status_code, 400, "no consent ticked, no page")
        response, page = self._setup_page(token)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(page["mode"], "validation")
        self.assertIn("I authorise", response.text)
        self.assertEqual(page["transaction-route"], f"/my/credit/{self.dossier.id}/autopay/transaction")
        self.assertNotEqual(page["access-token"], token, "the page carries its own token, not the statement's")

        answer = self._transaction(page)
        self.assertNotIn("error", answer, answer.get("error"))
        processing = answer["result"]
        tx = self._setup_transactions()
        self.assertRecordValues(tx, [{
            "partner_id": self.customer.id, "operation": "validation", "tokenize": True,
            "credit_autopay_setup": True, "provider_id": self.provider.id,
        }])
        self.assertTrue(processing["client_secret"].startswith("seti_"), "a SetupIntent, made by payment_stripe")

        poll = self._confirm_like_stripe_js(processing, CARD)
        self.assertEqual(poll["state"], "done")
        self.assertTrue(poll["landing_route"].startswith(f"/my/credit/{self.dossier.id}?access_token="))
        card = self._tokens()
        self.assertEqual(len(card), 1)
        self.assertRecordValues(card, [{"partner_id": self.customer.id, "payment_details": "4242"}])
        self.assertTrue(card.provider_ref.startswith("cus_") and card.stripe_payment_method.startswith("pm_"))
        self.assertEqual(self.dossier.autopay_token_id, card)
        consent = self.dossier.message_ids[:1]
        self.assertIn(self.dossier.autopay_mandate_ref, consent.body)
        self.assertIn("I authorise", consent.body)
        self.assertEqual(consent.author_id, self.customer)
        page = self.url_open(poll["landing_route"])
        self.assertIn(self.dossier.autopay_mandate_ref, page.text)

        # the method saved is charged off-session on the due date
        today = fields.Date.context_today(self.env.user)
        invoice = self._create_invoices([{
            "partner": self.customer, "amount": 120.0, "date": today, "due": today + timedelta(days=10),
        }])
        Charge = self.env["credit.control.autopay.charge"]
        Charge._credit_autopay_run(today=today + timedelta(days=5))
        Charge._credit_autopay_run(today=today + timedelta(days=10))
        self.assertEqual(Charge.search([("move_id", "=", invoice.id)]).state, "done")
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))

    def test_sepa_mandate_from_the_signed_link(self):
        sepa = self.env.ref("payment.payment_method_sepa_direct_debit")
        sepa.active = True
        self.provider.payment_method_ids |= sepa
        response, page = self._setup_page(self._new_token())
        self.assertIn(f'id="o_payment_method_{sepa.id}"', response.text, "the provider offers SEPA: shown")
        answer = self._transaction(page, method=sepa)
        self.assertNotIn("error", answer, answer.get("error"))
        poll = self._confirm_like_stripe_js(answer["result"], IBAN)
        self.assertEqual(poll["state"], "done")
        mandate = self._tokens()
        self.assertRecordValues(mandate, [{"payment_method_id": sepa.id, "payment_details": "2606"}])
        self.assertEqual(self.dossier.autopay_token_id, mandate)

    def test_expired_or_forged_links_create_nothing(self):
        expired = self.dossier._credit_statement_token(self.dossier._credit_now() - 60)
        response = self._post_new(expired)
        self.assertEqual(response.status_code, 403, "a genuine link too old: the page explains it")
        self.assertIn("o_credit_link_expired", response.text)
        forged = f"{self.dossier._credit_now() + 3600}.{'0' * 64}"
        response = self._post_new(forged)
        self.assertEqual(response.status_code, 404)
        other = self._new_token(self.other_dossier)
        response = self._post_new(other)
        self.assertEqual(response.status_code, 404, "another customer's link opens nothing here")

        _response, page = self._setup_page(self._new_token())
        refused = {
            "forged setup token": {"access_token": forged},
            "the statement's token": {"access_token": self._new_token()},
            "expired setup token": {"access_token": self.dossier._credit_autopay_setup_token(
                self.dossier._credit_now() - 1)},
            "another customer's setup token": {"access_token": self.other_dossier._credit_autopay_setup_token(
                self.other_dossier._credit_now() + 3600)},
            "a partner named by the browser": {"partner_id": self.other_customer.id},
            "a method not offered": {"payment_method_id": self.env.ref("payment.payment_method_paypal").id},
            "a saved token": {"flow": "token"},
        }
        for case, extra in refused.items():
            with self.subTest(case=case):
                answer = self._transaction(page, **extra)
                self.assertIn("error", answer)
        self.assertFalse(self.env["payment.transaction"].search([("partner_id", "child_of", [
            self.customer.id, self.other_customer.id,
        ])]), "nothing created, nothing asked to Stripe")
        self.assertFalse(self._tokens())
        self.assertFalse(self.dossier.autopay_token_id)

        # links revoked by the credit manager: the page already open stops too
        self.dossier.sudo().statement_link_version += 1
        answer = self._transaction(page)
        self.assertIn("error", answer)
        self.assertFalse(self._setup_transactions())


@tagged("post_install", "-at_install")
class TestAutopaySignedLinkFrench(AutopaySignedLinkCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env)
        (cls.customer | cls.contact).lang = "fr_FR"

    def test_new_card_in_french(self):
        token = self._new_token()
        statement = self.url_open(self._statement_url(token=token))
        self.assertIn("Enregistrer une nouvelle carte ou un compte bancaire", statement.text)
        response, page = self._setup_page(token)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Enregistrer un moyen de paiement pour le paiement automatique", response.text)
        self.assertIn("J'autorise", html.unescape(response.text))
        answer = self._transaction(page)
        poll = self._confirm_like_stripe_js(answer["result"], CARD)
        self.assertEqual(poll["state"], "done")
        self.assertTrue(self.dossier.autopay_token_id)
        self.assertIn("J'autorise", html.unescape(self.dossier.message_ids[:1].body))

        expired = self.dossier._credit_statement_token(self.dossier._credit_now() - 60)
        response = self._post_new(expired)
        self.assertEqual(response.status_code, 403)
        self.assertIn("o_credit_link_expired", response.text)
