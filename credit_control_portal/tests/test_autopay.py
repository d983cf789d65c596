import re
import time
from datetime import timedelta

import stripe

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..const import STRIPE_API_URL_PARAM
from .common import CreditPortalCommon


@tagged("post_install", "-at_install")
class TestAutopay(CreditPortalCommon):
    """Autopay against localstripe: the customer opts in on its statement,
    is told 5 days ahead what will be charged, and is charged off-session on
    the due date, never for a disputed, promised, on hold or credited
    invoice; a decline is retried a limited number of times, and the
    collector is told."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({
            "credit_autopay_notice_days": 5, "credit_autopay_delay_days": 0,
            "credit_autopay_max_retries": 1, "credit_autopay_retry_days": 3,
        })
        cls.today = fields.Date.context_today(cls.env.user)
        cls.due = cls.today + timedelta(days=10)
        cls.card_token = cls._saved_card(cls.customer)
        cls.Charge = cls.env["credit.control.autopay.charge"]

    def _new_invoices(self, *amounts):
        return self._create_invoices([
            {"partner": self.customer, "amount": amount, "date": self.today, "due": self.due} for amount in amounts
        ])

    def _opt_in(self, token=None):
        self.dossier._credit_autopay_opt_in(token or self.card_token)

    def _run(self, days):
        self.Charge._credit_autopay_run(today=self.today + timedelta(days=days))

    def _charges(self):
        return self.Charge.search([("dossier_id", "=", self.dossier.id)])

    def _transactions(self):
        return self.env["payment.transaction"].search([("credit_autopay_charge_id.dossier_id", "=", self.dossier.id)])

    def _notices(self):
        template = self.env.ref("credit_control_portal.mail_template_autopay_notice")
        return self.env["mail.mail"].search([
            ("model", "=", "credit.control.dossier"), ("res_id", "=", self.dossier.id),
            ("subject", "=", template._render_field("subject", self.dossier.ids)[self.dossier.id]),
        ])

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------

    def test_opt_in_and_revoke_from_the_statement_link(self):
        token = self._new_token()
        response = self._post("autopay", {"autopay_token_id": self.card_token.id}, token)
        self.assertEqual(response.status_code, 400, "no consent ticked, nothing saved")
        self.assertFalse(self.dossier.autopay_active)
        other_card = self._saved_card(self.other_customer)
        response = self._post("autopay", {"autopay_token_id": other_card.id, "autopay_consent": "1"}, token)
        self.assertEqual(response.status_code, 400, "another customer's card is refused")
        self.assertFalse(self.dossier.autopay_active)

        response = self._post("autopay", {"autopay_token_id": self.card_token.id, "autopay_consent": "1"}, token)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.dossier.autopay_token_id, self.card_token)
        self.assertTrue(self.dossier.autopay_mandate_ref.startswith(f"CC-{self.dossier.id}-"))
        consent = self.dossier.message_ids[:1]
        self.assertIn(self.dossier.autopay_mandate_ref, consent.body)
        self.assertIn("I authorise", consent.body)
        self.assertIn(self.dossier, self.env["credit.control.dossier"].search([("autopay_active", "=", True)]))
        page = self.url_open(self._statement_url(token=token))
        self.assertIn(self.dossier.autopay_mandate_ref, page.text)
        self.assertIn("o_credit_autopay_revoke", page.text)

        # another customer's link does not revoke this one
        other = self.other_dossier
        response = self.url_open(f"/my/credit/{self.dossier.id}/autopay/revoke", data={
            "access_token": self._new_token(other), "csrf_token": self._csrf_token(self._statement_url(other)),
        }, allow_redirects=False)
        self.assertEqual(response.status_code, 404)
        self.assertTrue(self.dossier.autopay_active)

        self._new_invoices(300.0)
        self._run(5)
        self.assertEqual(self._charges().state, "scheduled")
        response = self._post("autopay/revoke", {}, token)
        self.assertEqual(response.status_code, 303)
        self.assertFalse(self.dossier.autopay_active)
        self.assertEqual(self._charges().state, "cancelled")
        self._run(10)
        self.assertFalse(self._transactions(), "nothing is charged once revoked")

    def test_portal_contact_opts_in_with_its_own_card_only(self):
        """A logged-in contact sees and uses the saved methods of its own
        customer, never another customer's."""
        own_card = self._saved_card(self.contact, number="5555555555554444")
        foreign = self._saved_card(self.other_customer, number="4000056655665556")
        self.authenticate("claire", "claire")
        page = self.url_open(f"/my/credit/{self.dossier.id}")
        select = re.search(r'<select id="o_credit_autopay_token".*?</select>', page.text, re.S).group(0)
        offered = {int(token_id) for token_id in re.findall(r'value="(\d+)"', select)}
        self.assertIn(own_card.id, offered)
        self.assertNotIn(foreign.id, offered)
        response = self._post("autopay", {"autopay_token_id": foreign.id, "autopay_consent": "1"}, None)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.dossier.autopay_active)
        response = self._post("autopay", {"autopay_token_id": own_card.id, "autopay_consent": "1"}, None)
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.dossier.autopay_token_id, own_card)
        self.assertEqual(self.dossier.message_ids[:1].author_id, self.contact, "the consent is the contact's")
        # the other customer's statement stays out of reach
        response = self.url_open(f"/my/credit/{self.other_dossier.id}/autopay/revoke", data={
            "csrf_token": self._csrf_token(f"/my/credit/{self.dossier.id}"),
        }, allow_redirects=False)
        self.assertEqual(response.status_code, 404)

    # ------------------------------------------------------------------
    # Engine
    # ------------------------------------------------------------------

    def test_notice_then_charge_on_the_due_date_once(self):
        self._opt_in()
        invoice = self._new_invoices(300.0)
        self._run(4)
        self.assertFalse(self._charges(), "not yet within the 5 days' notice")
        self._run(5)
        charge = self._charges()
        self.assertRecordValues(charge, [{
            "move_id": invoice.id, "amount": 300.0, "state": "scheduled", "charge_date": self.due,
            "notified_date": self.today + timedelta(days=5),
        }])
        notice = self._notices()
        self.assertEqual(len(notice), 1)
        self.assertIn(invoice.name, notice.body_html)
        self.assertIn(self.dossier.autopay_mandate_ref, notice.body_html)
        # the old overdue invoices were not covered by the consent: never charged
        self.assertNotIn(self.invoice_1, self._charges().move_id)

        self._run(9)
        self.assertFalse(self._transactions(), "nothing is charged before the due date")
        self._run(10)
        tx = self._transactions()
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.operation, "offline")
        self.assertEqual(tx.amount, 300.0)
        self.assertEqual(tx.token_id, self.card_token)
        self.assertEqual(charge.state, "done")
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
        self.assertEqual(
            tx.payment_id.move_id.line_ids.matched_debit_ids.debit_move_id.move_id, invoice,
            "reconciled with exactly the charged invoice",
        )
        self.assertEqual(self.invoices.mapped("amount_residual"), [1000.0, 500.0])
        self.assertIn("Charged by autopay", self.dossier.message_ids[:1].body)

        self._run(10)
        self._run(11)
        self.assertEqual(len(self._transactions()), 1, "a second run charges nothing twice")
        self.assertEqual(len(self._notices()), 1, "nor announces it twice")

    def test_never_charges_disputed_promised_on_hold_or_credited(self):
        self._opt_in()
        disputed, promised, held, planned, credited, charged = self._new_invoices(10.0, 20.0, 30.0, 40.0, 50.0, 60.0)
        self.Dispute._credit_create_dispute(self.dossier, disputed, self.reason_quality, note="Wrong quantity")
        self.Promise._credit_create_promise(self.dossier, promised, self.today + timedelta(days=20))
        held.credit_hold = True
        self.Plan._credit_create_plan(self.dossier, planned, 2, self.today + timedelta(days=30))
        # a credit note of 50 not applied: it covers the oldest instalment it can
        refund = self._create_invoices([{
            "partner": self.customer, "amount": 50.0, "date": self.today, "move_type": "out_refund",
        }])
        self.assertTrue(refund)
        self._run(5)
        self._run(10)
        charged_moves = self._transactions().invoice_ids
        self.assertFalse(charged_moves & (disputed | promised | held | planned))
        self.assertEqual(charged_moves, charged, "the credit of 50 covers the invoice of 50, not charged")
        self.assertTrue(credited.amount_residual)

    def test_currency_the_method_does_not_allow(self):
        self.card_token.payment_method_id.supported_currency_ids = self.company.currency_id
        self._opt_in()
        other = self.setup_other_currency("EUR")
        self._create_invoices([{"partner": self.customer, "amount": 70.0, "date": self.today, "due": self.due,
                                "currency": other}])
        self._run(5)
        self._run(10)
        self.assertFalse(self._charges())

    def test_decline_turns_to_the_collector_with_limited_retries(self):
        declined = self._saved_card(self.customer, number="4000000000000341")
        self._opt_in(declined)
        invoice = self._new_invoices(300.0)
        self._run(5)
        self._run(10)
        charge = self._charges()
        self.assertEqual(charge.state, "failed")
        self.assertEqual(charge.attempt_count, 1)
        self.assertEqual(charge.next_attempt_date, self.due + timedelta(days=3))
        activity = self.dossier.activity_ids.filtered(lambda a: invoice.name in (a.summary or ""))
        self.assertEqual(activity.user_id, self.collector_a)
        self.assertEqual(invoice.amount_residual, 300.0)
        self.assertFalse(invoice.credit_excluded, "the invoice stays in the normal reminder flow")

        self._run(11)
        self.assertEqual(charge.attempt_count, 1, "no retry before the interval")
        self._run(13)
        self.assertEqual(charge.attempt_count, 2)
        self.assertEqual(charge.state, "abandoned", "one retry allowed, then the collector takes over")
        self._run(16)
        self._run(30)
        self.assertEqual(len(self._transactions()), 2)
        self.assertEqual(self._transactions().mapped("state"), ["error", "error"])

    def test_sepa_mandate_charges_euros_only_and_is_followed(self):
        """A SEPA Direct Debit mandate saved through Stripe: only the invoices
        in euros are charged (the method's currency); the debit is processing
        first, then booked on a later run once Stripe says it succeeded."""
        sepa = self.env.ref("payment.payment_method_sepa_direct_debit")
        sepa.active = True
        self.provider.payment_method_ids |= sepa
        client = stripe.StripeClient(self.provider.stripe_secret_key, base_addresses={"api": self.stripe_url})
        customer = client.customers.create(params={"name": self.customer.name})
        method = client.payment_methods.create(params={
            "type": "sepa_debit", "sepa_debit": {"iban": "FR1420041010050500013M02606"},
        })
        client.payment_methods.attach(method.id, params={"customer": customer.id})
        mandate = self.env["payment.token"].sudo().create({
            "provider_id": self.provider.id, "payment_method_id": sepa.id, "partner_id": self.customer.id,
            "provider_ref": customer.id, "stripe_payment_method": method.id, "payment_details": "2606",
        })
        self._opt_in(mandate)
        euro = self.setup_other_currency("EUR")
        usd_invoice = self._new_invoices(100.0)
        euro_invoice = self._create_invoices([{
            "partner": self.customer, "amount": 70.0, "date": self.today, "due": self.due, "currency": euro,
        }])
        if self.company.currency_id == euro:
            usd_invoice = self._create_invoices([{
                "partner": self.customer, "amount": 100.0, "date": self.today, "due": self.due,
                "currency": self.setup_other_currency("USD"),
            }])
        self._run(5)
        self._run(10)
        charge = self._charges()
        self.assertEqual(charge.move_id, euro_invoice, "the mandate is in euros")
        self.assertNotIn(usd_invoice, self._charges().move_id)
        self.assertIn(charge.state, ("pending", "done"))
        for day in range(11, 31):
            if charge.state == "done":
                break
            time.sleep(0.5)  # localstripe settles a SEPA debit half a second later
            self._run(day)  # a debit processing is asked to Stripe once a day
        self.assertEqual(charge.state, "done")
        self.assertTrue(euro.is_zero(euro_invoice.amount_residual))

    def test_stripe_out_of_reach_keeps_nothing_and_retries_the_same_attempt(self):
        self._opt_in()
        self._new_invoices(300.0)
        self._run(5)
        Param = self.env["ir.config_parameter"].sudo()
        Param.set_param(STRIPE_API_URL_PARAM, "http://127.0.0.1:9")  # nothing listens there
        with mute_logger("odoo.addons.credit_control_portal.models.credit_control_autopay_charge"):
            self._run(10)
        charge = self._charges()
        self.assertRecordValues(charge, [{"state": "scheduled", "attempt_count": 0}])
        self.assertFalse(self._transactions())
        self.assertEqual(charge.next_attempt_date, self.due + timedelta(days=1), "tried again tomorrow")
        Param.set_param(STRIPE_API_URL_PARAM, self.stripe_url)
        self._run(10)
        self.assertFalse(self._transactions(), "not twice the same day: the cron does not hammer Stripe")
        self._run(11)
        self.assertRecordValues(charge, [{"state": "done", "attempt_count": 1}])

    def test_a_deleted_method_charges_nothing(self):
        self._opt_in()
        self._new_invoices(300.0)
        self._run(5)
        self.card_token.active = False  # the customer deleted it from its payment methods
        self._run(10)
        self.assertFalse(self._transactions())

    def test_authentication_required_is_a_failure(self):
        three_ds = self._saved_card(self.customer, number="4000002500003155")
        self._opt_in(three_ds)
        self._new_invoices(300.0)
        self._run(5)
        self._run(10)
        charge = self._charges()
        self.assertEqual(charge.state, "failed")
        self.assertIn("authenticate", charge.last_error)

    def test_stripe_idempotency_per_instalment_and_attempt(self):
        """A charge whose transaction was rolled back after Stripe took the
        money (a crash, a lost answer) is not taken twice: the same
        instalment and attempt send the same idempotency key."""
        self._opt_in()
        self._new_invoices(300.0)
        self._run(5)
        with self.assertRaises(InterruptedError), self.env.cr.savepoint():
            self._run(10)
            first = self._transactions().provider_reference
            raise InterruptedError
        self.env.invalidate_all()
        self.assertFalse(self._transactions())
        self._run(10)
        tx = self._transactions()
        self.assertEqual(tx.provider_reference, first, "Stripe answered with the PaymentIntent already made")
        client = stripe.StripeClient(self.provider.stripe_secret_key, base_addresses={"api": self.stripe_url})
        intents = client.payment_intents.list(params={"limit": 100})
        self.assertEqual(len([pi for pi in intents.data if pi.description == tx.reference]), 1)
