from datetime import date

from odoo.tests import tagged

from .common import OcaScenarioCommon


@tagged("post_install", "-at_install")
class TestOcaEngine(OcaScenarioCommon):
    """Never two dunning engines on one customer: where OCA's
    account_credit_control is installed beside the suite (setup/test's
    coexistence suite installs it), an invoice under an OCA credit policy
    is left to OCA's engine until the policy is removed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.oca_customer = cls._customer("Client OCA")
        cls.our_customer = cls._customer("Client Suite")
        cls.oca_invoice = cls._create_invoice(cls.oca_customer, 900.0, due=date(2026, 3, 1))
        cls.our_invoice = cls._create_invoice(cls.our_customer, 900.0, due=date(2026, 3, 1))
        cls.policy = cls.env["credit.control.policy"].create({
            "name": "OCA policy",
            "account_ids": [(6, 0, cls.oca_customer.property_account_receivable_id.ids)],
        })

    def test_a_customer_with_an_oca_policy_is_left_to_oca(self):
        self.oca_customer.credit_policy_id = self.policy
        run = self._run(date(2026, 3, 10))
        self.assertEqual(run.action_ids.partner_id, self.our_customer)
        self.assertEqual(self.oca_invoice.credit_exclusion_reason, "Reminded by OCA Credit Control")
        self.assertFalse(self.our_invoice.credit_excluded)

    def test_an_invoice_policy_counts_for_users_without_oca_rights(self):
        # OCA hides an invoice's own policy from users outside its groups
        self.our_invoice.sudo().credit_policy_id = self.policy
        invoice = self.our_invoice.with_user(self.credit_manager)
        invoice.invalidate_recordset()
        self.assertEqual(invoice.credit_exclusion_reason, "Reminded by OCA Credit Control")
        self.assertIn(invoice, invoice.search([("credit_excluded", "=", True)]))

    def test_a_company_default_policy_hands_every_customer_to_oca(self):
        self.company.credit_policy_id = self.policy
        self.assertFalse(self._run(date(2026, 3, 10)).action_ids)

    def test_a_policy_that_reminds_nobody_changes_nothing(self):
        self.policy.do_nothing = True
        self.oca_customer.credit_policy_id = self.policy
        run = self._run(date(2026, 3, 10))
        self.assertEqual(run.action_ids.partner_id, self.oca_customer | self.our_customer)

    def test_switching_back_removes_the_policy(self):
        self.oca_customer.credit_policy_id = self.policy
        self._run(date(2026, 3, 10))
        self.oca_customer.credit_policy_id = False
        run = self._run(date(2026, 3, 11))
        self.assertIn(self.oca_customer, run.action_ids.partner_id)
