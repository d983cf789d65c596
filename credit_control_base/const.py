"""Constants shared by the credit-control modules."""

# The dossier's aging amounts, one per aging bucket, from not due to the
# oldest. Their names keep the default limits (30/60/90/120 days); the limits
# in force are the company's (Settings), and the fields are titled with them.
DOSSIER_AGING_FIELDS = [
    "amount_not_due", "amount_1_30", "amount_31_60", "amount_61_90", "amount_91_120", "amount_120_plus",
]

# Move types whose receivable lines are collected: customer invoices and
# receipts. Credit notes only lower what is owed.
COLLECTIBLE_MOVE_TYPES = ("out_invoice", "out_receipt")

