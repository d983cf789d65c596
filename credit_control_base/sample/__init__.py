"""Deterministic sample data for credit control (demo, tests, benchmarks).

Not imported by the module itself: import it as
``odoo.addons.credit_control_base.sample``.
"""
from .generator import PARAM, SampleDataError, generate

__all__ = ['PARAM', 'SampleDataError', 'generate']
