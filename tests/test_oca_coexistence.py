"""The suite lives beside OCA's credit-control modules in one database
(marker e2e: installs both, then runs OCA's own tests and ours there).

OCA's 18.0 wheels come from setup/requirements-oca.txt. Their own test
suites are the oracle: a name, field or XML id of ours that clashed with
theirs (as ``credit.control.run`` did) breaks them.

OCA's ``account_financial_report`` is installed there too, without its own
tests (slow, and not about us): its Aged Partner Balance is the oracle of
ours (credit_control_base's ``TestAgedOracle``, skipped where it is not
installed).

OCA's reconciliation widget, ``account_reconcile_oca``, is installed with
its tests beside ``credit_control_statement_import`` (and OCA's statement
importers it depends on): our hooks on journal entries must not break its
widget, and our proposals follow what its widget reconciles and undoes
(credit_control_statement_import's ``TestReconcileOcaWidget``, skipped
where it is not installed).

OCA's ``queue_job`` comes with ``credit_control_queue``; the e-invoicing
module's tests start their platform stand-in in the test port range
(``CC_TEST_HTTP_PORT``), away from ``CC_OCA_HTTP_PORT``.

The run takes about 34 minutes on a quiet machine; ``CC_OCA_TIMEOUT``
(seconds, default 3600) gives a loaded one longer. When it runs out, the
log written so far is kept, to see where it was."""
import os
import re
import subprocess
from pathlib import Path

import pytest
from odoo_db import copy_template, drop_database, odoo, require_test_environment

OCA_MODULES = ["account_credit_control", "account_invoice_overdue_reminder", "account_financial_risk",
               "account_reconcile_oca"]
# installed beside ours, their tests not run
OCA_ORACLES = ["account_financial_report"]
OURS = ["credit_control_base", "credit_control_scenario", "credit_control_scoring", "credit_control_dispute",
        "credit_control_portal", "credit_control_statement_import", "credit_control_queue",
        "credit_control_einvoice_fr"]
RESULT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")


def _tests_started(log, module):
    return len(re.findall(rf"odoo\.addons\.{module}\.tests\.\S+: Starting ", log))


@pytest.mark.e2e
def test_oca_and_our_tests_pass_in_one_database():
    require_test_environment()
    missing = [module for module in OCA_MODULES + OCA_ORACLES
               if not any(os.path.isdir(os.path.join(path, module))
                          for path in os.environ["CC_ADDONS_PATH"].split(","))]
    if missing:
        pytest.fail(f"OCA modules not on the addons path (setup/requirements-oca.txt): {missing}")
    db = f"cc_oca_{os.getpid()}"
    timeout = int(os.environ.get("CC_OCA_TIMEOUT", "3600"))
    log_path = Path(os.environ["CC_DATA_DIR"]).parent / "test-logs" / f"odoo-{db}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    copy_template(db)
    try:
        # theirs and all of ours, in the one database
        tags = [f"/{module}" for module in OCA_MODULES + OURS]
        try:
            code, log = odoo(
                ["-d", db, "-i", ",".join(OURS + OCA_MODULES + OCA_ORACLES), "--test-enable",
                 "--test-tags", ",".join(tags), "--stop-after-init",
                 "--http-port", os.environ.get("CC_OCA_HTTP_PORT", "8189"), "--log-level", "test"],
                addons_path=os.environ["CC_ADDONS_PATH"], timeout=timeout,
            )
        except subprocess.TimeoutExpired as timed_out:
            # what was read before the run was stopped (bytes on POSIX)
            partial = timed_out.output or b""
            log_path.write_text(partial.decode(errors="replace") if isinstance(partial, bytes) else partial)
            started = re.findall(r"odoo\.addons\.(\S+\.tests\.\S+): Starting (\S+)", log_path.read_text())
            pytest.fail(f"not finished in {timeout} s (CC_OCA_TIMEOUT; load average {os.getloadavg()}), "
                        f"{len(started)} tests started, the last {started[-1:]}; log so far: {log_path}")
        log_path.write_text(log)
        results = RESULT.findall(log)
        assert results, f"{log_path}: {log[-4000:]}"
        failed, errors, total = map(int, results[-1])
        failures = [line for line in log.splitlines() if re.search(r" (ERROR|FAIL): ", line)]
        assert (failed, errors) == (0, 0), "\n".join(failures) or log[-4000:]
        assert code == 0, log[-4000:]
        # account_invoice_overdue_reminder ships no test of its own
        for module in ["account_credit_control", "account_financial_risk", "account_reconcile_oca", *OURS]:
            assert _tests_started(log, module), f"no test of {module} ran"
        assert "TestOcaEngine.test_a_customer_with_an_oca_policy_is_left_to_oca" in log
        # the oracle ran (it skips itself where account_financial_report is missing)
        assert "Starting TestAgedOracle.test_same_aged_balance_as_oca" in log
        # so did the tests of OCA's reconciliation widget (skipped without it)
        assert "Starting TestReconcileOcaWidget.test_reconciled_in_oca_widget_closes_our_proposal" in log
        assert total > 0
    finally:
        drop_database(db)
