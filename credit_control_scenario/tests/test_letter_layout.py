import io
import re
from datetime import date

from freezegun import freeze_time
from pdfminer.high_level import extract_pages, extract_text
from pdfminer.layout import LTImage, LTTextLine

from odoo.tests import tagged
from odoo.tools import html2plaintext

from .common import ScenarioCommon

MM = 72 / 25.4
A4_POINTS = (595, 842)
# French window envelope DL (110 x 220 mm), window of 100 x 45 mm 20 mm from
# its right edge and 15 mm from its bottom edge, holding an A4 sheet folded in
# three: on the sheet, the window shows x 95-195 mm, y 50-95 mm from the top.
WINDOW_MM = (95, 50, 195, 95)
LETTER_REPORT = "credit_control_scenario.credit_control_action_report_letter"


def _lines(layout):
    """Every text line of a pdfminer page layout, with its page."""
    for element in layout:
        if isinstance(element, LTTextLine):
            yield element
        elif hasattr(element, "__iter__"):
            yield from _lines(element)


def _text(text):
    """``text`` with its runs of spaces (tabs, no-break spaces) as one space."""
    return " ".join(text.split())


def _images(layout):
    for element in layout:
        if isinstance(element, LTImage):
            yield element
        elif hasattr(element, "__iter__"):
            yield from _images(element)


class LetterCommon(ScenarioCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["credit_control_scenario"], ["fr_FR"], overwrite=True)
        cls.france = cls.env.ref("base.fr")
        cls.company.write({
            "street": "12 rue de la République",
            "zip": "69002",
            "city": "Lyon",
            "country_id": cls.france.id,
            "vat": "FR44732829320",
            "company_registry": "73282932000074",
        })

    def _letter(self, customer, amounts=(700.0,), day=date(2026, 12, 2)):
        """A formal notice waiting for validation on ``day`` for invoices of
        ``amounts`` due 48 days before."""
        self._create_invoices([{
            "partner": customer, "amount": amount, "date": date(2026, 9, 15), "due": date(2026, 10, 15),
        } for amount in amounts])
        action = self._run(day).action_ids
        self.assertRecordValues(action, [{"channel": "letter", "state": "to_validate"}])
        return action

    def _pdf(self, action, day="2026-12-02"):
        with freeze_time(day):
            pdf, report_type = self.env["ir.actions.report"].with_context(
                force_report_rendering=True
            )._render_qweb_pdf(LETTER_REPORT, action.ids)
        self.assertEqual(report_type, "pdf")
        return pdf


