from datetime import date

from odoo.addons.credit_control_base.tests.common import CreditControlCommon

TODAY = date(2026, 5, 15)


class ScoringCommon(CreditControlCommon):
    """Three hand-built payment histories, scored on 2026-05-15: a good
    payer, a chronic 20-day late payer and a defaulter, all invoiced 4,000
    over the last 12 months and first invoiced on 2025-06-01."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.credit_score_drop_alert = 15
        cls.good = cls._create_customer("Boulangerie Martin", vat="FR40303265045", ref="C-GOOD")
        cls.late = cls._create_customer("Garage Dupuis", ref="C-LATE")
        cls.bad = cls._create_customer("Transports Leroy", ref="C-BAD")
        # (invoice date, due date, amount, paid on or None)
        cls._history(cls.good, [
            (date(2025, 6, 1), date(2025, 7, 1), 1000.0, date(2025, 6, 28)),
            (date(2026, 1, 15), date(2026, 2, 14), 2000.0, date(2026, 2, 14)),
            (date(2026, 3, 11), date(2026, 4, 10), 1000.0, date(2026, 4, 10)),
        ])
        cls._history(cls.late, [
            (date(2025, 6, 1), date(2025, 7, 1), 1000.0, date(2025, 7, 21)),
            (date(2026, 1, 15), date(2026, 2, 14), 2000.0, date(2026, 3, 6)),
            (date(2026, 3, 11), date(2026, 4, 10), 1000.0, date(2026, 4, 30)),
        ])
        cls._history(cls.bad, [
            (date(2025, 6, 1), date(2025, 7, 1), 1000.0, date(2025, 8, 15)),
            (date(2026, 1, 15), date(2026, 2, 14), 2000.0, None),
            (date(2026, 3, 11), date(2026, 4, 10), 1000.0, None),
        ])
        cls.bad.credit_limit = 2000.0
        cls.dossiers = cls.env["credit.control.dossier"].search(
            [("partner_id", "in", (cls.good | cls.late | cls.bad).ids)]
        )

    @classmethod
    def _history(cls, partner, lines):
        invoices = cls._create_invoices([
            {"partner": partner, "amount": amount, "date": invoice_date, "due": due}
            for invoice_date, due, amount, _paid in lines
        ])
        for invoice, (_date, _due, _amount, paid_on) in zip(invoices, lines, strict=True):
            if paid_on:
                cls._pay(invoice, payment_date=paid_on)
        return invoices

    def _factors(self, partner):
        dossier = self._dossier(partner)
        return {factor.code: factor for factor in dossier.credit_score_factor_ids}
