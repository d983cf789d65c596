"""Measuring helpers shared by the benchmark scripts: each measure reports
wall time, SQL queries, pages read and rows handled, never a pass/fail
verdict."""
import argparse
import json
import os
import platform
import sys
import time
from contextlib import contextmanager

os.environ.setdefault("TZ", "UTC")

# Where a benchmark ran, printed with its figures.
MACHINE = {"python": sys.version.split()[0], "machine": platform.machine(), "cpus": os.cpu_count()}

# A fixed piece of work, timed at the start and the end of each run: on a
# shared virtual machine the same code ran up to 30 % slower from one hour
# to the next (no stolen time reported), so a figure is read next to the
# machine's speed of the moment.
REFERENCE_SQL = "SELECT SUM(i) FROM generate_series(1, 5000000) i"


def speed_reference(cr):
    """Seconds of PostgreSQL for a fixed serial query and of Python for a
    fixed loop, best of three each (less is faster)."""
    cr.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    sql, python = [], []
    for _attempt in range(3):
        start = time.perf_counter()
        cr.execute(REFERENCE_SQL)
        cr.fetchall()
        sql.append(time.perf_counter() - start)
        start = time.perf_counter()
        sum(i * i for i in range(2_000_000))
        python.append(time.perf_counter() - start)
    cr.execute("SET LOCAL max_parallel_workers_per_gather TO DEFAULT")
    return {"postgresql": round(min(sql), 3), "python": round(min(python), 3)}


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--output")
    return parser.parse_args()


def _free_port():
    # a machine shared by several people gives each a port range (as for the tests)
    if os.environ.get("CC_BENCH_HTTP_PORT"):
        return int(os.environ["CC_BENCH_HTTP_PORT"])
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def odoo_env(args, http=False):
    """An environment on the benchmark database, rolled back at the end.

    :param http: also serve Odoo on a free loopback port, as wkhtmltopdf
        fetches the assets of a PDF report from the server
    """
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    port = _free_port() if http else None
    config.parse_config([
        "--addons-path", args.addons_path, "--data-dir", args.data_dir,
        "-d", args.db, "--log-level", "warn",
        *(("--http-interface", "127.0.0.1", "--http-port", str(port)) if http else ("--no-http",)),
    ])
    registry = odoo.modules.registry.Registry(args.db)
    if http:
        odoo.service.server.ThreadedServer(odoo.http.root).http_spawn()
    with registry.cursor() as cr:
        MACHINE["speed_reference_before"] = speed_reference(cr)
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if http:
            env["ir.config_parameter"].set_param("report.url", f"http://127.0.0.1:{port}")
        yield env
        # benchmarks never keep what they change
        cr.rollback()


def busiest_company(env):
    """``(company, receivable lines, open lines, receivable lines of all
    companies)``: the company with the most posted receivable lines, the
    one a benchmark measures."""
    cr = env.cr
    cr.execute("""
        SELECT l.company_id, COUNT(*)
          FROM account_move_line l
          JOIN account_account a ON a.id = l.account_id AND a.account_type = 'asset_receivable'
         WHERE l.parent_state = 'posted'
      GROUP BY 1 ORDER BY 2 DESC
    """)
    per_company = cr.fetchall()
    company_id, lines = per_company[0]
    cr.execute("SELECT COUNT(*) FROM account_move_line WHERE amount_residual <> 0 AND parent_state = 'posted'"
               " AND company_id = %s", [company_id])
    open_lines = cr.fetchone()[0]
    return env["res.company"].browse(company_id), lines, open_lines, sum(count for _company, count in per_company)


def payment_profiles(env):
    """Fit every customer's payment profile as the nightly scoring does,
    when credit_control_scoring is installed and none has one yet (the
    generator's benchmark data has none): the forecast and the worklist
    priorities then predict each open invoice, as they do in a company
    whose scoring has run. The dossiers' planner statistics are refreshed,
    as autovacuum does after the night's scoring. Returns the number of
    dossiers with a profile (None without the scoring)."""
    Dossier = env["credit.control.dossier"]
    if "credit_payment_profile" not in Dossier._fields:
        return None
    with_profile = [("credit_payment_profile", "!=", False)]
    if not Dossier.search_count(with_profile):
        Dossier.search([])._credit_recompute_scores()
        env.flush_all()
        Dossier.browse()._credit_work_finished()
        env.invalidate_all()
    return Dossier.search_count(with_profile)


