from odoo import api, models


class ReportCreditStatement(models.AbstractModel):
    """Values of the statement of account PDF: the open items are read
    under sudo only once the user is proven a credit-control user who may
    read these dossiers (a collector may not read the payments of the
    customer's contacts, which the statement counts)."""

    _name = "report.credit_control_base.report_credit_statement"
    _description = "Statement of Account Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self.env["credit.control.dossier"].browse(docids)
        docs._credit_check_statement_access()
        return {
            "doc_ids": docids,
            "doc_model": "credit.control.dossier",
            "docs": docs,
            "statements": docs.sudo()._credit_statement_values(),
        }
