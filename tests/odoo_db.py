"""Helpers of the suites that run Odoo on databases of their own (the
upgrade from an earlier commit, the coexistence with OCA's modules): a
database copied from the template setup/test built, and Odoo's command line
and shell on a given addons path."""
import os
import subprocess
import sys
import textwrap

import pytest

ODOO = 'import os, sys; os.environ["TZ"] = "UTC"; import odoo; sys.argv[0] = "odoo"; odoo.cli.main()'


def psql(sql, db="postgres"):
    return subprocess.run(["psql", "-d", db, "-Atc", sql], capture_output=True, text=True, check=True).stdout.strip()


def template_database():
    """The newest template database of setup/test (core modules only)."""
    for name in psql("SELECT datname FROM pg_database WHERE datname LIKE 'cc\\_template\\_%' "
                     "AND datallowconn ORDER BY oid DESC").split():
        if psql("SELECT 1 FROM ir_config_parameter WHERE key = 'credit_control.template_ready'", db=name):
            return name
    pytest.skip("no template database: runs inside setup/test")
    return None


def copy_template(name):
    drop_database(name)
    subprocess.run(["createdb", "-T", template_database(), name], check=True)


def drop_database(name):
    subprocess.run(["dropdb", "--if-exists", name], check=True)


def odoo(args, *, addons_path, timeout=1500):
    """Odoo's command line; returns (exit code, output)."""
    done = subprocess.run(
        [sys.executable, "-c", ODOO, *args, "--addons-path", addons_path, "--data-dir", os.environ["CC_DATA_DIR"]],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=timeout, check=False,
    )
    return done.returncode, done.stdout


def odoo_shell(db, code, *, addons_path, timeout=600):
    """Run ``code`` in Odoo's shell (``env`` is there) and return what it
    printed; the shell commits nothing unless the code does."""
    done = subprocess.run(
        [sys.executable, "-c", ODOO, "shell", "-d", db, "--addons-path", addons_path,
         "--data-dir", os.environ["CC_DATA_DIR"], "--no-http", "--log-level", "warn"],
        input=textwrap.dedent(code), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=timeout, check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    return done.stdout


def core_addons_path():
    """The addons path of setup/test without this checkout."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return ",".join(path for path in os.environ["CC_ADDONS_PATH"].split(",")
                    if os.path.abspath(path) != root)


def require_test_environment():
    if not os.environ.get("CC_ADDONS_PATH") or not os.environ.get("CC_DATA_DIR"):
        pytest.skip("runs inside setup/test (CC_ADDONS_PATH, CC_DATA_DIR)")
