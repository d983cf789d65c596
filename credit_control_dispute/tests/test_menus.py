from odoo.tests import tagged

from odoo.addons.credit_control_base.tests.common_menus import MenuSmokeCase, PhoneWidth


@tagged("post_install", "-at_install")
class TestMenus(MenuSmokeCase):
    MODULE = "credit_control_dispute"


@tagged("post_install", "-at_install")
class TestMenusPhone(PhoneWidth, TestMenus):
    pass
