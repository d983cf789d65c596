"""Cash application on a labelled French bank statement (issue 24): how
many lines are reconciled automatically and rightly, automatically and
WRONGLY, suggested rightly for review, or missed, per class of line.

For each seed, ``credit_control_base/tests/cash_labelled.py`` creates
customers (some with an IBAN), their invoices (some already paid) and
incoming bank lines labelled the way French banks print them ("VIR SEPA RECU
/DE STE DUPONT ET FILS /MOTIF FACT INV/2026/00204 /REF ...", cheques, direct
debit batches, partial payments, foreign transfers less fees, supplier
refunds, unrelated lines, duplicates), each with the invoices it really
pays; the lines are matched as the cron would (day 1, day 2, next run) and
compared with the ground truth. Everything is rolled back.

    setup/bench/run cash_labelled --customers 200 --invoices 1000
    CASH_LABELLED_SEEDS=1,2,3,4,5 CASH_LABELLED_LINES=255 CASH_LABELLED_CUSTOMERS=81 ...

Exit code 1 when any automatic reconciliation is wrong.
"""
import json
import os
import sys

from benchlib import odoo_env, parse_args


def main():
    args = parse_args()
    seeds = [int(s) for s in os.environ.get("CASH_LABELLED_SEEDS", "1,2,3").split(",")]
    lines = int(os.environ.get("CASH_LABELLED_LINES", "255"))
    customers = int(os.environ.get("CASH_LABELLED_CUSTOMERS", "81"))
    with odoo_env(args) as root_env:
        from freezegun import freeze_time  # noqa: PLC0415

        from odoo.addons.credit_control_base.tests import cash_labelled  # noqa: PLC0415

        env = root_env(context={"tracking_disable": True, "credit_cash_no_trigger": True})
        company = env["res.company"].search([], order="id", limit=1)
        journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
        company.write({"credit_cash_application": True, "credit_cash_auto_threshold": 90, "credit_cash_tolerance": 5.0})
        overall, results, wrong_lines = {}, [], []
        for seed in seeds:
            with freeze_time("2026-02-15"), env.cr.savepoint() as savepoint:
                # wall clock from os.times(): freezegun stops time.perf_counter
                start = os.times().elapsed
                cases = cash_labelled.LabelledStatement(
                    env, company, journal, seed=seed, customers=customers, lines=lines).build()
                built = os.times().elapsed
                cash_labelled.run_matching(env, company, cases)
                matched = os.times().elapsed
                table, wrong = cash_labelled.evaluate(env, cases)
                savepoint.rollback()
                env.invalidate_all()
            print(f"\nseed {seed}: {len(cases)} lines, generated in {built - start:.1f} s, "
                  f"matched in {matched - built:.1f} s")
            print(cash_labelled.format_table(table))
            for cls, text, explanation in wrong:
                print(f"  WRONG [{cls}] {text!r}: {explanation}")
            wrong_lines += wrong
            results.append({"seed": seed, "lines": len(cases), "seconds_matching": round(matched - built, 2),
                            "table": table})
            for cls, row in table.items():
                total = overall.setdefault(cls, dict.fromkeys(row, 0))
                for key, value in row.items():
                    total[key] += value
        print(f"\nall seeds ({', '.join(map(str, seeds))}):")
        print(cash_labelled.format_table(overall))
        if args.output:
            with open(args.output, "w") as f:
                json.dump({"context": {"seeds": seeds, "lines": lines, "customers": customers},
                           "results": results, "overall": overall,
                           "automatic_rate": cash_labelled.automatic_rate(overall)}, f, indent=2)
            print(f"\nsaved to {args.output}")
    sys.exit(1 if wrong_lines else 0)


if __name__ == "__main__":
    main()
