"""Shared fixtures of the suites in tests/ (lint, packaging, set-up scripts).

setup/test runs them with the suite's Python environment after the Odoo tests,
and exports CC_TEST_DB, CC_ADDONS_PATH, CC_DATA_DIR, ODOO_SRC and PYTHONPATH.
They also run alone, from the repository root:
    setup/test --only-suites                 # or, in the environment:
    python -m pytest tests -m "not e2e"      # without the minutes-long end-to-end test

A test that takes a ``module`` argument runs once per module of this checkout.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def our_modules():
    """The credit_control_* modules of this checkout, sorted by name."""
    return sorted(path.parent.name for path in ROOT.glob("credit_control_*/__manifest__.py"))


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: starts Odoo on a new database (minutes)")


def pytest_generate_tests(metafunc):
    if "module" in metafunc.fixturenames:
        metafunc.parametrize("module", our_modules())


@pytest.fixture(scope="session")
def repo_root():
    return ROOT


@pytest.fixture(scope="session")
def modules():
    found = our_modules()
    assert found, f"no credit_control_* module in {ROOT}"
    return found


@pytest.fixture(scope="session")
def venv_python():
    """The interpreter of the suite's environment (the one running pytest)."""
    return sys.executable


def run_command(args, *, cwd=ROOT, env=None, timeout=600):
    """Run ``args`` and return the CompletedProcess, stdout and stderr merged in
    ``.stdout`` (so that an assertion message shows everything the command said).
    ``env`` entries are added to the current environment; a value of None
    removes the variable. Never raises on a non-zero exit code.
    """
    full_env = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=full_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def run():
    return run_command


@pytest.fixture(scope="session")
def odoo_registry():
    """The registry of the database setup/test installed every module in
    (CC_TEST_DB), for the in-process suites; Odoo's configuration is parsed
    once per session (it cannot be parsed twice)."""
    db = os.environ.get("CC_TEST_DB")
    if not db:
        pytest.skip("runs inside setup/test, on the database of its Odoo tests")
    import odoo  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["--addons-path", os.environ["CC_ADDONS_PATH"], "--data-dir", os.environ["CC_DATA_DIR"],
                         "-d", db, "--no-http", "--log-level", "warn"])
    if not odoo.service.db.exp_db_exist(db):
        pytest.skip(f"database {db} does not exist (setup/test --only-suites): run the whole setup/test")
    return odoo.modules.registry.Registry(db)
