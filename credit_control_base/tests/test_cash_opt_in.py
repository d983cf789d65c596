import importlib.util
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.modules.module import get_module_path
from odoo.tests import tagged

from odoo.addons.credit_control_base.models import credit_control_cash_matcher

from .common import CreditControlCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-02-15")
class TestCashApplicationOptIn(CreditControlCommon):
    """Automatic cash application rewrites posted bank entries: a company
    chooses it (Settings), it is off until then."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref("credit_control_base.group_credit_control_cash_application")
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.customer = cls._create_customer("Boulangerie Martin")
        cls.cron = cls.env.ref("credit_control_base.ir_cron_credit_control_cash_match")
        cls.Matcher = cls.env["credit.control.cash.matcher"]
        cls.Proposal = cls.env["credit.control.cash.proposal"]
        # settings are for administrators
        cls.admin = cls._create_credit_user(
            "credit_admin", "base.group_system,credit_control_base.group_credit_control_manager")

    def _bank_line(self, amount, label, **context):
        return self.env["account.bank.statement.line"].with_context(**context).create({
            "journal_id": self.bank_journal.id,
            "date": date(2026, 2, 10),
            "payment_ref": label,
            "amount": amount,
            "partner_id": self.customer.id,
        })

    def _triggers(self):
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])

    def test_off_by_default_on_a_new_company(self):
        self.assertFalse(self.company.credit_cash_application)
        company = self.env["res.company"].create({"name": "Nouvelle Société"})
        self.assertFalse(company.credit_cash_application)
        self.admin.company_ids |= company
        settings = self.env["res.config.settings"].with_user(self.admin).with_company(company).create({})
        self.assertFalse(settings.credit_cash_application)

    def test_off_a_statement_line_is_not_matched_nor_triggers_the_cron(self):
        invoice = self._create_invoice(self.customer, 90.0, due=date(2026, 1, 31))
        triggers = self._triggers()
        st_line = self._bank_line(90.0, invoice.name)
        self.assertEqual(self._triggers(), triggers, "no cron trigger for a company without cash application")
        self.Matcher._cron_match_cash()
        self.assertFalse(self.Proposal.search([("statement_line_id", "=", st_line.id)]))
        self.assertFalse(st_line.is_reconciled)
        self.assertEqual(invoice.amount_residual, 90.0)
        # the customer payments of that company are left alone as well
        payment = self._receive_unapplied(self.customer, 90.0)
        self.Matcher._cron_match_cash()
        self.assertFalse(self.Proposal.search([("source_line_id", "in", payment.move_id.line_ids.ids)]))

    def test_switching_on_then_matches(self):
        invoice = self._create_invoice(self.customer, 90.0, due=date(2026, 1, 31))
        st_line = self._bank_line(90.0, invoice.name)
        self.Matcher._cron_match_cash()
        self.assertFalse(st_line.is_reconciled)

        self.env["res.config.settings"].with_user(self.admin).create({"credit_cash_application": True}).execute()
        self.assertTrue(self.company.credit_cash_application)
        self.assertTrue(self.cron.active)
        # the line of before is matched by the next run of the cron
        self.Matcher._cron_match_cash()
        self.assertTrue(st_line.is_reconciled)
        self.assertEqual(invoice.amount_residual, 0.0)
        # and a new line triggers it
        other = self._create_invoice(self.customer, 45.0, due=date(2026, 1, 31))
        triggers = self._triggers()
        self._bank_line(45.0, other.name)
        self.assertEqual(self._triggers(), triggers + 1)
        self.Matcher._cron_match_cash()
        self.assertEqual(other.amount_residual, 0.0)

    def test_the_cron_is_active_while_a_company_has_it_on(self):
        companies = self.env["res.company"].sudo().search([])
        companies.credit_cash_application = False
        self.assertFalse(self.cron.active)
        self._enable_cash_application()
        self.assertTrue(self.cron.active)
        self.company.credit_cash_application = False
        self.assertFalse(self.cron.active)

    def test_off_matching_by_hand_stays_available(self):
        """A user with the Cash Application right who asks for a match gets
        it: the setting is about what happens without anybody asking."""
        invoice = self._create_invoice(self.customer, 90.0, due=date(2026, 1, 31))
        st_line = self._bank_line(90.0, invoice.name)
        action = st_line.action_credit_cash_match()
        self.assertEqual(action["params"]["message"], "1 reconciled automatically, 0 to review.")
        self.assertEqual(invoice.amount_residual, 0.0)

    def test_off_too_many_lines_for_now_are_refused_rather_than_left_to_the_cron(self):
        invoices = self._create_invoices([
            {"partner": self.customer, "amount": 10.0 + i, "due": date(2026, 1, 31)} for i in range(4)
        ])
        st_lines = self.env["account.bank.statement.line"]
        for invoice in invoices:
            st_lines |= self._bank_line(invoice.amount_total, invoice.name)
        with patch.object(credit_control_cash_matcher, "BACKGROUND_LIMIT", 3), \
                self.assertRaisesRegex(UserError, "Settings > Credit Control > Cash Application"):
            st_lines.action_credit_cash_match()
        self._enable_cash_application()
        triggers = self._triggers()
        with patch.object(credit_control_cash_matcher, "BACKGROUND_LIMIT", 3):
            action = st_lines.action_credit_cash_match()
        self.assertIn("background", action["params"]["message"])
        self.assertEqual(self._triggers(), triggers + 1)

    def test_upgrade_keeps_it_on_where_cash_proposals_exist(self):
        """The migration to 18.0.1.1.0: a company that had cash proposals
        keeps the behaviour of before (on), the others are off."""
        invoice = self._create_invoice(self.customer, 90.0, due=date(2026, 1, 31))
        self.Matcher._credit_run(companies=self.company, statement_lines=self._bank_line(90.0, invoice.name))
        self.assertTrue(self.Proposal.search([("company_id", "=", self.company.id)]))
        other = self.env["res.company"].create({"name": "Sans Lettrage"})
        self.env["res.company"].sudo().search([]).credit_cash_application = False
        self.cron.active = True  # as any database of before had it

        path = f"{get_module_path('credit_control_base')}/migrations/18.0.1.1.0/post-migration.py"
        spec = importlib.util.spec_from_file_location("credit_control_base_post_migration_18_0_1_1_0", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()

        self.assertTrue(self.company.credit_cash_application)
        self.assertFalse(other.credit_cash_application)
        self.assertTrue(self.cron.active)
