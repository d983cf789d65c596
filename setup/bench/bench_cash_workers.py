"""The cash application shared by Odoo's workers (issue 19, targets 1 and
3): a CAMT.053 of 10,000 receipts, imported once, then matched and applied
by the cash application's cron as production runs it after an import of
more than a few hundred lines, with 1, then 2 Odoo servers sharing one
database.

The statement is the one of ``bench_cash_camt`` (same generator, same
seed). It is imported once through OCA's importer into a copy of the
benchmark database, with the cash application off during the import as
the cron would find it, and committed; each measure then runs on a fresh
copy of that database: one Odoo server per worker (``--max-cron-threads
1``), Settings' parallel workers set to N, every cron off but the cash
application's and the worker crons, the cash cron due now. The time is the
work's own, from the creation of its first batch to the last batch
committed (server start-up excluded). The reconciliations of both runs are
compared bank line by bank line and must be identical, and each is checked
as ``bench_cash_camt`` checks its own: the items the bank line really pays,
by the amounts allocated, the rest on the suspense account (exit code 1
otherwise). Prints the
speed-up with the 1.6x target (``bench_workers``), and import + cron against the 60 s target.

    setup/bench/run cash_workers --db h_lead_camt \\
        --modules credit_control_base,credit_control_statement_import
    (BENCH_KEEP=1 keeps the copies NAME_cash_import, NAME_cash_w1, NAME_cash_w2)
"""
import argparse
import base64
import os
import subprocess
import sys
import time

from bench_cash_camt import TODAY, check, open_residuals, prepare_statement
from bench_workers import copy_database, odoo_servers, psql, report, run_batched_job
from benchlib import MACHINE, odoo_env, parse_args

TARGET_SECONDS = 60
CASH_CRON = ("credit_control_base", "ir_cron_credit_control_cash_match")
MATCHER = "credit.control.cash.matcher"

# what a run reconciled, by keys equal in every copy: each bank line's
# import id, the invoice items it was reconciled with, and the amounts
OUTCOME_SQL = """
SELECT sl.unique_import_id,
       ARRAY_AGG(ARRAY[pl.move_line_id::numeric, pl.amount] ORDER BY pl.move_line_id)
  FROM credit_control_cash_proposal p
  JOIN account_bank_statement_line sl ON sl.id = p.statement_line_id
  JOIN credit_control_cash_proposal_line pl ON pl.proposal_id = p.id
 WHERE p.state = 'reconciled'
 GROUP BY 1
 ORDER BY 1
"""


def import_statement(args, database):
    """Import the benchmark's statement into ``database`` and commit it:
    the cash application off during the import (the cron matches later),
    on afterwards. Returns the import's seconds, per bank line the invoice
    items it really pays, and the open items' residuals before the cron
    (``bench_cash_camt.check``): the ids are those of every copy."""
    with odoo_env(argparse.Namespace(**{**vars(args), "db": database})) as root_env:
        company = root_env["res.company"].search([], order="id", limit=1)
        env = root_env(context={"credit_cash_no_trigger": True, "allowed_company_ids": company.ids})
        journal, _entries, truths, content = prepare_statement(env, company)
        company.credit_cash_application = False
        env.flush_all()
        env.cr.precommit.run()
        wizard = env["account.statement.import"].with_context(journal_id=journal.id).create({
            "statement_file": base64.b64encode(content),
            "statement_filename": f"camt053_{TODAY:%Y%m%d}.xml",
        })
        start = time.perf_counter()
        result = wizard._import_file()
        env.flush_all()
        seconds = time.perf_counter() - start
        company.credit_cash_application = True
        st_lines = env["account.bank.statement"].browse(result["statement_ids"]).line_ids.sorted("sequence")
        truth = {line.id: list(items) for line, items in zip(st_lines, truths, strict=True)}
        before = open_residuals(env, company)
        env.flush_all()
        env.cr.precommit.run()
        env.cr.commit()
    forget(database)
    return seconds, truth, before


def forget(database):
    """Close this process's connections to ``database`` (it is copied or
    dropped next)."""
    import odoo  # noqa: PLC0415

    odoo.modules.registry.Registry.delete(database)
    odoo.sql_db.close_db(database)


def measure(args, copy, workers):
    """Start ``workers`` servers on ``copy``, once all are ready make the
    cash cron due, wait until every batch of the work is done and return
    its seconds (the cut to the last batch committed) and its batches."""
    with odoo_servers(args, copy, workers, "/tmp/bench_cash_workers") as check:
        start, end, count = run_batched_job(copy, CASH_CRON, MATCHER, check)
        # the last proposal may be written after the last batch
        (written,), = psql(copy, "SELECT MAX(write_date) FROM credit_control_cash_proposal")
        return (max(end, written) - start).total_seconds(), count


def wrong_reconciliations(args, database, truth, before):
    """What ``bench_cash_camt.check`` finds wrong in the reconciliations of
    ``database``: an item the bank line does not pay, an amount that is not
    the one allocated, a suspense amount that is not what is left."""
    import odoo  # noqa: PLC0415

    # Odoo's configuration was parsed for the import: it cannot be again
    with odoo.modules.registry.Registry(database).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        applied = env["credit.control.cash.proposal"].search([
            ("statement_line_id", "in", list(truth)), ("state", "=", "reconciled")])
        env = env(context={"allowed_company_ids": applied.company_id[:1].ids})
        wrong = check(env, applied, truth, before)
        cr.rollback()
    forget(database)
    return wrong


def main():
    args = parse_args()
    template = f"{args.db}_cash_import"
    subprocess.run(["dropdb", "--if-exists", template], check=True)
    subprocess.run(["createdb", "-T", args.db, template], check=True)
    import_seconds, truth, before = import_statement(args, template)
    context = {"db": args.db, "bank_lines": len(truth), "import_seconds": round(import_seconds, 2), **MACHINE}
    print(context)
    results, outcomes = [], {}
    for workers in (1, 2):
        copy = f"{args.db}_cash_w{workers}"
        copy_database(template, copy, CASH_CRON, workers)
        load = open("/proc/loadavg").read().split()[:3]
        seconds, batches = measure(args, copy, workers)
        outcomes[workers] = dict(psql(copy, OUTCOME_SQL))
        wrong = wrong_reconciliations(args, copy, truth, before)
        results.append({"workers": workers, "seconds": round(seconds, 2), "batches": batches,
                        "applied": len(outcomes[workers]), "wrong": len(wrong), "load_before": load})
        print(f"{workers} worker(s): {seconds:.1f} s for {batches} batches, {len(outcomes[workers])} bank lines "
              f"reconciled, {len(wrong)} wrong; import + cron {import_seconds + seconds:.1f} s "
              f"(target < {TARGET_SECONDS} s) (load average before: {' '.join(load)})")
        if not os.environ.get("BENCH_KEEP"):
            subprocess.run(["dropdb", "--if-exists", copy], check=True)
    if not os.environ.get("BENCH_KEEP"):
        subprocess.run(["dropdb", "--if-exists", template], check=True)
    identical = outcomes[1] == outcomes[2]
    report(args, context, results, identical, target_seconds=TARGET_SECONDS)
    sys.exit(0 if identical and not any(result["wrong"] for result in results) else 1)


if __name__ == "__main__":
    main()
