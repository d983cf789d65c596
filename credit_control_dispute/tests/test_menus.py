from odoo.tests import tagged

from odoo.addons.credit_control_base.tests.common_menus import MenuSmokeCase


@tagged("post_install", "-at_install")
class TestMenus(MenuSmokeCase):
    MODULE = "credit_control_dispute"

    def test_every_menu(self):
        self._check_every_menu()


@tagged("post_install", "-at_install")
class TestMenusPhone(TestMenus):
    allow_inherited_tests_method = True
    browser_size = "375x667"
    touch_enabled = True
    LANGS = ("fr_FR",)
