"""Take the screenshots of the modules' Apps pages from a running demo
(setup/run), in headless Chromium through the DevTools protocol.

    python setup/screenshots.py [--url http://localhost:8069] [--db credit_control_demo] [--langs fr_FR,en_US]
                                [--only statement_phone,...]

Each shot logs in as its user, opens a page at a given width in each
language and writes <module>/static/description/<name>.png (French, the
demo's language) and <name>_en.png (English). The user's language is put
back afterwards. Run it again after a change of the screens: the pictures
of the Apps pages then follow the code. A screen that shows an error (an
error dialog, a danger notification, an element to click missing) is
listed at the end and the script exits non-zero: a walk through the
screens in both languages.
"""
import argparse
import base64
import json
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time

import requests
import websocket

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The suffix of each language's pictures: French is the demo's own.
SUFFIX = {"fr_FR": "", "en_US": "_en"}
# What shows that a page outside the web client has rendered (the back office
# waits for a view): the portal statement, the colleague's answer page.
PAGE_READY = {"/my/": ".o_credit_statement", "/credit/dispute/": ".o_credit_dispute_link"}
# What shows that a screen went wrong: an error dialog, a danger notification.
ERROR_SELECTOR = ".o_error_dialog, .o_notification.border-danger, .o_notification_bar.bg-danger"
# module, file name, login, path, width, height[, steps]. A step clicks the
# element of a CSS selector, or is ("scroll", selector): brings it into view.
# {names} in a path are records of the demo found by FIND (as admin).
DOSSIERS = "/odoo/action-credit_control_base.credit_control_dossier_action"
INVOICES = "/odoo/action-account.action_move_out_invoice_type"
SHOTS = [
    ("credit_control_base", "dashboard", "admin",
     "/odoo/action-credit_control_base.credit_control_kpi_dashboard_action", 1400, 1100),
    ("credit_control_base", "dossiers", "collector1", DOSSIERS, 1400, 900),
    ("credit_control_base", "parallel_workers", "admin", "/odoo/settings", 1400, 900,
     # only the app chosen in the side panel is on the page
     ["[role=tab][data-key=credit_control_base]", ("scroll", "#credit_control_parallel_workers_setting")]),
    ("credit_control_scenario", "simulation", "admin",
     "/odoo/action-credit_control_scenario.credit_control_simulation_action", 1400, 900,
     "button[name=action_simulate]"),
    ("credit_control_scenario", "agenda", "collector1",
     "/odoo/action-credit_control_scenario.mail_activity_action_credit_agenda", 1400, 800),
    ("credit_control_dispute", "disputes", "admin", "/odoo/action-credit_control_dispute.credit_control_dispute_action",
     1400, 800),
    # the dispute a colleague was asked about: the link, then the wizard that sends one
    ("credit_control_dispute", "colleague_links", "admin",
     "/odoo/action-credit_control_dispute.credit_control_dispute_action/{linked_dispute}", 1400, 900,
     [".o_notebook a[name=colleague_links]"]),
    ("credit_control_dispute", "colleague_wizard", "admin",
     "/odoo/action-credit_control_dispute.credit_control_dispute_action/{linked_dispute}", 1400, 900,
     [".o_form_statusbar .o_statusbar_buttons button[type=action]"]),
    # the page the colleague opens, without a login
    ("credit_control_dispute", "colleague_page", "admin", "{colleague_page}", 1280, 1000),
    # the first customer of the list, its Risk tab
    ("credit_control_scoring", "risk", "admin", DOSSIERS, 1400, 1000,
     [".o_data_row .o_data_cell", ".o_notebook a[name=risk]"]),
    # a customer with a payment habit: the best day to remind it, and its invoice's predicted payment
    ("credit_control_scoring", "payment_habit", "admin", DOSSIERS + "/{habit_dossier}", 1400, 1000,
     [".o_notebook a[name=risk]", ("scroll", "div[name=credit_best_remind_day]")]),
    ("credit_control_scoring", "prediction_invoice", "admin", INVOICES + "/{predicted_invoice}", 1400, 800),
    ("credit_control_scoring", "forecast", "admin",
     "/odoo/action-credit_control_base.credit_control_kpi_dashboard_action", 1400, 1000,
     [".o_notebook a[name=forecast]", ("scroll", "div[name=week_ids]")]),
    ("credit_control_portal", "statement_desktop", "customer", "/my/credit", 1280, 900),
    ("credit_control_portal", "statement_phone", "customer", "/my/credit", 390, 844),
    # the customer's own statement offers automatic payment with its saved card
    ("credit_control_portal", "autopay_portal", "customer", "/my/credit", 1280, 900,
     [("scroll", ".o_credit_autopay")]),
    # the collector sees who is on autopay and what will be charged
    ("credit_control_portal", "autopay_dossier", "admin", DOSSIERS + "/{autopay_dossier}", 1400, 1000,
     [".o_notebook a[name=autopay]"]),
    ("credit_control_portal", "autopay_charge", "admin", DOSSIERS + "/{autopay_dossier}", 1400, 1000,
     [".o_notebook a[name=autopay]", "div[name=autopay_charge_ids] .o_data_row .o_data_cell"]),
    # what the customers' e-invoicing platforms said, on the invoice and on the dossier
    ("credit_control_einvoice_fr", "lifecycle_invoice", "admin", INVOICES + "/{einvoice_invoice}", 1400, 1000,
     [".o_notebook a[name=credit_control]"]),
    ("credit_control_einvoice_fr", "lifecycle_dossier", "admin", DOSSIERS + "/{einvoice_dossier}", 1400, 900,
     [".o_notebook a[name=einvoice_lifecycle]"]),
]


