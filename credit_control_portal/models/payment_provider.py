import stripe

from odoo import _, models
from odoo.exceptions import ValidationError

from odoo.addons.payment_stripe import const as stripe_const
from odoo.addons.payment_stripe import utils as stripe_utils

from ..const import STRIPE_API_URL_PARAM


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    def _stripe_make_request(self, endpoint, payload=None, method="POST", offline=False, idempotency_key=None):
        """Override of `payment_stripe` to send the requests of a provider in
        test mode to the Stripe-compatible server the system parameter names
        (localstripe on the loopback for the tests and demos), through the
        official SDK. A live provider always talks to api.stripe.com: its
        secret key never goes to a host chosen by a parameter. Without the
        parameter, nothing changes."""
        self.ensure_one()
        api_url = self.state == "test" and self.env["ir.config_parameter"].sudo().get_param(STRIPE_API_URL_PARAM)
        if not api_url:
            return super()._stripe_make_request(
                endpoint, payload=payload, method=method, offline=offline, idempotency_key=idempotency_key
            )
        client = stripe.StripeClient(
            stripe_utils.get_secret_key(self),
            base_addresses={"api": api_url.rstrip("/")},
            stripe_version=stripe_const.API_VERSION,
            max_network_retries=0,
        )
        options = {"headers": self._get_stripe_extra_request_headers()}
        if method == "POST" and idempotency_key:
            options["idempotency_key"] = idempotency_key
        params = {key: value for key, value in (payload or {}).items() if value is not None}
        try:
            response = client.raw_request(method.lower(), f"/v1/{endpoint}", **options, **params)
        except stripe.StripeError as error:
            # Like payment_stripe: an offline operation gets the error back to
            # handle it, an online one stops with Stripe's message.
            if offline and error.json_body:
                return error.json_body
            raise ValidationError(_(
                "Stripe: The communication with the API failed.\nStripe gave us the following info about the "
                "problem:\n'%s'",
                error.user_message or str(error),
            )) from error
        return response.data
