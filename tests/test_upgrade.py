"""A database made by an earlier version of the suite upgrades with its
data intact (marker e2e: installs the suite twice, minutes).

The reminder run was renamed from ``credit.control.run`` (the name OCA's
account_credit_control uses) to ``credit.control.scenario.run``: a database
built from the commit before the rename keeps its runs, the reminders that
point at them and their history through ``-u``."""
import os
import subprocess

import pytest
from odoo_db import copy_template, core_addons_path, drop_database, odoo, odoo_shell, require_test_environment

MIGRATION = "credit_control_scenario/migrations/18.0.1.1.0/pre-migration.py"
MODULES = "credit_control_base,credit_control_scenario,credit_control_dispute"

# A late customer and today's run, made with the code of that time.
MAKE_HISTORY = """
    from datetime import date, timedelta
    company = env.company
    customer = env["res.partner"].create({"name": "Upgrade SARL", "email": "compta@upgrade.example",
                                          "lang": "fr_FR"})
    invoice = env["account.move"].create({
        "move_type": "out_invoice", "partner_id": customer.id, "company_id": company.id,
        "invoice_date": date.today() - timedelta(days=60), "invoice_date_due": date.today() - timedelta(days=45),
        "invoice_line_ids": [(0, 0, {"name": "Audit", "quantity": 1, "price_unit": 1200.0, "tax_ids": []})],
    })
    invoice.action_post()
    run = env["credit.control.run"]._credit_run(companies=company)
    # anything filed against the run by model name (a note, an attachment)
    env["mail.message"].create({"model": run._name, "res_id": run.id, "body": "run of the old version",
                                "message_type": "comment"})
    env.cr.commit()
    actions = env["credit.control.action"].search([("run_id", "!=", False)])
    print("HISTORY", env["credit.control.run"].search_count([]), len(actions),
          sorted(actions.mapped("run_id").ids), run.id, sorted(run.company_ids.ids))
"""

READ_HISTORY = """
    Run = env["credit.control.scenario.run"]
    actions = env["credit.control.action"].search([("run_id", "!=", False)])
    run = Run.browse(max(Run.search([]).ids))
    print("HISTORY", Run.search_count([]), len(actions), sorted(actions.mapped("run_id").ids), run.id,
          sorted(run.company_ids.ids))
    print("MESSAGES", env["mail.message"].search_count([("model", "=", Run._name), ("res_id", "=", run.id),
                                                         ("body", "ilike", "old version")]))
    print("OLD MODEL", env["ir.model"].search_count([("model", "=", "credit.control.run")]),
          "credit.control.run" in env)
    # the engine runs on the renamed model with its history
    again = Run._credit_run(companies=env.company)
    print("AGAIN", again.exists() and again.state)
"""


def _line(output, tag):
    lines = [line for line in output.splitlines() if line.startswith(tag + " ")]
    assert lines, output[-3000:]
    return lines[-1]


@pytest.fixture
def old_tree(repo_root, tmp_path):
    """This checkout as it was just before the rename."""
    added = subprocess.run(["git", "log", "--format=%H", "--diff-filter=A", "--", MIGRATION],
                           cwd=repo_root, capture_output=True, text=True, check=True).stdout.split()
    if not added:
        pytest.skip("no git history (not a clone)")
    path = tmp_path / "before"
    path.mkdir()
    archive = subprocess.run(["git", "archive", f"{added[-1]}~1"], cwd=repo_root, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(path)], input=archive.stdout, check=True)
    return path


@pytest.mark.e2e
def test_runs_and_reminders_survive_the_rename(repo_root, old_tree):
    require_test_environment()
    db = f"cc_upgrade_{os.getpid()}"
    copy_template(db)
    try:
        old_path = f"{core_addons_path()},{old_tree}"
        code, output = odoo(["-d", db, "-i", MODULES, "--stop-after-init", "--no-http", "--log-level", "warn"],
                            addons_path=old_path)
        assert code == 0, output[-4000:]
        before = _line(odoo_shell(db, MAKE_HISTORY, addons_path=old_path), "HISTORY")
        assert int(before.split()[2]) > 0, f"the old run made no reminder: {before}"

        new_path = f"{core_addons_path()},{repo_root}"
        code, output = odoo(["-d", db, "-u", MODULES, "--stop-after-init", "--no-http", "--log-level", "warn"],
                            addons_path=new_path)
        assert code == 0, output[-4000:]
        assert " ERROR " not in output, output[-4000:]
        after = odoo_shell(db, READ_HISTORY, addons_path=new_path)
        assert _line(after, "HISTORY") == before
        assert _line(after, "MESSAGES") == "MESSAGES 1"
        assert _line(after, "OLD MODEL") == "OLD MODEL 0 False"
        assert _line(after, "AGAIN") == "AGAIN done"
    finally:
        drop_database(db)
