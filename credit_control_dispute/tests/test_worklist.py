from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import CreditDisputeCommon


@tagged("post_install", "-at_install")
class TestCustomerRequestsReachTheCollector(CreditDisputeCommon):
    """A dispute or a promise the customer makes on the portal is the
    collector's: the dispute is theirs, and both get an activity in their
    to-do list and a notification in the chatter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        contact = cls.env["res.partner"].create({"name": "Claire Martin", "parent_id": cls.customer.id})
        cls.portal_user = new_test_user(
            cls.env, login="claire_worklist", groups="base.group_portal", partner_id=contact.id,
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)],
        )

    def _as_portal(self, model):
        # as the portal controllers call them
        return model.with_user(self.portal_user).sudo()

    def _assert_told(self, record):
        collector = self.collector_a
        activity = record.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, collector)
        notified = record.message_ids.filtered(lambda m: collector.partner_id in m.notified_partner_ids)
        self.assertTrue(notified, "the collector is notified in the chatter")
        self.assertIn(collector.partner_id, record.message_partner_ids)

    @freeze_time("2026-03-01")
    def test_portal_dispute(self):
        dispute = self._as_portal(self.Dispute)._credit_create_dispute(
            self.dossier, self.invoice_1, self.reason_quality, note="Pain rassis", origin="portal",
        )
        self.assertEqual(dispute.user_id, self.collector_a)
        self._assert_told(dispute)

    @freeze_time("2026-03-01")
    def test_portal_promise(self):
        promise = self._as_portal(self.Promise)._credit_create_promise(
            self.dossier, self.invoice_1, date(2026, 3, 10), origin="portal", note="Virement le 10",
        )
        self._assert_told(promise)

    @freeze_time("2026-03-01")
    def test_without_collector_the_salesperson(self):
        self.dossier.collector_id = False
        self.customer.user_id = self.collector_b
        dispute = self._as_portal(self.Dispute)._credit_create_dispute(
            self.dossier, self.invoice_1, self.reason_quality, note="Pain rassis", origin="portal",
        )
        self.assertEqual(dispute.user_id, self.collector_b)
        self.assertEqual(dispute.activity_ids.user_id, self.collector_b)

    @freeze_time("2026-03-01")
    def test_recorded_by_the_collector_no_activity(self):
        dispute = self.Dispute.with_user(self.collector_a)._credit_create_dispute(
            self.dossier, self.invoice_1, self.reason_quality, note="Au téléphone",
        )
        self.assertEqual(dispute.user_id, self.collector_a)
        self.assertFalse(dispute.activity_ids)


@tagged("post_install", "-at_install")
class TestLatePromise(CreditDisputeCommon):
    """A promise whose date has passed shows as late (colour, filter) until
    the nightly job keeps or breaks it at the end of the grace period."""

    def test_late_until_broken(self):
        with freeze_time("2026-03-01"):
            promise = self.Promise._credit_create_promise(self.dossier, self.invoice_1, date(2026, 3, 10))
        for day, late in (("2026-03-10", False), ("2026-03-11", True), ("2026-03-13", True)):
            with self.subTest(day=day), freeze_time(day):
                self.env.invalidate_all()
                self.assertEqual(promise.is_late, late)
                self.assertEqual(self.Promise.search([("is_late", "=", True)]), promise if late else self.Promise)
                self.assertEqual(
                    self.Promise.search([("is_late", "=", False), ("id", "=", promise.id)]),
                    self.Promise if late else promise,
                )
        with freeze_time("2026-03-14"):
            self.Promise._cron_check_deadlines()
            self.env.invalidate_all()
            self.assertEqual(promise.state, "broken")
            self.assertFalse(promise.is_late)

    def test_list_and_filter(self):
        views = self.Promise.get_views([(False, "list"), (False, "search")])["views"]
        list_arch = etree.fromstring(views["list"]["arch"])
        self.assertIn("is_late", list_arch.get("decoration-danger"))
        search_arch = etree.fromstring(views["search"]["arch"])
        self.assertTrue(search_arch.xpath("//filter[@name='late']"))
