from unittest.mock import patch

from odoo.tests import TransactionCase, tagged

from ..const import STRIPE_API_URL_PARAM

STRIPE_MODULE = "odoo.addons.credit_control_portal.models.payment_provider"


@tagged("post_install", "-at_install")
class TestStripeUrl(TransactionCase):
    """The Stripe server named by the system parameter (localstripe for the
    tests and demos) receives the secret key of a provider in test mode only:
    a live provider always talks to api.stripe.com."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(STRIPE_API_URL_PARAM, "https://collector.example")
        cls.provider = cls.env.ref("payment.payment_provider_stripe").sudo().copy({"name": "Stripe (copy)"})
        cls.provider.write({"stripe_secret_key": "sk_live_secret", "stripe_publishable_key": "pk_live"})

    def _request(self, state):
        self.provider.state = state
        response = type("Response", (), {"ok": True, "status_code": 200, "json": lambda self: {"id": "pi_1"}})()
        with patch(f"{STRIPE_MODULE}.stripe.StripeClient") as client, \
                patch("odoo.addons.payment_stripe.models.payment_provider.requests.request",
                      return_value=response) as request:
            client.return_value.raw_request.return_value.data = {"id": "pi_1"}
            self.provider._stripe_make_request("payment_intents", payload={"amount": 100})
        return client, request

    def test_live_provider_ignores_the_parameter(self):
        client, request = self._request("enabled")
        client.assert_not_called()
        request.assert_called_once()
        self.assertTrue(request.call_args.args[1].startswith("https://api.stripe.com/"))

    def test_test_provider_follows_the_parameter(self):
        client, request = self._request("test")
        request.assert_not_called()
        self.assertEqual(client.call_args.kwargs["base_addresses"], {"api": "https://collector.example"})
