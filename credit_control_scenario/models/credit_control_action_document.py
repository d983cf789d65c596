import base64
import re

import lxml.html
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import plaintext2html
from odoo.tools.misc import format_date

from odoo.addons.credit_control_base.tools.lang_format import elide

from .ir_actions_report import LETTER_REPORT_NAME

# The letter's date written out (LDML): "2 décembre 2026", "2 December 2026".
LETTER_DATE_FORMAT = "d MMMM y"
# Size of the QR code of the statement link, in pixels of its PNG: printed
# 25 mm wide (about 120 dpi, 4 pixels a module for a link of 40 characters),
# a phone reads it from the sheet; wkhtmltopdf stores it as a JPEG, the
# larger the heavier.
QR_PIXELS = 120


class CreditControlActionDocument(models.AbstractModel):
    """What a reminder looks like before it goes out: the preview of its
    e-mail, letter, SMS or call script, and the parts of the posted letter
    (letterhead, recipient block, place and date, statement link) in the
    recipient's language."""

    _name = "credit.control.action.document"
    _description = "Credit Reminder Documents"

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_preview_letter_pdf(self):
        """The letter as it will be printed, before it is validated."""
        # config=False: the letter has its own layout, no document layout to choose first
        return self.env.ref("credit_control_scenario.credit_control_action_report_letter").report_action(
            self, config=False
        )

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_render_preview(self):
        """The content ``self`` would send if it went out now."""
        self.ensure_one()
        if not self.move_ids:
            return False
        if self.channel == "email":
            template = self.step_id.mail_template_id
            if not template:
                return False
            values = template._generate_template(self.ids, ("subject", "body_html"))[self.id]
            subject = Markup("<p><strong>%s</strong></p>") % values["subject"] if values.get("subject") else ""
            return subject + Markup(values.get("body_html") or "")
        if self.channel == "letter":
            html = self.env["ir.actions.report"]._render_qweb_html(LETTER_REPORT_NAME, self.ids)[0]
            root = lxml.html.fromstring(html)
            articles = root.xpath("//div[contains(concat(' ', normalize-space(@class), ' '), ' article ')]")
            return Markup("").join(Markup(lxml.html.tostring(node, encoding="unicode")) for node in articles)
        if self.channel == "sms":
            body = self._credit_render_step_field("sms_body").get(self.id)
            return plaintext2html(body) if body else False
        return self._credit_render_step_field("call_script").get(self.id) or False

    def _credit_letter_date(self):
        """The letter's place and date, written out in the recipient's
        language: "Lyon, le 2 décembre 2026", "Lyon, 2 December 2026"."""
        self.ensure_one()
        lang = self._credit_recipient_lang()
        env = self.with_context(lang=lang).env
        day = fields.Date.context_today(self, self.sent_date) if self.sent_date else fields.Date.context_today(self)
        written = format_date(env, day, lang_code=lang, date_format=LETTER_DATE_FORMAT)
        if lang.startswith("fr") and day.day == 1:
            written = "1er" + written[1:]  # "le 1er décembre", as French writes the first of a month
        place = self.company_id.city
        if not place:
            return written
        return env._("%(place)s, %(date)s", place=place, date=written)

    def _credit_letter_sender(self):
        """The letterhead: ``{"name", "address": [lines], "legal": [lines],
        "contact": [lines]}``."""
        self.ensure_one()
        company = self.company_id
        env = self.with_context(lang=self._credit_recipient_lang()).env
        partner = company.partner_id
        legal = []
        registry = ("siret" in partner._fields and partner.siret) or company.company_registry or ""
        digits = re.sub(r"\s", "", registry)
        if company.country_id.code == "FR" and len(digits) == 14 and digits.isdigit():
            # formatted apart: babel's extractor evaluates the arguments of _()
            siren = f"{digits[:3]} {digits[3:6]} {digits[6:9]}"
            siret = f"{siren} {digits[9:]}"
            legal.append(env._("SIREN %(siren)s - SIRET %(siret)s", siren=siren, siret=siret))
        elif registry:
            legal.append(f"{partner.with_env(env).company_registry_label}: {registry}")
        if company.vat:
            legal.append(env._("VAT number: %s", company.vat))
        abroad = self._credit_letter_address_partner().country_id not in (company.country_id, self.env["res.country"])
        return {
            "name": company.name,
            "address": self._credit_letter_address_lines(partner, with_country=abroad, env=env),
            "legal": legal,
            "contact": [line for line in (company.phone, company.email) if line],
        }

    def _credit_letter_recipient(self):
        """The lines of the recipient block: the customer, the contact it is
        addressed to, the postal address; the country only abroad."""
        self.ensure_one()
        env = self.with_context(lang=self._credit_recipient_lang()).env
        customer = self.partner_id
        contact = self.contact_id
        lines = [customer.name]
        if contact and contact != customer and contact.name and contact.name != customer.name:
            lines.append(elide(env, env._("Attn: %s", contact.name), contact.name))
        address = self._credit_letter_address_partner()
        abroad = address.country_id and address.country_id != self.company_id.country_id
        return lines + self._credit_letter_address_lines(address, with_country=abroad, env=env)

    def _credit_letter_address_partner(self):
        # the contact's own address when it has one, else the customer's
        contact = self.contact_id
        return contact if contact and (contact.street or contact.city) else self.partner_id

    @api.model
    def _credit_letter_address_lines(self, partner, with_country=False, env=None):
        env = env or self.env
        lines = [partner.street, partner.street2, " ".join(filter(None, (partner.zip, partner.city)))]
        if with_country and partner.country_id:
            lines.append(partner.country_id.with_env(env).name.upper())
        return [line for line in lines if line]

    def _credit_letter_statement_link(self):
        """``(short URL, QR code as a data URI)`` of the customer's
        statement, or ``(False, False)`` when there is none."""
        self.ensure_one()
        url = self.dossier_id._credit_statement_short_url()
        if not url:
            return False, False
        png = self.env["ir.actions.report"].barcode("QR", url, width=QR_PIXELS, height=QR_PIXELS, barLevel="M")
        return url, f"data:image/png;base64,{base64.b64encode(png).decode()}"

    def _credit_letter_zoom(self):
        return self.env["ir.actions.report"]._credit_letter_zoom()
