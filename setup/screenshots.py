"""Take the screenshots of the modules' Apps pages from a running demo
(setup/run), in headless Chromium through the DevTools protocol.

    python setup/screenshots.py [--url http://localhost:8069] [--db credit_control_demo] [--langs fr_FR,en_US]
                                [--only statement_phone,...]

Each shot logs in as its user, opens a page at a given width in each
language and writes <module>/static/description/<name>.png (French, the
demo's language) and <name>_en.png (English). The user's language is put
back afterwards. Run it again after a change of the screens: the pictures
of the Apps pages then follow the code.
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
# What shows that a portal page has rendered (the back office waits for a view).
PORTAL_READY = ".o_credit_statement"
# module, file name, login, path, width, height[, element to click first, or a list of them]
SHOTS = [
    ("credit_control_base", "dashboard", "admin",
     "/odoo/action-credit_control_base.credit_control_kpi_dashboard_action", 1400, 1100),
    ("credit_control_base", "dossiers", "collector1", "/odoo/action-credit_control_base.credit_control_dossier_action",
     1400, 900),
    ("credit_control_scenario", "simulation", "admin",
     "/odoo/action-credit_control_scenario.credit_control_simulation_action", 1400, 900,
     "button[name=action_simulate]"),
    ("credit_control_scenario", "agenda", "collector1",
     "/odoo/action-credit_control_scenario.mail_activity_action_credit_agenda", 1400, 800),
    ("credit_control_dispute", "disputes", "admin", "/odoo/action-credit_control_dispute.credit_control_dispute_action",
     1400, 800),
    # the first customer of the list, its Risk tab
    ("credit_control_scoring", "risk", "admin", "/odoo/action-credit_control_base.credit_control_dossier_action",
     1400, 1000, [".o_data_row .o_data_cell", ".o_notebook a[name=risk]"]),
    ("credit_control_portal", "statement_desktop", "customer", "/my/credit", 1280, 900),
    ("credit_control_portal", "statement_phone", "customer", "/my/credit", 390, 844),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call_kw(session, url, model, method, args):
    response = session.post(f"{url}/web/dataset/call_kw", timeout=60, json={
        "jsonrpc": "2.0", "method": "call", "id": 2,
        "params": {"model": model, "method": method, "args": args, "kwargs": {}},
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

    def shot(self, url, cookie, lang, width, height, target, click=None):
        portal = "/my/" in url
        self.call("Network.enable")
        self.call("Network.setCookie", name="session_id", value=cookie, url=url)
        # the portal answers in the language of this cookie once a page has set it
        self.call("Network.setCookie", name="frontend_lang", value=lang, url=url)
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=width < 576)
        self.call("Page.navigate", url=url)
        self.wait_for_view(PORTAL_READY if portal else ".o_action_manager .o_view_controller")
        for selector in [click] if isinstance(click, str) else click or []:
            self.call("Runtime.evaluate", expression=f"document.querySelector({json.dumps(selector)}).click()")
            time.sleep(2)
            self.wait_for_view()
        data = self.call("Page.captureScreenshot", format="png")["data"]
        target.write_bytes(base64.b64decode(data))

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
    try:
        for module, name, login, path, width, height, *click in SHOTS:
            if only and name not in only:
                continue
            session, uid, own_lang = login_session(args.url, args.db, login)
            try:
                for lang in langs:
                    set_lang(session, args.url, uid, lang)
                    # a session keeps the language of its login (the portal reads it from there)
                    cookie = login_session(args.url, args.db, login)[0].cookies["session_id"]
                    target = ROOT / module / "static" / "description" / f"{name}{SUFFIX[lang]}.png"
                    browser.shot(f"{args.url}{path}", cookie, lang, width, height, target, *click)
                    print(f"wrote {target.relative_to(ROOT)}")
            finally:
                set_lang(session, args.url, uid, own_lang)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
