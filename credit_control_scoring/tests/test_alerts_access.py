from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ScoringCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestAlertsAccess(ScoringCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dossiers.collector_id = cls.collector_a
        cls.term_15 = cls.env.ref("account.account_payment_term_15days")
        cls.env["credit.control.risk.policy"].create({
            "risk_class": "D", "payment_term_id": cls.term_15.id, "credit_limit": 1500.0,
        })

    def _alerts(self, partner):
        return self.env["credit.control.alert"].search([("dossier_id", "=", self._dossier(partner).id)])

    def test_limit_breach_alert_and_activity(self):
        self.dossiers._credit_recompute_scores()
        self.dossiers._credit_recompute_scores()
        self.assertRecordValues(self._alerts(self.bad), [
            {"alert_type": "limit_breach", "state": "new", "collector_id": self.collector_a.id},
        ])
        self.assertFalse(self._alerts(self.good))
        self.assertRecordValues(self._dossier(self.bad).activity_ids, [
            {"user_id": self.collector_a.id, "summary": "Credit limit breached"},
        ])
        # once under the limit again, the alert closes itself
        self.bad.credit_limit = 5000.0
        self.dossiers._credit_recompute_scores()
        self.assertEqual(self._alerts(self.bad).state, "done")

    def test_score_drop_alert(self):
        customer = self._create_customer("Menuiserie Petit")
        self._create_invoice(customer, 5000.0, date(2026, 5, 14), invoice_date=date(2026, 4, 14))
        dossier = self._dossier(customer)
        dossier._credit_recompute_scores()
        first = dossier.credit_score
        with freeze_time("2026-07-15"):
            dossier._credit_recompute_scores()
        self.assertGreater(first - dossier.credit_score, 15)
        self.assertRecordValues(dossier, [{"credit_score_previous": first}])
        self.assertEqual(self._alerts(customer).alert_type, "score_drop")

    def test_collector_reads_manager_applies(self):
        self.dossiers._credit_recompute_scores()
        dossier = self._dossier(self.bad).with_user(self.collector_a)
        self.assertEqual(dossier.credit_risk_class, "D")
        self.assertEqual(len(dossier.credit_score_factor_ids), 8)
        self.assertEqual(dossier.credit_alert_count, 1)
        self.assertRecordValues(dossier, [{
            "credit_suggested_payment_term_id": self.term_15.id, "credit_suggested_limit": 1500.0,
            "credit_has_suggestion": True,
        }])
        with self.assertRaises(AccessError):
            dossier.action_credit_apply_suggestion()
        with self.assertRaises(AccessError):
            self.env["credit.control.rating"].with_user(self.collector_a).create({
                "dossier_id": dossier.id, "agency": "Insurer",
            })
        # collectors work their alerts
        dossier.credit_alert_ids.action_done()
        self.assertEqual(dossier.credit_alert_ids.state, "done")

        manager_dossier = dossier.with_user(self.credit_manager)
        manager_dossier.action_credit_apply_suggestion()
        partner = self.bad.with_company(self.company)
        self.assertEqual(partner.property_payment_term_id, self.term_15)
        self.assertEqual(partner.credit_limit, 1500.0)
        self.assertFalse(manager_dossier.credit_has_suggestion)
        bodies = manager_dossier.message_ids.mapped("body")
        self.assertTrue(any("15 Days" in body for body in bodies), bodies)

    def test_salesperson_opens_dossier_of_own_customer(self):
        """Salespeople with Credit Info read the dossiers of their customers
        (base's rule): the form must not show them what they may not read."""
        salesperson = self._create_credit_user("seller", "credit_control_base.group_credit_control_info")
        self.bad.user_id = salesperson
        self.dossiers._credit_recompute_scores()
        Dossier = self.env["credit.control.dossier"].with_user(salesperson)
        arch = etree.fromstring(Dossier.get_views([(False, "form")])["views"]["form"]["arch"])
        # the fields the web client reads: those of the form, not of its sub-views
        fnames = {node.get("name") for node in arch.xpath("//field[not(ancestor::field)]")}
        self.assertNotIn("credit_rating_ids", fnames)
        self.assertNotIn("credit_alert_count", fnames)
        self.assertIn("credit_risk_class", fnames)
        self.assertIn("credit_score_factor_ids", fnames)
        values = Dossier.browse(self._dossier(self.bad).id).read(list(fnames))
        self.assertEqual(values[0]["credit_risk_class"], "D")

    def test_collector_sees_own_alerts_only(self):
        self._dossier(self.good).collector_id = self.collector_b
        self.dossiers._credit_recompute_scores()
        Alert = self.env["credit.control.alert"]
        self.assertTrue(Alert.with_user(self.collector_a).search([]))
        self.assertFalse(Alert.with_user(self.collector_b).search([]))
