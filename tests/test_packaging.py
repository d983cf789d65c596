"""Packaging: each module builds as a wheel the OCA way (whool, offline) and has
what an OCA reviewer expects of its manifest, readme/ fragments and French
translation."""

import ast
import re
import zipfile
from email.parser import HeaderParser

import polib
import pytest
from lxml import etree
from manifestoo_core.metadata import EXTERNAL_DEPENDENCIES_MAP

SERIES = "18.0"
AUTHOR = "Credit Control Suite contributors"
LICENSES = {"AGPL-3", "LGPL-3"}
README_FRAGMENTS = ("DESCRIPTION.md", "USAGE.md", "CONFIGURE.md")


def manifest_of(repo_root, module):
    return ast.literal_eval((repo_root / module / "__manifest__.py").read_text())


def manifest_files(manifest):
    """The module-relative paths a manifest refers to."""
    return [*manifest.get("data", []), *manifest.get("demo", []), *manifest.get("images", [])]


def normalize(name):
    """A distribution name in its PEP 503 form (odoo-addon-x_y == odoo_addon_x-y)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement):
    return normalize(re.split(r"[\s<>=!~;\[(]", requirement.strip(), maxsplit=1)[0])


class Wheel:
    def __init__(self, path):
        self.path = path
        with zipfile.ZipFile(path) as archive:
            self.names = set(archive.namelist())
            metadata_name = next(n for n in self.names if n.endswith(".dist-info/METADATA"))
            self.metadata = HeaderParser().parsestr(archive.read(metadata_name).decode())
            self.inits = {n: archive.read(n).decode() for n in self.names if n.endswith("/__init__.py")}

    @property
    def requires(self):
        return self.metadata.get_all("Requires-Dist") or []


@pytest.fixture(scope="session")
def build_wheel(run, venv_python, repo_root, tmp_path_factory):
    """build_wheel(module) -> Wheel, built once per module and session.

    ``pip wheel --no-build-isolation`` calls the whool backend installed in this
    environment (PEP 517, as the OCA's CI does) without fetching anything.
    whool packages the files git tracks in the module, so a file someone forgot
    to ``git add`` is missing from the wheel.
    """
    built = {}

    def build(module):
        if module not in built:
            if not (repo_root / module / "pyproject.toml").is_file():
                pytest.fail(f"{module} has no pyproject.toml: run `whool init` in {module}")
            out = tmp_path_factory.mktemp(f"wheel-{module}")
            result = run([venv_python, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                          "--disable-pip-version-check", "--wheel-dir", out, f"./{module}"], cwd=repo_root)
            wheels = list(out.glob("*.whl"))
            assert result.returncode == 0 and len(wheels) == 1, f"building {module} failed:\n{result.stdout}"
            built[module] = Wheel(wheels[0])
        return built[module]

    return build


# --- wheel ------------------------------------------------------------------


def test_wheel_name_and_version(build_wheel, repo_root, module):
    wheel = build_wheel(module)
    # the manifest version, plus ".N" for the N commits (or uncommitted changes)
    # since it last changed: whool's post-version for 18.0
    version = re.escape(manifest_of(repo_root, module)["version"]) + r"(\.\d+|\.dev1)?"
    assert re.fullmatch(rf"odoo_addon_{module}-{version}-py3-none-any\.whl", wheel.path.name), wheel.path.name
    assert normalize(wheel.metadata["Name"]) == normalize(f"odoo-addon-{module}")
    assert wheel.metadata["License"] in LICENSES


def test_wheel_contents(build_wheel, repo_root, module):
    wheel = build_wheel(module)
    prefix = f"odoo/addons/{module}/"
    assert f"{prefix}__manifest__.py" in wheel.names
    # every file the manifest loads, as far as the checkout has it (a missing
    # one is test_manifest_files_exist's business)
    manifest = manifest_of(repo_root, module)
    expected = {prefix + path for path in manifest_files(manifest) if (repo_root / module / path).is_file()}
    absent = sorted(expected - wheel.names)
    assert not absent, f"not in the wheel (not tracked by git?): {absent}"
    # every `from . import x` of the packaged code finds x in the wheel
    unresolved = []
    for init, source in wheel.inits.items():
        package = init.rsplit("/", 1)[0]
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and not node.module:
                unresolved += [f"{package}/{alias.name}" for alias in node.names
                               if f"{package}/{alias.name}.py" not in wheel.names
                               and f"{package}/{alias.name}/__init__.py" not in wheel.names]
    assert not unresolved, f"imported but not in the wheel (not tracked by git?): {unresolved}"


def test_wheel_ships_no_sample_data(build_wheel, repo_root, module):
    """The sample-data generator is the repository's setup/sample/, for the
    demo and the benchmarks: no module's wheel installs it."""
    assert (repo_root / "setup" / "sample" / "__init__.py").is_file()
    shipped = sorted(name for name in build_wheel(module).names if "/sample/" in name)
    assert not shipped, f"sample data in the wheel of {module}: {shipped}"


def test_wheel_requirements(build_wheel, repo_root, modules, module):
    requires = build_wheel(module).requires
    assert f"odoo=={SERIES}.*" in requires, requires
    names = {requirement_name(r) for r in requires}
    manifest = manifest_of(repo_root, module)
    # our other modules are separate distributions; Odoo's own are in odoo
    for depend in set(manifest.get("depends", [])) & set(modules):
        assert normalize(f"odoo-addon-{depend}") in names, requires
    for dep in manifest.get("external_dependencies", {}).get("python", []):
        dists = EXTERNAL_DEPENDENCIES_MAP.get(dep, dep)  # import name -> distribution(s)
        for dist in [dists] if isinstance(dists, str) else dists:
            assert requirement_name(dist) in names, f"{dep} not in {requires}"


# --- manifest and documentation ------------------------------------------------


def test_manifest_keys(repo_root, module):
    manifest = manifest_of(repo_root, module)
    for key in ("name", "summary", "category", "website", "author"):
        assert isinstance(manifest.get(key), str) and manifest[key].strip(), f"{key} missing or empty"
    assert re.fullmatch(r"18\.0\.\d+\.\d+\.\d+", manifest.get("version", "")), manifest.get("version")
    assert manifest.get("license") in LICENSES, manifest.get("license")
    assert AUTHOR in manifest["author"].split(","), manifest["author"]
    assert manifest["website"].startswith("https://"), manifest["website"]
    assert manifest.get("installable", True) is True


def test_manifest_files_exist(repo_root, module):
    manifest = manifest_of(repo_root, module)
    assert manifest.get("images"), "no images (static/description/icon.png)"
    missing = [path for path in manifest_files(manifest) if not (repo_root / module / path).is_file()]
    assert not missing, f"referred to by the manifest but missing: {missing}"


def test_record_rules_in_security(repo_root, module):
    """Record rules are security: they live in security/ (as in Odoo's and
    OCA's modules), where a reviewer looks for who sees what."""
    misplaced = []
    for path in manifest_of(repo_root, module).get("data", []):
        if path.endswith(".xml") and not path.startswith("security/") and (repo_root / module / path).is_file():
            tree = etree.parse(str(repo_root / module / path))
            if tree.xpath("//record[@model='ir.rule']"):
                misplaced.append(path)
    assert not misplaced, f"record rules outside security/: {misplaced}"


def test_readme_fragments(repo_root, module):
    readme = repo_root / module / "readme"
    missing = [name for name in README_FRAGMENTS
               if not (readme / name).is_file() or not (readme / name).read_text().strip()]
    assert not missing, f"missing or empty in {readme}: {missing}"


def test_french_translation(repo_root, module):
    path = repo_root / module / "i18n" / "fr.po"
    assert path.is_file(), f"no {path.relative_to(repo_root)}"
    catalog = polib.pofile(str(path))
    assert catalog.metadata.get("Language", "").startswith("fr"), catalog.metadata
    assert catalog.translated_entries(), "no translated message"
