from datetime import date, timedelta

from odoo.tests import HttpCase, tagged

from odoo.addons.credit_control_base.tests.common import load_french

from .common import ScenarioCommon


@tagged("post_install", "-at_install")
class TestCollectorDayTour(ScenarioCommon, HttpCase):
    """A collector's day walked in Chromium, in French and in English: the
    worklist, a call whose outcome is recorded, a letter read in its preview,
    then validated and sent, and the customer's statement of account sent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env)

    def _walk(self, lang, tour):
        if "credit.control.promise" not in self.env:
            self.skipTest("the promise outcome of a call comes with credit_control_dispute")
        today = date.today()
        caller = self._customer("Tour Atelier Durand", lang=lang)
        called_invoice = self._create_invoice(caller, 1500.0, due=today - timedelta(days=35),
                                              invoice_date=today - timedelta(days=65))
        written = self._customer("Tour Menuiserie Blanc", lang=lang, street="4 rue des Forges", zip="69003",
                                 city="Lyon")
        self._create_invoice(written, 2400.0, due=today - timedelta(days=50), invoice_date=today - timedelta(days=80))
        for customer in (caller, written):
            self._dossier(customer).collector_id = self.collector_a
        self.collector_a.lang = lang
        run = self.env["credit.control.scenario.run"]._credit_run(companies=self.company)
        call = run.action_ids.filtered(lambda a: a.partner_id == caller)
        letter = run.action_ids.filtered(lambda a: a.partner_id == written)
        self.assertEqual(call.channel, "phone")
        self.assertRecordValues(letter, [{"channel": "letter", "state": "to_validate"}])
        self.assertTrue(call.activity_id)

        self.start_tour("/odoo", tour, login=self.collector_a.login, timeout=240)

        promise = self.env["credit.control.promise"].search([("dossier_id", "=", self._dossier(caller).id)])
        self.assertRecordValues(promise, [{"amount": 1500.0, "date": today + timedelta(days=10)}])
        self.assertEqual(promise.move_ids, called_invoice)
        self.assertFalse(call.activity_id.exists(), "the call is done")
        self.assertRecordValues(letter, [{"state": "sent", "user_id": self.collector_a.id}])
        # the statement of account went out from the customer's dossier, its PDF attached
        sent = self._dossier(written).message_ids.filtered(lambda m: m.message_type == "comment" and m.attachment_ids)
        self.assertEqual(len(sent), 1)

    def test_collector_day_in_french(self):
        self._walk("fr_FR", "credit_control_collector_day_tour_fr")

    def test_collector_day_in_english(self):
        self._walk("en_US", "credit_control_collector_day_tour_en")
