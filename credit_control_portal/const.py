"""Constants of the customer portal."""

# Files a customer may attach to a dispute from the portal.
DISPUTE_UPLOAD_MIMETYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
}
# System parameter: base URL of a Stripe-compatible test server (localstripe)
# a Stripe provider in test mode talks to instead of api.stripe.com; never
# followed by a live provider, deleted by data/neutralize.sql. Empty in production.
STRIPE_API_URL_PARAM = "credit_control_portal.stripe_api_url"
# HMAC scopes of the statement links and of the payment of a selection.
STATEMENT_TOKEN_SCOPE = "credit_control_portal.statement"
PAYMENT_TOKEN_SCOPE = "credit_control_portal.payment"
