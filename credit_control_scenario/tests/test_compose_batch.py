from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.credit_control_base.tests.common import load_french

from .common import ScenarioCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10 08:30:00")
class TestComposeBatch(ScenarioCommon):
    """The mail queue composes the reminder e-mails of a run in batch
    (issue #19): each e-mail is the one composed on its own (subject, body,
    sender, reply-to, recipients, attachments, what the reminder keeps), in
    French and in English, and the queries do not grow with the e-mails."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env)
        cls.customers = cls.env["res.partner"]
        for index in range(8):
            lang = "fr_FR" if index % 2 else "en_US"
            cls.customers |= cls._customer(f"Client {index} l'Étoile & Fils", lang=lang)
        cls._create_invoices([
            {"partner": customer, "amount": 100.0 * (index + 1) + cents, "due": date(2026, 3, 1 + cents)}
            for index, customer in enumerate(cls.customers) for cents in (0, 1)
        ])

    def _queued_mails(self):
        actions = self.env["credit.control.scenario.run"]._credit_run(companies=self.company).action_ids
        mails = self.env["mail.mail"].search([("model", "=", actions._name), ("res_id", "in", actions.ids)])
        self.assertEqual(len(mails), len(self.customers))
        self.assertTrue(all(mails.mapped("credit_template_id")))
        return mails

    def _snapshot(self, mails):
        self.env.invalidate_all()
        actions = self.env["credit.control.action"].browse(mails.mapped("res_id"))
        return {mail.res_id: {
            "subject": mail.subject,
            "body_html": mail.body_html,
            "body": mail.body,
            "email_from": mail.email_from,
            "reply_to": mail.reply_to,
            "recipients": mail.recipient_ids.ids,
            "attachments": mail.attachment_ids.ids,
            "content": actions.browse(mail.res_id).content,
            "action_subject": actions.browse(mail.res_id).subject,
        } for mail in mails}

    def _requeue(self, mails, templates):
        """Back to the queue as the run left them."""
        for mail in mails:
            mail.write({"credit_template_id": templates[mail.id], "body_html": "", "body": "",
                        "subject": "Relance", "recipient_ids": [Command.clear()]})
        self.env["credit.control.action"].browse(mails.mapped("res_id")).write({"content": False, "subject": False})

    def test_batch_equals_one_by_one_in_french_and_english(self):
        mails = self._queued_mails()
        templates = {mail.id: mail.credit_template_id.id for mail in mails}
        for mail in mails:
            mail._credit_compose()
        one_by_one = self._snapshot(mails)
        self._requeue(mails, templates)
        mails._credit_compose()
        batch = self._snapshot(mails)
        self.assertEqual(batch, one_by_one)

        by_customer = {mail.recipient_ids: batch[mail.res_id] for mail in mails}
        for customer in self.customers:
            values = by_customer[customer]
            invoice = self.env["account.move"].search([("partner_id", "=", customer.id)], limit=1)
            self.assertIn(invoice.name, values["body_html"])
            self.assertEqual(values["content"], values["body_html"])
            if customer.lang == "fr_FR":
                self.assertIn("Sauf erreur de notre part", values["body_html"])
                self.assertEqual(values["subject"], f"{self.company.name} : relance de paiement")
            else:
                self.assertIn("Unless we are mistaken", values["body_html"])
                self.assertEqual(values["subject"], f"{self.company.name}: payment reminder")
        self.assertFalse(mails.credit_template_id)

    def test_body_is_odoo_rendering_then_sanitizing(self):
        """Each e-mail composed in batch carries Odoo's own rendering of its
        template on its reminder alone (the e-mail's body), and the message
        stores it as ``mail.message.create`` sanitizes it."""
        mails = self._queued_mails()
        templates = {mail.id: mail.credit_template_id for mail in mails}
        actions = self.env["credit.control.action"].browse(mails.mapped("res_id"))
        expected = {}
        for mail in mails:
            action = actions.browse(mail.res_id)
            # the template in the language Odoo renders it for this reminder
            [(template, _ids)] = templates[mail.id]._classify_per_lang(action.ids).values()
            rendered = template._render_field("body_html", action.ids)[action.id]
            message = self.env["mail.message"].create({"model": action._name, "res_id": action.id, "body": rendered})
            expected[mail.res_id] = (rendered, message.body)
        mails._credit_compose()
        self.env.invalidate_all()
        for mail in mails:
            self.assertEqual((mail.body_html, mail.body), expected[mail.res_id])
        self.assertEqual(len({body for body, _message in expected.values()}), len(mails))

    def test_queries_do_not_grow_with_the_emails(self):
        mails = self._queued_mails()
        # an English and a French customer, then the six others
        small, large = mails[:2], mails[2:]
        self.assertEqual(set(small.recipient_ids.mapped("lang")), {"en_US", "fr_FR"})
        counts = []
        for batch in (small, large):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            batch._credit_compose()
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - before)
        self.assertLessEqual(counts[1], counts[0] + 2, f"2 e-mails: {counts[0]} queries, 6 e-mails: {counts[1]}")
        self.assertLess(counts[1], 60)
