"""Lint: ruff (.ruff.toml) on the whole repository, pylint-odoo with the OCA
mandatory checks (.pylintrc) on each module, OCA's oca-checks-odoo-module and
oca-checks-po (.oca_hooks.cfg) on each module and its translations; the same
checks as the hooks of .pre-commit-config.yaml."""

import re
import textwrap

import pytest


def ruff(run, venv_python, *args, cwd):
    return run([venv_python, "-m", "ruff", "check", "--no-fix", "--output-format", "concise", *args], cwd=cwd)


def pylint(run, venv_python, target, *, cwd, rcfile):
    return run([venv_python, "-m", "pylint", f"--rcfile={rcfile}", target], cwd=cwd)


def oca_checks(run, venv_python, tool, *targets, cwd, config):
    """``tool``: ``cli`` (oca-checks-odoo-module) or ``cli_po`` (oca-checks-po)."""
    return run([venv_python, "-m", f"oca_pre_commit_hooks.{tool}", f"--config={config}", *targets], cwd=cwd)


def test_ruff(run, venv_python, repo_root):
    result = ruff(run, venv_python, ".", cwd=repo_root)
    exit_code = result.returncode
    assert exit_code == 0, f"ruff found problems:\n{result.stdout}"


def test_pylint_odoo(run, venv_python, repo_root, module):
    result = pylint(run, venv_python, module, cwd=repo_root, rcfile=repo_root / ".pylintrc")
    exit_code = result.returncode  # a bit mask of the message categories emitted
    assert exit_code == 0, f"pylint-odoo found problems in {module}:\n{result.stdout}"


def test_oca_checks_odoo_module(run, venv_python, repo_root, module):
    result = oca_checks(run, venv_python, "cli", f"{module}/__manifest__.py", cwd=repo_root,
                        config=repo_root / ".oca_hooks.cfg")
    assert result.returncode == 0, f"oca-checks-odoo-module found problems in {module}:\n{result.stdout}"


def test_oca_checks_po(run, venv_python, repo_root, module):
    catalogs = sorted(path.relative_to(repo_root) for path in (repo_root / module / "i18n").glob("*.po*"))
    if not catalogs:
        pytest.skip(f"no catalog in {module}/i18n (test_packaging requires fr.po)")
    result = oca_checks(run, venv_python, "cli_po", *catalogs, cwd=repo_root, config=repo_root / ".oca_hooks.cfg")
    assert result.returncode == 0, f"oca-checks-po found problems in {module}:\n{result.stdout}"


# The tests above pass on clean code and also if a configuration checks
# nothing at all. These prove the configurations are in force.


def test_ruff_configuration_catches_errors(run, venv_python, repo_root, tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(f"import os\n\nVALUE = '{'x' * 120}'\n")
    result = ruff(run, venv_python, "--config", repo_root / ".ruff.toml", bad, cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert "F401" in result.stdout and "E501" in result.stdout, result.stdout


def test_pylint_configuration_catches_errors(run, venv_python, repo_root, tmp_path):
    addon = tmp_path / "credit_control_lint_probe"
    addon.mkdir()
    (addon / "__init__.py").write_text("")
    (addon / "README.md").write_text("Probe\n")
    (addon / "__manifest__.py").write_text(textwrap.dedent("""\
        {
            "name": "Probe",
            "version": "17.0.1.0.0",
            "author": "Someone else",
            "license": "AGPL-3",
        }
    """))
    result = pylint(run, venv_python, addon.name, cwd=tmp_path, rcfile=repo_root / ".pylintrc")
    assert result.returncode != 0, result.stdout
    for symbol in ("manifest-required-author", "manifest-version-format"):
        assert symbol in result.stdout, result.stdout


def test_oca_checks_configuration(run, venv_python, repo_root, tmp_path):
    """The OCA checks report a duplicate XML id, a number without eval and a
    translation that drops a placeholder; the two checks .oca_hooks.cfg
    disables (header spelling, po layout) stay silent."""
    addon = tmp_path / "credit_control_lint_probe"
    (addon / "i18n").mkdir(parents=True)
    (addon / "__init__.py").write_text("")
    (addon / "__manifest__.py").write_text(
        '{"name": "Probe", "version": "18.0.1.0.0", "license": "AGPL-3", "data": ["data.xml"]}\n')
    (addon / "data.xml").write_text(textwrap.dedent("""\
        <?xml version="1.0" encoding="utf-8"?>
        <odoo>
            <record id="probe_tag" model="res.partner.category">
                <field name="name">Probe</field>
                <field name="color">3</field>
            </record>
            <record id="probe_tag" model="res.partner.category">
                <field name="name">Probe again</field>
            </record>
        </odoo>
    """))
    (addon / "i18n" / "fr.po").write_text(textwrap.dedent("""\
        msgid ""
        msgstr ""
        "Content-Type: text/plain; charset=UTF-8\\n"
        "Language: fr\\n"

        #. module: credit_control_lint_probe
        #: code:addons/credit_control_lint_probe/models.py:0
        #, python-format
        msgid "%(count)s invoices"
        msgstr "%(nombre)s factures"
    """))
    config = repo_root / ".oca_hooks.cfg"
    module = oca_checks(run, venv_python, "cli", addon / "__manifest__.py", cwd=tmp_path, config=config)
    assert module.returncode != 0, module.stdout
    for symbol in ("xml-duplicate-record-id", "xml-field-numeric-without-eval"):
        assert symbol in module.stdout, module.stdout
    assert "xml-header-wrong" not in module.stdout, module.stdout
    po = oca_checks(run, venv_python, "cli_po", addon / "i18n" / "fr.po", cwd=tmp_path, config=config)
    assert po.returncode != 0, po.stdout
    assert "po-python-parse-printf" in po.stdout, po.stdout
    assert "po-pretty-format" not in po.stdout, po.stdout


def test_pre_commit_hooks_are_local(repo_root):
    """pre-commit must not download hooks: every repo is ``local`` and every
    hook runs an installed tool (system) or just fails (fail)."""
    config = (repo_root / ".pre-commit-config.yaml").read_text()
    repos = re.findall(r"^\s*-\s*repo:\s*(\S+)", config, re.MULTILINE)
    languages = set(re.findall(r"^\s*language:\s*(\S+)", config, re.MULTILINE))
    assert repos and set(repos) == {"local"}, repos
    assert languages <= {"system", "fail"}, languages
    for tool in ("ruff", "pylint", r"oca_pre_commit_hooks\.cli", r"oca_pre_commit_hooks\.cli_po"):
        assert re.search(rf"-m, {tool}\b", config), f"no {tool} hook"
