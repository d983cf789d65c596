from datetime import timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.credit_control_base.tests.sample_data import load_sample, skip_without_sample

sample = load_sample()  # setup/sample/ of the checkout, None elsewhere


@skip_without_sample(sample)
@tagged("post_install", "-at_install")
class TestSampleClaims(TransactionCase):
    """The demo's reminders (sample data and today's run, as ``setup/run``
    makes them) claim only the instalments that are due: an invoice on the
    demo's '30% Now, Balance 60 Days' terms, like the demo's Aubert's, is
    claimed for its first instalment while the balance is not due."""

    def test_reminders_claim_only_what_is_due(self):
        sample.generate(self.env, customers=20, invoices=160, seed=42)
        Action = self.env["credit.control.action"]
        today = fields.Date.context_today(Action)
        customer = self.env["res.partner"].create({
            "name": "Menuiserie Aubert", "is_company": True, "email": "compta@aubert.example",
        })
        term = self.env.ref("account.account_payment_term_advance_60days")
        invoice = self.env["account.move"].create({
            "move_type": "out_invoice",
            "partner_id": customer.id,
            "invoice_date": today - timedelta(days=20),
            "invoice_payment_term_id": term.id,
            "invoice_line_ids": [Command.create({"name": "Menuiserie", "quantity": 1, "price_unit": 1000.0,
                                                 "tax_ids": []})],
        })
        invoice.action_post()
        self.env["credit.control.scenario.run"]._credit_run()
        actions = Action.search([])
        self.assertTrue(actions, "today's run of the sample reminds customers")
        for action in actions:
            items = action.move_ids._credit_instalments(action.date)
            if action.step_id.delay_days > 0:
                claimed = sum(item["amount_company"] for item in items if item["overdue"])
                self.assertAlmostEqual(action.amount, claimed, places=2, msg=action.display_name)
        reminder = actions.filtered(lambda a: invoice in a.move_ids)
        first, balance = invoice._credit_instalments()
        self.assertTrue(first["overdue"] and not balance["overdue"])
        self.assertEqual(reminder.line_ids.filtered(lambda line: line.move_id == invoice).amount, first["amount"])

    def test_demo_reminds_as_of_the_users_today(self):
        """Between midnight in the user's time zone and midnight UTC (in Paris,
        23:00-24:00 UTC in winter) the demo's data and its reminder run must
        agree on the date: a demo made then had no reminders at all."""
        now = fields.Datetime.now()
        # a zone whose date is not UTC's right now: UTC+14 in the afternoon, UTC-12 in the morning
        self.env.user.tz = "Pacific/Kiritimati" if now.hour >= 12 else "Etc/GMT+12"
        today = fields.Date.context_today(self.env["credit.control.action"])
        self.assertNotEqual(today, fields.Date.today())
        counts = sample.generate(self.env, customers=20, invoices=160, seed=42)
        self.assertTrue(counts.get("reminders"), "the demo's run reminds its overdue customers")
