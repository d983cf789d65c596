from odoo.modules import neutralize
from odoo.tests import tagged

from odoo.addons.credit_control_dispute.tests.common import CreditDisputeCommon

from ..const import STRIPE_API_URL_PARAM

MODULES = (
    "credit_control_base",
    "credit_control_scenario",
    "credit_control_scoring",
    "credit_control_dispute",
    "credit_control_portal",
)


@tagged("post_install", "-at_install")
class TestNeutralize(CreditDisputeCommon):
    """A copy of a production database (``odoo neutralize``) runs none of
    our crons, opens none of the statement links sent by the production and
    talks to no Stripe server named in a parameter."""

    def test_each_module_ships_its_neutralization(self):
        for module in MODULES:
            with self.subTest(module=module):
                self.assertEqual(len(list(neutralize.get_neutralization_queries([module]))), 1)

    def test_our_queries_neutralize_a_copy(self):
        self.env["ir.config_parameter"].sudo().set_param(STRIPE_API_URL_PARAM, "http://127.0.0.1:12111")
        crons = self.env["ir.cron"].sudo().browse(self.env["ir.model.data"].sudo().search([
            ("model", "=", "ir.cron"), ("module", "in", MODULES),
        ]).mapped("res_id"))
        self.assertTrue(crons)
        crons.active = True
        token = self.dossier._credit_statement_token(self.dossier._credit_now() + 3600)
        version = self.dossier.statement_link_version
        self.assertEqual(self.dossier._credit_check_statement_token(token), "valid")
        self.env.flush_all()

        # Only our modules' files: core's own queries (base stops every cron)
        # must not hide a missing one.
        for query in neutralize.get_neutralization_queries(MODULES):
            self.env.cr.execute(query)
        self.env.invalidate_all()

        self.assertEqual(crons.mapped("active"), [False] * len(crons))
        self.assertGreater(self.dossier.statement_link_version, version)
        self.assertFalse(self.dossier._credit_check_statement_token(token))
        self.assertFalse(self.env["ir.config_parameter"].sudo().get_param(STRIPE_API_URL_PARAM))
        # Links signed on the copy afterwards work on the copy.
        fresh = self.dossier._credit_statement_token(self.dossier._credit_now() + 3600)
        self.assertEqual(self.dossier._credit_check_statement_token(fresh), "valid")

    def test_the_whole_neutralization_runs(self):
        self.env["ir.config_parameter"].sudo().set_param(STRIPE_API_URL_PARAM, "http://127.0.0.1:12111")
        self.env.flush_all()
        neutralize.neutralize_database(self.env.cr)
        self.env.invalidate_all()
        self.assertFalse(self.env["ir.config_parameter"].sudo().get_param(STRIPE_API_URL_PARAM))
