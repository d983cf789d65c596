"""The customer's statement page for a customer with 500 open invoices
(issue: Customer portal page with online payment).

Adds to the bench database, once, a customer with 500 open invoices (half
of them overdue), a few promises and disputes, then serves the database
with a real Odoo HTTP server and fetches the statement through its signed
link, as a customer following a reminder does. Reports the server's own
figures per request from its access log (queries, SQL time, Python time)
and the time seen by the client; the target is 300 ms a page.
"""
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta

import requests
from benchlib import MACHINE, parse_args

CUSTOMER = "Bench Portal 500"
INVOICES = 500
RUNS = 20
# werkzeug access line of Odoo: ... "GET /my/credit/..." 200 - <queries> <sql s> <python s>
ACCESS_LINE = re.compile(r'"GET /my/credit/\d+\?access_token=\S+ HTTP/1.1" 200 - (\d+) ([\d.]+) ([\d.]+)')


def prepare(args):
    """The customer, its invoices and the signed link (committed: the server
    reads them from another process)."""
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config([
        "--addons-path", args.addons_path, "--data-dir", args.data_dir, "-d", args.db, "--no-http",
        "--log-level", "warn",
    ])
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        partner = env["res.partner"].search([("name", "=", CUSTOMER)], limit=1)
        if not partner:
            partner = env["res.partner"].create({"name": CUSTOMER, "is_company": True, "email": "bench@example.com"})
            company = env.company
            product = env["product.product"].search([("sale_ok", "=", True)], limit=1)
            today = date.today()
            moves = env["account.move"].create([{
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "company_id": company.id,
                "invoice_date": today - timedelta(days=60 + n % 90),
                "invoice_date_due": today - timedelta(days=30 - n % 60),
                "invoice_line_ids": [(0, 0, {
                    "product_id": product.id, "name": f"Bench line {n}", "quantity": 1,
                    "price_unit": 100 + n, "tax_ids": [],
                })],
            } for n in range(INVOICES)])
            moves.action_post()
            dossier = env["credit.control.dossier"]._credit_dossier_for_moves(moves[:1])
            overdue = moves.filtered("credit_is_overdue")
            for chunk in range(5):
                env["credit.control.promise"]._credit_create_promise(
                    dossier, overdue[chunk * 4:(chunk + 1) * 4], today + timedelta(days=10))
                env["credit.control.dispute"]._credit_create_dispute(
                    dossier, overdue[40 + chunk * 4:40 + (chunk + 1) * 4], "quality")
            cr.commit()
        dossier = env["credit.control.dossier"].search([("partner_id", "=", partner.id)], limit=1)
        token = dossier._credit_statement_token(dossier._credit_now() + 86400)
        open_count = len(dossier._credit_open_invoices())
        cr.commit()
        return f"/my/credit/{dossier.id}?access_token={token}", open_count


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main():
    args = parse_args()
    path, open_count = prepare(args)
    port = free_port()
    log = os.path.join(os.path.dirname(args.output or "/tmp/x"), f"portal-server-{port}.log")
    server = subprocess.Popen([
        sys.executable, "-c",
        'import os, sys; os.environ["TZ"] = "UTC"; import odoo; sys.argv[0] = "odoo"; odoo.cli.main()',
        "--addons-path", args.addons_path, "--data-dir", args.data_dir, "-d", args.db, "--db-filter", f"^{args.db}$",
        "--http-interface", "127.0.0.1", "--http-port", str(port), "--workers", "0", "--max-cron-threads", "0",
        "--log-level", "info", "--logfile", log,
    ])
    try:
        url = f"http://127.0.0.1:{port}{path}"
        for _attempt in range(120):
            try:
                requests.get(f"http://127.0.0.1:{port}/web/health", timeout=30)
                break
            except requests.RequestException:
                time.sleep(0.5)
        session = requests.Session()
        for _warm in range(3):
            response = session.get(url, timeout=60)
            response.raise_for_status()
        rows = response.text.count('class="o_credit_invoice')
        client = []
        for _run in range(RUNS):
            start = time.perf_counter()
            session.get(url, timeout=60).raise_for_status()
            client.append(time.perf_counter() - start)
        time.sleep(0.5)
        with open(log) as f:
            server_lines = [tuple(map(float, m.groups())) for m in ACCESS_LINE.finditer(f.read())][-RUNS:]
    finally:
        server.terminate()
        server.wait(30)
    queries = sorted({int(q) for q, _sql, _py in server_lines})
    server_ms = [1000 * (sql + py) for _q, sql, py in server_lines]
    report = {
        "open_invoices": open_count,
        "rows_rendered": rows,
        "requests": RUNS,
        "queries_per_page": queries,
        "server_ms_median": round(statistics.median(server_ms), 1),
        "server_ms_max": round(max(server_ms), 1),
        "client_ms_median": round(1000 * statistics.median(client), 1),
        "client_ms_p95": round(1000 * sorted(client)[int(0.95 * RUNS) - 1], 1),
        "target_ms": 300,
        "ratio_to_target": round(1000 * statistics.median(client) / 300, 2),
        **MACHINE,
    }
    for key, value in report.items():
        print(f"{key:<22} {value}")
    if args.output:
        import json  # noqa: PLC0415

        with open(args.output, "w") as f:
            json.dump(report, f, indent=2)
        print(f"\nsaved to {args.output}")


if __name__ == "__main__":
    main()
