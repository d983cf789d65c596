"""Constants of the risk scoring: factors, their normalization and the
risk classes. Every factor is brought to 0-100 (100 = no risk) so that the
score is the weighted mean of the factors, whatever their unit."""

# Factor codes in display order, with their default weight.
FACTOR_WEIGHTS = {
    "days_late": 30,
    "late_share": 20,
    "trend": 10,
    "broken_promises": 10,
    "open_disputes": 10,
    "limit_usage": 10,
    "seniority": 5,
    "volume": 5,
}

# Normalization bounds (documented in the help of the weights).
DAYS_LATE_ZERO = 60  # average days beyond terms that give 0
TREND_ZERO = 30  # days of worsening (recent vs 12 months) that give 0
PENALTY_PER_EVENT = 25  # points lost per broken promise or open dispute
LIMIT_USAGE_FULL = 50  # up to 50% of the limit used: 100, 100% used: 0
SENIORITY_FULL_DAYS = 1095  # three years of relationship give 100
VOLUME_FULL = 100000.0  # invoiced over 12 months giving 100 (log scale)

# History windows, in months.
HISTORY_MONTHS = 18
TREND_WINDOWS = (3, 6, 12)
VOLUME_MONTHS = 12

RISK_CLASSES = ["A", "B", "C", "D", "E"]
# Lowest score of each internal class; below the last: E.
SCORE_CLASS_THRESHOLDS = [(80, "A"), (65, "B"), (50, "C"), (35, "D")]
# The Sapin II level sets a floor on the class.
SAPIN_CLASS_FLOOR = {"low": "A", "medium": "C", "high": "D"}
# Months until the next review of a Sapin II assessment, per level.
SAPIN_REVIEW_MONTHS = {"low": 36, "medium": 24, "high": 12}
SAPIN_LEVELS = ["low", "medium", "high"]


def clamp(value, low=0.0, high=100.0):
    return max(low, min(high, value))


def score_class(score):
    """Internal class of a 0-100 score."""
    if score is None:
        return False
    for threshold, code in SCORE_CLASS_THRESHOLDS:
        if score >= threshold:
            return code
    return "E"


def worst_class(*classes):
    """The riskiest of the classes given (empty values ignored)."""
    known = [c for c in classes if c]
    return max(known, key=RISK_CLASSES.index) if known else False
