from contextlib import closing
from datetime import date
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged

from .common import CreditControlCommon


@tagged("post_install", "-at_install")
class TestDossierCreate(CreditControlCommon):
    """Dossiers opened by posting invoices are made by ``create()``: the
    defaults and overrides of other modules apply to them."""

    def test_defaults_apply(self):
        """A default set on the dossier (here in ir.default, as a module or
        an administrator would) is given to the dossiers opened by posting
        an invoice; the invoice's ``default_*`` context keys are not."""
        self.env["ir.default"].set("credit.control.dossier", "collector_id", self.collector_a.id)
        customer = self._create_customer("Boulangerie Morel")
        invoice = self._create_invoice(customer, 100.0, due=date(2026, 6, 1))
        self.assertEqual(self._dossier(customer).collector_id, self.collector_a)
        # the same, called in the context of an invoice form
        self._dossier(customer).unlink()
        self.env["credit.control.dossier"].with_context(
            default_name="Not a dossier's", default_segment_manual=True,
        )._ensure_dossiers(invoice)
        self.assertRecordValues(self._dossier(customer), [{
            "collector_id": self.collector_a.id,
            "name": "Boulangerie Morel",
            "segment_manual": False,
        }])

    def test_create_override_applies_in_one_batch(self):
        Dossier = self.env["credit.control.dossier"]
        original = type(Dossier).create
        calls = []

        def create(records, vals_list):
            calls.append(vals_list)
            return original(records, vals_list)

        customers = self._create_customer("Menuiserie Roux") | self._create_customer("Pharmacie Blanc")
        moves = self._create_invoices([
            {"partner": customer, "amount": 100.0, "due": date(2026, 6, 1)} for customer in customers
        ], post=False)
        with patch.object(type(Dossier), "create", create):
            moves.action_post()
        self.assertEqual(len(calls), 1, "one create() for the batch")
        self.assertEqual(
            sorted(vals["partner_id"] for vals in calls[0]), sorted(customers.ids),
        )
        self.assertEqual(len(Dossier.search([("partner_id", "in", customers.ids)])), 2)


@tagged("post_install", "-at_install")
class TestDossierCreateConcurrency(TransactionCase):
    """Two transactions post the first invoices of a new customer at once:
    one dossier, and the later transaction goes on without an error. The
    data is committed through cursors of the test (other transactions must
    see it) and deleted afterwards."""

    def setUp(self):
        super().setUp()
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            partner = env["res.partner"].create({"name": "Concurrent Dossier", "is_company": True})
            moves = env["account.move"].with_company(company).create({
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "company_id": company.id,
                "invoice_date": date(2026, 2, 1),
                "invoice_date_due": date(2026, 3, 1),
                "invoice_line_ids": [
                    Command.create({"name": "Audit", "quantity": 1, "price_unit": 500.0, "tax_ids": []}),
                ],
            })
            moves.action_post()
            # as if the dossier had not been made yet
            env["credit.control.dossier"].search([("partner_id", "=", partner.id)]).unlink()
            self.partner_id, self.move_ids = partner.id, moves.ids
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            moves = env["account.move"].browse(self.move_ids)
            moves.button_draft()
            moves.with_context(force_delete=True).unlink()
            env["credit.control.dossier"].search([("partner_id", "=", self.partner_id)]).unlink()
            env["res.partner"].browse(self.partner_id).unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def _worker(self):
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        env = api.Environment(cr, SUPERUSER_ID, {})
        return env, env["credit.control.dossier"], env["account.move"].browse(self.move_ids)

    def _count(self):
        with closing(self.registry.cursor()) as cr:
            cr.execute("SELECT COUNT(*) FROM credit_control_dossier WHERE partner_id = %s", [self.partner_id])
            return cr.fetchone()[0]

    def test_two_transactions_open_the_same_dossier(self):
        env_a, dossier_a, moves_a = self._worker()
        env_b, dossier_b, moves_b = self._worker()
        # B's snapshot is taken before A commits: it cannot see A's dossier
        self.assertFalse(dossier_b.search([("partner_id", "=", self.partner_id)]))
        self.assertEqual(len(dossier_a._ensure_dossiers(moves_a)), 1)
        env_a.cr.commit()
        self.assertFalse(dossier_b._ensure_dossiers(moves_b), "made by the other transaction")
        # B's transaction is still usable and commits
        env_b["res.partner"].browse(self.partner_id).comment = "checked"
        env_b.cr.commit()
        self.assertEqual(self._count(), 1)