@tagged("post_install", "-at_install")
class TestLetterPdf(LetterCommon):
    """The letter is rendered for real by the installed wkhtmltopdf (Debian's
    is built on an unpatched Qt: no header or footer HTML, no several
    documents in one run). Failed before: no letterhead (it was in the
    ignored header), US Letter paper, the recipient block nowhere near the
    window of an envelope, an ISO date, no page number, a 120-character
    link."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_fr = cls._customer(
            "Quincaillerie Bernard", lang="fr_FR", street="5 avenue Jean Jaurès", zip="75019", city="Paris",
            country_id=cls.france.id,
        )

    def test_french_letter_pdf(self):
        action = self._letter(self.customer_fr)
        pdf = self._pdf(action)
        self.assertLess(len(pdf), 200 * 1024, "a one-page letter stays well under 200 KB")
        pages = list(extract_pages(io.BytesIO(pdf)))
        self.assertEqual(len(pages), 1)
        page = pages[0]
        self.assertEqual(tuple(round(v) for v in page.bbox[2:]), A4_POINTS, "A4 paper")
        text = _text(extract_text(io.BytesIO(pdf)))
        # letterhead in the page itself
        self.assertIn(self.company.name, text)
        self.assertIn("12 rue de la République", text)
        self.assertIn("SIRET", text)
        self.assertIn("73282932000074", text.replace(" ", ""))
        self.assertIn("SIREN", text)
        self.assertIn("FR44732829320", text)
        # place and date written out in the customer's language
        self.assertIn("Lyon, le 2 décembre 2026", text)
        self.assertIn("Mise en demeure", text)
        self.assertIn("Lettre recommandée avec accusé de réception", text)
        self.assertIn("Indemnité forfaitaire pour frais de recouvrement", text)
        self.assertNotIn("a year", text)
        self.assertIn("1 / 1", text, "page number")
        # the recipient block shows through the window of the envelope
        x0, top, x1, bottom = (v * MM for v in WINDOW_MM)
        height = page.bbox[3]
        lines = {_text(line.get_text()): line for line in _lines(page)}
        for expected in ("Quincaillerie Bernard", "5 avenue Jean Jaurès", "75019 Paris"):
            self.assertIn(expected, lines, f"{expected!r} is a line of its own")
            line = lines[expected]
            self.assertTrue(
                x0 <= line.x0 and line.x1 <= x1 and height - bottom <= line.y0 and line.y1 <= height - top,
                f"{expected!r} at {[round(v / MM, 1) for v in line.bbox]} mm (from the bottom), outside the window",
            )
        # the letterhead does not show through the window
        company_line = max((line for line in _lines(page) if _text(line.get_text()) == self.company.name),
                           key=lambda line: line.y1)
        self.assertGreater(company_line.y0, height - top, "the sender's name is above the window")

    def test_english_letter_date(self):
        customer = self._customer("Smith Ltd", lang="en_US", street="1 High Street", zip="SW1A 1AA",
                                  city="London", country_id=self.env.ref("base.uk").id)
        action = self._letter(customer)
        with freeze_time("2026-12-02"):
            html = self.env["ir.actions.report"]._render_qweb_html(LETTER_REPORT, action.ids)[0].decode()
        self.assertIn("Lyon, 2 December 2026", html)
        self.assertIn("UNITED KINGDOM", html, "a foreign address ends with its country")

    def test_first_of_the_month_in_french(self):
        action = self._letter(self.customer_fr, day=date(2026, 12, 1))
        with freeze_time("2026-12-01"):
            html = self.env["ir.actions.report"]._render_qweb_html(LETTER_REPORT, action.ids)[0].decode()
        self.assertIn("Lyon, le 1er décembre 2026", html)
        self.assertNotIn("FRANCE", html, "no country line for a letter posted in the same country")

    def test_long_letter_rows_not_cut(self):
        amounts = [1000.37 + index for index in range(45)]
        action = self._letter(self.customer_fr, amounts=amounts)
        pdf = self._pdf(action)
        pages = list(extract_pages(io.BytesIO(pdf)))
        self.assertGreaterEqual(len(pages), 2)
        texts = [[_text(line.get_text()) for line in _lines(page)] for page in pages]
        for number, page in enumerate(pages, start=1):
            self.assertIn(f"{number} / {len(pages)}", "\n".join(texts[number - 1]), "numbered pages")
            self.assertEqual(tuple(round(v) for v in page.bbox[2:]), A4_POINTS)
            for line in _lines(page):
                if not re.fullmatch(r"\d+ / \d+", _text(line.get_text())):
                    self.assertGreater(line.y0, 15 * MM, f"{line.get_text()!r} printed in the bottom margin")
        for move in action.move_ids:
            on_pages = [index for index, lines in enumerate(texts) if any(move.name in line for line in lines)]
            self.assertEqual(len(on_pages), 1, f"{move.name} printed on one page only, not cut across two")
            amount = f"{move.amount_residual:.2f}".replace(".", ",")
            self.assertTrue(
                any(amount in line.replace(" ", "") for line in texts[on_pages[0]]),
                f"{move.name} and its amount {amount} on the same page",
            )

    def test_several_letters_printed_together(self):
        """Failed before: the unpatched wkhtmltopdf refuses several documents
        in one run, and the letters of a list could not be printed."""
        other = self._customer("Boulangerie Petit", lang="fr_FR", street="3 place Bellecour", zip="69002",
                               city="Lyon", country_id=self.france.id)
        self._create_invoices([{
            "partner": customer, "amount": 700.0, "date": date(2026, 9, 15), "due": date(2026, 10, 15),
        } for customer in (self.customer_fr, other)])
        actions = self._run(date(2026, 12, 2)).action_ids.sorted(lambda a: a.partner_id != self.customer_fr)
        self.assertEqual(len(actions), 2)
        pdf = self._pdf(actions)
        pages = list(extract_pages(io.BytesIO(pdf)))
        self.assertEqual(len(pages), 2)
        for page, customer in zip(pages, ("Quincaillerie Bernard", "Boulangerie Petit"), strict=True):
            text = "\n".join(_text(line.get_text()) for line in _lines(page))
            self.assertIn(customer, text)
            self.assertIn("1 / 1", text, "each letter numbers its own pages")

    def test_statement_short_link_and_qr_code(self):
        action = self._letter(self.customer_fr)
        with freeze_time("2026-12-02"):
            short_url = action.dossier_id._credit_statement_short_url()
            long_url = action.dossier_id._credit_statement_url()
        if not short_url:
            self.skipTest("no statement link without the portal module")
        pdf = self._pdf(action)
        text = _text(extract_text(io.BytesIO(pdf)))
        path = short_url.split("://", 1)[-1].split("/", 1)[1]
        self.assertLess(len(path), 40)
        self.assertIn(path, text.replace(" ", ""))
        self.assertNotIn("access_token", text)
        self.assertNotIn(long_url.split("access_token=")[1][:20], text)
        images = list(_images(next(iter(extract_pages(io.BytesIO(pdf))))))
        self.assertGreaterEqual(len(images), 2, "the logo and the QR code of the link")


@tagged("post_install", "-at_install")
class TestReminderPreview(LetterCommon):
    """A reminder waiting for validation shows what will go out. Failed
    before: the form showed an empty content until the reminder was sent."""

    def test_letter_preview(self):
        customer = self._customer("Quincaillerie Bernard", lang="fr_FR", street="5 avenue Jean Jaurès",
                                  zip="75019", city="Paris", country_id=self.france.id)
        action = self._letter(customer, amounts=(700.0, 1234.5))
        self.assertFalse(action.content)
        with freeze_time("2026-12-02"):
            preview = str(action.preview_html)
        self.assertIn("Quincaillerie Bernard", preview)
        spaced = preview.replace("&nbsp;", "\xa0").replace("\xa0", "\u202f").replace(" ", "\u202f")
        self.assertIn("1\u202f234,50", spaced)
        self.assertIn("700,00", preview)
        self.assertIn("le 2 décembre 2026", preview)
        self.assertNotIn("<script", preview)
        pdf_action = action.action_preview_letter_pdf()
        self.assertEqual(pdf_action["report_name"], "credit_control_scenario.report_credit_letter")

    def test_email_preview(self):
        self.step_first.automatic = False
        customer = self._customer("Garage Aubert")
        self._create_invoices([
            {"partner": customer, "amount": amount, "date": date(2026, 2, 1), "due": date(2026, 3, 1)}
            for amount in (321.0, 654.0)
        ])
        action = self._run(date(2026, 3, 10)).action_ids
        self.assertRecordValues(action, [{"channel": "email", "state": "to_validate"}])
        preview = str(action.preview_html)
        self.assertIn("321.00", preview)
        self.assertIn("654.00", preview)
        self.assertIn("Unless we are mistaken", preview)
        action.action_validate()
        self.assertEqual(html2plaintext(action.preview_html), html2plaintext(action.content),
                         "once sent, the preview is what was sent")
