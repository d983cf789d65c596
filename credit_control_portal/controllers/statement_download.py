from odoo import http
from odoo.http import content_disposition, request

from odoo.addons.credit_control_base.controllers.statement import XLSX_MIMETYPE

from .portal import CreditStatementPortal

STATEMENT_REPORT = "credit_control_base.credit_control_dossier_report_statement"


class CreditStatementDownload(CreditStatementPortal):
    """The statement of account as a PDF or a spreadsheet, for whoever may
    see the statement page (a contact of the customer logged in, or the
    signed link of a reminder): the same access check, then sudo."""

    @http.route("/my/credit/<int:dossier_id>/statement.pdf", type="http", auth="public", website=True,
                sitemap=False)
    def portal_credit_statement_pdf(self, dossier_id, access_token=None, **kwargs):
        dossier_sudo, response = self._credit_access(dossier_id, access_token)
        if response:
            return response
        content, report_type = request.env["ir.actions.report"].sudo()._render_qweb_pdf(
            STATEMENT_REPORT, dossier_sudo.ids
        )
        # tests render HTML instead of PDF (no wkhtmltopdf run)
        mimetype = "application/pdf" if report_type == "pdf" else "text/html; charset=utf-8"
        return self._credit_download(content, mimetype, dossier_sudo._credit_statement_filename("pdf"))

    @http.route("/my/credit/<int:dossier_id>/statement.xlsx", type="http", auth="public", website=True,
                sitemap=False)
    def portal_credit_statement_xlsx(self, dossier_id, access_token=None, **kwargs):
        dossier_sudo, response = self._credit_access(dossier_id, access_token)
        if response:
            return response
        content = dossier_sudo._credit_statement_xlsx()
        return self._credit_download(content, XLSX_MIMETYPE, dossier_sudo._credit_statement_filename("xlsx"))

    def _credit_download(self, content, mimetype, filename):
        return request.make_response(content, headers=[
            ("Content-Type", mimetype),
            ("Content-Length", len(content)),
            ("Content-Disposition", content_disposition(filename)),
        ])
