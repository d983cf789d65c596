"""Speed a user feels (issue #18): the actions of a collector's and a
customer's day timed over HTTP, as the browser waits for them.

    setup/bench/run ui --customers 60 --invoices 900 --db cc_bench_ui \\
        --modules credit_control_base,credit_control_scenario,credit_control_dispute,credit_control_portal

(the size of the demo database). Adds to the bench database, each time, a
few customers of its own (letters to validate, a customer who uses the
portal; committed: the server reads them from another process), serves the
database with a real Odoo HTTP server, then times from the client:

- validating a letter waiting for validation ("Validate and Send": the
  button's call, the letter's PDF included, then the form's reload);
- the aged-balance PDF of the company;
- the customer's statement page, reached by the signed link of a reminder;
- the payment page of the statement (the selection posted);
- a payment promise and a dispute posted from the statement, until the
  statement shows them again (the redirect followed).

Prints each with its target (1 s; 2 s for what renders a PDF) and the ratio
of its median to the target. Figures, not a verdict: nothing is asserted.
"""
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta

import requests
from benchlib import MACHINE, _free_port, parse_args

RUNS = 5
TARGET = 1.0
TARGET_PDF = 2.0
LOGIN = PASSWORD = "admin"
TAG = time.strftime("%Y%m%d%H%M%S")


_REGISTRY = []


def _connect(args):
    """Odoo and the registry of the bench database (the configuration can
    be parsed once only)."""
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    if not _REGISTRY:
        config.parse_config([
            "--addons-path", args.addons_path, "--data-dir", args.data_dir, "-d", args.db, "--no-http",
            "--log-level", "warn",
        ])
        _REGISTRY.append(odoo.modules.registry.Registry(args.db))
    return odoo, _REGISTRY[0]


def _invoices(env, partner, count, days_late):
    today = date.today()
    product = env["product.product"].search([("sale_ok", "=", True)], limit=1)
    moves = env["account.move"].create([{
        "move_type": "out_invoice",
        "partner_id": partner.id,
        "invoice_date": today - timedelta(days=days_late + 30),
        "invoice_date_due": today - timedelta(days=days_late + n % 5),
        "invoice_line_ids": [(0, 0, {
            "product_id": product.id, "name": f"Bench UI {n}", "quantity": 1, "price_unit": 400 + 10 * n,
            "tax_ids": [],
        })],
    } for n in range(count)])
    moves.action_post()
    return moves


def prepare(args, port):
    """Letters to validate, a portal customer and its signed link; the
    report URL of the server about to start (wkhtmltopdf fetches the
    assets from it). Returns what the timings need."""
    odoo, registry = _connect(args)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        scenario = env.ref("credit_control_scenario.credit_control_scenario_standard")
        Dossier = env["credit.control.dossier"]
        # one customer per letter, 50 days late: the formal notice, to validate
        written = env["res.partner"].create([{
            "name": f"Bench UI Letter {TAG}-{n}", "is_company": True, "email": f"letter{n}@example.fr",
            "street": "4 rue des Forges", "zip": "69003", "city": "Lyon", "lang": env.user.lang,
        } for n in range(RUNS + 1)])
        dossiers = Dossier
        for partner in written:
            moves = _invoices(env, partner, 1, 50)
            dossiers |= Dossier._credit_dossier_for_moves(moves)
        dossiers.credit_scenario_id = scenario
        run = env["credit.control.scenario.run"]._credit_run(companies=dossiers.company_id, dossiers=dossiers)
        letters = run.action_ids.filtered(lambda a: a.state == "to_validate" and a.channel == "letter")
        # the portal customer: enough overdue invoices for a promise and a dispute per run
        customer = env["res.partner"].create({
            "name": f"Bench UI Portal {TAG}", "is_company": True, "email": "portal@example.fr",
        })
        moves = _invoices(env, customer, 2 * (RUNS + 1) + 6, 20)
        dossier = Dossier._credit_dossier_for_moves(moves)
        token = dossier._credit_statement_token(dossier._credit_now() + 86400)
        reason = env["credit.control.dispute.reason"].search([], limit=1)
        previous_url = env["ir.config_parameter"].get_param("report.url")
        env["ir.config_parameter"].set_param("report.url", f"http://127.0.0.1:{port}")
        company = dossier.company_id
        cr.commit()
        return {
            "letters": letters.ids,
            "dossier": dossier.id,
            "token": token,
            "moves": moves.ids,
            "reason": reason.id,
            "company": company.id,
            "open_invoices": len(Dossier.search([])._credit_open_invoices()),
            "previous_report_url": previous_url,
        }


def restore(args, data):
    odoo, registry = _connect(args)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("report.url", data["previous_report_url"] or False)
        cr.commit()


def _rpc(session, base, route, params):
    response = session.post(f"{base}{route}", json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
                            timeout=120)
    response.raise_for_status()
    answer = response.json()
    if "error" in answer:
        raise RuntimeError(f"{route}: {answer['error']['data']['message']}")
    return answer["result"]


def _csrf(html):
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


