from datetime import date
from xmlrpc.client import Fault

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, get_db_name, new_test_user, tagged

from .common import CreditControlCommon

MANAGER = "credit_control_base.group_credit_control_manager"
COLLECTOR = "credit_control_base.group_credit_control_collector"


class CreditLimitGovernanceCommon(CreditControlCommon):
    """A customer limited to 150 €, a collector and a billing clerk who may
    both edit contacts (Contact Creation, the default of users made from the
    user form). Their groups are given explicitly: the role ladder does not
    decide here whether a collector also has invoicing rights."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"account_use_credit_limit": True, "credit_control_block_over_limit": True})
        cls.customer = cls._create_customer("Client Plafonné")
        cls.customer.with_company(cls.company).credit_limit = 150.0
        cls.collector = cls._create_governance_user(
            "limit_collector", f"base.group_user,base.group_partner_manager,{COLLECTOR}"
        )
        cls.clerk = cls._create_governance_user(
            "limit_clerk", "base.group_user,base.group_partner_manager,account.group_account_invoice"
        )
        cls.billing_manager = cls._create_governance_user(
            "limit_manager", f"base.group_user,base.group_partner_manager,account.group_account_invoice,{MANAGER}"
        )
        # the log of the 150 € limit above is not what the tests look at
        cls.messages_before = cls.env["mail.message"].search([("model", "=", "credit.control.dossier")])

    @classmethod
    def _create_governance_user(cls, login, groups):
        return new_test_user(
            cls.env, login=login, groups=groups, name=login.replace("_", " ").title(),
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)],
        )

    def _limit(self, partner=None, company=None):
        partner = (partner or self.customer).with_company(company or self.company)
        partner.invalidate_recordset(["credit_limit"])
        return partner.credit_limit

    def _draft(self, amount, partner=None):
        return self._create_invoices(
            [{"partner": partner or self.customer, "amount": amount, "due": date(2026, 6, 15)}], post=False
        )

    def _limit_logs(self, partner=None, company=None):
        """The limit changes logged on the dossier: (body, old, new, author)."""
        dossier = self._dossier(partner or self.customer, company)
        messages = (dossier.message_ids - self.messages_before).filtered(
            lambda m: "credit_limit" in m.sudo().tracking_value_ids.field_id.mapped("name")
        )
        return [
            (message.body, tracking.old_value_float, tracking.new_value_float, message.author_id)
            for message in messages
            for tracking in message.sudo().tracking_value_ids
        ]


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestCreditLimitGovernance(CreditLimitGovernanceCommon):

    def test_collector_cannot_raise_the_limit_of_a_contact(self):
        """The reproduction of the issue: a collector with Contact Creation
        raises the limit on the contact, then a 500 € invoice passes."""
        with self.assertRaises(AccessError):
            self.customer.with_user(self.collector).write({"credit_limit": 100000.0})
        self.assertEqual(self._limit(), 150.0)
        with self.assertRaisesRegex(UserError, "over its credit limit"):
            self._draft(500.0).action_post()

    def test_billing_clerk_cannot_raise_the_limit_in_any_company(self):
        with self.assertRaisesRegex(AccessError, "Only a credit manager can raise"):
            self.customer.with_user(self.clerk).write({"credit_limit": 100000.0})
        self.assertEqual(self._limit(), 150.0)
        # the limit is company-dependent: the other company is governed too
        company_2 = self.setup_other_company(name="Filiale Plafond")["company"]
        self.customer.with_company(company_2).credit_limit = 300.0
        self.clerk.sudo().company_ids |= company_2
        with self.assertRaises(AccessError):
            self.customer.with_user(self.clerk).with_company(company_2).write({"credit_limit": 400.0})
        self.assertEqual(self._limit(company=company_2), 300.0)
        self.assertEqual(self._limit(), 150.0)

    def test_removing_the_limit_is_raising_it(self):
        """0 means no limit: setting it to 0, or unticking the partner's own
        limit back to a company default of 0, lifts every bound."""
        with self.assertRaises(AccessError):
            self.customer.with_user(self.clerk).write({"credit_limit": 0.0})
        with self.assertRaises(AccessError):
            self.customer.with_user(self.clerk).write({"use_partner_credit_limit": False})
        self.assertEqual(self._limit(), 150.0)

    def test_context_keys_do_not_open_the_limit(self):
        partner = self.customer.with_user(self.clerk).with_context(
            credit_control_limit_source="dossier", import_file=True, credit_control_override=True,
        )
        with self.assertRaises(AccessError):
            partner.write({"credit_limit": 100000.0})
        self.assertEqual(self._limit(), 150.0)

    def test_new_customer_with_a_limit_above_the_company_default(self):
        self.env["ir.default"].sudo().set("res.partner", "credit_limit", 1000.0, company_id=self.company.id)
        Partner = self.env["res.partner"].with_user(self.clerk)
        with self.assertRaises(AccessError):
            Partner.create({"name": "Nouveau Client", "is_company": True, "credit_limit": 5000.0})
        lower = Partner.create({"name": "Client Prudent", "is_company": True, "credit_limit": 500.0})
        self.assertEqual(self._limit(lower), 500.0)

    def test_billing_clerk_lowers_the_limit_and_it_is_logged(self):
        self.customer.with_user(self.clerk).write({"credit_limit": 100.0})
        self.assertEqual(self._limit(), 100.0)
        [(body, old, new, author)] = self._limit_logs()
        self.assertEqual((old, new, author), (150.0, 100.0, self.clerk.partner_id))
        self.assertIn("Limit Clerk", body)
        self.assertIn("contact form or API", body)

    def test_form_refuses_a_raise_by_billing_clerk(self):
        form = Form(self.customer.with_user(self.clerk))
        form.credit_limit = 100000.0
        with self.assertRaisesRegex(AccessError, "Only a credit manager can raise"):
            form.save()
        self.assertEqual(self._limit(), 150.0)

    def test_form_refuses_a_raise_by_collector(self):
        partner = self.customer.with_user(self.collector)
        if not self.collector.has_group("account.group_account_invoice"):
            # Without invoicing rights, core does not even show the limit.
            fields = partner.get_views([(False, "form")])["models"]["res.partner"]["fields"]
            self.assertIn("name", fields)
            self.assertNotIn("credit_limit", fields)
            return
        form = Form(partner)
        form.credit_limit = 100000.0
        with self.assertRaises(AccessError):
            form.save()
        self.assertEqual(self._limit(), 150.0)

    def test_manager_raises_the_limit_and_it_is_logged(self):
        self.customer.with_user(self.billing_manager).write({"credit_limit": 100000.0})
        self.assertEqual(self._limit(), 100000.0)
        [(body, old, new, author)] = self._limit_logs()
        self.assertEqual((old, new, author), (150.0, 100000.0, self.billing_manager.partner_id))
        self.assertIn("Limit Manager", body)
        self.assertIn("contact form or API", body)
        self._draft(500.0).action_post()

    def test_manager_raises_the_limit_on_the_dossier_of_another_company(self):
        company_2 = self.setup_other_company(name="Filiale Dossier")["company"]
        self.credit_manager.sudo().company_ids |= company_2
        dossier = self.env["credit.control.dossier"].create({
            "partner_id": self.customer.id, "company_id": company_2.id,
        })
        dossier.with_user(self.credit_manager).with_company(company_2).credit_limit = 700.0
        self.assertEqual(self._limit(company=company_2), 700.0)
        self.assertEqual(self._limit(), 150.0)
        [(body, old, new, _author)] = self._limit_logs(company=company_2)
        self.assertEqual((old, new), (0.0, 700.0))
        self.assertIn("credit dossier", body)
        self.assertFalse(self._limit_logs())

    def test_collector_lowers_on_the_dossier_but_does_not_raise(self):
        dossier = self._dossier(self.customer).with_user(self.collector)
        dossier.credit_limit = 120.0
        self.assertEqual(self._limit(), 120.0)
        with self.assertRaises(AccessError):
            dossier.credit_limit = 130.0
        with self.assertRaises(AccessError):
            dossier.credit_limit = 0.0
        self.assertEqual(self._limit(), 120.0)
        [(body, old, new, author)] = self._limit_logs()
        self.assertEqual((old, new, author), (150.0, 120.0, self.collector.partner_id))
        self.assertIn("credit dossier", body)

    def test_import_by_non_manager_refused_row_by_row(self):
        """base_import is not a dependency of the suite: the import goes
        through ``load()``, which is what base_import's execute_import calls
        (with ``import_file`` in the context)."""
        others = self._create_customer("Client Deux") | self._create_customer("Client Trois")
        for partner in others:
            partner.with_company(self.company).credit_limit = 200.0
        customers = self.customer | others
        rows = [[str(partner.id), partner.name, "90000"] for partner in customers]
        rows[0][2] = "100"  # a lowering: allowed alone, but the import is all or nothing
        for user in (self.clerk, self.collector):
            with self.subTest(user=user.login):
                result = self.env["res.partner"].with_user(user).with_context(import_file=True).load(
                    [".id", "name", "credit_limit"], rows
                )
                self.assertFalse(result["ids"])
                refused = {m["record"] for m in result["messages"] if m["type"] == "error"}
                self.assertLessEqual({1, 2}, refused, result["messages"])
                self.assertEqual([self._limit(p) for p in customers], [150.0, 200.0, 200.0])
        self.assertFalse(self._limit_logs())

    def test_import_by_manager_logged_as_import(self):
        result = self.env["res.partner"].with_user(self.billing_manager).with_context(import_file=True).load(
            [".id", "credit_limit"], [[str(self.customer.id), "900"]]
        )
        self.assertEqual(result["ids"], self.customer.ids, result["messages"])
        [(body, old, new, _author)] = self._limit_logs()
        self.assertEqual((old, new), (150.0, 900.0))
        self.assertIn("import", body)


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestPostOverLimitOverride(CreditLimitGovernanceCommon):
    """Posting over the limit is a credit manager's decision, checked on the
    server: no context key sent by a client skips the block."""

    def test_context_key_does_not_skip_the_block(self):
        invoice = self._draft(500.0)
        for user in (self.clerk, self.billing_manager):
            with self.subTest(user=user.login), self.assertRaisesRegex(UserError, "over its credit limit"):
                invoice.with_user(user).with_context(credit_control_override=True).action_post()
        self.assertEqual(invoice.state, "draft")

    def test_manager_posts_over_limit_with_the_action(self):
        invoice = self._draft(500.0)
        invoice.with_user(self.billing_manager).action_credit_post_over_limit()
        self.assertEqual(invoice.state, "posted")
        # the override ends with the action
        with self.assertRaises(UserError):
            self._draft(500.0).with_user(self.billing_manager).action_post()


@tagged("post_install", "-at_install")
class TestCreditLimitGovernanceRpc(CreditLimitGovernanceCommon, HttpCase):

    def _execute(self, user, model, method, args, context=None):
        return self.xmlrpc_object.execute_kw(
            get_db_name(), user.id, user.login, model, method, args, {"context": context or {}}
        )

    def test_rpc_raise_refused(self):
        for user in (self.collector, self.clerk):
            with self.subTest(user=user.login), self.assertRaises(Fault):
                self._execute(user, "res.partner", "write", [self.customer.ids, {"credit_limit": 100000}])
            self.assertEqual(self._limit(), 150.0)
        # a string is what the field stores as a float: refused the same way
        with self.assertRaisesRegex(Fault, "Only a credit manager can raise"):
            self._execute(self.clerk, "res.partner", "write", [self.customer.ids, {"credit_limit": "100000"}])
        self.assertEqual(self._limit(), 150.0)
        with self.assertRaisesRegex(UserError, "over its credit limit"):
            self._draft(500.0).action_post()

    def test_rpc_override_key_refused(self):
        invoice = self._draft(500.0)
        with self.assertRaisesRegex(Fault, "over its credit limit"):
            self._execute(self.clerk, "account.move", "action_post", [invoice.ids],
                          context={"credit_control_override": True})
        invoice.invalidate_recordset(["state"])
        self.assertEqual(invoice.state, "draft")
