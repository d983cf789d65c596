import re
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL

from ..models import credit_control_scenario_run as run_module
from .common import ScenarioCommon


@tagged("post_install", "-at_install")
class TestEngine(ScenarioCommon):
    """The daily run walks each invoice through its scenario: the step due
    on the day, once, the latest one after days without a run."""

    def test_timeline_day_by_day(self):
        customer = self._customer("Boulangerie Martin")
        invoice = self._create_invoice(customer, 1200.0, due=date(2026, 3, 1))
        sent_on = {}
        day = date(2026, 2, 20)
        while day <= date(2026, 6, 1):
            run = self._run(day)
            for action in run.action_ids:
                sent_on[action.step_id] = (day, action.state)
                if action.state == "to_validate":
                    action.action_validate()
            day += timedelta(days=1)
        self.assertEqual(sent_on, {
            self.step_courtesy: (date(2026, 2, 24), "sent"),
            self.step_first: (date(2026, 3, 8), "sent"),
            self.step_second: (date(2026, 3, 22), "sent"),
            self.step_call: (date(2026, 3, 31), "planned"),
            self.step_notice: (date(2026, 4, 15), "to_validate"),
            self.step_litigation: (date(2026, 5, 15), "to_validate"),
        })
        lines = invoice.credit_action_line_ids
        self.assertEqual(len(lines), 6, "one reminder per step, never twice")
        self.assertEqual(invoice.credit_action_count, 6)
        mails = self.env["mail.mail"].search([
            ("model", "=", "credit.control.action"), ("res_id", "in", lines.action_id.ids),
        ])
        self.assertEqual(len(mails), 3)
        self.assertTrue(all(mail.state == "outgoing" for mail in mails), "e-mails wait in the mail queue")

    def test_catch_up_sends_latest_step_only(self):
        customer = self._customer("Garage Dupuis")
        invoice = self._create_invoice(customer, 800.0, due=date(2026, 3, 1))
        run = self._run(date(2026, 3, 25))
        self.assertRecordValues(run.action_ids, [{"step_id": self.step_second.id, "state": "sent"}])
        self.assertEqual(invoice.credit_action_line_ids.step_id, self.step_second)
        # the earlier steps are not sent afterwards either
        self.assertFalse(self._run(date(2026, 3, 26)).action_ids)

    def test_rerun_same_day_sends_nothing(self):
        customer = self._customer("Menuiserie Roux")
        self._create_invoice(customer, 500.0, due=date(2026, 3, 1))
        first = self._run(date(2026, 3, 10))
        second = self._run(date(2026, 3, 10))
        self.assertEqual(len(first.action_ids), 1)
        self.assertFalse(second.action_ids)
        self.assertEqual(len(self._actions(customer)), 1)

    def test_min_amount_and_conditions(self):
        small = self._customer("Petit Client")
        big = self._customer("Gros Client")
        self._create_invoice(small, 50.0, due=date(2026, 2, 1))
        self._create_invoice(big, 5000.0, due=date(2026, 2, 1))
        # the call (30 days) needs 100 €; the small customer stays at the second reminder
        run = self._run(date(2026, 3, 5))
        by_customer = {a.partner_id: a.step_id for a in run.action_ids}
        self.assertEqual(by_customer, {small: self.step_second, big: self.step_call})
        # conditions on the dossier: a step for the key accounts only
        self.step_second.condition_domain = "[('overdue_amount', '>=', 1000)]"
        other = self._customer("Client Moyen")
        self._create_invoice(other, 300.0, due=date(2026, 2, 20))
        run = self._run(date(2026, 3, 14))
        self.assertEqual(run.action_ids.filtered(lambda a: a.partner_id == other).step_id, self.step_first)

    def test_batches_weigh_the_customers_whole_balance(self):
        """A run re-reads its batches by invoice: the minimum amount of a
        step grouped per customer still weighs the customer's whole open
        balance, as the selection of the run did (50 € late + 500 € not due
        reach the call's 100 €)."""
        small = self._customer("Petit Client")
        self._create_invoice(small, 50.0, due=date(2026, 2, 1))
        self._create_invoice(small, 500.0, due=date(2026, 4, 1))
        with freeze_time("2026-03-05"):
            selected = self.env["credit.control.scenario.run"]._credit_candidates(self.company, date(2026, 3, 5))
        run = self._run(date(2026, 3, 5), batch_size=1)
        self.assertEqual({row["step_id"] for row in selected}, {self.step_call.id})
        self.assertEqual(run.action_ids.step_id, self.step_call)

    def test_selection_over_every_invoice_as_a_batch(self):
        """The selection over every open invoice (the simulation's),
        joined by hashing, finds what a batch finds, and leaves the
        transaction's planner settings as they were."""
        customers = [self._customer(name) for name in ("Boulangerie Martin", "Garage Dupuis", "Cave Moreau")]
        for number, customer in enumerate(customers):
            self._create_invoice(customer, 80.0 + 500 * number, due=date(2026, 2, 1))
            self._create_invoice(customer, 300.0, due=date(2026, 3, 1))
        Run = self.env["credit.control.scenario.run"]
        settings = self.env.execute_query(SQL("SELECT current_setting('enable_nestloop'), current_setting('jit')"))
        with freeze_time("2026-03-05"):
            whole = Run._credit_candidates(self.company, date(2026, 3, 5))
            dossier_ids = sorted({row["dossier_id"] for row in whole})
            batch = Run._credit_candidates(self.company, date(2026, 3, 5), dossier_ids)
        self.assertEqual(len(dossier_ids), 3)
        self.assertEqual(whole, batch)
        self.assertEqual(
            self.env.execute_query(SQL("SELECT current_setting('enable_nestloop'), current_setting('jit')")),
            settings,
        )

    def test_excluded_and_paid_invoices_are_not_reminded(self):
        customer = self._customer("Imprimerie Blanc")
        held, paid, due = self._create_invoices([
            {"partner": customer, "amount": 100.0, "due": date(2026, 3, 1)},
            {"partner": customer, "amount": 200.0, "due": date(2026, 3, 1)},
            {"partner": customer, "amount": 300.0, "due": date(2026, 3, 1)},
        ])
        held.credit_hold = True
        self._pay(paid, payment_date=date(2026, 3, 5))
        run = self._run(date(2026, 3, 10))
        self.assertEqual(run.action_ids.move_ids, due)

    def test_statement_warning(self):
        run = self._run(date(2026, 3, 10))
        self.assertIn("no bank statement", run.warning)
        journal = self.company_data["default_journal_bank"]
        self.env["account.bank.statement.line"].create({
            "journal_id": journal.id, "date": date(2026, 3, 9), "payment_ref": "VIR", "amount": 10.0,
        })
        self.assertFalse(self._run(date(2026, 3, 10)).warning)
        self.assertIn("more than 3 days", self._run(date(2026, 3, 20)).warning)

    def test_plan_then_send(self):
        """A run is two steps: the plan writes which reminders are due, for
        which invoices and amounts, and sends nothing; the delivery then
        sends them as the run does (an e-mail queued, a call for the
        collector, a formal notice left to validate, a note each)."""
        mailed, called, noticed = (self._customer(name) for name in ("Cave Morel", "Forge Petit", "Atelier Noir"))
        courtesy, call, notice = self._create_invoices([
            {"partner": mailed, "amount": 120.0, "due": date(2026, 3, 8)},
            {"partner": called, "amount": 300.0, "due": date(2026, 2, 1)},
            {"partner": noticed, "amount": 900.0, "due": date(2026, 1, 15)},
        ])
        Message = self.env["mail.message"]
        notes = [("model", "=", "credit.control.dossier"), ("message_type", "=", "comment")]
        notes_before = Message.search_count(notes)
        with freeze_time("2026-03-05"):
            run = self.env["credit.control.scenario.run"]._credit_plan_run(companies=self.company)
            actions = run.action_ids
            expected = [(mailed, self.step_courtesy, courtesy, 120.0, "planned"),
                        (called, self.step_call, call, 300.0, "planned"),
                        (noticed, self.step_notice, notice, 900.0, "to_validate")]
            for partner, step, invoice, amount, state in expected:
                action = actions.filtered(lambda a, partner=partner: a.partner_id == partner)
                self.assertRecordValues(action, [{"step_id": step.id, "amount": amount, "state": state}])
                self.assertRecordValues(action.line_ids, [{"move_id": invoice.id, "amount": amount}])
            self.assertEqual(run.state, "running")
            self.assertFalse(self.env["mail.mail"].search_count([
                ("model", "=", "credit.control.action"), ("res_id", "in", actions.ids),
            ]), "nothing sent by the plan")
            self.assertFalse(actions.activity_id)
            self.assertEqual(Message.search_count(notes), notes_before)
            run._credit_deliver_run()
        self.assertEqual(run.state, "done")
        self.assertRecordValues(actions.sorted(lambda a: a.partner_id.name), [
            {"partner_id": noticed.id, "state": "to_validate"},
            {"partner_id": mailed.id, "state": "sent"},
            {"partner_id": called.id, "state": "planned"},
        ])
        self.assertEqual(self.env["mail.mail"].search_count([
            ("model", "=", "credit.control.action"), ("res_id", "in", actions.ids),
        ]), 1)
        self.assertEqual(actions.activity_id.res_id, actions.filtered(lambda a: a.partner_id == called).dossier_id.id)
        self.assertEqual(Message.search_count(notes), notes_before + 3, "a note per reminder")

    def test_delivery_sends_a_batch_of_reminders_at_a_time(self):
        """A run done in one call sends its reminders as many at a time as
        a batch plans, in the order it planned them: every one is sent, and
        their e-mails are queued in that order."""
        customers = [self._customer(f"Client Lot {index}") for index in range(5)]
        self._create_invoices([{"partner": customer, "amount": 100.0 + index, "due": date(2026, 3, 1)}
                               for index, customer in enumerate(customers)])
        Run = self.env["credit.control.scenario.run"]
        send = type(Run)._credit_send_planned
        with patch.object(run_module, "SYNC_BATCH_SIZE", 2), \
                patch.object(type(Run), "_credit_send_planned", autospec=True, side_effect=send) as sent:
            run = self._run(date(2026, 3, 10), batch_size=2)
        self.assertEqual([len(call.args[1]) for call in sent.call_args_list], [2, 2, 1])
        actions = run.action_ids.sorted("id")
        self.assertEqual(actions.partner_id, self.env["res.partner"].concat(*customers))
        self.assertEqual(set(actions.mapped("state")), {"sent"})
        mails = self.env["mail.mail"].search([("model", "=", actions._name), ("res_id", "in", actions.ids)], order="id")
        self.assertEqual(mails.mapped("res_id"), actions.ids)


