import ast
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import ScenarioCommon


@tagged("post_install", "-at_install")
class TestCallOutcomeIsADoneCall(ScenarioCommon):
    """A call is made whatever it ends with: recorded as done in the
    history and counted in the effectiveness report, even when its outcome
    (a promise, a dispute) takes the invoices out of collection."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Hôtel des Brotteaux", phone="+33 4 78 11 11 11")
        cls.invoice = cls._create_invoice(cls.customer, 900.0, due=date(2026, 3, 1))
        cls.dossier = cls.env["credit.control.dossier"].search([("partner_id", "=", cls.customer.id)])
        cls.dossier.collector_id = cls.collector_a

    def _record(self, call, outcome, **values):
        with freeze_time("2026-03-31"):
            wizard_form = Form(self.env["credit.control.call.outcome"].with_user(self.collector_a).with_context(
                active_id=call.activity_id.id))
            wizard_form.outcome = outcome
            for name, value in values.items():
                setattr(wizard_form, name, value)
            wizard_form.save().action_record()

    def _assert_done_call(self, call):
        self.assertRecordValues(call, [{"state": "done"}])
        self.assertFalse(call.line_ids.filtered("cancelled"))
        self.assertFalse(call.activity_id)
        self.env.flush_all()
        counted = self.env["credit.control.effectiveness.report"].search([
            ("move_id", "=", self.invoice.id), ("step_id", "=", self.step_call.id),
        ])
        self.assertEqual(len(counted), 1)

    def test_promise_outcome(self):
        if "credit.control.promise" not in self.env:
            self.skipTest("credit_control_dispute records the promises")
        call = self._run(date(2026, 3, 31)).action_ids
        self.assertEqual(call.step_id, self.step_call)
        self._record(call, "promise", date=date(2026, 4, 10), note="Virement le 10")
        with freeze_time("2026-03-31"):
            self.env.invalidate_all()
            self.assertTrue(self.invoice.credit_excluded, "the promise pauses the reminders")
        self._assert_done_call(call)
        self.assertIn("Virement le 10", call.comment)

    def test_plain_outcome(self):
        call = self._run(date(2026, 3, 31)).action_ids
        self._record(call, "no_answer")
        self._assert_done_call(call)


@tagged("post_install", "-at_install")
class TestScheduleCall(ScenarioCommon):
    """From the worklist, a collector schedules a call on several
    customers at once: a call in their agenda on each dossier."""

    def test_schedule_calls_in_bulk(self):
        customers = self._customer("Garage Lefèvre") | self._customer("Fromagerie Roux")
        for customer in customers:
            self._create_invoice(customer, 400.0, due=date(2026, 3, 1))
        dossiers = self.env["credit.control.dossier"].search([("partner_id", "in", customers.ids)])
        binding = self.env.ref("credit_control_scenario.credit_control_dossier_action_schedule_call")
        self.assertEqual(binding.binding_model_id.model, "credit.control.dossier")
        call_type = self.env.ref("credit_control_scenario.mail_activity_type_credit_call")
        context = ast.literal_eval(binding.context)
        scheduler = Form(self.env[binding.res_model].with_user(self.collector_a).with_context(
            active_model="credit.control.dossier", active_ids=dossiers.ids, **context,
        ))
        self.assertEqual(scheduler.activity_type_id, call_type)
        scheduler.save().action_schedule_activities()
        activities = self.env["mail.activity"].search([
            ("res_model", "=", "credit.control.dossier"), ("res_id", "in", dossiers.ids),
        ])
        self.assertEqual(len(activities), 2)
        self.assertEqual(activities.activity_type_id, call_type)
        self.assertEqual(activities.user_id, self.collector_a)


@tagged("post_install", "-at_install")
class TestRemindNow(ScenarioCommon):
    """From the worklist, a collector sends today's reminders of the
    selected customers at once, and only theirs."""

    def test_remind_selected_customers_now(self):
        mine = self._customer("Garage Lefèvre")
        other = self._customer("Fromagerie Roux")
        for customer in mine | other:
            self._create_invoice(customer, 400.0, due=date(2026, 3, 1))
        self._dossier(mine).collector_id = self.collector_a
        self._dossier(other).collector_id = self.collector_b
        binding = self.env.ref("credit_control_scenario.credit_control_dossier_action_remind_now")
        self.assertEqual(binding.binding_model_id.model, "credit.control.dossier")
        dossier = self._dossier(mine).with_user(self.collector_a)
        with freeze_time("2026-03-10"):
            result = binding.with_user(self.collector_a).with_context(
                active_model="credit.control.dossier", active_ids=dossier.ids,
            ).run()
        self.assertIn("1 reminders planned", result["params"]["message"])
        self.assertRecordValues(self._actions(mine), [{"step_id": self.step_first.id, "state": "sent"}])
        self.assertFalse(self._actions(other), "only the selected customers are reminded")
        with freeze_time("2026-03-10"):
            again = dossier.action_credit_remind_now()
        self.assertIn("No reminder is due", again["params"]["message"])
        self.assertEqual(len(self._actions(mine)), 1, "a step is never sent twice")

    def test_not_on_another_portfolio(self):
        other = self._customer("Fromagerie Roux")
        self._create_invoice(other, 400.0, due=date(2026, 3, 1))
        self._dossier(other).collector_id = self.collector_b
        with freeze_time("2026-03-10"), self.assertRaises(AccessError):
            self._dossier(other).with_user(self.collector_a).action_credit_remind_now()
        self.assertFalse(self._actions(other))
        with self.assertRaises(UserError):
            self.env["credit.control.dossier"].with_user(self.collector_a).action_credit_remind_now()
