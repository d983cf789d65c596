import base64
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
    kind = fields.Char(help="What the document is for, e.g. dispute evidence or remittance advice.")
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
        documents = super().create(vals_list)
        documents._extract_text()
        return documents

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _credit_archive(self, attachments, dossier, origin=None, kind=None):
        """Archive ``attachments`` in the collection file of ``dossier``,
        linked to the record ``origin`` (a dispute, a bank line...)."""
        return self.create([
            {
                "name": attachment.name,
                "attachment_id": attachment.id,
                "dossier_id": dossier.id,
                "company_id": dossier.company_id.id or self.env.company.id,
                "res_model": origin._name if origin else False,
                "res_id": origin.id if origin else False,
                "kind": kind,
            }
            for attachment in attachments
        ])

    def _extract_text(self):
        """Fill the text of PDF documents. A broken, encrypted, scanned or
        oversized file keeps its upload and gets a logged reason instead."""
        limits = self._credit_pdf_limits()
        for document in self:
            attachment = document.attachment_id.sudo()
            if attachment.mimetype != "application/pdf" and not (attachment.name or "").lower().endswith(".pdf"):
                document.write({"extraction_state": "skipped", "extraction_message": False})
                continue
            result = extract_pdf_text(base64.b64decode(attachment.datas or b""), **limits)
            if result.state != "done":
                _logger.warning("Credit control document %s (%s): %s", document.id, document.name, result.message)
            document.write({
                "text": result.text or False,
                "extraction_state": result.state,
                "extraction_message": result.message or False,
            })

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
