from odoo.tests import tagged

from .common_menus import MenuSmokeCase, PhoneWidth


@tagged("post_install", "-at_install")
class TestMenus(MenuSmokeCase):
    MODULE = "credit_control_base"


@tagged("post_install", "-at_install")
class TestMenusPhone(PhoneWidth, TestMenus):
    pass
