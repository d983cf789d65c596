"""Start localstripe, the Stripe API stand-in the tests pay against.

localstripe 1.15 refuses two PaymentIntent parameters of the real Stripe API
that Odoo's payment_stripe sends: ``description`` (the transaction reference,
always) and ``shipping`` (the invoice's delivery address), and the
``description`` and ``payment_method_options`` of a SetupIntent (saving a
card or a SEPA mandate; the options are the e-mandate of Indian cards
payment_stripe asks for in most currencies, kept, not simulated); and a
confirmed SetupIntent leaves its payment method unattached to the customer,
where Stripe attaches it. This launcher teaches it to accept and keep them,
to attach the method as Stripe does, and to honour the ``Idempotency-Key``
header as Stripe does (a POST repeated with the same key gets the first
answer back, and nothing is created twice: what the autopay charges rely on),
then starts the server.

    python setup/localstripe_server.py --port 8420 --from-scratch
"""

from aiohttp import web
from localstripe import resources, server

_payment_intent_init = resources.PaymentIntent.__init__


def _init_with_description(self, description=None, shipping=None, **kwargs):
    _payment_intent_init(self, **kwargs)
    self.description = description
    self.shipping = shipping


resources.PaymentIntent.__init__ = _init_with_description

_setup_intent_init = resources.SetupIntent.__init__
_setup_intent_attach_pm = resources.SetupIntent._attach_pm


def _setup_init_with_description(self, description=None, payment_method_options=None, **kwargs):
    _setup_intent_init(self, **kwargs)
    self.description = description
    self.payment_method_options = payment_method_options or {}


def _attach_pm_to_customer(self, pm):
    """Stripe attaches the method of a succeeded SetupIntent to its
    customer: the off-session charges that follow are made with both."""
    _setup_intent_attach_pm(self, pm)
    if self.status == "succeeded" and self.customer and not pm.customer:
        pm.customer = self.customer


resources.SetupIntent.__init__ = _setup_init_with_description
resources.SetupIntent._attach_pm = _attach_pm_to_customer

# (secret key, method, path, idempotency key) -> (status, body, content type)
_idempotent_answers = {}


@web.middleware
async def idempotency_middleware(request, handler):
    """Stripe keeps the answer of a POST sent with an idempotency key (an
    error included) and replays it for the same key: a charge retried after
    a lost answer or a rolled-back transaction is not made twice."""
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key:
        return await handler(request)
    cache_key = (request.headers.get("Authorization"), request.path, key)
    if cache_key in _idempotent_answers:
        status, body, content_type = _idempotent_answers[cache_key]
        return web.Response(
            status=status, body=body, content_type=content_type, headers={"Idempotent-Replayed": "true"}
        )
    response = await handler(request)
    if response.status < 500 and getattr(response, "body", None) is not None:
        _idempotent_answers[cache_key] = (response.status, response.body, response.content_type)
    return response


# outermost: the answer kept is the one the client got
server.app.middlewares.insert(0, idempotency_middleware)

if __name__ == "__main__":
    server.start()