def timings(base, db, data):
    """{step: [seconds per run]}, each action as the browser does it."""
    results = {}

    def timed(name, func, runs=RUNS):
        results[name] = []
        for index in range(runs):
            start = time.perf_counter()
            func(index)
            results[name].append(time.perf_counter() - start)

    back = requests.Session()
    _rpc(back, base, "/web/session/authenticate", {"db": db, "login": LOGIN, "password": PASSWORD})
    letters = iter(data["letters"])
    next(letters)  # the first one warms the server up below

    def validate(_index, letter_id=None):
        letter_id = letter_id or next(letters)
        _rpc(back, base, "/web/dataset/call_button/credit.control.action/action_validate", {
            "model": "credit.control.action", "method": "action_validate", "args": [[letter_id]], "kwargs": {},
        })
        record = _rpc(back, base, "/web/dataset/call_kw/credit.control.action/web_read", {
            "model": "credit.control.action", "method": "web_read", "args": [[letter_id]],
            "kwargs": {"specification": {"state": {}, "preview_html": {}, "letter_attachment_id": {}}},
        })
        assert record[0]["state"] == "sent", record[0]["state"]

    validate(0, data["letters"][0])
    timed("Validate and send a letter (PDF)", validate, runs=len(data["letters"]) - 1)

    def aged_balance_pdf(_index):
        wizard = _rpc(back, base, "/web/dataset/call_kw/credit.control.aged.balance.wizard/web_save", {
            "model": "credit.control.aged.balance.wizard", "method": "web_save",
            "args": [[], {"company_id": data["company"]}], "kwargs": {"specification": {}},
        })[0]["id"]
        response = back.get(f"{base}/report/pdf/credit_control_base.credit_control_aged_balance_template/{wizard}",
                            timeout=120)
        response.raise_for_status()
        assert response.content[:4] == b"%PDF"

    aged_balance_pdf(0)
    timed("Aged balance PDF", aged_balance_pdf)

    portal = requests.Session()
    statement = f"{base}/my/credit/{data['dossier']}?access_token={data['token']}"
    page = portal.get(statement, timeout=60)
    page.raise_for_status()
    csrf = _csrf(page.text)
    moves = iter(data["moves"])

    def statement_page(_index):
        portal.get(statement, timeout=60).raise_for_status()

    timed("Portal: statement page", statement_page)

    def payment_page(_index):
        response = portal.post(f"{base}/my/credit/{data['dossier']}/pay", data={
            "csrf_token": csrf, "access_token": data["token"], "scope": "selection",
            "move_ids": data["moves"][-3:],
        }, timeout=60)
        response.raise_for_status()
        assert "o_payment_form" in response.text or "o_credit_payment" in response.text

    timed("Portal: payment page", payment_page)

    def promise(_index):
        response = portal.post(f"{base}/my/credit/{data['dossier']}/promise", data={
            "csrf_token": csrf, "access_token": data["token"], "move_ids": [next(moves)],
            "promise_date": (date.today() + timedelta(days=7)).isoformat(),
        }, timeout=60)
        response.raise_for_status()
        assert "o_credit_message" in response.text, "promise refused"

    timed("Portal: payment promise posted (and statement)", promise)

    def dispute(_index):
        response = portal.post(f"{base}/my/credit/{data['dossier']}/dispute", data={
            "csrf_token": csrf, "access_token": data["token"], "move_ids": [next(moves)],
            "reason_id": data["reason"], "dispute_note": "Bench: goods not received",
        }, timeout=60)
        response.raise_for_status()
        assert "o_credit_message" in response.text, "dispute refused"

    timed("Portal: dispute posted (and statement)", dispute)
    return results


def main():
    args = parse_args()
    port = _free_port()
    data = prepare(args, port)
    log = os.path.join(os.path.dirname(args.output or "/tmp/x"), f"ui-server-{port}.log")
    server = subprocess.Popen([
        sys.executable, "-c",
        'import os, sys; os.environ["TZ"] = "UTC"; import odoo; sys.argv[0] = "odoo"; odoo.cli.main()',
        "--addons-path", args.addons_path, "--data-dir", args.data_dir, "-d", args.db, "--db-filter", f"^{args.db}$",
        "--http-interface", "127.0.0.1", "--http-port", str(port), "--workers", "0", "--max-cron-threads", "0",
        "--log-level", "warn", "--logfile", log,
    ])
    base = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(240):
            try:
                requests.get(f"{base}/web/health", timeout=30)
                break
            except requests.RequestException:
                time.sleep(0.5)
        results = timings(base, args.db, data)
    finally:
        server.terminate()
        server.wait(30)
        restore(args, data)
    rows = []
    for step, seconds in results.items():
        target = TARGET_PDF if "PDF" in step else TARGET
        median = statistics.median(seconds)
        rows.append({
            "step": step, "runs": len(seconds), "median_s": round(median, 3), "max_s": round(max(seconds), 3),
            "target_s": target, "ratio_to_target": round(median / target, 2),
        })
    header = f"{'action':<48} {'runs':>4} {'median s':>9} {'max s':>7} {'target s':>9} {'ratio':>6}"
    print(f"database {args.db}: {data['open_invoices']} open invoices")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row['step']:<48} {row['runs']:>4} {row['median_s']:>9} {row['max_s']:>7} "
              f"{row['target_s']:>9} {row['ratio_to_target']:>6}")
    print(", ".join(f"{key} {value}" for key, value in MACHINE.items()))
    if args.output:
        with open(args.output, "w") as f:
            json.dump({"database": args.db, "results": rows, **MACHINE}, f, indent=2)
        print(f"\nsaved to {args.output}")


if __name__ == "__main__":
    main()
