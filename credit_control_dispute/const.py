"""Constants of the disputes, promises and payment plans."""

DISPUTE_STATES = [
    ("new", "New"),
    ("in_progress", "In Progress"),
    ("resolved_credit_note", "Resolved by Credit Note"),
    ("resolved_justified", "Resolved as Justified"),
    ("rejected", "Rejected"),
]
# While a dispute is in one of these states its invoices get no reminder.
DISPUTE_OPEN_STATES = ("new", "in_progress")

PROMISE_STATES = [
    ("pending", "Pending"),
    ("kept", "Kept"),
    ("partially_kept", "Partially Kept"),
    ("broken", "Broken"),
    ("cancelled", "Cancelled"),
]

PLAN_STATES = [
    ("draft", "Draft"),
    ("active", "Active"),
    ("completed", "Completed"),
    ("broken", "Broken"),
    ("cancelled", "Cancelled"),
]

# Where a dispute, promise or plan was recorded from.
ORIGINS = [
    ("manual", "Manual"),
    ("invoice", "Invoice"),
    ("dossier", "Customer Dossier"),
    ("call", "Call"),
    ("portal", "Customer Portal"),
]

# How much more urgent a customer is on the worklist (its priority is
# multiplied by it) when a promise falls due or is late, and when a dispute
# is past its target date.
PROMISE_DUE_BOOST = 2.0
DISPUTE_LATE_BOOST = 2.0

# Links sent to a colleague (salesperson, warehouse, project manager, maybe
# without an Odoo account) to answer a dispute: signed like the customer's
# statement links (odoo.tools.misc.hmac with the database secret, the expiry
# in the token, constant-time comparison), with the link record's id in the
# signature so that revoking or answering one link closes that link only.
COLLEAGUE_TOKEN_SCOPE = "credit_control_dispute.colleague_link"
COLLEAGUE_LINK_DEFAULT_DAYS = 14
COLLEAGUE_LINK_STATES = [
    ("sent", "Sent"),
    ("answered", "Answered"),
    ("revoked", "Revoked"),
]
# What a colleague may propose.
COLLEAGUE_RESOLUTIONS = [
    ("credit_note", "Credit note"),
    ("justified", "Justified, no credit note"),
    ("reject", "Reject the claim"),
]
# Files a colleague may attach to an answer, judged on their content.
COLLEAGUE_UPLOAD_MIMETYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
}
COLLEAGUE_UPLOAD_MAX_MB = 10
COLLEAGUE_UPLOAD_MAX_FILES = 5
COLLEAGUE_COMMENT_MAX_LENGTH = 5000
