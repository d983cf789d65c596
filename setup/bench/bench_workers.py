"""Work shared by Odoo's workers (issue 19, target 3): the reminder run
of one day done by 1, then 2 Odoo servers sharing one database.

Each measure runs on a fresh copy of the benchmark database: one Odoo
server per worker (``--max-cron-threads 1``, the deployment the README
describes: one PostgreSQL, N Odoo servers), Settings' parallel workers set
to N, every other cron off, the reminder cron due now. The first server's
cron starts the run and wakes the worker crons, which the other servers
take. The time is the run's own: from its creation to its last batch
committed (server start-up excluded). The results of both runs are
compared reminder by reminder (customer, step, state, amount, invoices,
e-mails queued, notes) and must be identical; the speed-up is printed with
the 1.6x target and the load average of the machine, as other processes
on it lower the speed-up.

    setup/bench/run workers --modules credit_control_scenario --customers 5000 --invoices 25000 --months 3
    (--db NAME to reuse a database; the copies are NAME_w1, NAME_w2, dropped at the end
    unless BENCH_KEEP=1)
"""
import contextlib
import json
import os
import subprocess
import sys
import time

from benchlib import MACHINE, parse_args

TARGET = 1.6
TIMEOUT = 3600
SERVER = 'import os, sys; os.environ["TZ"] = "UTC"; import odoo; sys.argv[0] = "odoo"; odoo.cli.main()'
RUN_CRON = ("credit_control_scenario", "ir_cron_credit_control_run")
WORKER_CRONS = [("credit_control_base", f"ir_cron_credit_control_worker_{i}") for i in (1, 2, 3)]

# what a run did, by keys equal in both copies (same template database):
# the reminders, their invoices and amounts, the e-mails queued, the notes on
# the dossiers
OUTCOME_SQL = """
SELECT a.partner_id, a.step_id, a.channel, a.state, a.amount,
       (SELECT array_agg(ARRAY[l.move_id::numeric, l.step_id, l.amount] ORDER BY l.move_id, l.step_id)
          FROM credit_control_action_line l WHERE l.action_id = a.id) AS lines,
       (SELECT COUNT(*) FROM mail_mail m JOIN mail_message mm ON mm.id = m.mail_message_id
         WHERE mm.model = 'credit.control.action' AND mm.res_id = a.id) AS mails,
       (SELECT array_agg(mm.body::text ORDER BY mm.body::text) FROM mail_message mm
         WHERE mm.model = 'credit.control.dossier' AND mm.res_id = a.dossier_id
           AND mm.create_date >= r.create_date) AS notes
  FROM credit_control_action a
  JOIN credit_control_scenario_run r ON r.id = a.run_id
 WHERE a.run_id = (SELECT MAX(id) FROM credit_control_scenario_run)
 ORDER BY 1, 2, 6
"""


def psql(db, sql, *params):
    import psycopg2  # noqa: PLC0415

    with psycopg2.connect(dbname=db) as conn, conn.cursor() as cr:
        cr.execute(sql, params)
        rows = cr.fetchall() if cr.description else None
    conn.close()
    return rows


def xmlid_ids(db, xmlids):
    return [row[0] for row in psql(db, "SELECT res_id FROM ir_model_data WHERE (module, name) IN %s "
                                       "ORDER BY name", tuple(xmlids))]


def copy_database(template, copy, job_cron, workers):
    """A fresh copy of ``template`` where only ``job_cron`` (xmlid) and the
    worker crons are active, none due, and Settings' parallel workers is
    ``workers``."""
    subprocess.run(["dropdb", "--if-exists", copy], check=True)
    subprocess.run(["createdb", "-T", template, copy], check=True)
    if not psql(copy, "SELECT 1 FROM pg_tables WHERE tablename = 'credit_control_work_batch'"):
        sys.exit(f"{template} predates the shared work: rebuild it (--fresh) or update credit_control_base")
    job_cron_id, = xmlid_ids(copy, [job_cron])
    psql(copy, "UPDATE ir_cron SET active = (id = ANY(%s)), nextcall = (now() at time zone 'UTC') + interval '1 day'",
         [job_cron_id, *xmlid_ids(copy, WORKER_CRONS)])
    psql(copy, "DELETE FROM ir_cron_trigger")
    psql(copy, "DELETE FROM ir_config_parameter WHERE key = 'credit_control.parallel_workers'")
    psql(copy, "INSERT INTO ir_config_parameter (key, value) VALUES ('credit_control.parallel_workers', %s)",
         str(workers))


def prepare(template, copy, workers):
    copy_database(template, copy, RUN_CRON, workers)
    psql(copy, """UPDATE res_company SET credit_control_scenario_id = (
                      SELECT res_id FROM ir_model_data
                       WHERE module = 'credit_control_scenario' AND name = 'credit_control_scenario_standard')""")


def start_cron(copy, cron_xmlid):
    """Make the cron ``cron_xmlid`` due now and wake the cron threads (as
    ir.cron's own notification does)."""
    cron, = xmlid_ids(copy, [cron_xmlid])
    psql(copy, "UPDATE ir_cron SET nextcall = (now() at time zone 'UTC') - interval '1 minute' WHERE id = %s", cron)
    psql("postgres", "SELECT pg_notify('cron_trigger', %s)", copy)


