"""Pure functions turning the payment facts of a customer into factors and
a score: no database access, so that the rules read in one place."""
import math

from .const import (
    DAYS_LATE_ZERO,
    FACTOR_WEIGHTS,
    LIMIT_USAGE_FULL,
    PENALTY_PER_EVENT,
    SENIORITY_FULL_DAYS,
    TREND_ZERO,
    VOLUME_FULL,
    clamp,
)


def _round(value, digits=2):
    return round(float(value or 0.0), digits)


def normalize_factors(facts):
    """Return ``{code: (raw value, normalized 0-100, detail)}`` for the
    facts of one customer. ``facts`` holds ``days_late`` (amount-weighted
    average days beyond terms), ``late_count`` / ``evaluated_count``,
    ``days_late_3``/``_6``/``_12`` (same metric by due date window, None
    when the window is empty), ``broken_promises``, ``open_disputes``,
    ``limit_usage`` (% of the credit limit, 0 without limit),
    ``seniority_days`` and ``volume``."""
    days_late = _round(facts.get("days_late"))
    evaluated = facts.get("evaluated_count") or 0
    late_share = _round(100.0 * (facts.get("late_count") or 0) / evaluated) if evaluated else 0.0
    windows = [facts.get(f"days_late_{months}") for months in (3, 6, 12)]
    recent = next((w for w in windows if w is not None), None)
    reference = windows[2]
    trend = _round(recent - reference) if recent is not None and reference is not None else 0.0
    broken = facts.get("broken_promises") or 0
    disputes = facts.get("open_disputes") or 0
    usage = _round(facts.get("limit_usage"))
    seniority = facts.get("seniority_days") or 0
    volume = _round(facts.get("volume"))
    detail_windows = " / ".join("-" if w is None else f"{float(w):.1f}" for w in windows)
    return {
        "days_late": (days_late, _round(100.0 - days_late * 100.0 / DAYS_LATE_ZERO), ""),
        "late_share": (late_share, _round(100.0 - late_share), f"{facts.get('late_count') or 0}/{evaluated}"),
        "trend": (trend, _round(100.0 - max(trend, 0.0) * 100.0 / TREND_ZERO), detail_windows),
        "broken_promises": (float(broken), _round(100.0 - broken * PENALTY_PER_EVENT), ""),
        "open_disputes": (float(disputes), _round(100.0 - disputes * PENALTY_PER_EVENT), ""),
        "limit_usage": (usage, _round(100.0 - max(usage - LIMIT_USAGE_FULL, 0.0) * 100.0 / LIMIT_USAGE_FULL), ""),
        "seniority": (float(seniority), _round(seniority * 100.0 / SENIORITY_FULL_DAYS), ""),
        "volume": (volume, _round(100.0 * math.log10(1.0 + max(volume, 0.0)) / math.log10(1.0 + VOLUME_FULL)), ""),
    }


def clamp_factors(factors):
    return {code: (raw, clamp(norm), detail) for code, (raw, norm, detail) in factors.items()}


def score_factors(facts, weights):
    """Return ``(score, rows)``: the weighted mean of the normalized
    factors and one row per factor with its contribution (contributions add
    up to the score)."""
    factors = clamp_factors(normalize_factors(facts))
    total = sum(weights.get(code, 0) for code in FACTOR_WEIGHTS) or 1
    rows = []
    for sequence, code in enumerate(FACTOR_WEIGHTS):
        raw, normalized, detail = factors[code]
        weight = weights.get(code, 0)
        rows.append({
            "code": code,
            "sequence": sequence,
            "raw_value": raw,
            "normalized": normalized,
            "weight": weight,
            "contribution": _round(normalized * weight / total),
            "detail": detail,
        })
    score = round(sum(normalized * weights.get(code, 0) for code, (_r, normalized, _d) in factors.items()) / total, 1)
    return score, rows
