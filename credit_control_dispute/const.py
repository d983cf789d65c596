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
