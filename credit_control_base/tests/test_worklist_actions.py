from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import CreditControlCommon


@tagged("post_install", "-at_install")
class TestWorklistActions(CreditControlCommon):
    """The collector's lists offer the bulk actions of the work (hold with
    a reason, reassign), not those that make no sense there: deleting or
    duplicating a dossier, posting or reversing the invoices to collect."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Atelier Durand SAS")
        cls.other = cls._create_customer("Boulangerie Martin")
        cls.invoices = cls._create_invoices([
            {"partner": cls.customer, "amount": 500.0, "date": date(2026, 1, 5), "due": date(2026, 2, 4)},
            {"partner": cls.customer, "amount": 300.0, "date": date(2026, 3, 5), "due": date(2026, 4, 4)},
            {"partner": cls.other, "amount": 200.0, "date": date(2026, 1, 5), "due": date(2026, 2, 4)},
        ])

    def _arch(self, model, view_type, action=None):
        views = self.env[model].get_views(
            [(action.view_id.id if action else False, view_type)],
            {"toolbar": True, "action_id": action.id if action else False},
        )["views"][view_type]
        return etree.fromstring(views["arch"]), views.get("toolbar", {})

    def test_dossier_cannot_be_deleted_nor_duplicated(self):
        for view_type in ("list", "form", "kanban"):
            with self.subTest(view_type=view_type):
                arch, _toolbar = self._arch("credit.control.dossier", view_type)
                self.assertIn(arch.get("delete"), ("0", "false"))
                if view_type != "kanban":
                    self.assertIn(arch.get("duplicate"), ("0", "false"))

    def test_invoices_to_collect_offer_no_posting_nor_reversal(self):
        worklist = self.env.ref("credit_control_base.credit_control_invoice_action")
        hidden = {self.env.ref("account.action_view_account_move_reversal").id,
                  self.env.ref("account.action_validate_account_move").id}
        # elsewhere, an accountant still reverses and posts from the list
        _arch, toolbar = self._arch("account.move", "list")
        self.assertTrue(hidden <= {action["id"] for action in toolbar.get("action", [])})
        arch, toolbar = self._arch("account.move", "list", worklist)
        self.assertFalse(hidden & {action["id"] for action in toolbar.get("action", [])})
        self.assertIn(arch.get("delete"), ("0", "false"))

    @freeze_time("2026-04-20")
    def test_put_on_hold_with_a_reason(self):
        dossiers = self._dossier(self.customer) | self._dossier(self.other)
        binding = self.env.ref("credit_control_base.credit_control_hold_wizard_action")
        self.assertEqual(binding.binding_model_id.model, "credit.control.dossier")
        wizard_model = self.env["credit.control.hold.wizard"].with_user(self.collector_a).with_context(
            active_model="credit.control.dossier", active_ids=dossiers.ids,
        )
        form = Form(wizard_model)
        form.reason = "Litige en cours de négociation"
        form.save().action_apply()
        for move in self.invoices:
            with self.subTest(move=move.name):
                self.assertTrue(move.credit_hold)
                self.assertEqual(move.credit_hold_note, "Litige en cours de négociation")
                self.assertTrue(move.credit_excluded)
        with self.assertRaises(UserError):
            wizard_model.create({"reason": " "}).action_apply()
