"""The worklist sorts by a stored priority (``credit_priority``). An
upgraded database gets the column empty: without this, every dossier would
weigh 0 until the nightly job, and the collector's list would lose its order
for a day."""
import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["credit.control.dossier"]._credit_refresh_priorities()
    _logger.info("worklist priorities computed for the existing dossiers")
