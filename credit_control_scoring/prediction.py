"""When will it be paid? Pure functions (no database access) that turn the
paid instalments of a customer into a payment profile, and a profile and
an open instalment into a predicted payment date and the probability of a
payment more than 30 days late. The scoring cron stores the profiles on
the dossiers; the benchmark ``setup/bench/bench_predict.py`` replays
generated histories through these same functions.

The model, in short:

* the delay (payment date minus due date) of each paid instalment is
  weighted by its recency (half-life ``HALF_LIFE_DAYS``), which follows
  a customer that drifts; a weighted linear trend (days per month) and
  the effect of the amount (days per e-fold of the amount over the
  customer's median) are kept when the history is long enough, shrunk
  toward none;
* the usual delay, its spread and the share of payments more than 30 days
  late are shrunk toward the customer's segment (empirical Bayes): the
  segment counts as ``PRIOR_WEIGHT`` paid instalments, so a customer with
  two payments is mostly its segment and one with forty is itself;
* a habit (paying on a day of the month, or on a weekday) is kept when
  ``HABIT_SHARE`` of the payments fall on it, and the predicted date is
  moved to the nearest such day;
* an instalment already late and still unpaid is predicted from the delays
  longer than its current lateness (the normal tail beyond it), and is
  certain to be more than 30 days late once it is;
* each broken payment promise counts as one more payment more than 30 days
  late.
"""
import calendar
import functools
import math
from datetime import date, timedelta

LATE_DAYS = 30  # "paid late" means more than this many days after the due date
PRIOR_WEIGHT = 3.0  # the segment weighs as much as this many paid instalments
HALF_LIFE_DAYS = 180  # a payment half a year old counts half
MIN_TREND_PAYMENTS = 6  # fewer payments: no trend
MAX_TREND = 5.0  # days per month, either way
TREND_HORIZON_MONTHS = 3  # the trend is not extrapolated further
HABIT_SHARE = 0.6  # share of payments within HABIT_TOLERANCE days of the habit
HABIT_TOLERANCE = 2
MIN_HABIT_PAYMENTS = 4
WEEKDAY_SHARE = 0.6
MAX_AMOUNT_EFFECT = 15.0  # days per e-fold of the amount, either way
MIN_SIGMA = 2.0  # days: no profile is perfectly regular
END_OF_MONTH = 31  # pay_day value for "the last day of the month"
DEFAULT_PRIOR = {"delay": 0.0, "sigma": 10.0, "late_rate": 0.05}
DAYS_PER_MONTH = 30.44


def _normal_sf(x):
    """P(Z > x) for a standard normal Z."""
    return 0.5 * math.erfc(x / math.sqrt(2.0))