@tagged("post_install", "-at_install")
class TestMailQueue(ScenarioCommon):
    """The nightly run queues the reminder e-mails; the mail queue composes
    each one from its step's template when it sends it."""

    def test_run_queues_and_the_queue_composes(self):
        customer = self._customer("Garage Dupont")
        invoice = self._create_invoice(customer, 700.0, due=date(2026, 3, 1))
        with freeze_time(date(2026, 3, 10)):
            run = self.env["credit.control.scenario.run"]._credit_run(companies=self.company)
            action = run.action_ids
            mail = self.env["mail.mail"].search([("model", "=", action._name), ("res_id", "=", action.id)])
            self.assertEqual(action.state, "sent")
            self.assertEqual(mail.credit_template_id, self.step_first.mail_template_id)
            self.assertEqual(mail.state, "outgoing")
            self.assertFalse(mail.body_html)

            mail.send()
        self.assertFalse(mail.credit_template_id)
        self.assertIn(invoice.name, mail.body_html)
        self.assertEqual(mail.subject, f"{self.company.name}: payment reminder")
        self.assertEqual(mail.recipient_ids, customer)
        self.assertEqual(action.content, mail.body_html, "the reminder keeps what was sent")
        self.assertEqual(mail.state, "sent")

    def test_queued_email_equals_the_orm_email(self):
        """The run queues its e-mails in three INSERTs: each is the e-mail,
        message and recipient ``mail.mail.create`` writes for the same
        values, special characters included."""
        self.step_first.name = 'Relance 1 & "2" <b>'
        customer = self._customer("Garage l'Étoile & Fils")
        self._create_invoice(customer, 700.0, due=date(2026, 3, 1))
        with freeze_time(date(2026, 3, 10)):
            action = self.env["credit.control.scenario.run"]._credit_run(companies=self.company).action_ids
            sql_mail = self.env["mail.mail"].search([("model", "=", action._name), ("res_id", "=", action.id)])
            orm_mail = self.env["mail.mail"].sudo().create(action._credit_queued_email_values())
        self.env.flush_all()
        self.assertEqual(len(sql_mail), 1)
        for model, ids in (("mail.mail", (sql_mail.id, orm_mail.id)),
                           ("mail.message", (sql_mail.mail_message_id.id, orm_mail.mail_message_id.id))):
            fields_ = self.env[model]._fields
            columns = [name for name, field in fields_.items()
                       if field.store and field.column_type and not field.inherited
                       and name not in ("id", "mail_message_id", "message_id", "create_date", "write_date")]
            self.env.cr.execute(SQL(
                "SELECT %s FROM %s WHERE id IN %s ORDER BY id",
                SQL(", ").join(SQL.identifier(column) for column in columns),
                SQL.identifier(self.env[model]._table),
                ids,
            ))
            sql_row, orm_row = self.env.cr.fetchall()
            self.assertEqual(dict(zip(columns, sql_row, strict=True)), dict(zip(columns, orm_row, strict=True)))
        self.assertEqual(sql_mail.recipient_ids, customer)
        self.assertEqual(orm_mail.recipient_ids, customer)
        self.assertEqual(re.sub(r"^<[\d.]+", "", sql_mail.message_id), re.sub(r"^<[\d.]+", "", orm_mail.message_id))
        self.assertEqual(sql_mail.subject, 'Relance 1 & "2" <b>')

    def test_queue_leaves_out_invoices_paid_since_the_run(self):
        """Re-checked at send time: an invoice paid between the nightly run
        and the mail queue is not in the e-mail; an e-mail left with no
        invoice is not sent and its reminder is cancelled."""
        self.scenario.grouping = "per_customer"
        garage, hotel = self._customer("Garage Dupont"), self._customer("Hôtel Bellevue")
        kept, paid, settled = self._create_invoices([
            {"partner": garage, "amount": 700.0, "due": date(2026, 3, 1)},
            {"partner": garage, "amount": 300.0, "due": date(2026, 3, 1)},
            {"partner": hotel, "amount": 500.0, "due": date(2026, 3, 1)},
        ])
        with freeze_time(date(2026, 3, 10)):
            actions = self.env["credit.control.scenario.run"]._credit_run(companies=self.company).action_ids
        mails = self.env["mail.mail"].search([("model", "=", actions._name), ("res_id", "in", actions.ids)])
        self.assertEqual(len(mails), 2)
        self._pay(paid | settled, payment_date=date(2026, 3, 10))
        with freeze_time(date(2026, 3, 10)):
            mails.send()
        garage_mail = mails.filtered(lambda m: m.recipient_ids == garage)
        hotel_mail = mails - garage_mail
        self.assertEqual(garage_mail.state, "sent")
        self.assertIn(kept.name, garage_mail.body_html)
        self.assertNotIn(paid.name, garage_mail.body_html)
        self.assertRecordValues(hotel_mail, [{"state": "cancel", "credit_template_id": False}])
        hotel_action = actions.filtered(lambda a: a.partner_id == hotel)
        self.assertRecordValues(hotel_action, [{"state": "cancelled"}])
        self.assertIn("paid or excluded", hotel_action.failure_reason)
        self.assertEqual((actions - hotel_action).state, "sent")

    def test_a_validated_reminder_is_composed_at_once(self):
        customer = self._customer("Garage Dupont")
        self._create_invoice(customer, 700.0, due=date(2026, 3, 1))
        self.step_first.automatic = False
        with freeze_time(date(2026, 3, 10)):
            action = self.env["credit.control.scenario.run"]._credit_run(companies=self.company).action_ids
            self.assertEqual(action.state, "to_validate")
            action.action_validate()
        mail = self.env["mail.mail"].search([("model", "=", action._name), ("res_id", "=", action.id)])
        self.assertFalse(mail.credit_template_id)
        self.assertIn("Unless we are mistaken", mail.body_html)
        self.assertEqual(action.content, mail.body_html)
