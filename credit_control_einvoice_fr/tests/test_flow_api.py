import os
from datetime import date, datetime
from unittest.mock import patch

import pyfrctc

from odoo.tests import tagged

from ..cdar import CdarError, check_schematron
from .common import CollectedCommon
from .platform_standin import PlatformStandin


@tagged("post_install", "-at_install")
class TestFlowApi(CollectedCommon):
    """The platform's flow API, through the module's client (pyfrctc) over
    real HTTP, against a stand-in platform on loopback started here."""

    def setUp(self):
        super().setUp()
        self.platform = PlatformStandin("odoo-client", "s3cret")
        self.addCleanup(self.platform.stop)
        # OAuth2 over plain HTTP: the stand-in listens on loopback only
        environ = patch.dict(os.environ, {"OAUTHLIB_INSECURE_TRANSPORT": "1"})
        environ.start()
        self.addCleanup(environ.stop)
        self.company.sudo().write({
            "credit_einvoice_api_url": self.platform.url,
            "credit_einvoice_client_id": "odoo-client",
            "credit_einvoice_client_secret": "s3cret",
        })

    def test_the_cron_imports_the_platform_feed_once(self):
        self.platform.publish(self._message("205", issued=datetime(2026, 2, 9, 8, 0)),
                              "2026-02-09T08:00:01.000Z", name="205.xml")
        self.platform.publish(self._message("207", reason="LIVR_INCOMP", reason_text="Livraison incomplète",
                                            issued=datetime(2026, 2, 10, 9, 0)),
                              "2026-02-10T09:00:01.000Z", name="207.xml")
        other = self._create_customer("Inconnu")
        stray = self._create_invoice(other, 10.0, date(2026, 1, 31))
        stray_message = self._message("205", invoice=stray).replace(stray.name.encode(), b"FAC-INCONNUE")
        self.platform.publish(stray_message, "2026-02-10T10:00:00.000Z")
        # what arrived since the last synchronization
        self.company.sudo().credit_einvoice_last_sync = datetime(2026, 2, 1)
        self.Status._cron_sync_platform()
        statuses = self.invoice.credit_einvoice_status_ids.sorted("status_date")
        self.assertEqual(statuses.mapped("code"), ["205", "207"])
        self.assertTrue(all(statuses.mapped("flow_id")))
        self.assertEqual(statuses[1].dispute_id.reason_id,
                         self.env.ref("credit_control_dispute.credit_control_dispute_reason_delivery"))
        self.assertEqual(self.company.sudo().credit_einvoice_last_sync, datetime(2026, 2, 10, 10, 0))
        gets = [path for method, path in self.platform.requests if method == "GET"]
        self.assertEqual(len(gets), 3)
        # the next run asks for what changed since, and imports nothing twice
        self.platform.requests.clear()
        self.Status._cron_sync_platform()
        self.assertEqual(len(self.invoice.credit_einvoice_status_ids), 2)
        self.assertFalse([path for method, path in self.platform.requests if method == "GET"])

    def test_212_is_sent_through_the_platform(self):
        self._pay(self.services, amount=875.0, payment_date=date(2026, 2, 1))
        status = self._collected()
        self.assertEqual(status.state, "to_send")
        self.Status._cron_sync_platform()
        self.assertEqual(status.state, "sent")
        self.assertEqual(len(self.platform.sent), 1)
        meta, content = self.platform.sent[0]
        self.assertEqual(status.flow_id, meta["flowId"])
        self.assertEqual(meta["flowSyntax"], "CDAR")
        self.assertEqual(content, status.attachment_id.raw)
        self.assertEqual(pyfrctc.parse_cdar(content)["status_code"], "212")
        # sent once
        self.Status._cron_sync_platform()
        self.assertEqual(len(self.platform.sent), 1)

    def test_a_platform_refusing_the_credentials_leaves_the_message_to_send(self):
        self.company.sudo().credit_einvoice_client_secret = "wrong"
        self._pay(self.services, amount=875.0, payment_date=date(2026, 2, 1))
        self.Status._cron_sync_platform()
        status = self._collected()
        self.assertEqual(status.state, "error")
        self.assertTrue(status.error)
        self.assertFalse(self.platform.sent)
        self.company.sudo().credit_einvoice_client_secret = "s3cret"
        status.action_send()
        self.assertEqual(status.state, "sent")

    def test_an_undone_payment_whose_212_did_not_leave_sends_nothing(self):
        payment = self._pay(self.services, amount=875.0, payment_date=date(2026, 2, 1))
        status = self._collected()
        self.assertEqual(status.state, "to_send")
        payment.action_draft()
        self.assertRecordValues(self._collected(), [{"amount": 875.0, "state": "cancelled"}])
        self.Status._cron_sync_platform()
        self.assertFalse(self.platform.sent)

    def test_a_message_breaking_a_br_fr_cdv_rule_does_not_leave(self):
        # a 212 without its collected amount: valid against the CDAR schema
        # (pyfrctc checked it), not against rule BR-FR-CDV-14
        content = self._message("212")
        pyfrctc.check_cdar_xsd(content)
        with self.assertRaisesRegex(CdarError, r"BR-FR-CDV-14/MDT-207"):
            check_schematron(content)
        # the module's own message, made without the amounts, is kept in error
        payment = self._pay(self.invoice, payment_date=date(2026, 2, 1))
        status = self.Status.create({
            "move_id": self.services.id, "code": "212", "direction": "out", "state": "to_send",
            "payment_move_id": payment.move_id.id,
        })
        status._credit_generate([])
        self.assertRecordValues(status, [{"state": "error", "attachment_id": False}])
        self.assertIn("BR-FR-CDV-14", status.error)
        self.Status._cron_sync_platform()
        status.action_send()
        self.assertEqual(status.state, "error")
        self.assertFalse(self.platform.sent)
