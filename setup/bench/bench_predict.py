"""Predicted payment dates (issue #20, part 2): measured, not assumed.

Generates two years of payment histories for customers of several payer
profiles (punctual, steady late, paying on the 10th, paying at the end of
the month, drifting worse, seasonal, erratic, new customers with three
invoices, large invoices waiting for an approval), then, at four monthly
cut-offs over the last months, takes the instalments open on that day (invoiced, not paid yet: the ones the
forecast and the worklist see), predicts their payment with the profile
fitted on what was paid before the cut-off, shrunk toward the prior of
the customer's segment, and compares with what happened.

Reported for the prediction and two baselines (the due date; the due date
plus the customer's mean delay), all three never before the cut-off day:
the mean absolute error in days, and the calibration of the probability of
a payment more than 30 days late (Brier score, and the reliability by
decile: mean predicted vs observed share). The baselines' probabilities are
the segment's share of such payments (due date) and the customer's own
share (mean delay); an instalment already more than 30 days late counts as
certain for all three. Exits 1 if the prediction does not beat both.

Pure Python on the functions the cron and the invoices use
(``credit_control_scoring/prediction.py``), loaded by path: no database.
``setup/bench/run predict [--customers 800]`` or
``python setup/bench/bench_predict.py [--customers 800] [--seed 7]``.
"""
import argparse
import calendar
import importlib.util
import json
import os
import random
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "cc_prediction", ROOT / "credit_control_scoring" / "prediction.py"
)
prediction = importlib.util.module_from_spec(spec)
spec.loader.exec_module(prediction)

START = date(2024, 11, 1)
MONTHS = 24
CUTOFFS = [date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]
TERMS = 30
PROFILES = ["punctual", "steady_late", "tenth", "end_of_month", "drifting", "seasonal", "erratic", "new",
            "approval"]
SEGMENTS = {"punctual": "smb", "steady_late": "smb", "tenth": "large", "end_of_month": "large",
            "drifting": "smb", "seasonal": "public", "erratic": "public", "new": "smb", "approval": "large"}
TARGET_MAE_RATIO = 1.0  # the prediction's MAE over each baseline's: must be below
TARGET_BRIER_RATIO = 1.0


def last_day(day):
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def next_day_of_month(day, dom):
    candidate = date(day.year, day.month, min(dom, calendar.monthrange(day.year, day.month)[1]))
    if candidate < day:
        month = day.month % 12 + 1
        year = day.year + (day.month == 12)
        candidate = date(year, month, min(dom, calendar.monthrange(year, month)[1]))
    return candidate


def payment_date(kind, rng, due, params, amount):
    """When a customer of ``kind`` pays an instalment of ``amount`` due on ``due``."""
    if kind == "approval":
        # large invoices wait for a manager's approval
        delay = round(rng.gauss(25, 4)) if amount >= 3000 else round(rng.gauss(2, 3))
    elif kind == "punctual":
        delay = round(rng.gauss(-1, 2))
    elif kind in ("steady_late", "new"):
        delay = round(rng.gauss(params["delay"], 4))
    elif kind == "tenth":
        # a payment run on the 10th, the first one at least a week after the due date
        return next_day_of_month(due + timedelta(days=params["delay"]), 10)
    elif kind == "end_of_month":
        return last_day(due + timedelta(days=params["delay"] + rng.randint(0, 5)))
    elif kind == "drifting":
        months = (due - START).days / 30.44
        delay = round(rng.gauss(params["delay"] + params["drift"] * months, 4))
    elif kind == "seasonal":
        summer = due.month in (7, 8) or (due.month == 6 and due.day > 15)
        december = due.month == 12
        delay = round(rng.gauss(params["delay"] + (30 if summer else 0) + (15 if december else 0), 5))
    else:  # erratic: mostly on time, now and then very late
        delay = round(rng.expovariate(1 / params["delay"])) if rng.random() < 0.3 else round(rng.gauss(3, 3))
    return due + timedelta(days=delay)


def generate(customers, seed):
    rng = random.Random(seed)
    data = []
    for index in range(customers):
        kind = PROFILES[index % len(PROFILES)]
        params = {"delay": rng.choice([5, 8, 12, 15, 20, 25, 35, 45]), "drift": rng.uniform(0.8, 2.5)}
        if kind == "erratic":
            params["delay"] = rng.choice([30, 45, 60])
        first = START + timedelta(days=rng.randint(0, 60))
        if kind == "new":
            first = CUTOFFS[0] - timedelta(days=rng.randint(70, 110))
        invoices = []
        day = first
        end = CUTOFFS[-1]
        per_month = rng.choice([1, 2, 3, 4])
        while day < end and (kind != "new" or len(invoices) < 3 + len(CUTOFFS)):
            due = day + timedelta(days=TERMS)
            amount = round(rng.uniform(200, 8000), 2)
            invoices.append((day, due, amount, payment_date(kind, rng, due, params, amount)))
            day += timedelta(days=max(1, round(rng.gauss(30 / per_month, 2))))
        data.append({"kind": kind, "segment": SEGMENTS[kind], "invoices": invoices})
    return data


