import functools
import io
import subprocess
from collections import OrderedDict

from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from odoo import api, models
from odoo.tools.pdf import PdfFileReader, PdfFileWriter

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

LETTER_REPORT_NAME = "credit_control_scenario.report_credit_letter"
LETTER_LAYOUT = "credit_control_scenario.report_credit_letter_layout"
LETTER_PAPERFORMAT = "credit_control_scenario.paperformat_credit_letter"
# wkhtmltopdf built on an unpatched Qt (Debian's) prints a CSS pixel as
# 1/125 inch instead of 1/96, whatever its --dpi, --zoom and smart-shrinking
# switches say: the letter is zoomed by this factor so that its millimetres
# are millimetres on paper (the recipient block must meet the window of the
# envelope). Measured on wkhtmltopdf 0.12.6 (Debian 12), proved by a test.
UNPATCHED_QT_ZOOM = 125 / 96
# Where the page numbers are stamped, from the bottom right corner of the
# page: in the bottom margin of the letter's paper format.
PAGE_NUMBER_RIGHT = 15 * mm
PAGE_NUMBER_BOTTOM = 10 * mm


@functools.cache
def wkhtmltopdf_patched():
    """Whether the wkhtmltopdf of this server is built on its patched Qt
    (headers and footers, several documents in one run, exact dpi)."""
    try:
        version = subprocess.run(
            [_get_wkhtmltopdf_bin(), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "patched qt" in version.lower()


class IrActionsReport(models.Model):
    """The reminder letter is a self-contained page (letterhead, recipient
    block, page numbers) so that it prints the same with the wkhtmltopdf
    Debian ships, which ignores header and footer HTML and prints one
    document per run."""

    _inherit = "ir.actions.report"

    def _credit_is_letter(self):
        return len(self) == 1 and self.report_name == LETTER_REPORT_NAME

    # ------------------------------------------------------------------
    # OVERRIDES
    # ------------------------------------------------------------------

    def _get_layout(self):
        """Override: the letter's page carries its own styles; it loads no
        asset bundle (wkhtmltopdf fetches nothing from the server, which the
        nightly run may not reach)."""
        if self._credit_is_letter():
            return self.env.ref(LETTER_LAYOUT)
        return super()._get_layout()

    def _prepare_html(self, html, report_model=False):
        """Override: the letter has no header or footer HTML (its letterhead
        is in the page; an unpatched wkhtmltopdf would ignore them)."""
        result = super()._prepare_html(html, report_model=report_model)
        if self._credit_is_letter() and result:
            bodies, res_ids, _header, _footer, paperformat_args = result
            return bodies, res_ids, None, None, paperformat_args
        return result

    @api.model
    def _build_wkhtmltopdf_args(self, paperformat_id, landscape, specific_paperformat_args=None,
                                set_viewport_size=False):
        """Override: the letter runs no script, so wkhtmltopdf need not wait
        the print delay for one; a patched wkhtmltopdf prints it at its exact
        size (an unpatched one has no such switch and is compensated by the
        letter's zoom)."""
        args = super()._build_wkhtmltopdf_args(
            paperformat_id, landscape, specific_paperformat_args=specific_paperformat_args,
            set_viewport_size=set_viewport_size,
        )
        if paperformat_id and paperformat_id == self.env.ref(LETTER_PAPERFORMAT, raise_if_not_found=False):
            if "--javascript-delay" in args:
                args[args.index("--javascript-delay") + 1] = "0"
            if wkhtmltopdf_patched() and "--disable-smart-shrinking" not in args:
                args.append("--disable-smart-shrinking")
        return args

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        """Override: letters are rendered one by one (an unpatched
        wkhtmltopdf refuses several documents in one run) and each gets its
        page numbers, ``page / pages``, stamped in its bottom margin."""
        report = self._get_report(report_ref)
        if not report._credit_is_letter() or not res_ids:
            return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)
        unique_ids = list(dict.fromkeys(res_ids))
        if len(unique_ids) > 1 or len(res_ids) > 1:
            streams = OrderedDict()
            for res_id in unique_ids:
                streams.update(self._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=[res_id]))
            return streams
        streams = super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)
        for stream_data in streams.values():
            if stream_data.get("stream") and not stream_data.get("attachment"):
                stream_data["stream"] = self._credit_number_pages(stream_data["stream"])
        return streams

    # ------------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------------

    @api.model
    def _credit_letter_zoom(self):
        """The CSS zoom that makes the letter's millimetres real ones."""
        return 1.0 if wkhtmltopdf_patched() else UNPATCHED_QT_ZOOM

    @api.model
    def _credit_number_pages(self, stream):
        """``stream`` (a PDF) with ``page / pages`` at the bottom right of
        each page, as selectable text in a standard font (nothing embedded)."""
        reader = PdfFileReader(stream, strict=False)
        total = len(reader.pages)
        packet = io.BytesIO()
        stamps = canvas.Canvas(packet)
        for index, page in enumerate(reader.pages, start=1):
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            stamps.setPageSize((width, height))
            stamps.setFont("Helvetica", 8)
            stamps.setFillGray(0.3)
            stamps.drawRightString(width - PAGE_NUMBER_RIGHT, PAGE_NUMBER_BOTTOM, f"{index} / {total}")
            stamps.showPage()
        stamps.save()
        stamp_reader = PdfFileReader(packet, strict=False)
        writer = PdfFileWriter()
        for page, stamp in zip(reader.pages, stamp_reader.pages, strict=True):
            page.merge_page(stamp)
            # merging rewrites the page's content uncompressed: 4 times larger
            page.compress_content_streams()
            writer.add_page(page)
        output = io.BytesIO()
        writer.write(output)
        return output
