"""Each module's README.rst is generated from its readme/ fragments and must
be kept in sync with them (run setup/gen_readme.py)."""
import importlib.util

import pytest


@pytest.fixture(scope="module")
def gen_readme(repo_root):
    spec = importlib.util.spec_from_file_location("gen_readme", repo_root / "setup" / "gen_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_in_sync(gen_readme, repo_root, module):
    readme = repo_root / module / "README.rst"
    assert readme.exists(), f"{module}/README.rst is missing: run setup/gen_readme.py"
    assert readme.read_text() == gen_readme.render(repo_root / module), (
        f"{module}/README.rst is out of date with {module}/readme/: run setup/gen_readme.py"
    )


def test_inline_code_becomes_rst_literal(gen_readme):
    assert gen_readme.md_to_rst("mention with `@` here, ``kept``") == "mention with ``@`` here, ``kept``"
