"""The set-up commands of the README, run as a user would run them: their
options and errors (seconds), and setup/run end to end (minutes, marker e2e)."""

import mailbox
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


def shell_scripts():
    """The bash scripts of setup/ and .ci/ (by shebang or shellcheck directive)."""
    found = []
    for path in sorted([*ROOT.glob("setup/**/*"), *ROOT.glob(".ci/**/*")]):
        if path.is_file() and path.suffix != ".py":
            first_line = path.read_text(errors="replace").partition("\n")[0].strip()
            if (first_line.startswith("#!") and "bash" in first_line) or first_line == "# shellcheck shell=bash":
                found.append(path.relative_to(ROOT))
    return found


@pytest.mark.parametrize("script", shell_scripts(), ids=str)
def test_bash_syntax(run, repo_root, script):
    result = run(["bash", "-n", script], cwd=repo_root)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("command", ["run", "test"])
def test_help(run, repo_root, command):
    result = run([f"setup/{command}", "--help"], cwd=repo_root, timeout=30)
    assert result.returncode == 0, result.stdout
    assert f"setup/{command} [" in result.stdout, result.stdout


@pytest.mark.parametrize("command", ["run", "test"])
def test_unknown_option(run, repo_root, command):
    result = run([f"setup/{command}", "--no-such-option"], cwd=repo_root, timeout=30)
    assert result.returncode == 2, result.stdout
    assert "unknown option --no-such-option" in result.stdout, result.stdout


def test_missing_odoo(run, repo_root):
    """A wrong ODOO_SRC stops setup/run at once with a message naming it,
    before any database is created."""
    db = f"e2e_never_{os.getpid()}"
    try:
        result = run(["setup/run", "--db", db, "--port", "8372"], cwd=repo_root, env={"ODOO_SRC": "/nonexistent"},
                     timeout=120)
        assert result.returncode == 2, result.stdout
        assert "ODOO_SRC=/nonexistent is not an Odoo source tree" in result.stdout, result.stdout
        assert not database_exists(db)
    finally:
        subprocess.run(["dropdb", "--if-exists", db], check=False)


def test_generate_finds_the_generator(run, venv_python, repo_root, tmp_path):
    """setup/generate.py imports the sample-data generator from setup/sample/
    (no module ships it) before it looks for the database."""
    db = f"never_{os.getpid()}"
    addons_path = os.environ.get("CC_ADDONS_PATH") or f"/opt/odoo/18.0/odoo/addons,{repo_root}"
    result = run([venv_python, "setup/generate.py", "--addons-path", addons_path, "--data-dir", tmp_path,
                  "--db", db], cwd=repo_root, timeout=120)
    assert result.returncode == 2, result.stdout
    assert f"database {db!r} does not exist" in result.stdout, result.stdout
    assert not list(repo_root.glob("credit_control_*/sample/*.py")), "the generator is back in a module"


# --- setup/run end to end ---------------------------------------------------------

PORT = int(os.environ.get("CC_E2E_HTTP_PORT", 8371))  # another port: two runs side by side
START_TIMEOUT = 15 * 60  # a new database: base in French, Odoo modules and ours, then the sample data


def database_exists(name):
    # psql quotes the variable itself (:'name'); -c would not expand it, stdin does
    result = subprocess.run(["psql", "-d", "postgres", "-At", "-v", f"name={name}"], capture_output=True, text=True,
                            input="select 1 from pg_database where datname = :'name'", check=True)
    return result.stdout.strip() == "1"


