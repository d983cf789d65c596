import os
import re
from datetime import date

import stripe

from odoo import Command
from odoo.tests import HttpCase, new_test_user

from odoo.addons.credit_control_base.tests.common import load_french
from odoo.addons.credit_control_dispute.tests.common import CreditDisputeCommon

from ..const import STRIPE_API_URL_PARAM


class CreditPortalCommon(CreditDisputeCommon, HttpCase):
    """The dispute fixture's customer (two overdue invoices, 1 000 and 500)
    with a contact who has a portal account, another customer, and the
    Stripe provider of the company talking to localstripe."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stripe_url = os.environ.get("CC_LOCALSTRIPE_URL")
        if not cls.stripe_url:
            raise RuntimeError("These tests pay against localstripe: run them with setup/test, which starts it "
                               "and sets CC_LOCALSTRIPE_URL.")
        cls.env["ir.config_parameter"].sudo().set_param(STRIPE_API_URL_PARAM, cls.stripe_url)
        cls.card = cls.env.ref("payment.payment_method_card")
        cls.provider = cls.env.ref("payment.payment_provider_stripe").sudo().copy({
            "company_id": cls.company.id,
            "name": "Stripe (localstripe)",
        })
        cls.provider.write({
            "state": "test",
            "is_published": True,
            "allow_tokenization": True,
            "stripe_secret_key": "sk_test_credit_control",
            "stripe_publishable_key": "pk_test_credit_control",
            "stripe_webhook_secret": "whsec_credit_control",
            "payment_method_ids": [Command.set(cls.card.ids)],
        })
        cls.card.active = True
        cls.customer.email = "compta@boulangerie-martin.example"
        cls.contact = cls.env["res.partner"].create({
            "name": "Claire Martin",
            "parent_id": cls.customer.id,
            "email": "claire@boulangerie-martin.example",
            "type": "invoice",
        })
        cls.portal_user = new_test_user(
            cls.env, login="claire", groups="base.group_portal", partner_id=cls.contact.id,
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)],
        )
        cls.other_customer = cls._create_customer("Garage Petit")
        cls.other_invoice = cls._create_invoices([
            {"partner": cls.other_customer, "amount": 800.0, "date": date(2026, 1, 10), "due": date(2026, 2, 9)},
        ])
        cls.other_dossier = cls.env["credit.control.dossier"].search([("partner_id", "=", cls.other_customer.id)])

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @classmethod
    def _read_french(cls):
        """The customer, its contact and the portal user read French."""
        load_french(cls.env)
        (cls.customer | cls.contact).lang = "fr_FR"
        cls.portal_user.lang = "fr_FR"

    def _statement_url(self, dossier=None, token=None):
        dossier = dossier or self.dossier
        token = token if token is not None else dossier._credit_statement_token(dossier._credit_now() + 3600)
        return f"/my/credit/{dossier.id}?access_token={token}"

    def _csrf_token(self, url):
        """The CSRF token of the statement form, as a browser gets it."""
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, response.text[:500])
        return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)

    def _post(self, route, data, token, files=None, csrf=True):
        statement = self._statement_url(token=token) if token else f"/my/credit/{self.dossier.id}"
        data = dict(data)
        if token:
            data["access_token"] = token
        if csrf:
            data["csrf_token"] = self._csrf_token(statement)
        return self.url_open(f"/my/credit/{self.dossier.id}/{route}", data=data, files=files, allow_redirects=False)

    def _new_token(self, dossier=None):
        dossier = dossier or self.dossier
        return dossier._credit_statement_token(dossier._credit_now() + 3600)

    @classmethod
    def _saved_card(cls, partner, number="4242424242424242"):
        """A card saved on Stripe with the official SDK, and its Odoo token."""
        client = stripe.StripeClient(cls.provider.stripe_secret_key, base_addresses={"api": cls.stripe_url})
        customer = client.customers.create(params={"name": partner.name, "email": partner.email or ""})
        method = client.payment_methods.create(params={
            "type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2035, "cvc": "123"},
        })
        client.payment_methods.attach(method.id, params={"customer": customer.id})
        return cls.env["payment.token"].sudo().create({
            "provider_id": cls.provider.id,
            "payment_method_id": cls.card.id,
            "partner_id": partner.id,
            "provider_ref": customer.id,
            "stripe_payment_method": method.id,
            "payment_details": number[-4:],
        })
