import logging
from datetime import timedelta
from unittest import SkipTest

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .common import CreditPortalCommon

_logger = logging.getLogger(__name__)

# Queries one more customer on autopay may cost the run, at most. Its notice
# is rendered and queued in the batch of all the notices: nothing more (2 as
# a margin; measured: 40 queries for 1 customer and for 6). On its due
# date, its payment: the transaction, Stripe's answer, the account.payment
# posted and reconciled with the invoice, the chatter note (measured: 129
# to 135, depending on what the sequences and caches hold);
# reading what to charge is not repeated per customer.
NOTICE_QUERIES_PER_CUSTOMER = 2
CHARGE_QUERIES_PER_CUSTOMER = 160


class AutopayEngineCommon(CreditPortalCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"credit_autopay_notice_days": 5, "credit_autopay_delay_days": 0,
                           "credit_autopay_max_retries": 1, "credit_autopay_retry_days": 3})
        cls.today = fields.Date.context_today(cls.env.user)
        cls.Charge = cls.env["credit.control.autopay.charge"]

    def _run(self, days):
        day = self.today + timedelta(days=days)
        with freeze_time(day):
            self.Charge._credit_autopay_run(today=day)

    @classmethod
    def _customers_on_autopay(cls, count, prefix, due_days=10, card_numbers=()):
        """``count`` customers on autopay with a saved card (of
        ``card_numbers``, by default one that pays), each owing an invoice
        due in ``due_days`` days; their dossiers, in that order."""
        customers = cls.env["res.partner"].create([
            {"name": f"{prefix} {n}", "is_company": True, "email": f"{prefix.lower()}{n}@example.fr"}
            for n in range(count)
        ])
        cls._create_invoices([{
            "partner": customer, "amount": 100.0 + n, "date": cls.today,
            "due": cls.today + timedelta(days=due_days),
        } for n, customer in enumerate(customers)])
        dossiers = cls.env["credit.control.dossier"].concat(*(
            cls.env["credit.control.dossier"].search([("partner_id", "=", customer.id)]) for customer in customers
        ))
        for n, dossier in enumerate(dossiers):
            number = card_numbers[n] if n < len(card_numbers) else "4242424242424242"
            dossier._credit_autopay_opt_in(cls._saved_card(dossier.partner_id, number=number))
        return dossiers


