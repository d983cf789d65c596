import logging

from odoo import _, api, fields, models

from ..tools.pdf_text import DEFAULT_MAX_BYTES, DEFAULT_MAX_PAGES, DEFAULT_TIMEOUT, extract_pdf_text

_logger = logging.getLogger(__name__)


class CreditControlDocument(models.Model):
    """A document of a customer's collection file (dispute evidence,
    remittance advice, signed promise...), with the text of PDFs extracted
    so that the archive can be searched by content."""

    _name = "credit.control.document"
    _description = "Credit Control Document"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True)
    date = fields.Datetime(default=fields.Datetime.now, required=True)
    attachment_id = fields.Many2one("ir.attachment", required=True, ondelete="cascade", index=True)
    mimetype = fields.Char(related="attachment_id.mimetype")
    file_size = fields.Integer(related="attachment_id.file_size")
    dossier_id = fields.Many2one("credit.control.dossier", index=True, check_company=True, ondelete="cascade")
    partner_id = fields.Many2one(related="dossier_id.partner_id", store=True, string="Customer")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    res_model = fields.Char(string="Origin Model", index=True)
    res_id = fields.Many2oneReference(string="Origin", model_field="res_model")
    # a selection, so that lists, filters and groups show a translated label,
    # never the code; modules add their kinds with selection_add
    kind = fields.Selection(
        [("remittance", "Remittance Advice"), ("evidence", "Evidence"), ("other", "Other")],
        help="What the document is for, e.g. dispute evidence or remittance advice.",
    )
    text = fields.Text(string="Content", index="trigram", help="Text extracted from the PDF, for searching.")
    extraction_state = fields.Selection(
        [
            ("done", "Text extracted"),
            ("empty", "No text (scanned?)"),
            ("failed", "Unreadable"),
            ("skipped", "Not a PDF"),
        ],
        readonly=True,
    )
    extraction_message = fields.Char(readonly=True)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # The archive is searched by the whole portfolio: it must not become a
        # way to read a file its author may not open (checked before the
        # record exists, so that nothing is left behind).
        self._credit_check_attachment_access(self.env["ir.attachment"].browse(
            {vals["attachment_id"] for vals in vals_list if vals.get("attachment_id")}
        ))
        documents = super().create(vals_list)
        # _credit_archive passes the text it has read already
        documents.filtered(lambda d: not d.extraction_state)._extract_text()
        return documents

    def write(self, vals):
        if vals.get("attachment_id"):
            self._credit_check_attachment_access(self.env["ir.attachment"].browse(vals["attachment_id"]))
        result = super().write(vals)
        if vals.get("attachment_id") and "extraction_state" not in vals:
            self._extract_text()
        return result

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _credit_archive(self, attachments, dossier, origin=None, kind=None, extracted=None):
        """Archive ``attachments`` in the collection file of ``dossier``,
        linked to the record ``origin`` (a dispute, a bank line...).

        :param extracted: what :meth:`_credit_read_attachments` returned for
            ``attachments`` when the caller read them already (as the user
            whose access counts); they are read here otherwise
        """
        if extracted is None:
            extracted = self._credit_read_attachments(attachments)
        return self.create([
            {
                "name": attachment.name,
                "attachment_id": attachment.id,
                "dossier_id": dossier.id,
                "company_id": dossier.company_id.id or self.env.company.id,
                "res_model": origin._name if origin else False,
                "res_id": origin.id if origin else False,
                "kind": kind,
                **self._credit_extraction_values(extracted[attachment.id]),
            }
            for attachment in attachments
        ])

    def _extract_text(self):
        """Fill the text of PDF documents. A broken, encrypted, scanned or
        oversized file keeps its upload and gets a logged reason instead."""
        extracted = self._credit_read_attachments(self.attachment_id)
        for document in self:
            document.write(self._credit_extraction_values(extracted[document.attachment_id.id]))

    @api.model
    def _credit_check_attachment_access(self, attachments):
        """Raise an AccessError unless the current user may open every file of
        ``attachments``: the access rights on attachments, then the rule of
        ``ir.attachment`` itself (a file tied to a record follows that
        record, a file tied to none is its uploader's only)."""
        if not attachments:
            return
        attachments = attachments.with_env(self.env)
        attachments.check_access("read")
        # check_access() knows nothing of the record a file is tied to
        attachments.check("read")

    @api.model
    def _credit_read_attachments(self, attachments):
        """The one reader of files for the credit-control archive (documents,
        dispute evidence, remittance advices, portal uploads): it checks that
        the current user may open each file, then reads it as that user and
        extracts the text of the PDFs. Code that goes on under sudo (a
        salesperson's evidence, the portal) calls it before.

        :return: ``{attachment id: PdfText}``, ``None`` for a file that is
            not a PDF
        """
        self._credit_check_attachment_access(attachments)
        limits = self._credit_pdf_limits()
        extracted = {}
        for attachment in attachments.with_env(self.env):
            if attachment.mimetype != "application/pdf" and not (attachment.name or "").lower().endswith(".pdf"):
                extracted[attachment.id] = None
                continue
            result = extract_pdf_text(attachment.raw or b"", **limits)
            if result.state != "done":
                _logger.warning("Credit control file %s (%s): %s", attachment.id, attachment.name, result.message)
            extracted[attachment.id] = result
        return extracted

    @api.model
    def _credit_extraction_values(self, result):
        if result is None:
            return {"text": False, "extraction_state": "skipped", "extraction_message": False}
        return {
            "text": result.text or False,
            "extraction_state": result.state,
            "extraction_message": result.message or False,
        }

    @api.model
    def _credit_pdf_limits(self):
        params = self.env["ir.config_parameter"].sudo()
        return {
            "max_bytes": int(params.get_param("credit_control.pdf_max_bytes", DEFAULT_MAX_BYTES)),
            "max_pages": int(params.get_param("credit_control.pdf_max_pages", DEFAULT_MAX_PAGES)),
            "timeout": int(params.get_param("credit_control.pdf_timeout", DEFAULT_TIMEOUT)),
        }

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_open_origin(self):
        self.ensure_one()
        if not self.res_model or not self.res_id:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "name": _("Origin"),
        }

    def action_download(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "self",
        }
