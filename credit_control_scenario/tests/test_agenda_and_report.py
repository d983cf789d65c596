import re
from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import ScenarioCommon


@tagged("post_install", "-at_install")
class TestAgendaAndReport(ScenarioCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Hôtel du Parc", phone="+33 4 78 00 00 00")
        cls.invoice = cls._create_invoice(cls.customer, 900.0, due=date(2026, 3, 1))
        cls.dossier = cls.env["credit.control.dossier"].search([("partner_id", "=", cls.customer.id)])
        cls.dossier.collector_id = cls.collector_a

    def test_call_outcome_from_the_agenda(self):
        call = self._run(date(2026, 3, 31)).action_ids
        activity = call.activity_id
        agenda = self.env.ref("credit_control_scenario.mail_activity_action_credit_agenda")
        with freeze_time("2026-03-31"):
            mine = self.env["mail.activity"].with_user(self.collector_a).search(
                [("user_id", "=", self.collector_a.id), ("res_model", "=", "credit.control.dossier")]
            )
        self.assertEqual(mine, activity)
        self.assertTrue(agenda.domain)
        wizard_form = Form(self.env["credit.control.call.outcome"].with_user(self.collector_a).with_context(
            active_id=activity.id))
        self.assertIn("supplier payments", wizard_form.call_script)
        wizard_form.outcome = "will_pay_today"
        wizard_form.note = "Virement ce soir"
        wizard_form.save().action_record()
        self.assertFalse(activity.exists())
        self.assertRecordValues(call, [{"state": "done"}])
        self.assertIn("Will pay today", call.comment)
        self.assertTrue(any("Will pay today" in m.body for m in self.dossier.message_ids))

    def test_history_on_invoice_and_dossier(self):
        self._run(date(2026, 3, 10))
        self.assertEqual(self.invoice.credit_action_count, 1)
        self.assertEqual(self.dossier.credit_action_count, 1)
        action = self.invoice.action_open_credit_actions()
        self.assertEqual(self.env["credit.control.action"].search(action["domain"]), self.dossier.credit_action_ids)

    def test_call_summary_in_the_collectors_language(self):
        """The nightly run has no language: the call lands in the agenda
        under the step's name in the collector's language."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.step_call.with_context(lang="fr_FR").name = "Appel de relance"
        self.collector_a.lang = "fr_FR"
        call = self._run(date(2026, 3, 31)).action_ids
        self.assertEqual(call.activity_id.summary, "Appel de relance")

    def test_chatter_note_equals_the_orm_note(self):
        """The run writes its chatter notes in one INSERT: each is the note
        mail.message.create would write for the same values, special
        characters escaped the same way, and shows in the dossier's chatter."""
        self.step_first.name = 'Relance 1 & "2" <b>'
        run = self._run(date(2026, 3, 10))
        sql_note = self.dossier.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("mail.mt_note"))
        self.assertEqual(len(sql_note), 1)
        self.assertIn('Relance 1 &amp; "2" &lt;b&gt;', sql_note.body)
        orm_note = self.env["mail.message"].create(sql_note._convert_to_write({
            field: sql_note[field] for field in ("model", "res_id", "message_type", "subtype_id", "author_id",
                                                  "email_from", "reply_to", "record_name", "body")
        }))
        self.env.flush_all()
        columns = [name for name, field in self.env["mail.message"]._fields.items()
                   if field.store and field.column_type
                   and name not in ("id", "message_id", "date", "create_date", "write_date")]
        self.env.cr.execute(
            f"SELECT {', '.join(columns)} FROM mail_message WHERE id IN %s ORDER BY id",  # noqa: S608
            [(sql_note.id, orm_note.id)],
        )
        sql_row, orm_row = self.env.cr.fetchall()
        self.assertEqual(dict(zip(columns, sql_row, strict=True)), dict(zip(columns, orm_row, strict=True)))
        # message ids differ by their random part only
        self.assertEqual(re.sub(r"^<[\d.]+", "", sql_note.message_id), re.sub(r"^<[\d.]+", "", orm_note.message_id))
        self.assertEqual(sql_note.date, datetime(2026, 3, 10))
        self.assertFalse(sql_note.notification_ids | orm_note.notification_ids)
        self.assertEqual(run.action_ids.dossier_id, self.dossier)

    def test_effectiveness(self):
        other = self._customer("Hôtel des Arts")
        late = self._create_invoice(other, 400.0, due=date(2026, 3, 1))
        self._run(date(2026, 3, 10))
        self._pay(self.invoice, payment_date=date(2026, 3, 15))  # 5 days after the reminder
        self._pay(late, payment_date=date(2026, 4, 1))  # 22 days after
        self.env.flush_all()
        report = self.env["credit.control.effectiveness.report"]
        groups = report._read_group(
            [("step_id", "=", self.step_first.id)], [],
            ["invoice_count:sum", "paid_7_count:sum", "paid_15_count:sum", "paid_30_count:sum", "paid_15_rate:avg"],
        )
        self.assertEqual(groups, [(2, 1, 1, 2, 50.0)])

    def test_access_follows_the_portfolio(self):
        self._run(date(2026, 3, 10))
        Action = self.env["credit.control.action"]
        self.assertEqual(Action.with_user(self.collector_a).search_count([("partner_id", "=", self.customer.id)]), 1)
        self.assertEqual(Action.with_user(self.collector_b).search_count([("partner_id", "=", self.customer.id)]), 0)

    def test_run_now_triggers_the_cron(self):
        cron = self.env.ref("credit_control_scenario.ir_cron_credit_control_run")
        before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        self.env["credit.control.scenario.run"].with_user(self.credit_manager).action_run_now()
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), before + 1)

    def test_dynamic_content_needs_template_editors(self):
        editor = self.env.ref("mail.group_mail_template_editor")
        self.credit_manager.groups_id -= editor
        if editor in self.credit_manager.groups_id:  # implied by the employee group
            self.env.ref("base.group_user").implied_ids -= editor
            self.credit_manager.groups_id -= editor
        step = self.step_first.with_user(self.credit_manager)
        step.name = "Relance 1"
        with self.assertRaises(AccessError):
            step.call_script = '<p t-out="object.env.user.password"/>'
