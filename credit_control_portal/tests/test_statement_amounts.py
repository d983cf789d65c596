import re
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import CreditPortalCommon


@tagged("post_install", "-at_install")
class TestStatementAmounts(CreditPortalCommon):
    """The statement counts what is owed as the dossier and the reminders
    do: per instalment, and net of the payments not matched yet."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.today()
        # 300 due 30 days ago, 700 due in 60 days
        term = cls._create_instalment_term([(30, 10), (70, 100)])
        cls.instalments = cls._create_invoices([{
            "partner": cls.customer, "amount": 1000.0, "date": today - timedelta(days=40), "payment_term": term,
        }])
        cls.first_due = today - timedelta(days=30)
        cls.second_due = today + timedelta(days=60)

    def _total(self, html, css_class):
        value = re.search(rf'o_credit_{css_class}_total[^>]*>(.*?)</div>', html, re.S).group(1)
        return float(re.sub(r"[^0-9.]", "", re.sub(r"<[^>]*>", "", value).replace(",", "")))

    def test_instalments_not_due_are_not_overdue(self):
        """Failed before: the invoice counted in full (1 000) as overdue on
        the statement, marked 'Overdue'."""
        html = self.url_open(self._statement_url()).text
        self.assertEqual(self._total(html, "overdue"), 1800.0)  # 1 000 + 500 + the first instalment
        self.assertEqual(self._total(html, "overdue"), self.dossier.overdue_amount)
        self.assertEqual(self._total(html, "open"), 2500.0)
        self.assertIn("Partly overdue", html)
        self.assertIn("Not yet due", html)
        self.assertEqual(len(re.findall(r'class="o_credit_instalment', html)), 2)
        # paying all that is overdue pays the first instalment, not the second
        response = self._post("pay", {"scope": "overdue"}, self._new_token())
        amount = re.search(r'data-amount="([^"]*)"', response.text).group(1)
        self.assertEqual(float(amount), 1800.0)

    def test_contact_payment_deducted(self):
        payment = self._receive_unapplied(self.contact, 200.0)
        html = self.url_open(self._statement_url()).text
        self.assertIn("o_credit_unapplied", html)
        self.assertIn(payment.move_id.name, html)
        self.assertEqual(self._total(html, "open"), 2300.0)
        self.assertEqual(self._total(html, "open"), self.dossier.open_amount)
