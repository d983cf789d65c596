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
# HMAC scope of the page where a customer saves a new method for autopay:
# proves the statement link was checked and the consent ticked.
AUTOPAY_SETUP_TOKEN_SCOPE = "credit_control_portal.autopay_setup"
# Short statement links printed on letters, /cc/<code>: Crockford's base32
# (no I, L, O, U; read case-insensitively, O as 0, I and L as 1), the code
# being the dossier id, the expiry day and a truncated HMAC of both with the
# link version. 9 signature characters are 45 bits: a guess succeeds once in
# 3.5e13, some 5,000 years of 100 requests a second for one hit. Nothing is
# stored: like the long link, it is checked against the signature, the
# expiry and the dossier's link version (revocation).
SHORT_LINK_SCOPE = "credit_control_portal.statement_short"
SHORT_LINK_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SHORT_LINK_SIGNATURE_CHARS = 9
# expiry as days since 2020-01-01, in 3 characters: until 2109
SHORT_LINK_EXPIRY_CHARS = 3
SHORT_LINK_EPOCH_DAY = 18262  # 2020-01-01, in days since 1970-01-01
