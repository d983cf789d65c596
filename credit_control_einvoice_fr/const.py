"""Constants of the French e-invoicing lifecycle (CDAR messages, BR-FR-CDV)."""

# The lifecycle statuses a platform exchanges about an invoice (MDT-105).
STATUSES = [
    ("200", "200 Deposited"),
    ("201", "201 Issued by the Platform"),
    ("202", "202 Received by the Platform"),
    ("203", "203 Made Available"),
    ("204", "204 Taken Over"),
    ("205", "205 Approved"),
    ("206", "206 Partially Approved"),
    ("207", "207 In Dispute"),
    ("208", "208 Suspended"),
    ("209", "209 Completed"),
    ("210", "210 Refused"),
    ("211", "211 Payment Transmitted"),
    ("212", "212 Collected"),
    ("213", "213 Rejected"),
    ("214", "214 Endorsed"),
]

# What each status does to the collection of the invoice.
STATUS_DISPUTE = ("206", "207")
STATUS_SUSPEND = ("208",)
STATUS_ALERT = ("210", "213")
STATUS_PAYMENT_SENT = "211"
STATUS_COLLECTED = "212"
STATUS_APPROVED = "205"
# A suspension (208) set by a platform message ends when the customer's
# platform moves the invoice on: taken over again, approved, completed or paid.
STATUS_RESUME = ("204", "205", "206", "209", "211")

# Characteristic type codes (MDT-207) of the amounts in a message.
AMOUNT_COLLECTED = "MEN"  # montant encaissé, with its VAT rate (BR-FR-CDV-14)
AMOUNT_NOT_APPROVED_TAXED = "MNATTC"
AMOUNT_APPROVED_TAXED = "MAPTTC"

# The fixed values of a lifecycle message sent by the seller's platform
# after the invoice was transmitted (MDT-2, MDT-3, MDT-77, MDT-91).
BUSINESS_PROCESS = "REGULATED"
GUIDELINE = "urn.cpro.gouv.fr:1p0:CDV:invoice"
ACK_TYPE_PROCESSING = 23
INVOICE_TYPE = "380"
SCHEME_SIREN = "0002"
SCHEME_ELECTRONIC_ADDRESS = "0225"
