from collections import OrderedDict

from odoo import models

STATEMENT_REPORT_NAME = "credit_control_base.report_credit_statement"


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        """Override: statements of several customers are rendered one by
        one, then put together in one PDF: the wkhtmltopdf Debian ships
        (built on an unpatched Qt) refuses several documents in one run."""
        report = self._get_report(report_ref)
        unique_ids = list(dict.fromkeys(res_ids or []))
        if report.report_name != STATEMENT_REPORT_NAME or len(unique_ids) < 2:
            return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)
        streams = OrderedDict()
        for res_id in unique_ids:
            streams.update(super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=[res_id]))
        return streams