def _normal_pdf(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _month_day(year, month, day):
    """The date of ``day`` in that month (the last day for END_OF_MONTH or a
    day the month lacks)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


# Cached: the habit of each customer asks it for every day of the month and
# each of its payment dates, and customers pay on the same few hundred
# dates (without it, fitting the profiles was two fifths of a batch of the
# nightly scoring: 2,000 customers, 0.5 million calls). 16,384 distances,
# about 3 MB: 528 days of payments.
@functools.lru_cache(maxsize=1 << 14)
def _pay_day_distance(paid, pay_day):
    """Days between ``paid`` and the nearest occurrence of ``pay_day``."""
    best = None
    for shift in (-1, 0, 1):
        month = paid.month + shift
        year = paid.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        distance = abs((paid - _month_day(year, month, pay_day)).days)
        best = distance if best is None else min(best, distance)
    return best


def segment_prior(histories):
    """The prior of a segment from the paid histories of its customers
    (``[[(due, paid, amount)]]``): the mean delay, its spread and the share
    of payments more than 30 days late, every payment counted once."""
    delays = [(paid - due).days for history in histories for due, paid, _amount in history]
    if not delays:
        return dict(DEFAULT_PRIOR)
    mean = sum(delays) / len(delays)
    variance = sum((d - mean) ** 2 for d in delays) / len(delays)
    return prior_from_moments(len(delays), mean, math.sqrt(variance),
                              sum(1 for d in delays if d > LATE_DAYS) / len(delays))


def prior_from_moments(count, mean, sigma, late_rate):
    """A prior from aggregated figures (what the SQL of the cron returns),
    itself shrunk toward the default when the segment has few payments."""
    if not count:
        return dict(DEFAULT_PRIOR)
    weight = count / (count + PRIOR_WEIGHT)
    return {
        "delay": weight * float(mean) + (1 - weight) * DEFAULT_PRIOR["delay"],
        "sigma": max(weight * float(sigma or 0.0) + (1 - weight) * DEFAULT_PRIOR["sigma"], MIN_SIGMA),
        "late_rate": weight * float(late_rate) + (1 - weight) * DEFAULT_PRIOR["late_rate"],
    }


def fit_profile(history, prior, as_of, broken_promises=0):
    """The payment profile of a customer, a dict of plain numbers (stored
    as JSON on its dossier).

    :param history: ``[(due date, payment date, amount)]`` of its paid
        instalments
    :param prior: its segment's ``{"delay", "sigma", "late_rate"}``
    :param as_of: the day of the fit (recency is counted from it)
    :param broken_promises: payment promises it did not keep
    """
    # in one order whatever the order given (PostgreSQL's varies): sums of
    # floats in another order differ in their last digits
    history = sorted((due, paid, amount) for due, paid, amount in history if paid <= as_of)
    count = len(history)
    weights = [0.5 ** ((as_of - paid).days / HALF_LIFE_DAYS) for _due, paid, _amount in history]
    delays = [(paid - due).days for due, paid, _amount in history]
    total = sum(weights)
    profile = {"count": count, "as_of": as_of.isoformat(), "trend": 0.0, "pay_day": 0, "weekday": -1,
               "prior_delay": prior["delay"]}
    if not count or not total:
        profile.update(delay=prior["delay"], sigma=prior["sigma"], late_rate=prior["late_rate"],
                       own_delay=None)
        return profile
    mean = sum(w * d for w, d in zip(weights, delays, strict=True)) / total
    # Trend: weighted least squares of the delay on the due date, in months.
    trend = 0.0
    times = [(due - as_of).days / DAYS_PER_MONTH for due, _paid, _amount in history]
    if count >= MIN_TREND_PAYMENTS:
        t_mean = sum(w * t for w, t in zip(weights, times, strict=True)) / total
        spread = sum(w * (t - t_mean) ** 2 for w, t in zip(weights, times, strict=True))
        if spread > 0:
            slope = sum(w * (t - t_mean) * (d - mean) for w, t, d in zip(weights, times, delays, strict=True)) / spread
            trend = max(-MAX_TREND, min(MAX_TREND, slope * count / (count + PRIOR_WEIGHT)))
            # the level now, on the trend line, rather than at the weighted mean date
            mean += trend * (0.0 - t_mean)
    residuals = [d - mean - trend * t for d, t in zip(delays, times, strict=True)]
    # Amounts: do the larger invoices wait longer (an approval, a budget)?
    # Weighted slope of the residual delay on the log of the amount over
    # its median, shrunk toward none like the trend.
    amounts = sorted(amount for _due, _paid, amount in history if amount > 0)
    median = amounts[len(amounts) // 2] if amounts else 0.0
    amount_slope = 0.0
    if count >= MIN_TREND_PAYMENTS and median > 0:
        sizes = [math.log(amount / median) if amount > 0 else 0.0 for _due, _paid, amount in history]
        s_mean = sum(w * x for w, x in zip(weights, sizes, strict=True)) / total
        spread = sum(w * (x - s_mean) ** 2 for w, x in zip(weights, sizes, strict=True))
        if spread > 0:
            slope = sum(w * (x - s_mean) * r for w, x, r in zip(weights, sizes, residuals, strict=True)) / spread
            noise = sum(w * r * r for w, r in zip(weights, residuals, strict=True)) / total
            # kept only when clearly there (twice its standard error): an
            # effect fitted on noise moves every prediction of a regular payer
            if abs(slope) < 2 * math.sqrt(noise / spread):
                slope = 0.0
            amount_slope = max(-MAX_AMOUNT_EFFECT, min(MAX_AMOUNT_EFFECT, slope * count / (count + PRIOR_WEIGHT)))
            residuals = [r - amount_slope * (x - s_mean) for r, x in zip(residuals, sizes, strict=True)]
            mean -= amount_slope * s_mean
    variance = sum(w * r * r for w, r in zip(weights, residuals, strict=True)) / total
    late = sum(w for w, d in zip(weights, delays, strict=True) if d > LATE_DAYS)
    # Empirical-Bayes shrinkage: the prior counts as PRIOR_WEIGHT payments
    # against the customer's own ``count`` (recency weighs the payments
    # among themselves, not the customer against its segment).
    delay = (count * mean + PRIOR_WEIGHT * prior["delay"]) / (count + PRIOR_WEIGHT)
    sigma = math.sqrt((count * variance + PRIOR_WEIGHT * prior["sigma"] ** 2) / (count + PRIOR_WEIGHT))
    late_rate = (count * late / total + PRIOR_WEIGHT * prior["late_rate"] + broken_promises) / (
        count + PRIOR_WEIGHT + broken_promises
    )
    profile.update(delay=delay, sigma=max(sigma, MIN_SIGMA), late_rate=late_rate, trend=trend,
                   amount_slope=amount_slope, amount_median=median,
                   own_delay=sum(delays) / count)
    if count >= MIN_HABIT_PAYMENTS:
        paid_dates = [paid for _due, paid, _amount in history]
        distances = {
            day: [_pay_day_distance(paid, day) for paid in paid_dates] for day in range(1, END_OF_MONTH + 1)
        }
        shares = {
            day: sum(1 for distance in distances[day] if distance <= HABIT_TOLERANCE) / count
            for day in distances
        }
        # the most shared day, and among equals the one nearest to the payments
        best_day = max(shares, key=lambda day: (shares[day], -sum(distances[day]), day == END_OF_MONTH))
        if shares[best_day] >= HABIT_SHARE and all(  # a habit is a peak, not a uniform spread
                distance <= HABIT_TOLERANCE for distance in distances[best_day][-2:]):
            profile["pay_day"] = best_day
        else:
            weekdays = [paid.weekday() for paid in paid_dates]
            best_weekday = max(range(7), key=weekdays.count)
            if weekdays.count(best_weekday) / count >= WEEKDAY_SHARE:
                profile["weekday"] = best_weekday
    return profile


def _snap(profile, day, not_before):
    """Move ``day`` to the nearest day of the customer's habit, never before
    ``not_before``."""
    pay_day, weekday = profile.get("pay_day") or 0, profile.get("weekday", -1)
    if pay_day:
        candidates = []
        for shift in (-1, 0, 1, 2):
            month = day.month + shift
            year = day.year + (month - 1) // 12
            candidates.append(_month_day(year, (month - 1) % 12 + 1, pay_day))
        candidates = [c for c in candidates if c >= not_before] or [not_before]
        return min(candidates, key=lambda c: (abs((c - day).days), c))
    if weekday is not None and weekday >= 0:
        candidates = [day + timedelta(days=shift) for shift in range(-3, 4)]
        candidates = [c for c in candidates if c.weekday() == weekday and c >= not_before]
        if candidates:
            return candidates[0]
    return max(day, not_before)


def predict(profile, due, today, amount=None):
    """Predict the payment of an open instalment due on ``due``, seen on
    ``today`` (``amount``: the instalment's original amount, when the
    customer's delays depend on it): ``(predicted date, probability of
    more than 30 days late, expected delay in days)``."""
    delay, sigma = profile["delay"], max(profile["sigma"], MIN_SIGMA)
    months_ahead = (due - date.fromisoformat(profile["as_of"])).days / DAYS_PER_MONTH
    delay += profile.get("trend", 0.0) * max(-TREND_HORIZON_MONTHS, min(TREND_HORIZON_MONTHS, months_ahead))
    if amount and amount > 0 and profile.get("amount_median"):
        delay += profile.get("amount_slope", 0.0) * math.log(amount / profile["amount_median"])
    age = (today - due).days
    # Unconditional chance of > 30 days: half the (shrunk) observed share,
    # half the normal tail around the trend-adjusted delay.
    tail_30 = _normal_sf((LATE_DAYS + 0.5 - delay) / sigma)
    late = 0.5 * profile["late_rate"] + 0.5 * tail_30
    expected = delay
    if age > delay:
        # Already later than usual and unpaid: the mean of the tail beyond.
        z = (age - delay) / sigma
        survival = max(_normal_sf(z), 1e-9)
        expected = max(delay + sigma * _normal_pdf(z) / survival, age + 1)
        late = 1.0 if age > LATE_DAYS else min(1.0, late / max(_normal_sf((age - delay) / sigma), late, 1e-9))
    elif age > LATE_DAYS:
        late = 1.0
    predicted = _snap(profile, due + timedelta(days=round(expected)), max(today, due - timedelta(days=60)))
    return predicted, max(0.0, min(1.0, late)), expected