def _first(call, model, domain, order="id"):
    ids = call(model, "search", [domain], {"limit": 1, "order": order})
    if not ids:
        raise SystemExit(f"the demo has no {model} matching {domain}: make it with setup/run")
    return ids[0]


def _habit_dossier(call):
    """A customer that pays on a day of the month or a weekday, with an
    open invoice: its prediction then has a habit to tell."""
    dossiers = call("credit.control.dossier", "search_read", [[("credit_payment_profile", "!=", False),
                                                                ("open_amount", ">", 0)]],
                    {"fields": ["credit_payment_profile"], "order": "id"})
    habitual = [d for d in dossiers if (d["credit_payment_profile"] or {}).get("pay_day")
                or (d["credit_payment_profile"] or {}).get("weekday", -1) >= 0]
    if not (habitual or dossiers):
        raise SystemExit("the demo has no customer with a payment profile: make it with setup/run")
    return (habitual or dossiers)[0]["id"]


def _colleague_page(call):
    """The signed link's path (its host is the demo's web.base.url)."""
    link = _first(call, "credit.control.dispute.link", [])
    url = call("credit.control.dispute.link", "action_copy_url", [[link]])["url"]
    return "/" + url.split("/", 3)[3]


def _predicted_invoice(call):
    partner = call("credit.control.dossier", "read", [[_habit_dossier(call)], ["partner_id"]])[0]["partner_id"][0]
    return _first(call, "account.move", [("commercial_partner_id", "=", partner), ("move_type", "=", "out_invoice"),
                                         ("state", "=", "posted"), ("payment_state", "in", ("not_paid", "partial"))],
                  order="invoice_date_due desc")


def _einvoice_invoice(call):
    status = _first(call, "credit.control.einvoice.status", [("code", "=", "207")])
    return call("credit.control.einvoice.status", "read", [[status], ["move_id"]])[0]["move_id"][0]


def _einvoice_dossier(call):
    partner = call("account.move", "read", [[_einvoice_invoice(call)], ["commercial_partner_id"]])[0]
    return _first(call, "credit.control.dossier", [("partner_id", "=", partner["commercial_partner_id"][0])])


