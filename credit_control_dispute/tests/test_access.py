from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CreditDisputeCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-03-01")
class TestAccess(CreditDisputeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = cls._create_credit_user("sales_rep", "credit_control_base.group_credit_control_info")
        cls.customer.user_id = cls.salesperson
        cls.other_customer = cls._create_customer("Client de B")
        other_invoice = cls._create_invoice(cls.other_customer, 200.0, due=date(2026, 1, 31))
        cls.other_dossier = cls.env["credit.control.dossier"].search([("partner_id", "=", cls.other_customer.id)])
        cls.other_dossier.collector_id = cls.collector_b
        cls.dispute = cls.env["credit.control.dispute"]._credit_create_dispute(cls.dossier, cls.invoice_1, "quality")
        cls.other_dispute = cls.env["credit.control.dispute"]._credit_create_dispute(
            cls.other_dossier, other_invoice, "price"
        )
        cls.promise = cls.env["credit.control.promise"]._credit_create_promise(
            cls.dossier, cls.invoice_2, date(2026, 3, 10)
        )

    def test_collector_works_own_portfolio(self):
        Dispute = self.Dispute.with_user(self.collector_a)
        self.assertEqual(Dispute.search([]), self.dispute)
        with self.assertRaises(AccessError):
            self.other_dispute.with_user(self.collector_a).read(["name"])
        self.dispute.with_user(self.collector_a).action_start()
        self.assertEqual(self.dispute.state, "in_progress")
        promise = self.Promise.with_user(self.collector_a)._credit_create_promise(
            self.dossier.with_user(self.collector_a), self.invoice_1, date(2026, 3, 20)
        )
        self.assertEqual(promise.state, "pending")
        with self.assertRaises(AccessError):
            self.dispute.with_user(self.collector_a).unlink()
        with self.assertRaises(AccessError):
            self.env["credit.control.dispute.reason"].with_user(self.collector_a).create({"name": "Mine"})

    def test_manager_sees_everything_and_configures(self):
        self.assertEqual(self.Dispute.with_user(self.credit_manager).search([]), self.dispute | self.other_dispute)
        reason = self.env["credit.control.dispute.reason"].with_user(self.credit_manager).create({"name": "Emballage"})
        self.assertTrue(reason)
        self.other_dispute.with_user(self.credit_manager).unlink()
        self.assertFalse(self.other_dispute.exists())

    def test_salesperson_reads_and_comments_own_customers_disputes(self):
        Dispute = self.Dispute.with_user(self.salesperson)
        self.assertEqual(Dispute.search([]), self.dispute)
        self.assertEqual(self.Promise.with_user(self.salesperson).search([]), self.promise)
        dispute = self.dispute.with_user(self.salesperson)
        self.assertEqual(dispute.reason_id, self.reason_quality)
        # from the customer's form
        partner = self.customer.with_user(self.salesperson)
        self.assertEqual(partner.credit_open_dispute_count, 1)
        self.assertEqual(Dispute.search(partner.action_credit_open_disputes()["domain"]), self.dispute)
        dispute.message_post(body="Le client m'a confirmé la casse.", message_type="comment")
        self.assertEqual(self.dispute.message_ids[0].author_id, self.salesperson.partner_id)
        with self.assertRaises(AccessError):
            self.other_dispute.with_user(self.salesperson).read(["name"])
        with self.assertRaises(AccessError):
            dispute.write({"state": "rejected"})
        with self.assertRaises(AccessError):
            dispute.action_reject()
        with self.assertRaises(AccessError):
            self.Promise.with_user(self.salesperson)._credit_create_promise(
                self.dossier.with_user(self.salesperson), self.invoice_1, date(2026, 3, 20)
            )
        with self.assertRaises(AccessError):
            self.company.with_user(self.salesperson).write({"credit_promise_grace_days": 30})
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.salesperson).create({"credit_promise_grace_days": 30})

    def test_other_company_never_sees_our_disputes(self):
        other_company = self.setup_other_company(name="Filiale Belge")["company"]
        manager_other = self._create_credit_user(
            "manager_other", "credit_control_base.group_credit_control_manager", company=other_company,
        )
        self.assertFalse(self.Dispute.with_user(manager_other).search([]))
        self.assertFalse(self.Promise.with_user(manager_other).search([]))
