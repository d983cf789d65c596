import phonenumbers

from odoo import _, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _credit_sms_number(self):
        """Return ``(number in E.164, False)`` for the mobile (else phone)
        of this contact, read in the numbering plan of its country (else of
        its company's country), or ``(False, reason)`` when there is none or
        it is not a valid number."""
        self.ensure_one()
        raw = self.mobile or self.phone or self.commercial_partner_id.mobile or self.commercial_partner_id.phone
        if not raw:
            return False, _("No phone number for %s.", self.display_name)
        country = self.country_id or self.commercial_partner_id.country_id or self.env.company.country_id
        try:
            parsed = phonenumbers.parse(raw, country.code or None)
        except phonenumbers.NumberParseException as error:
            return False, _("Invalid phone number %(number)s: %(error)s", number=raw, error=error)
        if not phonenumbers.is_valid_number(parsed):
            return False, _("Invalid phone number %(number)s for %(country)s.",
                            number=raw, country=country.name or _("an unknown country"))
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), False
