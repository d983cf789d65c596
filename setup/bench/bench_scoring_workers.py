"""The nightly scoring shared by Odoo's workers (issue 19, target 3): every
dossier scored by 1, then 2 Odoo servers sharing one database.

Each measure runs on a fresh copy of the benchmark database, prepared as
``bench_workers`` prepares the reminder run's (one server per worker,
Settings' parallel workers set to N, every other cron off), with every
dossier scored before last scored the day before, so that the night's
scoring cron, made due now, scores them all in batches of 2,000. The time is the work's
own, from the creation of its first batch to the last batch committed
(server start-up excluded). The results of both runs are compared dossier
by dossier (score, previous score, classes, segment, payment profile,
factors, alerts) and must be identical; the speed-up is printed with the
1.6x target.

    setup/bench/run scoring_workers --db h_bigdb_100k --modules credit_control_scoring
    (the copies are NAME_sw1, NAME_sw2, dropped at the end unless BENCH_KEEP=1)
"""
import os
import subprocess
import sys

from bench_workers import copy_database, odoo_servers, psql, report, run_batched_job
from benchlib import MACHINE, parse_args

SCORING_CRON = ("credit_control_scoring", "ir_cron_credit_control_recompute_scores")
DOSSIER = "credit.control.dossier"

# what a run wrote, by keys equal in both copies (same template database)
OUTCOME_SQL = """
SELECT d.id, d.credit_score, d.credit_score_previous, d.credit_scored_date, d.credit_internal_class,
       d.credit_risk_class, d.segment_id, d.credit_payment_profile::text,
       (SELECT array_agg(ARRAY[f.code, f.raw_value::text, f.normalized::text, f.contribution::text]
                         ORDER BY f.sequence, f.code)
          FROM credit_control_score_factor f WHERE f.dossier_id = d.id) AS factors,
       (SELECT array_agg(ARRAY[a.alert_type, a.state, a.message] ORDER BY a.alert_type, a.message, a.state)
          FROM credit_control_alert a WHERE a.dossier_id = d.id) AS alerts
  FROM credit_control_dossier d
 ORDER BY d.id
"""


def prepare(template, copy, workers):
    """A copy where only the scoring cron and the workers run, and every
    dossier scored before was last scored yesterday (the night's scoring
    takes them all, and those never scored)."""
    copy_database(template, copy, SCORING_CRON, workers)
    psql(copy, "UPDATE credit_control_dossier SET credit_scored_date = (now() at time zone 'UTC')::date - 1 "
               "WHERE credit_scored_date IS NOT NULL")


def measure(args, copy, workers):
    """Start ``workers`` servers on ``copy``, once all are ready make the
    scoring cron due, wait until its batches are done and forgotten and
    return its seconds (the cut to the last batch committed) and its
    batches."""
    with odoo_servers(args, copy, workers, "/tmp/bench_scoring_workers") as check:
        start, end, count = run_batched_job(copy, SCORING_CRON, DOSSIER, check)
        return (end - start).total_seconds(), count


def main():
    args = parse_args()
    template = args.db
    context = {
        "db": template,
        "dossiers": psql(template, "SELECT COUNT(*) FROM credit_control_dossier")[0][0],
        **MACHINE,
    }
    print(context)
    results, outcomes = [], {}
    for workers in (1, 2):
        copy = f"{template}_sw{workers}"
        prepare(template, copy, workers)
        load = open("/proc/loadavg").read().split()[:3]
        seconds, batches = measure(args, copy, workers)
        outcomes[workers] = psql(copy, OUTCOME_SQL)
        (scored,), = psql(copy, "SELECT COUNT(*) FROM credit_control_dossier "
                                "WHERE credit_scored_date = (now() at time zone 'UTC')::date")
        results.append({"workers": workers, "seconds": round(seconds, 2), "batches": batches,
                        "scored": scored, "load_before": load})
        print(f"{workers} worker(s): {seconds:.1f} s for {batches} batches, {scored} dossiers scored "
              f"(load average before: {' '.join(load)})")
        if not os.environ.get("BENCH_KEEP"):
            subprocess.run(["dropdb", "--if-exists", copy], check=True)
    identical = outcomes[1] == outcomes[2]
    report(args, context, results, identical)
    sys.exit(0 if identical and results[0]["scored"] == context["dossiers"] else 1)


if __name__ == "__main__":
    main()
