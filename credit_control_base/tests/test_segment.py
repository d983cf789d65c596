from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import CreditControlCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestSegment(CreditControlCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Segment = cls.env["credit.control.segment"]
        cls.key_accounts = Segment.create({
            "name": "Key Accounts", "sequence": 1, "rule_domain": "[('open_amount', '>=', 10000)]",
        })
        cls.late = Segment.create({
            "name": "Late Payers", "sequence": 2, "rule_domain": "[('max_days_overdue', '>', 60)]",
        })
        cls.others = Segment.create({"name": "Others", "sequence": 9, "rule_domain": "[]"})
        cls.big = cls._create_customer("Grand Compte SA")
        cls.slow = cls._create_customer("Lent SARL")
        cls.small = cls._create_customer("Petit Client")
        cls._create_invoices([
            {"partner": cls.big, "amount": 15000.0, "due": date(2026, 1, 1)},   # big AND late: first wins
            {"partner": cls.slow, "amount": 500.0, "due": date(2026, 2, 1)},
            {"partner": cls.small, "amount": 100.0, "due": date(2026, 6, 1)},
        ])

    def test_rules_assign_first_matching_segment(self):
        self.assertEqual(self._dossier(self.big).segment_id, self.key_accounts)
        self.assertEqual(self._dossier(self.slow).segment_id, self.late)
        self.assertEqual(self._dossier(self.small).segment_id, self.others)
        self.assertEqual(self.late.dossier_count, 1)

    def test_recompute_follows_the_situation(self):
        self._pay(self.env["account.move"].search([("partner_id", "=", self.slow.id)]))
        self.late.action_assign_segments()
        self.assertEqual(self._dossier(self.slow).segment_id, self.others)

    def test_manual_override_is_kept_until_reset(self):
        dossier = self._dossier(self.small)
        with Form(dossier.with_user(self.credit_manager)) as form:
            form.segment_id = self.key_accounts
        self.assertTrue(dossier.segment_manual)
        self.env["credit.control.dossier"]._cron_refresh_dossiers()
        self.assertEqual(dossier.segment_id, self.key_accounts)
        dossier.action_reset_segment()
        self.assertEqual(dossier.segment_id, self.others)
        self.assertFalse(dossier.segment_manual)

    def test_no_matching_segment_clears_it(self):
        self.others.active = False
        self._dossier(self.small)._assign_segments()
        self.assertFalse(self._dossier(self.small).segment_id)

    def test_company_specific_segments(self):
        other_company = self.setup_other_company()["company"]
        self.key_accounts.company_id = other_company
        self._dossier(self.big)._assign_segments()
        self.assertEqual(self._dossier(self.big).segment_id, self.late)

    def test_company_of_the_segment_checked_when_the_rules_write_it(self):
        """The rules write a segment on many dossiers at once, checked on
        one of them: a segment of another company is still refused, for
        dossiers of one company as for dossiers of two."""
        other_company = self.setup_other_company()["company"]
        foreign = self.env["credit.control.segment"].create({"name": "Filiale", "company_id": other_company.id})
        dossiers = self._dossier(self.big) | self._dossier(self.slow) | self._dossier(self.small)
        by_rule = dossiers.with_context(credit_segment_by_rule=True, tracking_disable=True)
        with self.assertRaises(UserError), self.env.cr.savepoint():
            by_rule.write({"segment_id": foreign.id})
        abroad = self.env["credit.control.dossier"].create({"partner_id": self.small.id,
                                                              "company_id": other_company.id})
        # the dossier of the other company first: checked alone, it would pass
        with self.assertRaises(UserError), self.env.cr.savepoint():
            (abroad | by_rule).with_context(credit_segment_by_rule=True).write({"segment_id": foreign.id})
        by_rule.write({"segment_id": self.late.id})
        self.assertEqual(dossiers.segment_id, self.late)

    def test_invalid_rule_is_refused_and_nothing_saved(self):
        Segment = self.env["credit.control.segment"]
        count = Segment.search_count([])
        bad_rules = [
            "[('open_amount', '>='",            # not Python
            "[('no_such_field', '=', 1)]",      # unknown field
            "[('open_amount', 'between', 3)]",  # unknown operator
            "42",                                # not a domain
            "[('name', '=', __import__('os'))]",  # not allowed
        ]
        for rule in bad_rules:
            with self.subTest(rule=rule):
                with self.assertRaises(ValidationError) as caught, self.env.cr.savepoint():
                    Segment.create({"name": "Broken", "rule_domain": rule})
                self.assertIn("Broken", str(caught.exception))
        self.assertEqual(Segment.search_count([]), count)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.late.rule_domain = "[('max_days_overdue', '>',"
        self.assertEqual(self.late.rule_domain, "[('max_days_overdue', '>', 60)]")
