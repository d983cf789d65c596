from datetime import date

from odoo.tests import tagged

from .common import ScenarioCommon


@tagged("post_install", "-at_install")
class TestChannels(ScenarioCommon):
    """SMS with E.164 numbers, calls as activities, and the fallback to a
    collector task when a reminder cannot go out."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.step_first.write({"channel": "sms", "sms_body": "{{ object.company_id.name }}: invoices overdue."})
        cls.france = cls.env.ref("base.fr")

    def _first_reminder(self, **customer_values):
        customer = self._customer("Fleuriste Petit", **customer_values)
        self._dossier_for(customer)
        return self._run(date(2026, 3, 10)).action_ids.filtered(lambda a: a.partner_id == customer)

    def _dossier_for(self, customer):
        self._create_invoice(customer, 300.0, due=date(2026, 3, 1))
        self._dossier(customer).collector_id = self.collector_a

    def test_sms_e164(self):
        action = self._first_reminder(mobile="06 12 34 56 78", country_id=self.france.id)
        self.assertRecordValues(action, [{"channel": "sms", "state": "sent"}])
        self.assertRecordValues(action.sms_id, [{
            "number": "+33612345678", "state": "outgoing", "body": f"{self.company.name}: invoices overdue.",
        }])

    def test_invalid_number_becomes_a_task(self):
        for values, reason in [
            ({"mobile": "12 34", "country_id": self.france.id}, "Invalid phone number 12 34"),
            ({}, "No phone number"),
        ]:
            with self.subTest(reason=reason):
                action = self._first_reminder(**values)
                self.assertRecordValues(action, [{"channel": "task", "state": "planned", "sms_id": False}])
                self.assertIn(reason, action.failure_reason)
                self.assertEqual(action.activity_id.user_id, self.collector_a)
                self.assertIn(reason, action.activity_id.summary)


    def test_call_and_email_fallback(self):
        self.step_first.write({"channel": "email"})
        customer = self._create_customer("Sans Mail")
        self._dossier_for(customer)
        action = self._run(date(2026, 3, 10)).action_ids
        self.assertRecordValues(action, [{"channel": "task", "state": "planned"}])
        self.assertIn("No valid e-mail address", action.failure_reason)
        # a call step: an activity with the call script for the collector
        call = self._run(date(2026, 4, 1)).action_ids
        self.assertRecordValues(call, [{"step_id": self.step_call.id, "channel": "phone", "state": "planned"}])
        self.assertEqual(call.activity_id.activity_type_id, self.env.ref(
            "credit_control_scenario.mail_activity_type_credit_call"))
        self.assertIn("supplier payments", call.activity_id.note)
        call.activity_id.action_feedback(feedback="Paiement promis")
        self.assertRecordValues(call, [{"state": "done", "comment": "Paiement promis"}])

    def test_contact_in_a_language_no_longer_active(self):
        """A customer whose language was archived since (or came with an
        import) is reminded in the user's language: the whole run used to
        fail on it (found by the XML-RPC suite)."""
        self.assertFalse(self.env["res.lang"].with_context(active_test=False).search(
            [("code", "=", "fr_BE")]).active)
        customer = self._customer("Librairie Wallonne", mobile="06 12 34 56 78", country_id=self.france.id)
        self._dossier_for(customer)
        self.env.cr.execute("UPDATE res_partner SET lang = 'fr_BE' WHERE id = %s", [customer.id])
        customer.invalidate_recordset(["lang"])
        action = self._run(date(2026, 3, 10)).action_ids
        self.assertRecordValues(action, [{"channel": "sms", "state": "sent"}])
        self.assertEqual(action.sms_id.body, f"{self.company.name}: invoices overdue.")