FIND = {
    "linked_dispute": lambda call: _first(call, "credit.control.dispute", [("colleague_link_ids", "!=", False)]),
    "colleague_page": _colleague_page,
    "habit_dossier": _habit_dossier,
    "predicted_invoice": _predicted_invoice,
    "autopay_dossier": lambda call: _first(call, "credit.control.dossier", [("autopay_active", "=", True)]),
    "einvoice_invoice": _einvoice_invoice,
    "einvoice_dossier": _einvoice_dossier,
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call_kw(session, url, model, method, args, kwargs=None):
    response = session.post(f"{url}/web/dataset/call_kw", timeout=60, json={
        "jsonrpc": "2.0", "method": "call", "id": 2,
        "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
    }).json()
    if "error" in response:
        raise SystemExit(f"{model}.{method}: {response['error']['data']['message']}")
    return response["result"]


def login_session(url, db, login):
    """A session of the user and the user's own language, to put back."""
    session = requests.Session()
    response = session.post(f"{url}/web/session/authenticate", timeout=60, json={
        "jsonrpc": "2.0", "method": "call", "id": 1,
        "params": {"db": db, "login": login, "password": "admin" if login == "admin" else login},
    })
    result = response.json()
    if "error" in result:
        raise SystemExit(f"cannot log in as {login}: {result['error']['data']['message']}")
    uid = result["result"]["uid"]
    lang = call_kw(session, url, "res.users", "read", [[uid], ["lang"]])[0]["lang"]
    return session, uid, lang


def set_lang(session, url, uid, lang):
    # a user may write their own language (a portal user too): it is a self-writeable field
    call_kw(session, url, "res.users", "write", [[uid], {"lang": lang}])


class Chromium:
    def __init__(self):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="cc_shots_")
        binary = shutil.which("chromium") or shutil.which("google-chrome")
        self.process = subprocess.Popen([
            binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            f"--remote-debugging-port={self.port}", f"--user-data-dir={self.profile}", "about:blank",
        ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _attempt in range(50):
            try:
                targets = requests.get(f"http://127.0.0.1:{self.port}/json", timeout=2).json()
                page = next(t for t in targets if t["type"] == "page")
                break
            except (requests.RequestException, StopIteration):
                time.sleep(0.2)
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=120)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def wait_for_view(self, ready=".o_action_manager .o_view_controller"):
        """The web client loads (the first time it builds its assets), then
        renders the action: wait for a view and a quiet moment."""
        for _attempt in range(120):
            found = self.call("Runtime.evaluate", expression=(
                f"!!document.querySelector({json.dumps(ready)})"
                " && !document.querySelector('.o_loading, .o_blockUI')"
            ))
            if found.get("result", {}).get("value"):
                break
            time.sleep(0.5)
        time.sleep(1.5)

    def shot(self, url, cookie, lang, width, height, target, steps=None):
        """Open ``url``, play ``steps`` and write the picture; return the
        text of the error the screen shows, if any."""
        ready = next((selector for part, selector in PAGE_READY.items() if part in url),
                     ".o_action_manager .o_view_controller")
        self.call("Network.enable")
        self.call("Network.setCookie", name="session_id", value=cookie, url=url)
        # the portal answers in the language of this cookie once a page has set it
        self.call("Network.setCookie", name="frontend_lang", value=lang, url=url)
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=width < 576)
        self.call("Page.navigate", url=url)
        self.wait_for_view(ready)
        error = None
        for step in [steps] if isinstance(steps, str) else steps or []:
            action, selector = step if isinstance(step, tuple) else ("click", step)
            script = "scrollIntoView({block: 'center'})" if action == "scroll" else "click()"
            found = self.call("Runtime.evaluate", expression=(
                f"(el => el ? (el.{script}, true) : false)(document.querySelector({json.dumps(selector)}))"
            ))
            if not found.get("result", {}).get("value"):
                error = f"nothing to {action} at {selector}"
                break
            time.sleep(2)
            self.wait_for_view(ready)
        shown = self.call("Runtime.evaluate", expression=(
            f"(el => el && el.innerText)(document.querySelector({json.dumps(ERROR_SELECTOR)}))"
        )).get("result", {}).get("value")
        data = self.call("Page.captureScreenshot", format="png")["data"]
        target.write_bytes(base64.b64decode(data))
        return error or shown

    def close(self):
        self.ws.close()
        self.process.terminate()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="credit_control_demo")
    parser.add_argument("--langs", default="fr_FR,en_US", help="comma-separated, among " + ", ".join(SUFFIX))
    parser.add_argument("--only", help="comma-separated picture names (e.g. statement_phone); all when omitted")
    args = parser.parse_args()
    langs = args.langs.split(",")
    only = set(args.only.split(",")) if args.only else None
    unknown = set(langs) - set(SUFFIX)
    if unknown:
        parser.error(f"no picture name for {', '.join(sorted(unknown))}")
    browser = Chromium()
    admin = login_session(args.url, args.db, "admin")[0]
    found = {}
    problems = []
    try:
        for module, name, login, template, width, height, *steps in SHOTS:
            if only and name not in only:
                continue
            for key in {field for field in FIND if f"{{{field}}}" in template} - set(found):
                found[key] = FIND[key](lambda *a, **kw: call_kw(admin, args.url, *a, **kw))
            path = template.format(**found)
            session, uid, own_lang = login_session(args.url, args.db, login)
            try:
                for lang in langs:
                    set_lang(session, args.url, uid, lang)
                    # a session keeps the language of its login (the portal reads it from there)
                    cookie = login_session(args.url, args.db, login)[0].cookies["session_id"]
                    target = ROOT / module / "static" / "description" / f"{name}{SUFFIX[lang]}.png"
                    error = browser.shot(f"{args.url}{path}", cookie, lang, width, height, target, *steps)
                    print(f"wrote {target.relative_to(ROOT)}" + (f"  ERROR: {error}" if error else ""))
                    if error:
                        problems.append(f"{name} ({lang}): {error}")
            finally:
                set_lang(session, args.url, uid, own_lang)
    finally:
        browser.close()
    if problems:
        raise SystemExit("screens with an error:\n" + "\n".join(problems))


if __name__ == "__main__":
    main()