def pages_read(cr):
    """``{table or index: pages}``: the pages of each relation this
    transaction has read so far, from PostgreSQL's buffer cache or not
    (``pg_stat_get_xact_blocks_fetched``): the work of a step whatever the
    machine, its cache or its load, where its seconds depend on all three.
    Counted from 0 again after a commit. A table's count includes its
    visibility map's pages, which an index-only scan reads again each time
    it moves to another 32,672 pages of the table (one map page covers
    them)."""
    cr.execute("""
        SELECT c.relname, pg_stat_get_xact_blocks_fetched(c.oid)
          FROM pg_class c
         WHERE pg_stat_get_xact_blocks_fetched(c.oid) > 0
    """)
    return dict(cr.fetchall())


def pages_between(before, after):
    """``(pages, {table or index: pages})`` read between two
    ``pages_read``: pages None when the transaction committed in between
    (the counts restarted)."""
    by_relation = {rel: read - before.get(rel, 0) for rel, read in after.items() if read > before.get(rel, 0)}
    pages = sum(by_relation.values()) if sum(after.values()) >= sum(before.values()) else None
    return pages, by_relation


# BENCH_PAGES=N prints, after each step, the N tables and indexes it read
# the most pages of: where a step's work grows faster than the data.
PAGES_BY_RELATION = int(os.environ.get("BENCH_PAGES") or 0)


class Bench:
    def __init__(self, env):
        self.env = env
        self.results = []

    @contextmanager
    def measure(self, name, rows):
        """Time a step from a cold record cache, count its queries and the
        pages it read (none when it committed: the count restarted)."""
        self.env.invalidate_all()
        cr = self.env.cr
        before = pages_read(cr)
        queries, start = cr.sql_log_count, time.perf_counter()
        yield
        seconds = time.perf_counter() - start
        count = cr.sql_log_count - queries
        pages, by_relation = pages_between(before, pages_read(cr))
        if PAGES_BY_RELATION and pages:
            top = sorted(by_relation.items(), key=lambda item: -item[1])[:PAGES_BY_RELATION]
            print(f"pages read by '{name}': {pages:,}; " + ", ".join(f"{rel} {read:,}" for rel, read in top))
        self.results.append({
            "step": name,
            "rows": rows,
            "seconds": round(seconds, 3),
            "queries": count,
            "queries_per_1000_rows": round(count * 1000 / rows, 2) if rows else None,
            "ms_per_1000_rows": round(seconds * 1e6 / rows, 1) if rows else None,
            "pages": pages,
            "pages_per_row": round(pages / rows, 1) if rows and pages is not None else None,
        })

    def report(self, output=None, context=None):
        header = (f"{'step':<55} {'rows':>8} {'seconds':>8} {'queries':>8} {'q/1000':>7} {'ms/1000':>8} "
                  f"{'pages/row':>9}")
        print(header)
        print("-" * len(header))
        for r in self.results:
            print(f"{r['step']:<55} {r['rows']:>8} {r['seconds']:>8} {r['queries']:>8} "
                  f"{r['queries_per_1000_rows'] or '':>7} {r['ms_per_1000_rows'] or '':>8} "
                  f"{'' if r.get('pages_per_row') is None else r['pages_per_row']:>9}")
        print("pages/row: pages of tables and indexes read per row, from PostgreSQL's cache or not")
        context = dict(context or {})
        context.setdefault("speed_reference_before", MACHINE.get("speed_reference_before"))
        context["speed_reference_after"] = speed_reference(self.env.cr)
        print(f"machine speed (seconds of a fixed query and loop, less is faster): "
              f"{context['speed_reference_before']} at the start, {context['speed_reference_after']} at the end")
        if output:
            with open(output, "w") as f:
                json.dump({"context": context, "results": self.results}, f, indent=2)
            print(f"\nsaved to {output}")
