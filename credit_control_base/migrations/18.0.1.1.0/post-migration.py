"""Automatic cash application became a company setting, off by default
(``res.company.credit_cash_application``). Before, it ran for every
company. An upgrade must not change what a company does behind its back:
the companies that already have cash proposals used it and keep it on; the
others, which never had a match, get it off like a new company. The cron
follows (active while a company has it on)."""
import logging

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    company_ids = [row[0] for row in env.execute_query(SQL(
        "SELECT DISTINCT company_id FROM credit_control_cash_proposal WHERE company_id IS NOT NULL"
    ))]
    companies = env["res.company"].with_context(active_test=False).browse(company_ids).exists()
    companies.write({"credit_cash_application": True})
    # also when no company keeps it: the cron was active for all
    env["res.company"]._credit_cash_sync_cron()
    _logger.info("cash application kept on for the companies with cash proposals: %s", companies.mapped("name"))
