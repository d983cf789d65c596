from datetime import date

from odoo.tests import tagged

from .common import ScenarioCommon


@tagged("post_install", "-at_install")
class TestDeliveryTracking(ScenarioCommon):
    """An e-mail that does not reach the customer never stays 'sent': the
    reminder fails and the collector gets a task."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Pharmacie Leroy")
        cls._create_invoice(cls.customer, 300.0, due=date(2026, 3, 1))

    def _sent_reminder(self):
        action = self._run(date(2026, 3, 10)).action_ids
        self.assertEqual(action.state, "sent")
        mail = self.env["mail.mail"].search([("model", "=", action._name), ("res_id", "=", action.id)])
        return action, mail

    def _assert_failed(self, action, reason):
        self.assertEqual(action.state, "failed")
        self.assertIn(reason, action.failure_reason)
        task = self.env["mail.activity"].search([
            ("res_model", "=", "credit.control.dossier"), ("res_id", "=", action.dossier_id.id),
        ])
        self.assertEqual(task.activity_type_id, self.env.ref("credit_control_scenario.mail_activity_type_credit_task"))
        self.assertIn(reason, task.summary)

    def test_delivery_failure(self):
        action, mail = self._sent_reminder()
        mail.write({"state": "exception", "failure_reason": "550 mailbox unavailable"})
        mail._postprocess_sent_message(success_pids=[], failure_type="mail_smtp")
        self._assert_failed(action, "550 mailbox unavailable")

    def test_bounce(self):
        action, mail = self._sent_reminder()
        self.env["mail.thread"]._routing_handle_bounce(False, {
            "email_from": "MAILER-DAEMON@example.com",
            "to": "bounce@example.com",
            "message_id": "<bounce-1@example.com>",
            "bounced_email": "pharmacie.leroy@example.fr",
            "bounced_partner": self.customer,
            "bounced_msg_ids": [mail.message_id],
            "bounced_message": mail.mail_message_id,
        })
        self._assert_failed(action, "bounced")

    def test_blacklisted_before_sending(self):
        self.env["mail.blacklist"].create({"email": "pharmacie.leroy@example.fr"})
        action = self._run(date(2026, 3, 10)).action_ids
        self.assertRecordValues(action, [{"channel": "task", "state": "planned"}])
        self.assertIn("blacklisted", action.failure_reason)

    def test_blacklisted_in_the_queue(self):
        action, mail = self._sent_reminder()
        self.env["mail.blacklist"].create({"email": "pharmacie.leroy@example.fr"})
        mail.send()
        self.assertEqual(mail.state, "cancel")
        self._assert_failed(action, "blacklisted")

    def test_invoice_pdfs_attached_in_the_queue(self):
        action, mail = self._sent_reminder()
        mail.send()
        self.assertEqual(mail.state, "sent")
        self.assertEqual(len(mail.attachment_ids), 1)
        self.assertIn(action.move_ids.name.replace("/", "_"), mail.attachment_ids.name)
