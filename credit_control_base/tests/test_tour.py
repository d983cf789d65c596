from datetime import date

from odoo.tests import HttpCase, tagged

from .common import CreditControlCommon


@tagged("post_install", "-at_install")
class TestDossierTour(CreditControlCommon, HttpCase):
    def test_collector_reviews_a_late_customer(self):
        segment = self.env["credit.control.segment"].create({
            "name": "Tour Key Accounts", "rule_domain": "[('open_amount', '>', 1000000)]",
        })
        customer = self._create_customer("Tour Garage Dupont")
        today = date.today()
        self._create_invoice(customer, 1500.0, due=date.fromordinal(today.toordinal() - 45),
                             invoice_date=date.fromordinal(today.toordinal() - 75))
        dossier = self._dossier(customer)
        self.assertFalse(dossier.segment_id)
        self.start_tour("/odoo", "credit_control_dossier_tour", login=self.credit_manager.login)
        self.assertRecordValues(dossier, [{"segment_id": segment.id, "segment_manual": True}])
