from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CreditControlCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestCreditLimitBlock(CreditControlCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"account_use_credit_limit": True, "credit_control_block_over_limit": True})
        cls.customer = cls._create_customer("Client Plafonné")
        cls.customer.with_company(cls.company).credit_limit = 1000.0
        cls._create_invoice(cls.customer, 800.0, due=date(2026, 6, 1))

    def _draft(self, amount):
        return self._create_invoices(
            [{"partner": self.customer, "amount": amount, "due": date(2026, 6, 15)}], post=False
        )

    def test_invoice_within_limit_posts(self):
        invoice = self._draft(200.0)
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")

    def test_invoice_over_limit_is_blocked(self):
        invoice = self._draft(200.01)
        with self.assertRaisesRegex(UserError, "Client Plafonné would owe"):
            invoice.action_post()
        self.assertEqual(invoice.state, "draft")

    def test_batch_counts_every_invoice_of_the_customer(self):
        invoices = self._draft(150.0) | self._draft(150.0)
        with self.assertRaises(UserError):
            invoices.action_post()
        self.assertEqual(set(invoices.mapped("state")), {"draft"})

    def test_second_invoice_of_the_transaction_is_counted(self):
        """The block reads what the customer owes after the invoices posted
        earlier in the same transaction (a batch posted one by one)."""
        first, second = self._draft(150.0), self._draft(150.0)
        first.action_post()
        with self.assertRaisesRegex(UserError, "would owe"):
            second.action_post()
        self.assertEqual(second.state, "draft")

    def test_not_blocked_when_company_does_not_block(self):
        self.company.credit_control_block_over_limit = False
        invoice = self._draft(5000.0)
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")

    def test_manager_override_is_logged(self):
        # posting an invoice at all is Billing's right, which the credit roles do not imply
        self.credit_manager.groups_id |= self.env.ref("account.group_account_invoice")
        invoice = self._draft(500.0)
        invoice.with_user(self.credit_manager).action_credit_post_over_limit()
        self.assertEqual(invoice.state, "posted")
        self.assertIn("posted over the credit limit by Credit Manager", invoice.message_ids[0].body)
        self.assertIn(invoice.name, self._dossier(self.customer).message_ids[0].body)

    def test_collector_cannot_override(self):
        invoice = self._draft(500.0)
        with self.assertRaises(AccessError):
            invoice.with_user(self.collector_a).action_credit_post_over_limit()
        self.assertEqual(invoice.state, "draft")

    def test_collector_cannot_change_limit(self):
        dossier = self._dossier(self.customer).with_user(self.collector_a)
        with self.assertRaises(AccessError):
            dossier.credit_limit = 99999.0
        self.assertEqual(self.customer.with_company(self.company).credit_limit, 1000.0)
