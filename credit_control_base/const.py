"""Constants shared by the credit-control modules."""

# Aging buckets of an overdue amount: (code, lower bound, upper bound) in days
# past due, bounds included; None means unbounded. 'not_due' covers amounts
# whose due date is today or later. Labels live in AGING_BUCKET_SELECTION so
# that they are translated.
AGING_BUCKETS = [
    ("not_due", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("91_120", 91, 120),
    ("120_plus", 121, None),
]

AGING_BUCKET_SELECTION = [
    ("not_due", "Not due"),
    ("1_30", "1-30 days"),
    ("31_60", "31-60 days"),
    ("61_90", "61-90 days"),
    ("91_120", "91-120 days"),
    ("120_plus", "More than 120 days"),
]

# Move types whose receivable lines are collected: customer invoices and
# receipts. Credit notes only lower what is owed.
COLLECTIBLE_MOVE_TYPES = ("out_invoice", "out_receipt")


def aging_bucket(days_overdue):
    """Return the code of the aging bucket of an amount `days_overdue` days
    past due (0 or less: not due)."""
    for code, low, high in AGING_BUCKETS:
        if (low is None or days_overdue >= low) and (high is None or days_overdue <= high):
            return code
    return AGING_BUCKETS[-1][0]
