import base64
from datetime import date

from odoo.addons.credit_control_base.tests.common import CreditControlCommon


class CreditDisputeCommon(CreditControlCommon):
    """A customer of collector A with two overdue invoices (1 000 and 500
    in company currency, due on 31 January and 14 February 2026); tests
    freeze the date on 1 March 2026 unless they say otherwise."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.credit_promise_grace_days = 3
        cls.customer = cls._create_customer("Boulangerie Martin")
        cls.invoices = cls._create_invoices([
            {"partner": cls.customer, "amount": 1000.0, "date": date(2026, 1, 1), "due": date(2026, 1, 31)},
            {"partner": cls.customer, "amount": 500.0, "date": date(2026, 1, 15), "due": date(2026, 2, 14)},
        ])
        cls.invoice_1, cls.invoice_2 = cls.invoices
        cls.dossier = cls.env["credit.control.dossier"].search([("partner_id", "=", cls.customer.id)])
        cls.dossier.collector_id = cls.collector_a
        cls.Dispute = cls.env["credit.control.dispute"]
        cls.Promise = cls.env["credit.control.promise"]
        cls.Plan = cls.env["credit.control.payment.plan"]
        cls.reason_quality = cls.env.ref("credit_control_dispute.credit_control_dispute_reason_quality")

    def _excluded(self, moves):
        """{invoice name: exclusion reason} as the reminder engine sees it now."""
        self.env.invalidate_all()
        return {move.name: move.credit_exclusion_reason for move in moves.browse(moves.ids)}

    def _attachment(self, name, data, mimetype="application/pdf", **values):
        return self.env["ir.attachment"].create({
            "name": name, "datas": base64.b64encode(data), "mimetype": mimetype, **values,
        })
