import base64
import io
import zlib
from datetime import date

from PIL import Image
from PyPDF2 import PdfReader, PdfWriter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from odoo.tests import tagged

from odoo.addons.credit_control_base.tools.pdf_text import extract_pdf_text

from .common import CreditControlCommon


def text_pdf(lines):
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for i, line in enumerate(lines):
        pdf.drawString(72, 760 - 16 * i, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def scanned_pdf():
    """A page holding only a picture, as a scanner makes."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    image = Image.new("RGB", (200, 100), "white")
    pdf.drawImage(ImageReader(image), 72, 600)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def encrypted_pdf():
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(text_pdf(["Confidentiel"]))).pages:
        writer.add_page(page)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def bomb_pdf(megabytes=700):
    """A PDF whose content stream inflates to more memory than the reader
    may use: it must be refused, not read."""
    compressor = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    stream = b"".join(compressor.compress(chunk) for _ in range(megabytes)) + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


@tagged("post_install", "-at_install")
class TestDocument(CreditControlCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Client Documenté")
        cls._create_invoice(cls.customer, 100.0, due=date(2026, 1, 31))
        cls.dossier = cls.env["credit.control.dossier"].search([("partner_id", "=", cls.customer.id)])

    def _archive(self, name, data, mimetype="application/pdf"):
        attachment = self.env["ir.attachment"].create({
            "name": name, "datas": base64.b64encode(data), "mimetype": mimetype,
        })
        return self.env["credit.control.document"]._credit_archive(attachment, self.dossier, kind="evidence")

    def test_text_is_extracted_and_searchable(self):
        document = self._archive("bon_de_livraison.pdf", text_pdf(["Bon de livraison BL-2026-0042", "Quantite: 12"]))
        self.assertRecordValues(document, [{"extraction_state": "done", "partner_id": self.customer.id}])
        self.assertIn("BL-2026-0042", document.text)
        Document = self.env["credit.control.document"]
        self.assertEqual(Document.search([("text", "ilike", "bl-2026-0042")]), document)
        self.assertEqual(self.dossier.document_count, 1)

    def test_lines_keep_their_position(self):
        result = extract_pdf_text(text_pdf(["FAC/2026/00001   1 200,00", "FAC/2026/00002     300,00"]))
        self.assertEqual(result.state, "done")
        self.assertEqual([line[3] for line in result.lines], ["FAC/2026/00001   1 200,00", "FAC/2026/00002     300,00"])
        self.assertGreater(result.lines[0][1], result.lines[1][1])  # first line is higher on the page

    def test_bad_files_keep_the_upload_with_a_reason(self):
        cases = [
            ("scan.pdf", scanned_pdf(), "empty", "no text layer"),
            ("protege.pdf", encrypted_pdf(), "failed", "encrypted"),
            ("casse.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "failed", "could not be read"),
            ("vide.pdf", b"", "failed", "empty"),
            ("photo.pdf", b"\x89PNG\r\n\x1a\n", "failed", "not a PDF"),
        ]
        for name, data, state, reason in cases:
            with self.subTest(name=name):
                with self.assertLogs("odoo.addons.credit_control_base.models.credit_control_document", "WARNING"):
                    document = self._archive(name, data)
                self.assertEqual(document.extraction_state, state)
                self.assertIn(reason, document.extraction_message)
                self.assertFalse(document.text)
                self.assertTrue(document.attachment_id.exists())

    def test_size_limit(self):
        self.env["ir.config_parameter"].set_param("credit_control.pdf_max_bytes", 1000)
        with self.assertLogs("odoo.addons.credit_control_base.models.credit_control_document", "WARNING"):
            document = self._archive("gros.pdf", text_pdf(["x" * 80] * 40))
        self.assertEqual(document.extraction_state, "failed")
        self.assertIn("larger than", document.extraction_message)

    def test_decompression_bomb_is_refused(self):
        result = extract_pdf_text(bomb_pdf())
        self.assertEqual(result.state, "failed")

    def test_other_files_are_archived_without_extraction(self):
        document = self._archive("photo.png", b"\x89PNG\r\n\x1a\n", mimetype="image/png")
        self.assertEqual(document.extraction_state, "skipped")
