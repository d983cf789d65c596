"""What the README's "Integrate" section promises, driven as an integrator
would: ``xmlrpc.client`` against a running Odoo server on the database
setup/test installed every module in (marker e2e: starts a server).

Every button an integrator calls returns a value XML-RPC can carry (a
method returning None makes the client raise a Fault after the server
committed the change)."""
import os
import socket
import subprocess
import sys
import time
import xmlrpc.client
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from odoo_db import ODOO, psql

TIMEOUT = 300


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = os.environ.get("CC_TEST_DB")
    if not db or not psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'"):
        pytest.skip("runs inside setup/test, on the database of its Odoo tests")
    # only what the test triggers runs in the server's cron thread
    psql("UPDATE ir_cron SET nextcall = now() + interval '1 day'", db=db)
    port = _free_port()
    log = tmp_path_factory.mktemp("xmlrpc") / "odoo.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", ODOO, "--addons-path", os.environ["CC_ADDONS_PATH"],
             "--data-dir", os.environ["CC_DATA_DIR"], "-d", db, "--db-filter", f"^{db}$",
             "--http-interface", "127.0.0.1", "--http-port", str(port), "--max-cron-threads", "1",
             "--log-level", "warn"],
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").version()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(1)
        yield url, db
    finally:
        process.terminate()
        process.wait(timeout=60)


class Client:
    """execute_kw as one user, as an integrator's script does."""

    def __init__(self, url, db, login, password):
        self.db, self.password = db, password
        self.uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(db, login, password, {})
        assert self.uid, f"cannot log in as {login}"
        self.models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=False)

    def __call__(self, model, method, *args, **kwargs):
        return self.models.execute_kw(self.db, self.uid, self.password, model, method, list(args), kwargs)


@pytest.fixture(scope="module")
def admin(server):
    url, db = server
    return Client(url, db, "admin", "admin")


@pytest.fixture(scope="module")
def today(admin):
    """The day as the server counts it for this user: in the user's timezone
    (Odoo's context_today), which around midnight UTC is not the machine's."""
    (user,) = admin("res.users", "read", [admin.uid], fields=["tz"])
    return datetime.now(ZoneInfo(user["tz"] or "UTC")).date()


@pytest.fixture(scope="module")
def late_customer(admin, today):
    """A customer 40 days late on 1 800 €, made over XML-RPC."""
    partner = admin("res.partner", "create", {"name": "Intégrateur SAS", "is_company": True,
                                              "email": "compta@integrateur.example", "lang": "fr_FR"})
    due = today - timedelta(days=40)
    invoice = admin("account.move", "create", {
        "move_type": "out_invoice", "partner_id": partner, "invoice_date": str(due - timedelta(days=30)),
        "invoice_date_due": str(due),
        "invoice_line_ids": [(0, 0, {"name": "Maintenance", "quantity": 1, "price_unit": 1800.0,
                                     "tax_ids": [(6, 0, [])]})],
    })
    admin("account.move", "action_post", [invoice])
    dossier = admin("credit.control.dossier", "search", [("partner_id", "=", partner)])
    assert dossier, "posting an invoice makes the customer's credit dossier"
    return {"partner": partner, "invoice": invoice, "dossier": dossier[0]}


@pytest.mark.e2e
def test_kpis_as_of_a_date(admin, late_customer, today):
    as_of = str(today)
    dashboard = admin("credit.control.kpi.dashboard", "create", {"as_of": as_of})
    assert admin("credit.control.kpi.dashboard", "action_refresh", [dashboard]) is True
    (figures,) = admin("credit.control.kpi.dashboard", "read", [dashboard],
                       fields=["outstanding", "overdue", "dso_simple", "dso_countback", "late_customers"])
    assert figures["overdue"] >= 1800.0, "the late customer's invoice is overdue"
    assert figures["late_customers"] >= 1
    # the aged balance as of a date, grouped as a pivot would
    rows = admin("credit.control.aged.balance", "read_group", [("partner_id", "=", late_customer["partner"])],
                 ["residual:sum", "overdue_amount:sum"], ["partner_id"], context={"credit_as_of": as_of})
    assert rows and rows[0]["residual"] == pytest.approx(1800.0)
    assert rows[0]["overdue_amount"] == pytest.approx(1800.0)


@pytest.mark.e2e
def test_dossier_figures(admin, late_customer):
    (dossier,) = admin("credit.control.dossier", "read", [late_customer["dossier"]],
                       fields=["open_amount", "overdue_amount", "max_days_overdue"])
    assert dossier["open_amount"] == pytest.approx(1800.0)
    assert dossier["overdue_amount"] == pytest.approx(1800.0)
    assert dossier["max_days_overdue"] == 40


@pytest.mark.e2e
def test_reminder_run_to_poll(admin, late_customer):
    before = admin("credit.control.scenario.run", "search", [], order="id desc", limit=1)
    action = admin("credit.control.scenario.run", "action_run_now")
    assert isinstance(action, dict)
    deadline = time.monotonic() + TIMEOUT
    while True:
        runs = admin("credit.control.scenario.run", "search_read", [("id", ">", before[0] if before else 0)],
                     fields=["state", "progress", "action_count"], order="id desc", limit=1)
        if runs and runs[0]["state"] == "done":
            break
        assert time.monotonic() < deadline, f"the run did not end: {runs}"
        time.sleep(2)
    reminders = admin("credit.control.action", "search_count", [("partner_id", "=", late_customer["partner"])])
    assert reminders, "the run reminded the late customer"


@pytest.mark.e2e
def test_buttons_return_a_value(admin, late_customer, today):
    """The buttons that returned None before: each call is answered."""
    reason = admin("credit.control.dispute.reason", "search", [], limit=1)
    dispute = admin("credit.control.dispute", "create", {
        "dossier_id": late_customer["dossier"], "reason_id": reason[0],
        "move_ids": [(6, 0, [late_customer["invoice"]])],
    })
    for method in ("action_start", "action_reject", "action_reopen", "action_resolve_justified"):
        assert admin("credit.control.dispute", method, [dispute]) is True, method
    promise = admin("credit.control.promise", "create", {
        "dossier_id": late_customer["dossier"], "date": str(today + timedelta(days=10)),
        "move_ids": [(6, 0, [late_customer["invoice"]])],
    })
    assert admin("credit.control.promise", "action_cancel", [promise]) is True
    assert admin("credit.control.dossier", "action_revoke_statement_links", [late_customer["dossier"]]) is True
