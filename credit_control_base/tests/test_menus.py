from odoo import Command
from odoo.tests import TransactionCase, tagged

from .common_menus import MenuSmokeCase, PhoneWidth


@tagged("post_install", "-at_install")
class TestMenus(MenuSmokeCase):
    MODULE = "credit_control_base"


@tagged("post_install", "-at_install")
class TestMenusPhone(PhoneWidth, TestMenus):
    pass


@tagged("post_install", "-at_install")
class TestMenuStructure(TransactionCase):
    """Credit Control is an app of its own, with five top menus by what a
    user comes to do; every entry of every credit_control_* module sits
    under one of them, and none runs a server action (those are buttons)."""

    TOPS = [
        "credit_control_base.credit_control_menu_dashboard",
        "credit_control_base.credit_control_menu_operations",
        "credit_control_base.credit_control_menu_customers",
        "credit_control_base.credit_control_kpi_menu_reporting",
        "credit_control_base.credit_control_menu_config",
    ]

    def _our_menus(self):
        data = self.env["ir.model.data"].search([
            ("module", "=like", "credit_control_%"), ("model", "=", "ir.ui.menu"),
        ])
        return self.env["ir.ui.menu"].browse(data.mapped("res_id"))

    def test_app_and_top_menus(self):
        root = self.env.ref("credit_control_base.credit_control_menu_root")
        self.assertFalse(root.parent_id, "an app of the home menu")
        self.assertEqual(root.web_icon, "credit_control_base,static/description/icon.png")
        self.assertEqual(root.child_id.sorted("sequence"), self.env["ir.ui.menu"].browse(
            [self.env.ref(xmlid).id for xmlid in self.TOPS]
        ))
        self.assertEqual(
            root.child_id.sorted("sequence").with_context(lang="en_US").mapped("name"),
            ["Dashboard", "Operations", "Customers", "Reports", "Configuration"],
        )
        manager = self.env.ref("credit_control_base.group_credit_control_manager")
        self.assertEqual(self.env.ref("credit_control_base.credit_control_menu_config").groups_id, manager)

    def test_every_entry_under_a_top_menu(self):
        root = self.env.ref("credit_control_base.credit_control_menu_root")
        tops = self.env["ir.ui.menu"].browse([self.env.ref(xmlid).id for xmlid in self.TOPS])
        for menu in self._our_menus() - root - tops:
            with self.subTest(menu=menu.complete_name):
                ancestor = menu.parent_id
                while ancestor.parent_id != root:
                    self.assertTrue(ancestor.parent_id, "in the Credit Control app")
                    ancestor = ancestor.parent_id
                self.assertIn(ancestor, tops)
                self.assertTrue(menu.action or menu.child_id, "an entry opens something")
                # a launcher that opens the dashboard's window is the one server action
                if menu.action and menu.action._name == "ir.actions.server":
                    launcher = self.env.ref("credit_control_base.credit_control_kpi_dashboard_action")
                    self.assertEqual(menu.action, launcher)

    def test_what_each_role_sees(self):
        users = {
            role: self.env["res.users"].create({
                "name": role, "login": f"menu_{role}",
                "groups_id": [Command.set([
                    self.env.ref("base.group_user").id,
                    self.env.ref(f"credit_control_base.group_credit_control_{role}").id,
                ])],
            })
            for role in ("info", "collector", "manager")
        }
        root = self.env.ref("credit_control_base.credit_control_menu_root")
        config = self.env.ref("credit_control_base.credit_control_menu_config")
        operations = self.env.ref("credit_control_base.credit_control_menu_operations")
        customers = self.env.ref("credit_control_base.credit_control_menu_customers")
        for role, user in users.items():
            with self.subTest(role=role):
                visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
                self.assertIn(root.id, visible)
                self.assertEqual(config.id in visible, role == "manager")
                self.assertIn(customers.id, visible)
                if role != "info":
                    self.assertIn(operations.id, visible)
