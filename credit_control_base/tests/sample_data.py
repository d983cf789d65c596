"""The sample-data generator, for the tests that prove what it writes.

The generator is no part of the module: it is the package ``setup/sample/`` of
the repository (setup/generate fills the demo and benchmark databases with it)
and wheels do not ship it. These tests load it from the checkout the module is
in, without putting setup/ on ``sys.path`` (its scripts would become
importable as top-level modules), and are skipped where it is not there, e.g.
in a module installed from a wheel.
"""
import importlib.util
import sys
import unittest
from pathlib import Path

PACKAGE = "credit_control_sample"  # its name in sys.modules here
SOURCE = Path(__file__).resolve().parents[2] / "setup" / "sample"


def load_sample():
    """The generator package of the checkout, or None when there is none."""
    if PACKAGE not in sys.modules:
        init = SOURCE / "__init__.py"
        if not init.is_file():
            return None
        spec = importlib.util.spec_from_file_location(PACKAGE, init, submodule_search_locations=[str(SOURCE)])
        package = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = package
        try:
            spec.loader.exec_module(package)
        except BaseException:
            del sys.modules[PACKAGE]
            raise
    return sys.modules[PACKAGE]


def skip_without_sample(sample):
    """Class decorator: skip the tests when ``sample`` (load_sample()) is None."""
    return unittest.skipIf(sample is None, f"the sample-data generator {SOURCE} is not here: it lives in a checkout's "
                                           "setup/sample/, which wheels do not ship")
