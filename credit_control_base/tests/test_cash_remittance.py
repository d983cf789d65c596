import base64
import io
from datetime import date

from freezegun import freeze_time
from reportlab.pdfgen import canvas

from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_cash_matching import CashCommon
from .test_document import encrypted_pdf, scanned_pdf, text_pdf


def table_pdf(header, rows, columns=(60, 230, 330, 450)):
    """A remittance advice laid out as a table: each cell drawn on its own,
    as accounting software prints them."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(60, 780, "REMITTANCE ADVICE")
    pdf.setFont("Helvetica", 10)
    for row_index, row in enumerate([header, *rows]):
        y = 700 - 20 * row_index
        for x, cell in zip(columns, row, strict=False):
            pdf.drawRightString(x + 100, y, cell) if cell[:1].isdigit() and "," in cell or "." in cell[-3:] \
                else pdf.drawString(x, y, cell)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def letter_pdf(paragraphs):
    """A letter whose references and amounts are in sentences."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setFont("Times-Roman", 11)
    y = 760
    for paragraph in paragraphs:
        for line in paragraph:
            pdf.drawString(72, y, line)
            y -= 14
        y -= 10
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@tagged("post_install", "-at_install")
@freeze_time("2026-02-15")
class TestCashRemittance(CashCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Fromagerie Leroy")
        cls.invoices = cls._create_invoices([
            {"partner": cls.customer, "amount": amount, "due": date(2026, 1, 31)}
            for amount in (1200.0, 300.0, 1000.0, 250.0)
        ])

    def _apply(self, data, st_line=None, **values):
        wizard = self.env["credit.control.cash.remittance.wizard"].create({
            "pdf_file": base64.b64encode(data),
            "pdf_name": "avis.pdf",
            "statement_line_id": st_line.id if st_line else False,
            **values,
        })
        action = wizard.action_apply()
        return self.Proposal.browse(action["res_id"])

    def test_simple_list(self):
        inv1, inv2 = self.invoices[:2]
        st_line = self._bank_line(1500.0, "VIR FROMAGERIE LEROY", partner=self.customer)
        proposal = self._apply(text_pdf([
            "Avis de paiement - Fromagerie Leroy",
            f"{inv1.name}      1 200,00",
            f"{inv2.name}        300,00",
            "Total             1 500,00",
        ]), st_line)
        self.assertRecordValues(proposal, [{"rule": "remittance", "confidence": 95, "state": "reconciled"}])
        self.assertRecordValues(proposal.line_ids, [
            {"move_id": inv1.id, "amount": 1200.0, "remittance_amount": 1200.0},
            {"move_id": inv2.id, "amount": 300.0, "remittance_amount": 300.0},
        ])
        self.assertEqual((inv1 | inv2).mapped("amount_residual"), [0.0, 0.0])
        self.assertTrue(st_line.is_reconciled)
        self.assertRecordValues(proposal.document_id, [{
            "kind": "remittance", "res_model": proposal._name, "res_id": proposal.id,
            "partner_id": self.customer.id, "extraction_state": "done",
        }])

    def test_table_with_columns_and_a_partial_payment(self):
        inv1, inv2, inv3 = self.invoices[:3]
        st_line = self._bank_line(2100.0, "SEPA CT LEROY", partner=self.customer)
        proposal = self._apply(table_pdf(
            ["Invoice", "Date", "Invoiced", "Paid"],
            [
                [inv1.name.replace("/", "-"), "01/01/2026", "1,200.00", "1,200.00"],
                [inv2.name.lower(), "01/01/2026", "300.00", "300.00"],
                [inv3.name, "01/01/2026", "1,000.00", "600.00"],
            ],
        ), st_line)
        self.assertRecordValues(proposal, [{"confidence": 95, "state": "reconciled"}])
        self.assertEqual(proposal.line_ids.mapped("amount"), [1200.0, 300.0, 600.0])
        self.assertEqual((inv1 | inv2 | inv3).mapped("amount_residual"), [0.0, 0.0, 400.0])

    def test_letter_without_the_bank_line(self):
        inv1, inv2, _inv3, inv4 = self.invoices
        st_line = self._bank_line(1750.0, "VIREMENT RECU", partner=self.customer)
        proposal = self._apply(letter_pdf([
            ["Madame, Monsieur,"],
            [
                f"Par virement du 10/02/2026, nous reglons la facture {inv1.name} d'un montant de 1 200,00 EUR,",
                f"la facture {inv2.name.replace('/', ' ')} pour 300,00 EUR,",
                f"ainsi que 250,00 EUR au titre de la facture {inv4.name}.",
            ],
            ["Veuillez agreer nos salutations distinguees."],
        ]))
        self.assertEqual(proposal.statement_line_id, st_line, "the transfer of that customer and amount is found")
        self.assertRecordValues(proposal, [{"confidence": 95, "state": "reconciled"}])
        self.assertEqual(proposal.line_ids.move_id, inv1 | inv2 | inv4)
        self.assertEqual(proposal.line_ids.mapped("amount"), [1200.0, 300.0, 250.0])

    def test_advice_not_adding_up_is_reviewed(self):
        inv1, inv2 = self.invoices[:2]
        st_line = self._bank_line(1400.0, "VIR", partner=self.customer)
        proposal = self._apply(text_pdf([f"{inv1.name} 1 200,00", f"{inv2.name} 300,00"]), st_line)
        self.assertRecordValues(proposal, [{"confidence": 60, "state": "proposed"}])
        self.assertEqual(proposal.line_ids.mapped("amount"), [1200.0, 200.0])
        self.assertFalse(st_line.is_reconciled)

    def test_bad_pdfs_reconcile_nothing(self):
        st_line = self._bank_line(1500.0, "VIR", partner=self.customer)
        big = text_pdf([f"{self.invoices[0].name} 1 200,00"] * 40)
        cases = [
            ("empty", b"", "empty"),
            ("scanned", scanned_pdf(), "no text layer"),
            ("encrypted", encrypted_pdf(), "encrypted"),
            ("not a pdf", b"\x89PNG\r\n\x1a\n", "not a PDF"),
            ("very large", big, "larger than"),
            ("no invoice", text_pdf(["Merci pour votre confiance"]), "No open invoice"),
        ]
        for name, data, message in cases:
            with self.subTest(name=name):
                if name == "very large":
                    self.env["ir.config_parameter"].set_param("credit_control.pdf_max_bytes", len(big) - 1)
                with self.assertRaisesRegex(UserError, message):
                    self._apply(data, st_line)
                self.assertFalse(self.Proposal.search([("statement_line_id", "=", st_line.id)]))
                self.assertFalse(st_line.is_reconciled)
                self.assertEqual(self.invoices.mapped("amount_residual"), [1200.0, 300.0, 1000.0, 250.0])
