"""What an integrator calling the suite over XML-RPC relies on, read from
the source of every module.

A public method of a model is callable over RPC. XML-RPC cannot marshal
``None``: a button method that returns nothing makes the client raise a
Fault *after* the server committed the change, so the integrator cannot
tell a success from a failure. Every public ``action_*`` method of our
models, wizards and reports therefore returns a value (an action, or True).
"""
import ast

import pytest


def _public_actions(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name.startswith("action_"):
            yield node


def _returns_a_value(function):
    """True when every way out of the function returns a value: its last
    statement is a ``return`` with a value or a ``raise``, and no bare
    ``return`` is written anywhere in it."""
    returns = [node for node in ast.walk(function) if isinstance(node, ast.Return)]
    if any(node.value is None for node in returns):
        return False
    return isinstance(function.body[-1], ast.Return | ast.Raise)


def test_every_action_method_returns_a_value(repo_root, module):
    sources = [path for path in (repo_root / module).rglob("*.py") if "tests" not in path.parts]
    offenders = [
        f"{path.relative_to(repo_root)}:{function.lineno} {function.name}"
        for path in sources for function in _public_actions(path)
        if not _returns_a_value(function)
    ]
    assert not offenders, f"action methods returning None (an XML-RPC Fault after the commit): {offenders}"


@pytest.mark.parametrize(("source", "expected"), [
    ("def action_a(self):\n    self.x = 1\n", False),
    ("def action_a(self):\n    if self:\n        return\n    return True\n", False),
    ("def action_a(self):\n    for r in self:\n        r.x = 1\n    return True\n", True),
    ("def action_a(self):\n    raise UserError('no')\n", True),
])
def test_the_check_itself(tmp_path, source, expected):
    path = tmp_path / "model.py"
    path.write_text(source)
    (function,) = _public_actions(path)
    assert _returns_a_value(function) is expected
