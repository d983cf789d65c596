"""Lint: ruff (.ruff.toml) on the whole repository, pylint-odoo with the OCA
mandatory checks (.pylintrc) on each module; the same checks as the hooks of
.pre-commit-config.yaml."""

import re
import textwrap


def ruff(run, venv_python, *args, cwd):
    return run([venv_python, "-m", "ruff", "check", "--no-fix", "--output-format", "concise", *args], cwd=cwd)


def pylint(run, venv_python, target, *, cwd, rcfile):
    return run([venv_python, "-m", "pylint", f"--rcfile={rcfile}", target], cwd=cwd)


def test_ruff(run, venv_python, repo_root):
    result = ruff(run, venv_python, ".", cwd=repo_root)
    exit_code = result.returncode
    assert exit_code == 0, f"ruff found problems:\n{result.stdout}"


def test_pylint_odoo(run, venv_python, repo_root, module):
    result = pylint(run, venv_python, module, cwd=repo_root, rcfile=repo_root / ".pylintrc")
    exit_code = result.returncode  # a bit mask of the message categories emitted
    assert exit_code == 0, f"pylint-odoo found problems in {module}:\n{result.stdout}"


# The two tests above pass on clean code and also if a configuration checks
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


def test_pre_commit_hooks_are_local(repo_root):
    """pre-commit must not download hooks: every repo is ``local`` and every
    hook runs an installed tool (system) or just fails (fail)."""
    config = (repo_root / ".pre-commit-config.yaml").read_text()
    repos = re.findall(r"^\s*-\s*repo:\s*(\S+)", config, re.MULTILINE)
    languages = set(re.findall(r"^\s*language:\s*(\S+)", config, re.MULTILINE))
    assert repos and set(repos) == {"local"}, repos
    assert languages <= {"system", "fail"}, languages
    for tool in ("ruff", "pylint"):
        assert re.search(rf"-m, {tool}\b", config), f"no {tool} hook"
