import io

import openpyxl

from odoo.tests import tagged

from .common import CreditPortalCommon


@tagged("post_install", "-at_install")
class TestStatementDownload(CreditPortalCommon):
    """The statement of account is downloaded from the statement page, PDF
    or spreadsheet, by whoever may see that page and nobody else (failed
    before: no such download)."""

    def _download(self, dossier, kind, token=None):
        url = f"/my/credit/{dossier.id}/statement.{kind}"
        if token is not None:
            url += f"?access_token={token}"
        return self.url_open(url, allow_redirects=False)

    def _sheet_names(self, response):
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        rows = [row for sheet in workbook for row in sheet.iter_rows(values_only=True)]
        return workbook.sheetnames, [row[0] for row in rows]

    def test_portal_contact_downloads_its_statement(self):
        self.authenticate("claire", "claire")
        page = self.url_open(f"/my/credit/{self.dossier.id}").text
        self.assertIn(f"/my/credit/{self.dossier.id}/statement.pdf", page)
        self.assertIn(f"/my/credit/{self.dossier.id}/statement.xlsx", page)
        pdf = self._download(self.dossier, "pdf")
        self.assertEqual(pdf.status_code, 200)
        self.assertIn("attachment", pdf.headers["Content-Disposition"])
        self.assertIn(".pdf", pdf.headers["Content-Disposition"])
        # the test server renders the report's HTML instead of running wkhtmltopdf
        for invoice in self.invoices:
            self.assertIn(invoice.name, pdf.text)
        self.assertNotIn(self.other_invoice.name, pdf.text)
        xlsx = self._download(self.dossier, "xlsx")
        self.assertEqual(xlsx.status_code, 200)
        self.assertIn("spreadsheetml", xlsx.headers["Content-Type"])
        sheets, first_cells = self._sheet_names(xlsx)
        self.assertEqual(sheets, [self.customer.name])
        for invoice in self.invoices:
            self.assertIn(invoice.name, first_cells)
        self.assertNotIn(self.other_invoice.name, first_cells)

    def test_another_customer_statement_is_not_found(self):
        self.authenticate("claire", "claire")
        for kind in ("pdf", "xlsx"):
            self.assertEqual(self._download(self.other_dossier, kind).status_code, 404)
            self.assertEqual(self._download(self.other_dossier, kind, token=self._new_token()).status_code, 404)

    def test_signed_link(self):
        token = self._new_token()
        for kind in ("pdf", "xlsx"):
            self.assertEqual(self._download(self.dossier, kind).status_code, 404, "no token")
            self.assertEqual(self._download(self.dossier, kind, token="1.forged").status_code, 404)
            self.assertEqual(self._download(self.other_dossier, kind, token=token).status_code, 404,
                             "the link of one customer opens nothing of another")
            response = self._download(self.dossier, kind, token=token)
            self.assertEqual(response.status_code, 200)
        expired = self.dossier._credit_statement_token(self.dossier._credit_now() - 1)
        response = self._download(self.dossier, "pdf", token=expired)
        self.assertEqual(response.status_code, 403)
        self.assertNotIn(self.invoice_1.name, response.text)
        page = self.url_open(self._statement_url(token=token)).text
        self.assertIn(f"/my/credit/{self.dossier.id}/statement.xlsx?access_token={token}", page)
