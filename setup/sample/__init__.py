"""Deterministic sample data for credit control (demo, tests, benchmarks).

A plain Python package of the repository's setup/, not part of any module
(wheels do not ship it): it runs in an Odoo environment that has the
credit_control_* modules installed. Users:

- setup/generate.py (setup/run's demo database, setup/bench/run's data):
  ``from sample import generate``, setup/ being the script's folder;
- the Odoo tests that prove what it writes, through
  ``odoo.addons.credit_control_base.tests.sample_data``, which loads it from
  the checkout and skips them when it is not there.
"""
from .generator import PARAM, SampleDataError, generate
from .progress import stopped_generation

__all__ = ['PARAM', 'SampleDataError', 'generate', 'stopped_generation']
