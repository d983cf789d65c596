from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo.tests import Form, tagged

from .common import CreditDisputeCommon


@tagged("post_install", "-at_install")
class TestPlanDialog(CreditDisputeCommon):
    """The "Payment Plan" dialog of a dossier or of invoices: only what can
    be planned is preselected, and the dialog has a title and one button
    that saves (Confirm), not Save and Confirm side by side."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice_3, cls.invoice_4 = cls._create_invoices([
            {"partner": cls.customer, "amount": 300.0, "date": date(2026, 1, 5), "due": date(2026, 2, 4)},
            {"partner": cls.customer, "amount": 200.0, "date": date(2026, 1, 6), "due": date(2026, 2, 5)},
        ])

    def _preselected(self, action):
        return self.env["account.move"].browse(action["context"]["default_move_ids"])

    @freeze_time("2026-03-01")
    def test_preselects_only_what_can_be_planned(self):
        self.Dispute._credit_create_dispute(self.dossier, self.invoice_1, self.reason_quality, note="Broken")
        self.Plan._credit_create_plan(self.dossier, self.invoice_3, 2, date(2026, 3, 15))
        self.Promise._credit_create_promise(self.dossier, self.invoice_4, date(2026, 3, 10))
        action = self.dossier.action_new_plan()
        self.assertEqual(self._preselected(action), self.invoice_2,
                         "not the disputed invoice, nor those of a plan or a pending promise")
        # a plan of what is preselected can be confirmed as is
        with Form(self.Plan.with_context(**action["context"])) as form:
            self.assertEqual(form.amount_total, 500.0)
        form.record.action_confirm()
        self.assertEqual(form.record.state, "active")
        # from the invoices: the same rules on the invoices selected
        action = self.invoices.action_credit_payment_plan()
        self.assertFalse(self._preselected(action), "invoice 1 disputed, invoice 2 in the plan just made")

    def test_dialog_has_a_title_and_one_save_button(self):
        action = self.dossier.action_new_plan()
        self.assertEqual(action["target"], "new")
        self.assertTrue(action["name"])
        views = self.Plan.with_context(**action["context"]).get_views([(False, "form")])
        arch = etree.fromstring(views["views"]["form"]["arch"])
        footer = arch.find(".//footer")
        self.assertIsNotNone(footer, "the dialog's own buttons, instead of Save and Discard beside Confirm")
        self.assertEqual([b.get("name") or b.get("special") for b in footer.iter("button")],
                         ["action_confirm", "cancel"])
        self.assertEqual([b.get("class") for b in footer.iter("button")].count("btn-primary"), 1)
        # the header's Confirm is hidden in the dialog (its footer has it), kept on the full form
        header_confirm = arch.find(".//header/button[@name='action_confirm']")
        self.assertIn("credit_plan_dialog", header_confirm.get("invisible"))
        self.assertTrue(action["context"].get("credit_plan_dialog"))
        # a title for a plan not saved yet, not the "/" of its reference
        title = arch.find(".//div[@class='oe_title']")
        self.assertIn("New Payment Plan", etree.tostring(title, encoding="unicode"))
