from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import CreditPortalCommon


@tagged("post_install", "-at_install")
class TestCollectorIsTold(CreditPortalCommon):
    """What the customer sends from its statement lands with its collector:
    the dispute is theirs, with an activity, and the chatter tells them."""

    def _told(self, record):
        collector = self.collector_a
        self.assertEqual(record.activity_ids.user_id, collector)
        self.assertTrue(record.message_ids.filtered(lambda m: collector.partner_id in m.notified_partner_ids))

    def test_dispute_from_the_portal(self):
        self.authenticate("claire", "claire")
        data = {"move_ids": [self.invoice_2.id], "reason_id": self.reason_quality.id, "dispute_note": "Pain rassis"}
        response = self._post("dispute", data, None)
        self.assertEqual(response.status_code, 303, response.text[:300])
        dispute = self.Dispute.search([("dossier_id", "=", self.dossier.id)])
        self.assertEqual(dispute.user_id, self.collector_a)
        self._told(dispute)

    def test_promise_by_the_signed_link(self):
        promised = fields.Date.today() + timedelta(days=10)
        response = self._post("promise", {"move_ids": [self.invoice_1.id], "promise_date": str(promised)},
                              self._new_token())
        self.assertEqual(response.status_code, 303, response.text[:300])
        self._told(self.Promise.search([("dossier_id", "=", self.dossier.id)]))
