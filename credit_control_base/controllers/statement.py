from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import content_disposition, request

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CreditStatementController(http.Controller):
    @http.route("/credit_control/statement/xlsx", type="http", auth="user", methods=["GET"])
    def credit_statement_xlsx(self, dossier_ids="", **kwargs):
        """The statements of the dossiers ``dossier_ids`` (comma-separated)
        as one spreadsheet; ``_credit_statement_xlsx`` checks that the user
        is a credit-control user who may read them."""
        ids = [int(id_) for id_ in dossier_ids.split(",") if id_.strip().isdigit()]
        dossiers = request.env["credit.control.dossier"].browse(ids).exists()
        if not dossiers:
            raise NotFound()
        content = dossiers._credit_statement_xlsx()
        return request.make_response(content, headers=[
            ("Content-Type", XLSX_MIMETYPE),
            ("Content-Length", len(content)),
            ("Content-Disposition", content_disposition(dossiers._credit_statement_filename("xlsx"))),
        ])
