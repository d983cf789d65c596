import re
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time
from markupsafe import Markup

from odoo import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.credit_control_scenario.tools import mail_sql

from .common import ScenarioCommon

# The columns that differ between two rows written for the same values,
# whoever writes them: the row's id and the random part of its Message-Id
# (compared apart); the e-mail's message (compared as a row of its own).
UNCOMPARED = {
    "mail.message": {"id", "message_id"},
    "mail.mail": {"id", "mail_message_id"},
    "mail.activity": {"id"},
}


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10 08:30:00")
class TestMailSql(ScenarioCommon):
    """``tools/mail_sql`` writes, in each table it writes, the rows the
    ORM writes for the same values: every stored column of mail_message
    and mail_mail (but the ids listed in UNCOMPARED) and the recipients
    of mail_mail_res_partner_rel, special characters included."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls._customer("Garage l'Étoile & Fils") | cls._customer("Café <b>du</b> Port")
        cls.dossiers = cls.env["credit.control.dossier"].create([
            {"partner_id": customer.id, "company_id": cls.company.id} for customer in cls.customers
        ])

    def _rows(self, model, ids):
        fields_ = self.env[model]._fields
        columns = sorted(
            name for name, field in fields_.items()
            if field.store and field.column_type and not field.inherited and name not in UNCOMPARED[model]
        )
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "SELECT %s FROM %s WHERE id = ANY(%s) ORDER BY id",
            SQL(", ").join(SQL.identifier(column) for column in columns),
            SQL.identifier(self.env[model]._table),
            list(ids),
        ))
        return [dict(zip(columns, row, strict=True)) for row in self.env.cr.fetchall()]

    def _assert_same_rows(self, model, sql_ids, orm_ids):
        sql_rows, orm_rows = self._rows(model, sql_ids), self._rows(model, orm_ids)
        self.assertEqual(len(sql_rows), len(sql_ids))
        self.assertEqual(sql_rows, orm_rows)

    def _assert_same_message_ids(self, sql_messages, orm_messages):
        """Message-Ids differ by their random part only."""
        for sql_message, orm_message in zip(sql_messages, orm_messages, strict=True):
            self.assertEqual(re.sub(r"^<[\d.]+", "", sql_message.message_id),
                             re.sub(r"^<[\d.]+", "", orm_message.message_id))

    def test_notes(self):
        author = self.env.user.partner_id
        values_list = [{
            "model": dossier._name,
            "res_id": dossier.id,
            "record_name": dossier.name,
            "body": Markup("<p><b>%s</b>: %s</p>") % ("Reminder sent", 'Relance 1 & "2" <b>'),
            "reply_to": "credit@example.com",
            "message_type": "comment",
            "subtype_id": self.env.ref("mail.mt_note").id,
            "author_id": author.id,
            "email_from": author.email_formatted,
        } for dossier in self.dossiers]
        sql_ids = mail_sql.create_notes(self.env, values_list)
        orm = self.env["mail.message"].create([dict(values) for values in values_list])
        self._assert_same_rows("mail.message", sql_ids, orm.ids)
        sql_notes = self.env["mail.message"].browse(sql_ids)
        self._assert_same_message_ids(sql_notes, orm)
        self.assertIn('Relance 1 &amp; "2" &lt;b&gt;', sql_notes[0].body)
        self.assertFalse(sql_notes.notification_ids | orm.notification_ids)
        self.assertEqual(self.dossiers[0].message_ids.filtered(lambda m: m.id in sql_ids), sql_notes[0])

    def test_outgoing_emails(self):
        template = self.step_first.mail_template_id
        values_list = [{
            "model": dossier._name,
            "res_id": dossier.id,
            "record_name": dossier.name,
            "message_type": "email",
            "subject": 'Relance 1 & "2" <b>',
            "body_html": "",
            "email_from": self.company.email_formatted or "credit@example.com",
            "reply_to": '"Crédit" <credit@example.com>',
            "recipient_ids": [Command.set(dossier.partner_id.ids)],
            "auto_delete": False,
            "credit_template_id": template.id if index else False,
        } for index, dossier in enumerate(self.dossiers)]
        sql_mails = self.env["mail.mail"].browse(mail_sql.create_outgoing_emails(self.env, values_list))
        orm_mails = self.env["mail.mail"].create([dict(values) for values in values_list])
        self._assert_same_rows("mail.mail", sql_mails.ids, orm_mails.ids)
        self._assert_same_rows("mail.message", sql_mails.mail_message_id.ids, orm_mails.mail_message_id.ids)
        self._assert_same_message_ids(sql_mails.mail_message_id, orm_mails.mail_message_id)
        for mails in (sql_mails, orm_mails):
            self.env.cr.execute(
                "SELECT res_partner_id FROM mail_mail_res_partner_rel"
                " WHERE mail_mail_id = ANY(%s) ORDER BY mail_mail_id",
                [mails.ids],
            )
            self.assertEqual([row[0] for row in self.env.cr.fetchall()], self.customers.ids)
        self.assertEqual(sql_mails.mapped("subject"), ['Relance 1 & "2" <b>'] * 2)

    def test_composed_emails(self):
        """Composing queued e-mails writes what ``mail.write`` writes for
        the same values: the body sanitized as mail.message's, special
        characters, several recipients, the template emptied."""
        template = self.step_first.mail_template_id
        queued = [{
            "model": dossier._name,
            "res_id": dossier.id,
            "record_name": dossier.name,
            "message_type": "email",
            "subject": "Relance",
            "body_html": "",
            "email_from": "credit@example.com",
            "reply_to": "credit@example.com",
            "recipient_ids": [Command.set(dossier.partner_id.ids)],
            "auto_delete": False,
            "credit_template_id": template.id,
        } for dossier in self.dossiers]
        sql_mails = self.env["mail.mail"].browse(mail_sql.create_outgoing_emails(self.env, queued))
        orm_mails = self.env["mail.mail"].browse(mail_sql.create_outgoing_emails(self.env, queued))
        body = Markup('<p onclick="steal()">Cher <b>Client</b> &amp; Fils</p><script>alert(1)</script>'
                      '<table><tr><td style="padding: 4px;">FAC/2026/0001</td></tr></table>')
        composed = [{
            "subject": 'Relance 1 & "2" <b>',
            "body_html": body,
            "body": body,
            "email_from": '"Compta" <compta@example.fr>',
            "reply_to": '"Crédit" <credit@example.com>',
            "recipient_ids": [Command.set(self.customers.ids if index else self.customers[0].ids)],
            "credit_template_id": False,
        } for index in range(2)]
        mail_sql.compose_outgoing_emails(self.env, sql_mails, composed)
        for mail, values in zip(orm_mails, composed, strict=True):
            mail.write(dict(values))
        self._assert_same_rows("mail.mail", sql_mails.ids, orm_mails.ids)
        self._assert_same_rows("mail.message", sql_mails.mail_message_id.ids, orm_mails.mail_message_id.ids)
        for mails in (sql_mails, orm_mails):
            self.env.cr.execute(
                "SELECT mail_mail_id, res_partner_id FROM mail_mail_res_partner_rel"
                " WHERE mail_mail_id = ANY(%s) ORDER BY mail_mail_id, res_partner_id",
                [mails.ids],
            )
            self.assertEqual([partner for _mail, partner in self.env.cr.fetchall()],
                             [self.customers[0].id, *sorted(self.customers.ids)])
        self.assertNotIn("<script>", sql_mails[0].mail_message_id.body)
        self.assertNotIn("onclick", sql_mails[0].mail_message_id.body)
        self.assertEqual(sql_mails[1].recipient_ids, self.customers)
        self.assertFalse(sql_mails.credit_template_id)
        with self.assertRaises(ValueError):
            mail_sql.compose_outgoing_emails(self.env, sql_mails[:1], [dict(composed[0], attachment_ids=[])])

    def test_refuses_what_it_does_not_write(self):
        """A value the SQL would drop (an attachment, a second recipient)
        is refused rather than lost."""
        values = {
            "model": "credit.control.dossier", "res_id": self.dossiers[0].id, "record_name": "x",
            "message_type": "email", "subject": "x", "body_html": "", "email_from": "a@example.com",
            "reply_to": "a@example.com", "recipient_ids": [Command.set(self.customers.ids)],
            "auto_delete": False, "credit_template_id": False,
        }
        with self.assertRaises(ValueError):
            mail_sql.create_outgoing_emails(self.env, [values])
        with self.assertRaises(ValueError):
            mail_sql.create_outgoing_emails(self.env, [dict(values, attachment_ids=[])])
        with self.assertRaises(ValueError):
            mail_sql.create_notes(self.env, [{"model": "credit.control.dossier", "res_id": 1, "body": "x"}])

    def test_the_run_writes_through_the_adapter(self):
        """The run's e-mails and notes are the adapter's: the one place of
        SQL into the mail tables."""
        self._create_invoice(self.customers[0], 700.0, due=date(2026, 3, 1))
        calls = []
        originals = {name: getattr(mail_sql, name) for name in ("create_notes", "create_outgoing_emails")}

        def spy(name):
            def wrapped(env, values_list):
                calls.append((name, len(values_list)))
                return originals[name](env, values_list)
            return wrapped

        with patch.object(mail_sql, "create_notes", spy("create_notes")), \
                patch.object(mail_sql, "create_outgoing_emails", spy("create_outgoing_emails")):
            run = self._run(date(2026, 3, 10))
        self.assertTrue(run.action_ids)
        self.assertIn(("create_outgoing_emails", 1), calls)
        self.assertIn(("create_notes", 1), calls)

    def _followers(self):
        self.env.flush_all()
        return self.env.execute_query(SQL(
            """
            SELECT f.res_id, f.partner_id, ARRAY_AGG(r.mail_message_subtype_id ORDER BY r.mail_message_subtype_id)
              FROM mail_followers f
         LEFT JOIN mail_followers_mail_message_subtype_rel r ON r.mail_followers_id = f.id
             WHERE f.res_model = %s AND f.res_id = ANY(%s)
          GROUP BY f.res_id, f.partner_id
          ORDER BY f.res_id, f.partner_id
            """,
            self.dossiers._name, self.dossiers.ids,
        ))

    def test_activities(self):
        """The collector's activities: the same rows (the document's name,
        the user's time zone, a note to sanitize, none), the assignees
        following the dossiers, the dossiers' activities in cache read
        again."""
        collector = new_test_user(self.env, "collector_sql", groups="base.group_user", tz="Europe/Paris")
        admin = self.env.ref("base.user_admin")
        admin.tz = False
        call = self.env.ref("credit_control_scenario.mail_activity_type_credit_call")
        model_id = self.env["ir.model"]._get_id(self.dossiers._name)
        values_list = [{
            "res_model_id": model_id,
            "res_id": dossier.id,
            "activity_type_id": call.id,
            "summary": summary,
            "note": note,
            "user_id": user.id,
            "date_deadline": deadline,
        } for dossier, summary, note, user, deadline in (
            (self.dossiers[0], 'Appel & "relance" <b>', Markup("<p>Script <b>%s</b></p><script>x()</script>") % "1 & 2",
             collector, date(2026, 3, 10)),
            (self.dossiers[1], "Relance", False, admin, date(2026, 3, 12)),
        )]
        self.assertFalse(self.dossiers.activity_ids)
        # the adapter's rows rolled back, then the ORM's on the same dossiers
        self.env.flush_all()
        self.env.cr.execute("SAVEPOINT activities")
        sql = mail_sql.create_activities(self.env["mail.activity"].sudo().env, values_list)
        self.assertEqual(len(sql), 2)
        self.assertEqual(self.dossiers[0].activity_ids, sql[0], "the dossier's activities read again")
        sql_rows, sql_followers = self._rows("mail.activity", sql.ids), self._followers()
        self.env.cr.execute("ROLLBACK TO SAVEPOINT activities")
        self.env.invalidate_all()
        orm = self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(values_list)
        self.assertEqual(sql_rows, self._rows("mail.activity", orm.ids))
        self.assertEqual(sql_followers, self._followers())
        self.assertIn(collector.partner_id, self.dossiers[0].message_partner_ids)
        with self.assertRaises(ValueError):
            mail_sql.create_activities(self.env, [dict(values_list[0], automated=True)])
