import base64
from datetime import date, datetime

import pyfrctc

from odoo import Command

from odoo.addons.credit_control_scenario.tests.common import ScenarioCommon

SELLER_SIREN = "732829320"
BUYER_SIREN = "552100554"


class EinvoiceCommon(ScenarioCommon):
    """A French company (its SIREN) and a customer with one invoice of 1,000
    due on 31 January 2026, and the CDAR messages its platform would send
    about that invoice, written by pyfrctc."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.company_registry = SELLER_SIREN
        cls.customer = cls._customer("Boulangerie Martin", company_registry=BUYER_SIREN)
        cls.invoice = cls._create_invoice(cls.customer, 1000.0, date(2026, 1, 31), invoice_date=date(2026, 1, 2))
        cls.Status = cls.env["credit.control.einvoice.status"]

    @classmethod
    def _message(cls, status, invoice=None, reason=None, reason_text=None, comment=None, amounts=None,
                 issued=None, issuer=SELLER_SIREN):
        """The CDAR message of ``status`` about ``invoice`` as the customer's
        platform writes it; ``amounts``: ``{type code: amount}``."""
        invoice = invoice or cls.invoice
        issued = issued or datetime(2026, 2, 10, 9, 30)
        data = {
            "MDT-2": "REGULATED",
            "MDT-3": "urn.cpro.gouv.fr:1p0:CDV:invoice",
            "MDT-4": f"{invoice.name}_380_{invoice.invoice_date}#{status}_{issued:%Y%m%d%H%M%S}",
            "MDT-8": issued,
            "MDT-21": "BY",
            "MDT-38": {"0002": BUYER_SIREN},
            "MDT-39": "Boulangerie Martin",
            "MDT-40": "BY",
            "MDT-57": {"0002": SELLER_SIREN},
            "MDT-58": cls.company.name,
            "MDT-59": "SE",
            "MDT-73": SELLER_SIREN,
            "MDT-73-1": "0225",
            "MDT-74": False,
            "MDT-77": 23,
            "MDT-78": issued,
            "MDT-87": invoice.name,
            "MDT-91": "380",
            "MDT-100": invoice.invoice_date,
            "MDT-105": status,
            "MDT-106": {"205": "Approuvée", "206": "Approuvée partiellement", "207": "En litige",
                        "208": "Suspendue", "210": "Refusée", "211": "Paiement transmis",
                        "213": "Rejetée"}.get(status, "Statut"),
            "MDT-129": {"0002": issuer},
        }
        detail = {}
        if reason:
            detail["MDT-113"] = reason
        if reason_text:
            detail["MDT-114"] = reason_text
        if comment:
            detail["MDT-126"] = comment
        if amounts:
            detail["MDG-43"] = [
                {"MDT-207": code, "MDT-215": {"float": amount, "currency": invoice.currency_id.name}}
                for code, amount in amounts.items()
            ]
        if detail:
            data["MDG-37"] = [detail]
        return pyfrctc.generate_cdar(data)

    def _import(self, *contents):
        """Import the messages through the upload wizard, as a collector does."""
        attachments = self.env["ir.attachment"].create([
            {"name": f"cdar_{rank}.xml", "datas": base64.b64encode(content)}
            for rank, content in enumerate(contents)
        ])
        wizard = self.env["credit.control.einvoice.import"].create({
            "attachment_ids": [Command.set(attachments.ids)],
        })
        action = wizard.action_import()
        return self.Status.search(action["domain"])


class CollectedCommon(EinvoiceCommon):
    """A company reporting its collections, two sale taxes due on receipt
    and an invoice of services bearing both."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.credit_einvoice_report_collected = True
        Tax = cls.env["account.tax"]
        cls.vat20 = Tax.create({"name": "TVA 20 % encaissements", "amount": 20.0, "type_tax_use": "sale",
                                "company_id": cls.company.id, "credit_einvoice_on_receipt": True})
        cls.vat10 = Tax.create({"name": "TVA 10 % encaissements", "amount": 10.0, "type_tax_use": "sale",
                                "company_id": cls.company.id, "credit_einvoice_on_receipt": True})
        cls.services = cls._services_invoice()

    @classmethod
    def _services_invoice(cls, partner=None):
        """Services of 1,000 at 20 % and 500 at 10 %: 1,750 taxes included."""
        move = cls.env["account.move"].create({
            "move_type": "out_invoice",
            "partner_id": (partner or cls.customer).id,
            "invoice_date": date(2026, 1, 5),
            "invoice_date_due": date(2026, 2, 5),
            "invoice_line_ids": [
                Command.create({"name": "Maintenance", "quantity": 1, "price_unit": 1000.0,
                                "tax_ids": [Command.set(cls.vat20.ids)]}),
                Command.create({"name": "Formation", "quantity": 1, "price_unit": 500.0,
                                "tax_ids": [Command.set(cls.vat10.ids)]}),
            ],
        })
        move.action_post()
        return move

    def _collected(self, invoice=None):
        return self.Status.search([("move_id", "=", (invoice or self.services).id), ("code", "=", "212")],
                                  order="id")

    def _amounts_per_rate(self, status):
        """The collected amounts of the message, per VAT rate, read back
        with pyfrctc after a check against the CDAR schema."""
        content = status.attachment_id.raw
        pyfrctc.check_cdar_xsd(content)
        parsed = pyfrctc.parse_cdar(content)
        self.assertEqual((parsed["status_code"], parsed["invoice_number"]), ("212", status.move_id.name))
        amounts = [c["amount"]["float"] for c in parsed["doc_status"][0]["doc_characteristics"]
                   if c["type_code"] == "MEN"]
        rates = [float(r) for r in content.decode().split("<ram:ValuePercent>")[1:] for r in [r.split("<")[0]]]
        return dict(zip(rates, amounts, strict=True))

