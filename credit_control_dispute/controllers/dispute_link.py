from werkzeug.exceptions import NotFound

from odoo import _, fields, http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request
from odoo.tools.mimetypes import guess_mimetype

from ..const import (
    COLLEAGUE_COMMENT_MAX_LENGTH,
    COLLEAGUE_RESOLUTIONS,
    COLLEAGUE_UPLOAD_MAX_FILES,
    COLLEAGUE_UPLOAD_MAX_MB,
    COLLEAGUE_UPLOAD_MIMETYPES,
)


class CreditDisputeLinkController(http.Controller):
    """The page of a link sent to a colleague: the dispute, its invoices and
    evidence, and the form of its answer. Everything is read in sudo only
    after the link's token was checked against the dispute of the URL."""

    @http.route("/credit/dispute/<int:dispute_id>/answer/<int:link_id>", type="http", auth="public",
                methods=["GET"], sitemap=False)
    def credit_dispute_link(self, dispute_id, link_id, access_token=None, **kwargs):
        link_sudo, response = self._credit_link_access(dispute_id, link_id, access_token)
        return response or self._credit_render(link_sudo, access_token)

    @http.route("/credit/dispute/<int:dispute_id>/answer/<int:link_id>", type="http", auth="public",
                methods=["POST"], sitemap=False)
    def credit_dispute_link_answer(self, dispute_id, link_id, access_token=None, **post):
        link_sudo, response = self._credit_link_access(dispute_id, link_id, access_token)
        if response:
            return response
        try:
            comment = (post.get("comment") or "").strip()
            if len(comment) > COLLEAGUE_COMMENT_MAX_LENGTH:
                raise ValidationError(_(
                    "Keep your answer under %(max)s characters.", max=COLLEAGUE_COMMENT_MAX_LENGTH,
                ))
            resolution = post.get("resolution") or ""
            if resolution and resolution not in dict(COLLEAGUE_RESOLUTIONS):
                raise ValidationError(_("Choose one of the proposed resolutions."))
            if not (comment or resolution):
                raise ValidationError(_("Write an answer or propose a resolution."))
            amount = self._credit_parse_amount(post.get("amount")) if resolution == "credit_note" else 0.0
            files = self._credit_parse_uploads(request.httprequest.files.getlist("attachments"))
            # Nothing half-saved: the files go with the answer or not at all.
            with request.env.cr.savepoint():
                link_sudo._credit_record_answer(comment, resolution, amount, files)
        except AccessError:
            # answered meanwhile (a double click, a replay)
            return self._credit_render(link_sudo, access_token, status=403)
        except (UserError, ValidationError) as error:
            return self._credit_render(link_sudo, access_token, error=error.args[0], status=400)
        return self._credit_render(link_sudo, access_token, answered_now=True)

    @http.route("/credit/dispute/<int:dispute_id>/answer/<int:link_id>/evidence/<int:attachment_id>",
                type="http", auth="public", methods=["GET"], sitemap=False)
    def credit_dispute_link_evidence(self, dispute_id, link_id, attachment_id, access_token=None, **kwargs):
        link_sudo, response = self._credit_link_access(dispute_id, link_id, access_token)
        if response:
            return response
        if link_sudo.state != "sent":
            raise NotFound()
        attachment_sudo = self._credit_evidence(link_sudo.dispute_id).filtered(lambda a: a.id == attachment_id)
        if not attachment_sudo:
            raise NotFound()
        return request.env["ir.binary"]._get_stream_from(attachment_sudo).get_response(as_attachment=True)

    # ------------------------------------------------------------------
    # ACCESS
    # ------------------------------------------------------------------

    def _credit_link_access(self, dispute_id, link_id, access_token):
        """``(link in sudo, None)`` when the token opens this link of this
        dispute, else ``(link, response)`` for a genuine link expired or
        used; 404 for anything else (another dispute, tampered, revoked)."""
        link_sudo = request.env["credit.control.dispute.link"].sudo().browse(link_id).exists()
        if not link_sudo:
            raise NotFound()
        status = link_sudo._credit_check_token(dispute_id, access_token)
        if not status:
            raise NotFound()
        lang = link_sudo.partner_id.lang or link_sudo.company_id.partner_id.lang
        if request.env.user._is_public() and lang:
            # the colleague reads it in its own language
            request.update_context(lang=lang)
        if status == "expired":
            return link_sudo, request.render(
                "credit_control_dispute.credit_control_dispute_link_expired", {"link": link_sudo}, status=403,
            )
        if status == "answered" and request.httprequest.method == "POST":
            return link_sudo, self._credit_render(link_sudo, access_token, status=403)
        return link_sudo, None

    # ------------------------------------------------------------------
    # INPUT
    # ------------------------------------------------------------------

    def _credit_parse_amount(self, raw):
        try:
            # a comma is what a French colleague types
            return float((raw or "").strip().replace(" ", "").replace(",", "."))
        except ValueError as error:
            raise ValidationError(_("Give the amount of the credit note you propose.")) from error

    def _credit_parse_uploads(self, uploads):
        """The attached files as ``(name, content, info)`` for
        ``message_post``, of the accepted types and size, judged on their
        content rather than their name: nothing is stored before the answer
        is recorded with them."""
        uploads = [upload for upload in uploads if upload and upload.filename]
        if len(uploads) > COLLEAGUE_UPLOAD_MAX_FILES:
            raise ValidationError(_("Attach %(max)s files at most.", max=COLLEAGUE_UPLOAD_MAX_FILES))
        max_bytes = COLLEAGUE_UPLOAD_MAX_MB * 1024 * 1024
        files = []
        for upload in uploads:
            data = upload.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise ValidationError(_("The file is too large: %(max)s MB at most.", max=COLLEAGUE_UPLOAD_MAX_MB))
            mimetype = guess_mimetype(data)
            if mimetype not in COLLEAGUE_UPLOAD_MIMETYPES:
                raise ValidationError(_("Attach PDF, PNG or JPEG files."))
            name = upload.filename.replace("/", "_").replace("\\", "_")[:128]
            if not name.lower().endswith(COLLEAGUE_UPLOAD_MIMETYPES[mimetype]):
                name += COLLEAGUE_UPLOAD_MIMETYPES[mimetype]
            files.append((name, data, {"mimetype": mimetype}))
        return files

    # ------------------------------------------------------------------
    # RENDERING
    # ------------------------------------------------------------------

    def _credit_evidence(self, dispute_sudo):
        """What the colleague may open: the dispute's evidence."""
        return dispute_sudo.evidence_ids

    def _credit_render(self, link_sudo, access_token, status=200, **extra):
        dispute_sudo = link_sudo.dispute_id
        moves = dispute_sudo.move_ids
        # what is still owed on each invoice, as the reminders count it
        open_amounts = dict.fromkeys(moves, 0.0)
        for item in moves._credit_instalments():
            open_amounts[item["move"]] += item["amount"]
        values = {
            "link": link_sudo,
            "dispute": dispute_sudo,
            "company": dispute_sudo.company_id,
            "moves": moves,
            "open_amounts": open_amounts,
            "evidence": self._credit_evidence(dispute_sudo),
            # the field's labels, in the reader's language (the constant is English)
            "resolutions": link_sudo._fields["answer_resolution"]._description_selection(request.env),
            "access_token": access_token,
            "action": f"/credit/dispute/{dispute_sudo.id}/answer/{link_sudo.id}",
            "upload_max_mb": COLLEAGUE_UPLOAD_MAX_MB,
            "upload_max_files": COLLEAGUE_UPLOAD_MAX_FILES,
            "today": fields.Date.context_today(link_sudo),
            "error": None,
            "answered_now": False,
            **extra,
        }
        return request.render("credit_control_dispute.credit_control_dispute_link_page", values, status=status)
