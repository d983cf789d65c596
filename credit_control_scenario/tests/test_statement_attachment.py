from datetime import date

from odoo.tests import tagged

from .common import ScenarioCommon


@tagged("post_install", "-at_install")
class TestStatementAttachment(ScenarioCommon):
    """A step may attach the customer's statement of account to its
    reminder e-mails (failed before: no such option)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Pharmacie Leroy")
        cls._create_invoice(cls.customer, 300.0, due=date(2026, 3, 1))
        # not reminded yet (not due), but on the statement
        cls.not_due = cls._create_invoice(cls.customer, 200.0, due=date(2026, 4, 30))

    def _sent_mail(self):
        action = self._run(date(2026, 3, 10)).action_ids
        self.assertRecordValues(action, [{"state": "sent", "channel": "email"}])
        mail = self.env["mail.mail"].search([("model", "=", action._name), ("res_id", "=", action.id)])
        mail.send()
        self.assertEqual(mail.state, "sent")
        return action, mail

    def test_step_attaches_the_statement(self):
        self.scenario.step_ids.attach_statement = True
        _action, mail = self._sent_mail()
        statement = mail.attachment_ids.filtered(lambda a: a.name.startswith("Statement - "))
        self.assertEqual(len(statement), 1)
        self.assertEqual(statement.name, "Statement - Pharmacie Leroy.pdf")
        self.assertEqual(statement.mimetype, "application/pdf")
        self.assertEqual(len(mail.attachment_ids), 2, "the invoice PDF and the statement")
        # the statement lists every open invoice, the one not yet due included
        self.assertIn(self.not_due.name, statement.raw.decode())
        # sending again does not attach it twice
        mail.state = "outgoing"
        mail.send()
        self.assertEqual(len(mail.attachment_ids), 2)

    def test_step_without_statement(self):
        _action, mail = self._sent_mail()
        self.assertFalse(mail.attachment_ids.filtered(lambda a: a.name.startswith("Statement")))
        self.assertEqual(len(mail.attachment_ids), 1)