def evaluate(data):
    rows = []  # (kind, predicted per method, probability per method, actual date, actual late)
    for cutoff in CUTOFFS:
        paid_before = [
            [(due, paid, amount) for _inv, due, amount, paid in customer["invoices"] if paid < cutoff]
            for customer in data
        ]
        priors = {}
        for segment in set(SEGMENTS.values()):
            priors[segment] = prediction.segment_prior(
                [h for h, c in zip(paid_before, data, strict=True) if c["segment"] == segment])
        for customer, history in zip(data, paid_before, strict=True):
            prior = priors[customer["segment"]]
            profile = prediction.fit_profile(history, prior, cutoff)
            delays = [(paid - due).days for due, paid, _amount in history]
            mean_delay = sum(delays) / len(delays) if delays else 0.0
            own_late = sum(d > prediction.LATE_DAYS for d in delays) / len(delays) if delays else prior["late_rate"]
            for invoice_date, due, amount, paid in customer["invoices"]:
                if not (invoice_date <= cutoff <= paid):
                    continue
                age = (cutoff - due).days
                certain = age > prediction.LATE_DAYS
                predicted, probability, _expected = prediction.predict(profile, due, cutoff, amount=amount)
                base_due = max(due, cutoff)
                base_mean = max(due + timedelta(days=round(mean_delay)), cutoff)
                rows.append({
                    "kind": customer["kind"],
                    "actual": paid,
                    "late": (paid - due).days > prediction.LATE_DAYS,
                    "date": {"prediction": predicted, "due_date": base_due, "due_plus_mean": base_mean},
                    "prob": {"prediction": probability,
                             "due_date": 1.0 if certain else prior["late_rate"],
                             "due_plus_mean": 1.0 if certain else own_late},
                })
    return rows


def metrics(rows, method):
    mae = sum(abs((r["date"][method] - r["actual"]).days) for r in rows) / len(rows)
    brier = sum((r["prob"][method] - r["late"]) ** 2 for r in rows) / len(rows)
    return mae, brier


def reliability(rows, method):
    """Mean predicted probability and observed share, by decile of the
    predicted probability."""
    ordered = sorted(rows, key=lambda r: r["prob"][method])
    size = max(1, len(ordered) // 10)
    result = []
    for start in range(0, len(ordered), size):
        chunk = ordered[start:start + size]
        result.append((sum(r["prob"][method] for r in chunk) / len(chunk),
                       sum(r["late"] for r in chunk) / len(chunk), len(chunk)))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=800)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output")
    args, _unknown = parser.parse_known_args()
    data = generate(args.customers, args.seed)
    rows = evaluate(data)
    methods = ["prediction", "due_date", "due_plus_mean"]
    print(f"{args.customers} customers, {sum(len(c['invoices']) for c in data)} invoices, "
          f"{len(rows)} open instalments predicted at {len(CUTOFFS)} cut-offs "
          f"(load {os.getloadavg()[0]:.2f})")
    result = {"customers": args.customers, "instalments": len(rows), "methods": {}, "by_profile": {}}
    print(f"{'method':<16}{'MAE days':>10}{'Brier':>9}")
    for method in methods:
        mae, brier = metrics(rows, method)
        result["methods"][method] = {"mae": round(mae, 2), "brier": round(brier, 4)}
        print(f"{method:<16}{mae:>10.2f}{brier:>9.4f}")
    print("\nMAE in days by payer profile (prediction / due date / due date + mean delay):")
    for kind in PROFILES:
        subset = [r for r in rows if r["kind"] == kind]
        if subset:
            maes = [metrics(subset, method)[0] for method in methods]
            result["by_profile"][kind] = [round(m, 2) for m in maes]
            print(f"  {kind:<14}{len(subset):>6} " + " / ".join(f"{m:6.2f}" for m in maes))
    print("\nReliability of the prediction's probability by decile (predicted -> observed, n):")
    result["reliability"] = []
    for predicted, observed, size in reliability(rows, "prediction"):
        result["reliability"].append([round(predicted, 3), round(observed, 3), size])
        print(f"  {predicted:6.3f} -> {observed:6.3f}  ({size})")
    ours = result["methods"]["prediction"]
    ok = True
    print("\nTargets: prediction / baseline < 1 for the MAE and the Brier score")
    for method in methods[1:]:
        other = result["methods"][method]
        mae_ratio = ours["mae"] / other["mae"] if other["mae"] else 0.0
        brier_ratio = ours["brier"] / other["brier"] if other["brier"] else 0.0
        met = mae_ratio < TARGET_MAE_RATIO and brier_ratio < TARGET_BRIER_RATIO
        ok = ok and met
        result["methods"][method].update(mae_ratio=round(mae_ratio, 3), brier_ratio=round(brier_ratio, 3))
        print(f"  vs {method:<14} MAE ratio {mae_ratio:.3f}, Brier ratio {brier_ratio:.3f}: "
              f"{'met' if met else 'NOT MET'}")
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2, default=str)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