@contextlib.contextmanager
def odoo_servers(args, copy, workers, prefix="/tmp/bench_workers"):
    """``workers`` Odoo servers on ``copy``, one cron thread each, no HTTP,
    yielded once all are ready (registry loaded: a server still loading
    would join late) as a function that exits if one has stopped; stopped
    at the end."""
    servers, logs = [], []
    for number in range(workers):
        log = f"{args.output or prefix}.{copy}.{number}.log"
        logs.append(log)
        servers.append(subprocess.Popen([
            sys.executable, "-c", SERVER, "server", "--addons-path", args.addons_path,
            "--data-dir", args.data_dir, "-d", copy, "--db-filter", f"^{copy}$", "--no-http",
            "--max-cron-threads", "1", "--workers", "0", "--log-level", "warn", "--logfile", log,
            "--log-handler", "odoo.modules.registry:INFO",
        ]))

    def check():
        if any(server.poll() is not None for server in servers):
            sys.exit(f"a server stopped: see {logs}")

    try:
        deadline = time.monotonic() + 600
        while not all(os.path.exists(log) and "Registry loaded in" in open(log).read() for log in logs):
            check()
            if time.monotonic() > deadline:
                sys.exit(f"the servers did not start: see {logs}")
            time.sleep(1)
        time.sleep(2)
        yield check
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=60)


def run_batched_job(copy, cron_xmlid, res_model, check, timeout=TIMEOUT):
    """Start the cron ``cron_xmlid`` (``start_cron``) and wait until the
    batches of its job (``res_model``) are done and forgotten. The batches
    are deleted when the job is finished: the work began with the
    transaction that cut it (the batches' creation date) and ended with
    the last batch written before they went.

    :param check: called each second, exits when a server has stopped
    :return: (start, end, how many batches)
    """
    start_cron(copy, cron_xmlid)
    deadline = time.monotonic() + timeout
    start = end = None
    count = 0
    while time.monotonic() < deadline:
        time.sleep(1)
        (total, first, last), = psql(copy, """
            SELECT COUNT(*), MIN(create_date), MAX(write_date)
              FROM credit_control_work_batch WHERE res_model = %s""", res_model)
        if total:
            start = min(start or first, first)
            end, count = max(end or last, last), max(count, total)
        elif start:
            return start, end, count
        check()
    sys.exit(f"the work was not done after {timeout} s: see the servers' logs")


def measure(args, copy, workers):
    """Start ``workers`` servers on ``copy``, once all are ready start the
    run, wait for it to finish and return its seconds (creation to last
    commit)."""
    with odoo_servers(args, copy, workers) as check:
        start_cron(copy, RUN_CRON)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            time.sleep(1)
            rows = psql(copy, "SELECT state, EXTRACT(EPOCH FROM write_date - create_date) "
                              "FROM credit_control_scenario_run ORDER BY id DESC LIMIT 1")
            if rows and rows[0][0] == "done":
                return float(rows[0][1])
            check()
        sys.exit(f"no finished run after {TIMEOUT} s: see the servers' logs")


def main():
    args = parse_args()
    template = args.db
    psql(template, "SELECT 1")  # the template must exist
    context = {
        "db": template,
        "dossiers": psql(template, "SELECT COUNT(*) FROM credit_control_dossier")[0][0],
        "open_invoices": psql(template, "SELECT COUNT(*) FROM account_move WHERE move_type = 'out_invoice' "
                                        "AND state = 'posted' AND payment_state IN ('not_paid', 'partial')")[0][0],
        **MACHINE,
    }
    print(context)
    results, outcomes = [], {}
    for workers in (1, 2):
        copy = f"{template}_w{workers}"
        prepare(template, copy, workers)
        load = open("/proc/loadavg").read().split()[:3]
        seconds = measure(args, copy, workers)
        outcomes[workers] = psql(copy, OUTCOME_SQL)
        stats = psql(copy, "SELECT dossier_total FROM credit_control_scenario_run ORDER BY id DESC LIMIT 1")[0][0]
        results.append({"workers": workers, "seconds": round(seconds, 2), "reminders": len(outcomes[workers]),
                        "dossiers": stats, "load_before": load})
        print(f"{workers} worker(s): {seconds:.1f} s, {len(outcomes[workers])} reminders for {stats} customers "
              f"(load average before: {' '.join(load)})")
        # each batch's transaction: when it began, how many reminders it made
        timeline = psql(copy, "SELECT EXTRACT(EPOCH FROM a.create_date - r.create_date)::numeric(8, 1), COUNT(*) "
                              "FROM credit_control_action a JOIN credit_control_scenario_run r ON r.id = a.run_id "
                              "GROUP BY 1 ORDER BY 1")
        print("  batches (seconds after the run's start: reminders): "
              + ", ".join(f"{float(at)}: {count}" for at, count in timeline))
        if not os.environ.get("BENCH_KEEP"):
            subprocess.run(["dropdb", "--if-exists", copy], check=True)
    identical = outcomes[1] == outcomes[2]
    report(args, context, results, identical)
    sys.exit(0 if identical else 1)


def report(args, context, results, identical, **saved):
    """Print whether both runs did the same and the speed-up from 1 to 2
    workers against its target with the machine's load, and save them with
    ``results`` (and ``saved``) to ``args.output``."""
    speedup = results[0]["seconds"] / results[1]["seconds"] if results[1]["seconds"] else 0.0
    load = open("/proc/loadavg").read().split()[:3]
    print(f"identical results: {'yes' if identical else 'NO'}")
    print(f"speed-up 1 -> 2 workers: {speedup:.2f}x (target >= {TARGET}x: "
          f"{'met' if speedup >= TARGET else 'not met'}); load average now {' '.join(load)} "
          f"on {os.cpu_count()} CPUs")
    if args.output:
        with open(args.output, "w") as f:
            json.dump({"context": context, "results": results, "identical": identical,
                       "speedup": round(speedup, 2), "target": TARGET, "load_after": load, **saved}, f, indent=2)
        print(f"saved to {args.output}")


if __name__ == "__main__":
    main()