@tagged("post_install", "-at_install")
class TestAutopayReminders(AutopayEngineCommon):
    """A declined charge goes back to the normal reminder flow: the daily
    reminder run (credit_control_scenario's engine, when installed) reminds
    the declined instalment, and never the one autopay charged."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "credit.control.scenario.run" not in cls.env:
            raise SkipTest("credit_control_scenario is not installed")
        cls.company.write({
            "email": "compta@example.fr",
            "credit_control_scenario_id": cls.env.ref("credit_control_scenario.credit_control_scenario_standard").id,
        })

    def _reminder_run(self, days):
        """The nightly reminder run as the cron makes it, then the mail
        queue composing its e-mails."""
        Run = self.env["credit.control.scenario.run"]
        with freeze_time(self.today + timedelta(days=days)):
            Run._cron_run_scenarios(companies=self.company)
            self.env["mail.mail"].search([("credit_template_id", "!=", False)])._credit_compose()

    def _reminders(self, invoice):
        return self.env["credit.control.action"].search([("line_ids.move_id", "=", invoice.id)])

    def test_declined_instalment_is_reminded_charged_one_is_not(self):
        declined_dossier, charged_dossier = self._customers_on_autopay(2, "Reminded", card_numbers=(
            "4000000000000341", "4242424242424242",
        ))
        declined = declined_dossier._credit_open_invoices()
        charged = charged_dossier._credit_open_invoices()
        self._run(5)
        self._run(10)
        self._run(13)  # the one retry
        charges = self.Charge.search([("move_id", "in", (declined | charged).ids)])
        self.assertEqual(
            {charge.move_id: charge.state for charge in charges}, {declined: "abandoned", charged: "done"},
        )
        self.assertTrue(charged.currency_id.is_zero(charged.amount_residual))

        # the first reminder of the standard scenario: 7 days after the due date
        self._reminder_run(17)
        reminder = self._reminders(declined)
        self.assertEqual(len(reminder), 1, "the declined instalment is reminded")
        self.assertRecordValues(reminder, [{
            "step_id": self.env.ref("credit_control_scenario.step_first_reminder").id, "channel": "email",
        }])
        mail = self.env["mail.mail"].search([("model", "=", reminder._name), ("res_id", "=", reminder.id)])
        self.assertEqual(len(mail), 1, "its e-mail is in the mail queue")
        self.assertTrue(mail.recipient_ids)
        self.assertEqual(mail.recipient_ids.commercial_partner_id, declined_dossier.partner_id)
        self.assertIn(declined.name, mail.body_html)
        self.assertFalse(self._reminders(charged), "the instalment charged is never reminded")


@tagged("post_install", "-at_install")
class TestAutopayBatches(AutopayEngineCommon):
    """The autopay run is set-based: one pass reads the instalments of all
    the customers on autopay, whatever their number, and the charges go in
    batches through ir.cron's progress (ir.cron commits each call)."""

    def _queries(self, method, *args, **kwargs):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        method(*args, **kwargs)
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_queries_do_not_grow_with_the_customers(self):
        warm = self._customers_on_autopay(1, "Warm", due_days=8)
        few = self._customers_on_autopay(1, "Few", due_days=10)
        many = self._customers_on_autopay(6, "Many", due_days=12)
        day = self.today + timedelta(days=12)
        # a first notice (and below, a first charge), so that the counts do
        # not include what Odoo caches once (templates compiled, registry
        # caches)
        self._run(3)
        self.assertEqual(self.Charge.search([("dossier_id", "=", warm.id)]).state, "scheduled")

        # what the run reads to decide: the same queries for 1 customer or 7
        few._credit_autopay_eligible_all(day)  # the caches of the registry warmed up
        selection = {
            size: self._queries(dossiers._credit_autopay_eligible_all, day)
            for size, dossiers in ((1, few), (7, few | many))
        }
        _logger.info("Autopay selection: %s queries (1 customer), %s (7)", selection[1], selection[7])

        # the notices of day 5 (1 customer), then of day 7 (6 more)
        notices = {}
        for days, dossiers in ((5, few), (7, many)):
            notices[len(dossiers)] = self._queries(self._run, days)
        self.assertEqual(len(self.Charge.search([("dossier_id", "in", (few | many).ids)])), 7)
        _logger.info("Autopay notices: %s queries (1 customer), %s (6): %.1f per extra customer",
                     notices[1], notices[6], (notices[6] - notices[1]) / 5)

        # the charges of day 10 (1 customer), then of day 12 (6 more)
        self._run(8)
        self.assertEqual(self.Charge.search([("dossier_id", "=", warm.id)]).state, "done")
        charges = {}
        for days, dossiers in ((10, few), (12, many)):
            charges[len(dossiers)] = self._queries(self._run, days)
        self.assertEqual(set(self.Charge.search([("dossier_id", "in", (few | many).ids)]).mapped("state")), {"done"})
        _logger.info("Autopay charges: %s queries (1 customer), %s (6): %.1f per extra customer",
                     charges[1], charges[6], (charges[6] - charges[1]) / 5)

        self.assertLessEqual(selection[7], selection[1], f"queries to read 1 and 7 customers: {selection}")
        self.assertLessEqual((notices[6] - notices[1]) / 5, NOTICE_QUERIES_PER_CUSTOMER, notices)
        self.assertLessEqual((charges[6] - charges[1]) / 5, CHARGE_QUERIES_PER_CUSTOMER, charges)

    def test_cron_charges_in_batches_with_progress(self):
        dossiers = self._customers_on_autopay(3, "Batch")
        self._run(5)
        cron = self.env.ref("credit_control_portal.ir_cron_credit_control_autopay")
        calls = []
        for _call in range(3):
            _cron, progress = cron._add_progress()
            with freeze_time(self.today + timedelta(days=10)):
                self.Charge.with_context(ir_cron_progress_id=progress.id)._cron_autopay(batch_size=2)
            self.env.flush_all()
            calls.append((progress.done, progress.remaining))
        self.assertEqual(calls, [(2, 1), (1, 0), (0, 0)], "two charges, then the last one, then nothing")
        charges = self.Charge.search([("dossier_id", "in", dossiers.ids)])
        self.assertEqual(charges.mapped("state"), ["done"] * 3)
        self.assertEqual(len(charges.transaction_ids), 3, "each charged once")