def data_dir():
    """Where setup/run keeps the filestores (setup/test exports it)."""
    if os.environ.get("CC_DATA_DIR"):
        return Path(os.environ["CC_DATA_DIR"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return Path(os.environ.get("CC_STATE") or cache / "credit_control") / "filestore"


def mbox_path(db):
    """Where setup/run's SMTP sink keeps the e-mails of database ``db``."""
    return data_dir().parent / "mail" / f"{db}.mbox"


def port_in_use(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class JsonRpc:
    """Just enough of Odoo's JSON-RPC web client for the assertions below."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.session = requests.Session()

    def call(self, path, params):
        response = self.session.post(f"{self.base_url}{path}", timeout=60,
                                     json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params})
        response.raise_for_status()
        body = response.json()
        assert "error" not in body, body["error"]
        return body.get("result")  # absent when the method returns None

    def search_count(self, model, domain):
        return self.call_kw(model, "search_count", [domain])

    def call_kw(self, model, method, args, kwargs=None):
        return self.call("/web/dataset/call_kw", {
            "model": model, "method": method, "args": args, "kwargs": kwargs or {}})


@pytest.fixture
def run_server(repo_root, tmp_path):
    """Start setup/run in its own process group; stop it and drop its database
    and filestore afterwards, whatever happened."""
    started = []

    def start(db, *args):
        log = (tmp_path / "setup-run.log").open("w")
        process = subprocess.Popen(["setup/run", "--db", db, "--port", str(PORT), *args], cwd=repo_root,
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        started.append((process, db, log))
        return process, Path(log.name)

    yield start

    for process, db, log in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # Odoo and the workers it forked
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
        subprocess.run(["dropdb", "--if-exists", "--force", db], check=False)
        shutil.rmtree(data_dir() / "filestore" / db, ignore_errors=True)
        mbox_path(db).unlink(missing_ok=True)
        mbox_path(db).with_suffix(".log").unlink(missing_ok=True)
        assert not database_exists(db), f"could not drop {db}"


def wait_for_login_page(process, log_path):
    """Wait until /web/login answers 200; fail at once if setup/run exits."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"setup/run exited with {process.returncode}:\n{log_tail(log_path)}")
        try:
            if requests.get(f"http://localhost:{PORT}/web/login", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or busy installing
            pass
        time.sleep(3)
    pytest.fail(f"no answer on port {PORT} after {START_TIMEOUT} s:\n{log_tail(log_path)}")


def log_tail(path, lines=40):
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@pytest.mark.e2e
def test_run_serves_the_demo_database(run_server):
    assert not port_in_use(PORT), f"port {PORT} is already in use: this test would talk to another server"
    db = f"e2e_run_{os.getpid()}"
    customers = 15  # and 150 invoices: a few are overdue today (seed 1)
    process, log_path = run_server(db, "--customers", str(customers), "--invoices", "150", "--seed", "1")
    wait_for_login_page(process, log_path)

    rpc = JsonRpc(f"http://localhost:{PORT}")
    session = rpc.call("/web/session/authenticate", {"db": db, "login": "admin", "password": "admin"})
    assert session.get("uid"), session
    assert session.get("db") == db, session
    assert rpc.search_count("credit.control.dossier", []) > 0
    assert rpc.search_count("res.partner", [("customer_rank", ">", 0)]) >= customers

    # The sample data is French, scored, and today's reminder run has been
    # made: reminders in the history, their e-mails in the mail queue, which
    # hands them to the demo's SMTP sink (an mbox), not to real addresses.
    segments = rpc.call_kw("credit.control.segment", "search_read", [[]],
                           {"fields": ["name"], "context": {"lang": "fr_FR"}})
    assert "Grands comptes" in {segment["name"] for segment in segments}, segments
    assert rpc.search_count("credit.control.dossier", [("credit_risk_class", "!=", False)]) > 0
    assert rpc.search_count("credit.control.action", []) > 0
    queued = rpc.search_count("mail.mail", [("model", "=", "credit.control.action")])
    assert queued > 0
    rpc.call_kw("mail.mail", "process_email_queue", [])  # unless the server's cron was first
    assert rpc.search_count("mail.mail", [("model", "=", "credit.control.action"), ("state", "=", "sent")]) == queued
    delivered = list(mailbox.mbox(mbox_path(db)))
    # every reminder reached the sink, besides the demo's other e-mails (the
    # notice of its customer on autopay)
    reminders = rpc.call_kw("mail.mail", "search_read", [[("model", "=", "credit.control.action")]],
                            {"fields": ["subject"]})
    subjects = Counter(str(make_header(decode_header(message["Subject"]))) for message in delivered)
    assert not Counter(mail["subject"] for mail in reminders) - subjects, (reminders, subjects)
    assert all(message["X-Sink-Envelope-To"] for message in delivered)

    # The customer portal of the demo: a late customer's contact sees its
    # statement and can pay online with the demo provider.
    customer = JsonRpc(f"http://localhost:{PORT}")
    portal_session = customer.call("/web/session/authenticate", {"db": db, "login": "customer", "password": "customer"})
    assert portal_session.get("uid"), portal_session
    page = customer.session.get(f"http://localhost:{PORT}/my/credit", timeout=60)
    assert page.status_code == 200
    if "o_credit_statement" not in page.text:  # a customer of both companies picks one
        first = re.search(r'href="(/my/credit/\d+)"', page.text).group(1)
        page = customer.session.get(f"http://localhost:{PORT}{first}", timeout=60)
    assert "o_credit_statement" in page.text
    assert "o_credit_pay_selected" in page.text, "online payment is offered"

    assert_the_demo_is_french(rpc)


def assert_the_demo_is_french(rpc):
    """The French localization on both sample companies (its chart of
    accounts, its VAT rates on the invoices), A4 and a document layout chosen,
    provision rates and credit limits; users, agenda and histories in French,
    English still installed."""
    def read(model, domain, fields, **kwargs):
        return rpc.call_kw(model, "search_read", [domain], {"fields": fields, **kwargs})

    assert rpc.search_count("ir.module.module", [("name", "=", "l10n_fr_account"), ("state", "=", "installed")])
    companies = read("res.company", [], ["name", "chart_template", "currency_id", "paperformat_id",
                                         "external_report_layout_id", "account_use_credit_limit"])
    assert {c["name"] for c in companies} == {"Atelier Durand SAS", "Durand Suisse SA"}, companies
    for company in companies:
        assert company["chart_template"] == "fr", company
        assert company["external_report_layout_id"], company
        assert company["account_use_credit_limit"], company
        [paper] = read("report.paperformat", [("id", "=", company["paperformat_id"][0])], ["format"])
        assert paper["format"] == "A4", company
    main = next(c for c in companies if c["name"] == "Atelier Durand SAS")
    assert main["currency_id"][1] == "EUR"
    lines = read("account.move.line", [("company_id", "=", main["id"]), ("display_type", "=", "product"),
                                       ("move_id.move_type", "=", "out_invoice")], ["tax_ids"])
    tax_ids = sorted({tax for line in lines for tax in line["tax_ids"]})
    taxes = read("account.tax", [("id", "in", tax_ids)], ["amount"])
    assert {tax["amount"] for tax in taxes} == {20.0, 10.0, 5.5}, taxes

    assert rpc.search_count("credit.control.provision.rate", [("segment_id", "=", False)]) == 2
    assert rpc.search_count("credit.control.dossier", [("limit_breached", "=", True)]) > 0
    limits = read("credit.control.dossier", [], ["credit_limit", "limit_breached"])
    assert any(d["credit_limit"] and not d["limit_breached"] for d in limits), "some within their limit"

    languages = {lang["code"] for lang in read("res.lang", [], ["code"])}
    assert {"fr_FR", "en_US"} <= languages, languages
    users = read("res.users", [("login", "in", ["admin", "collector1", "credit_manager"])], ["lang"])
    assert {user["lang"] for user in users} == {"fr_FR"}, users
    activities = read("mail.activity", [("res_model", "=", "credit.control.dossier")], ["summary", "note"])
    assert activities, "the collectors' agenda"
    english = ("Reminder", "Phone Call", "Introduce yourself", "Credit limit breached")
    assert not [a for a in activities if any(word in (a["summary"] or "") for word in english)], activities
    notes = read("mail.message", [("model", "=", "credit.control.dossier"), ("message_type", "=", "comment")],
                 ["body"])
    assert any("Relance" in note["body"] for note in notes), notes[:5]
    assert not [n for n in notes if any(word in n["body"] for word in english)], notes[:5]
    calls = read("credit.control.action", [("channel", "=", "phone"), ("partner_id.lang", "=", "fr_FR")],
                 ["content"])
    assert all("Introduce yourself" not in (call["content"] or "") for call in calls), calls
