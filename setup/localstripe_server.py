"""Start localstripe, the Stripe API stand-in the tests pay against.

localstripe 1.15 refuses two PaymentIntent parameters of the real Stripe API
that Odoo's payment_stripe sends: ``description`` (the transaction reference,
always) and ``shipping`` (the invoice's delivery address). This launcher
teaches it to accept and keep them, then starts the server unchanged.

    python setup/localstripe_server.py --port 8420 --from-scratch
"""

from localstripe import resources, server

_payment_intent_init = resources.PaymentIntent.__init__


def _init_with_description(self, description=None, shipping=None, **kwargs):
    _payment_intent_init(self, **kwargs)
    self.description = description
    self.shipping = shipping


resources.PaymentIntent.__init__ = _init_with_description

if __name__ == "__main__":
    server.start()
