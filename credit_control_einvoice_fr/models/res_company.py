import re

from odoo import fields, models

from ..cdar import FlowClient


def siren_of(registry, vat):
    """A French SIREN from a company registry (SIREN or SIRET) or a French
    VAT number (FR + key + SIREN)."""
    digits = re.sub(r"\D", "", registry or "")
    if len(digits) in (9, 14):
        return digits[:9]
    vat = re.sub(r"\s", "", vat or "").upper()
    if vat.startswith("FR") and len(vat) == 13:
        return vat[4:]
    return False


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_einvoice_postpone_days = fields.Integer(
        string="Payment Transmitted: Pause (days)",
        default=10,
        help="When the customer's platform says the payment was transmitted (211), the reminders of the "
        "invoice wait this many days for the money.",
    )
    credit_einvoice_report_collected = fields.Boolean(
        string="Report Collections (212)",
        help="Each payment of an invoice whose VAT is due on receipt is reported as status 212 Collected, "
        "with the amount per VAT rate.",
    )
    credit_einvoice_api_url = fields.Char(
        string="Platform API URL",
        groups="base.group_system",
        help="Base URL of the AFNOR XP Z12-013 flow API of the company's approved platform (PDP).",
    )
    credit_einvoice_client_id = fields.Char(string="Platform Client ID", groups="base.group_system")
    credit_einvoice_client_secret = fields.Char(string="Platform Client Secret", groups="base.group_system")
    credit_einvoice_last_sync = fields.Datetime(
        string="Platform Last Synchronization", groups="base.group_system", readonly=True,
    )
    credit_einvoice_saxon_url = fields.Char(
        string="Schematron Validation Server",
        groups="base.group_system",
        help="URL of a Saxon server (XSLT 2.0) that checks every CDAR message against the BR-FR-CDV "
        "schematron shipped by pyfrctc, e.g. http://localhost:5000/transform. Without it the messages sent "
        "are checked with SaxonC-HE on this server, and the messages received against the CDAR schema only.",
    )

    def _credit_einvoice_siren(self):
        self.ensure_one()
        return siren_of(self.company_registry, self.vat)

    def _credit_einvoice_saxon_url(self):
        self.ensure_one()
        return self.sudo().credit_einvoice_saxon_url or False

    def _credit_einvoice_api_configured(self):
        self.ensure_one()
        company = self.sudo()
        return bool(company.credit_einvoice_api_url and company.credit_einvoice_client_id)

    def _credit_einvoice_client(self):
        """A client of the company's platform; the credentials are read as
        superuser, only by the module's own calls."""
        self.ensure_one()
        company = self.sudo()
        return FlowClient(
            f"credit_control_{company.id}",
            company.credit_einvoice_api_url,
            company.credit_einvoice_client_id,
            company.credit_einvoice_client_secret,
            label=company.name,
        )


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _credit_einvoice_siren(self):
        self.ensure_one()
        return siren_of(self.company_registry, self.vat)
