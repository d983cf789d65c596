"""Take the screenshots of the modules' Apps pages from a running demo
(setup/run), in headless Chromium through the DevTools protocol.

    python setup/screenshots.py [--url http://localhost:8069] [--db credit_control_demo] [--lang fr_FR]

Each shot logs in as its user, opens a page at a given width and writes
<module>/static/description/<name>.png. Run it again after a change of the
screens: the pictures of the Apps pages then follow the code.
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
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_id(url, db, login, lang):
    session = requests.Session()
    response = session.post(f"{url}/web/session/authenticate", timeout=60, json={
        "jsonrpc": "2.0", "method": "call", "id": 1,
        "params": {"db": db, "login": login, "password": "admin" if login == "admin" else login},
    })
    result = response.json()
    if "error" in result:
        raise SystemExit(f"cannot log in as {login}: {result['error']['data']['message']}")
    # the user's language for the shot
    session.post(f"{url}/web/dataset/call_kw", timeout=60, json={
        "jsonrpc": "2.0", "method": "call", "id": 2,
        "params": {"model": "res.users", "method": "write", "args": [[result["result"]["uid"]], {"lang": lang}],
                   "kwargs": {}},
    })
    return session.cookies["session_id"]


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

    def wait_for_view(self):
        """The web client loads (the first time it builds its assets), then
        renders the action: wait for a view and a quiet moment."""
        for _attempt in range(120):
            found = self.call("Runtime.evaluate", expression=(
                "!!document.querySelector('.o_action_manager .o_view_controller')"
                " && !document.querySelector('.o_loading, .o_blockUI')"
            ))
            if found.get("result", {}).get("value"):
                break
            time.sleep(0.5)
        time.sleep(1.5)

    def shot(self, url, cookie, width, height, target, click=None):
        self.call("Network.enable")
        self.call("Network.setCookie", name="session_id", value=cookie, url=url)
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        self.call("Page.navigate", url=url)
        self.wait_for_view()
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
    parser.add_argument("--lang", default="fr_FR")
    args = parser.parse_args()
    browser = Chromium()
    try:
        for module, name, login, path, width, height, *click in SHOTS:
            target = ROOT / module / "static" / "description" / f"{name}.png"
            cookie = session_id(args.url, args.db, login, args.lang)
            browser.shot(f"{args.url}{path}", cookie, width, height, target, *click)
            print(f"wrote {target.relative_to(ROOT)}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
