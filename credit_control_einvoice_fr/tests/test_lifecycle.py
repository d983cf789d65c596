from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import EinvoiceCommon


@tagged("post_install", "-at_install")
class TestLifecycle(EinvoiceCommon):
    """The statuses the customer's platform sends drive the collection of
    the invoice they name."""

    def _excluded(self):
        self.invoice.invalidate_recordset(["credit_excluded", "credit_exclusion_reason"])
        return self.invoice.credit_exclusion_reason or False

    def test_every_status_is_recorded_on_its_invoice(self):
        for rank, code in enumerate(("200", "204", "205", "209", "214")):
            status = self._import(self._message(code, issued=datetime(2026, 2, 1 + rank, 8, 0)))
            self.assertRecordValues(status, [{
                "move_id": self.invoice.id, "code": code, "direction": "in", "partner_id": self.customer.id,
                "state": "done",
            }])
            self.assertEqual(status.attachment_id.res_id, self.invoice.id)
        self.assertEqual(self.invoice.credit_einvoice_status, "214")
        self.assertEqual(len(self.invoice.credit_einvoice_status_ids), 5)
        dossier = self._dossier(self.customer)
        self.assertEqual(dossier.credit_einvoice_status_ids, self.invoice.credit_einvoice_status_ids)
        self.assertFalse(self._excluded())

    def test_the_same_message_twice_is_imported_once(self):
        message = self._message("205")
        self._import(message)
        self.assertFalse(self._import(message))
        self.assertEqual(len(self.invoice.credit_einvoice_status_ids), 1)

    def test_malformed_message_is_refused_and_changes_nothing(self):
        good = self._message("207", reason="PU_ERR")
        broken = good.replace(b"ram:IssuerAssignedID", b"ram:InvoiceNumber")
        # pyfrctc logs the schema error it raises
        with self.assertRaisesRegex(UserError, "cdar_1.xml is not a valid CDAR lifecycle message.*Schema"), \
                self.assertLogs("pyfrctc", "ERROR"):
            self._import(good, broken)
        self.assertFalse(self.Status.search([("move_id", "=", self.invoice.id)]))
        self.assertFalse(self.invoice.credit_dispute_ids)
        with self.assertRaisesRegex(UserError, "not a valid CDAR lifecycle message"):
            self._import(b"<invoice>not XML")

    def test_unknown_invoice_is_refused(self):
        for issuer in ("999999999",):
            with self.assertRaisesRegex(UserError, "No posted customer invoice"):
                self._import(self._message("205", issuer=issuer))
        self.assertFalse(self.invoice.credit_einvoice_status_ids)

    def test_207_opens_a_dispute_resolved_by_credit_note_then_reminders_resume(self):
        status = self._import(self._message(
            "207", reason="PU_ERR", reason_text="Prix unitaire erroné", comment="Tarif 2025 convenu",
            amounts={"MNATTC": 200.0},
        ))
        dispute = status.dispute_id
        self.assertRecordValues(dispute, [{
            "origin": "einvoice", "state": "new", "disputed_amount": 200.0,
            "reason_id": self.env.ref("credit_control_dispute.credit_control_dispute_reason_price").id,
        }])
        self.assertEqual(dispute.move_ids, self.invoice)
        self.assertIn("PU_ERR", dispute.description)
        self.assertIn("Prix unitaire erroné", dispute.description)
        self.assertEqual(self._excluded(), "In dispute")
        self._run(date(2026, 2, 20))
        self.assertFalse(self._actions(self.customer))
        # a second 207 on the same invoice joins the open dispute
        again = self._import(self._message("207", reason="PU_ERR", issued=datetime(2026, 2, 11, 9, 0)))
        self.assertEqual(again.dispute_id, dispute)

        dispute.action_resolve_credit_note()
        refund = dispute.credit_note_ids
        refund.action_post()  # a credit note of the invoice: reconciled with it when posted
        self.assertEqual(self.invoice.amount_residual, 800.0)
        self.assertFalse(self._excluded())
        self._run(date(2026, 2, 21))
        actions = self._actions(self.customer)
        self.assertTrue(actions)
        self.assertEqual(actions.line_ids.move_id, self.invoice)

    def test_206_disputes_the_part_not_approved(self):
        status = self._import(self._message("206", reason="QTE_ERR", amounts={"MAPTTC": 700.0}))
        self.assertRecordValues(status.dispute_id, [{
            "disputed_amount": 300.0,
            "reason_id": self.env.ref("credit_control_dispute.credit_control_dispute_reason_quantity").id,
        }])

    def test_unknown_reason_code_is_kept_with_reason_other(self):
        status = self._import(self._message("207", reason="AUTRE", reason_text="Motif libre"))
        self.assertEqual(status.dispute_id.reason_id,
                         self.env.ref("credit_control_dispute.credit_control_dispute_reason_other"))
        self.assertEqual((status.reason_code, status.reason), ("AUTRE", "Motif libre"))
        self.assertEqual(status.dispute_id.disputed_amount, 1000.0)

    def test_208_suspends_until_the_platform_moves_on(self):
        self._import(self._message("208", reason="JUSTIF_ABS"))
        self.assertRecordValues(self.invoice, [{"credit_hold": True, "credit_einvoice_hold_code": "208"}])
        self.assertEqual(self._excluded(), "On hold")
        self._import(self._message("205", issued=datetime(2026, 2, 12, 9, 0)))
        self.assertRecordValues(self.invoice, [{"credit_hold": False, "credit_einvoice_hold_code": False}])
        self.assertFalse(self._excluded())

    def test_a_collector_imports_without_rights_on_invoices(self):
        self._dossier(self.customer).collector_id = self.collector_a
        self.env = self.env(user=self.collector_a)
        self.Status = self.Status.with_user(self.collector_a)
        self._import(self._message("208"), self._message("207", reason="QTE_ERR",
                                                         issued=datetime(2026, 2, 11, 9, 0)))
        invoice = self.invoice.with_user(self.collector_a)
        self.assertTrue(invoice.credit_hold)
        self.assertEqual(invoice.credit_einvoice_status, "207")
        self.assertEqual(invoice.credit_dispute_ids.user_id, self.collector_a)

    def test_210_and_213_alert_the_collector_and_stop_the_reminders(self):
        self._dossier(self.customer).collector_id = self.collector_a
        for rank, code in enumerate(("210", "213")):
            self._import(self._message(code, reason="REFUS", issued=datetime(2026, 2, 10 + rank, 9, 0)))
            self.assertTrue(self.invoice.credit_hold)
            activity = self.invoice.activity_ids.filtered(lambda a, c=code: a.summary.startswith(c))
            self.assertEqual(activity.user_id, self.collector_a)
        self._run(date(2026, 2, 20))
        self.assertFalse(self._actions(self.customer))
        # only the collector lifts it: a later status does not
        self._import(self._message("205", issued=datetime(2026, 2, 15, 9, 0)))
        self.assertTrue(self.invoice.credit_hold)

    def test_211_postpones_the_reminders(self):
        self.company.credit_einvoice_postpone_days = 10
        with freeze_time("2026-02-10"):
            self._import(self._message("211", issued=datetime(2026, 2, 10, 9, 0)))
        self.assertEqual(self.invoice.credit_einvoice_postponed_until, date(2026, 2, 20))
        with freeze_time("2026-02-15"):
            self.assertEqual(self._excluded(), "Payment transmitted (e-invoicing)")
        self._run(date(2026, 2, 15))
        self.assertFalse(self._actions(self.customer))
        with freeze_time("2026-02-21"):
            self.assertFalse(self._excluded())
        self._run(date(2026, 2, 21))
        self.assertTrue(self._actions(self.customer))

    def test_205_approved_and_unpaid_is_a_scenario_condition(self):
        Dossier = self.env["credit.control.dossier"]
        dossier = self._dossier(self.customer)
        self._import(self._message("205"))
        with freeze_time("2026-02-15"):
            self.assertIn(dossier, Dossier.search([("credit_einvoice_approved_unpaid", "=", True)]))
            self.assertTrue(dossier.credit_einvoice_approved_unpaid)
            # a reminder step's condition reads it
            self.step_second.condition_domain = "[('credit_einvoice_approved_unpaid', '=', True)]"
            self.assertTrue(self.step_second._has_condition())
        self._pay(self.invoice, payment_date=date(2026, 2, 14))
        with freeze_time("2026-02-15"):
            self.assertNotIn(dossier, Dossier.search([("credit_einvoice_approved_unpaid", "=", True)]))
