from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import CreditControlCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestDossier(CreditControlCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Garage Lefèvre", email="compta@lefevre.example")
        cls._create_invoices([
            {"partner": cls.customer, "amount": 1000.0, "due": date(2026, 6, 1)},   # not due
            {"partner": cls.customer, "amount": 200.0, "due": date(2026, 5, 1)},    # 14 days
            {"partner": cls.customer, "amount": 300.0, "due": date(2026, 3, 1)},    # 75 days
            {"partner": cls.customer, "amount": 400.0, "due": date(2025, 12, 1)},   # 165 days
        ])
        cls.refund = cls._create_invoice(cls.customer, 50.0, due=date(2026, 5, 10), move_type="out_refund")
        cls.dossier = cls.env["credit.control.dossier"].search([("partner_id", "=", cls.customer.id)])

    def test_dossier_opened_on_first_posted_invoice(self):
        self.assertEqual(len(self.dossier), 1)
        self.assertEqual(self.dossier.company_id, self.company)
        newcomer = self._create_customer("Nouveau Client")
        draft = self._create_invoices([{"partner": newcomer, "amount": 10.0, "due": date(2026, 6, 1)}], post=False)
        self.assertFalse(self._dossier(newcomer))
        draft.action_post()
        self.assertTrue(self._dossier(newcomer))
        # a contact's invoice lands in its company's dossier
        contact = self.env["res.partner"].create({"name": "Jean Lefèvre", "parent_id": self.customer.id})
        self._create_invoice(contact, 10.0, due=date(2026, 6, 1))
        self.assertEqual(self.env["credit.control.dossier"].search_count([("name", "ilike", "Lefèvre")]), 1)

    def test_amounts_and_aging(self):
        self.assertRecordValues(self.dossier, [{
            "open_amount": 1850.0,
            "overdue_amount": 900.0,
            "amount_not_due": 1000.0,
            "amount_1_30": 150.0,   # 200 due 14 days ago, minus the credit note of 5 days ago
            "amount_31_60": 0.0,
            "amount_61_90": 300.0,
            "amount_91_120": 0.0,
            "amount_120_plus": 400.0,
            "max_days_overdue": 165,
            "overdue_invoice_count": 3,
        }])

    def test_aging_follows_the_company_buckets(self):
        """Buckets of 15/45/90/180 days: the dossier's aging tab sorts the
        same items into them, under their new titles."""
        self.company.write({"credit_aging_limit_1": 15, "credit_aging_limit_2": 45,
                            "credit_aging_limit_3": 90, "credit_aging_limit_4": 180})
        self.dossier.invalidate_recordset()
        self.assertRecordValues(self.dossier, [{
            "amount_not_due": 1000.0,
            "amount_1_30": 150.0,    # 14 days (and the credit note of 5 days)
            "amount_31_60": 0.0,     # 16-45 days
            "amount_61_90": 300.0,   # 75 days
            "amount_91_120": 400.0,  # 165 days
            "amount_120_plus": 0.0,  # over 180 days
        }])
        titles = self.env["credit.control.dossier"].fields_get(["amount_1_30", "amount_91_120", "amount_120_plus"])
        self.assertEqual(
            [titles[f]["string"] for f in ("amount_1_30", "amount_91_120", "amount_120_plus")],
            ["1-15 days", "91-180 days", "Over 180 days"],
        )

    def test_amounts_follow_payments(self):
        old = self.env["account.move"].search([
            ("partner_id", "=", self.customer.id), ("invoice_date_due", "=", date(2025, 12, 1)),
        ])
        self._pay(old)
        self.dossier.invalidate_recordset()
        self.assertRecordValues(self.dossier, [{
            "open_amount": 1450.0, "overdue_amount": 500.0, "max_days_overdue": 75, "amount_120_plus": 0.0,
        }])

    def test_amounts_of_a_few_dossiers_as_of_many(self):
        """A few dossiers look their contacts up one by one: the same amounts
        as all the contacts read at once, a contact's invoice and a dossier
        without any item included."""
        contact = self.env["res.partner"].create({"name": "Jean Lefèvre", "parent_id": self.customer.id})
        self._create_invoice(contact, 70.0, due=date(2026, 4, 1))
        Dossier = self.env["credit.control.dossier"]
        empty = Dossier.create({"partner_id": self._create_customer("Client Sans Facture").id,
                                "company_id": self.company.id})
        dossiers = self.dossier | empty
        self.env["account.move.line"]._credit_flush_open_items()
        select = Dossier._credit_amounts_select()
        columns = SQL(", ").join([SQL("d.id"), *select.values()])
        where = SQL("d.id IN %s", tuple(dossiers.ids))
        few, many = (
            sorted(self.env.execute_query(Dossier._credit_amounts_query(where, columns, few=flag)))
            for flag in (True, False)
        )
        self.assertEqual(few, many)
        self.assertEqual(len(few), 2)
        self.assertEqual(dict(zip(["id", *select], few[0], strict=True))["open_amount"], 1920.0)

    def test_search_on_amounts(self):
        quiet = self._create_customer("Client Sans Retard")
        self._create_invoice(quiet, 100.0, due=date(2026, 6, 1))
        Dossier = self.env["credit.control.dossier"]
        ours = [("partner_id", "in", (self.customer | quiet).ids)]
        self.assertEqual(Dossier.search(ours + [("overdue_amount", ">", 0)]), self.dossier)
        self.assertEqual(Dossier.search(ours + [("max_days_overdue", ">", 30)]), self.dossier)
        self.assertEqual(Dossier.search(ours + [("max_days_overdue", "=", 0)]), self._dossier(quiet))
        self.assertEqual(Dossier.search(ours + [("open_amount", ">=", 100)]), self.dossier | self._dossier(quiet))
        # searched on today's open items as kept per item, the dossiers found are those whose
        # amounts read from the ledger match, whatever the operator (a dossier without items has 0)
        empty = Dossier.create({"partner_id": self._create_customer("Client Sans Facture").id,
                                "company_id": self.company.id})
        dossiers = Dossier.search(ours) | empty
        compare = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__,
                   "=": float.__eq__, "!=": float.__ne__}
        for fname in ("open_amount", "overdue_amount", "max_days_overdue"):
            for operator, function in compare.items():
                for value in (0, 100, 75, 1450.0):
                    with self.subTest(fname=fname, operator=operator, value=value):
                        self.assertEqual(
                            Dossier.search([("id", "in", dossiers.ids), (fname, operator, value)]),
                            dossiers.filtered(lambda d, f=fname, o=function, v=value: o(float(d[f]), float(v))),
                        )
        with self.assertRaises(ValidationError):
            Dossier.search([("open_amount", "like", "12")])

    def test_credit_limit_exposure_and_breach(self):
        dossier = self.dossier.with_user(self.credit_manager)
        dossier.credit_limit = 2000.0
        self.assertEqual(self.customer.with_company(self.company).credit_limit, 2000.0)
        self.assertRecordValues(dossier, [{
            "exposure": 1850.0, "limit_usage": 92.5, "limit_breached": False,
        }])
        dossier.credit_limit = 1500.0
        dossier.invalidate_recordset()
        self.assertTrue(dossier.limit_breached)
        Dossier = self.env["credit.control.dossier"]
        self.assertIn(self.dossier, Dossier.search([("limit_breached", "=", True)]))
        self.assertNotIn(self.dossier, Dossier.search([("limit_breached", "=", False)]))
        # logged as a tracked value (res.partner logs every limit change)
        tracking = dossier.message_ids[0].sudo().tracking_value_ids
        self.assertRecordValues(tracking, [{"old_value_float": 2000.0, "new_value_float": 1500.0}])

    def test_limit_breach_search_agrees_with_the_field(self):
        """The search finds the dossiers whose field says breached, and only
        them: with a limit in another company, without a limit, and over
        it by orders not invoiced yet while owing nothing (what a sale
        order module adds to ``credit_to_invoice``), or archived."""
        Dossier = self.env["credit.control.dossier"]
        other = self.setup_other_company(name="Filiale Limites")["company"]
        ordering = self._create_customer("Client Commandes")
        paid = self._create_invoice(ordering, 100.0, due=date(2026, 5, 1))
        self._pay(paid)
        no_limit = self._create_customer("Client Sans Limite")
        self._create_invoice(no_limit, 5000.0, due=date(2026, 5, 1))
        elsewhere = self._create_customer("Client Ailleurs")
        self._create_invoice(elsewhere, 900.0, due=date(2026, 5, 1))
        archived = self._create_customer("Client Archivé")
        self._create_invoice(archived, 300.0, due=date(2026, 5, 1))
        archived.with_company(self.company).credit_limit = 100.0
        archived.action_archive()
        self.customer.with_company(self.company).credit_limit = 1500.0   # owes 1,850
        ordering.with_company(self.company).credit_limit = 500.0         # owes 0, 800 ordered
        elsewhere.with_company(other).credit_limit = 10.0                # its limit is in another company
        to_invoice = {ordering.id: 800.0}

        def credit_to_invoice(partners):
            for partner in partners:
                partner.credit_to_invoice = to_invoice.get(partner.id, 0.0)

        ours = [("partner_id", "in", (self.customer | ordering | no_limit | elsewhere | archived).ids)]
        with patch.object(type(self.env["res.partner"]), "_compute_credit_to_invoice", credit_to_invoice):
            self.env.invalidate_all()
            dossiers = Dossier.search(ours)
            breached = self.dossier | self._dossier(ordering) | self._dossier(archived)
            self.assertEqual(dossiers.filtered("limit_breached"), breached)
            self.assertEqual(Dossier.search(ours + [("limit_breached", "=", True)]), breached)
            # the limit opened a dossier in the other company: a limit, nothing owed
            self.assertEqual(Dossier.search(ours + [("limit_breached", "=", False)]),
                             self._dossier(no_limit) | self._dossier(elsewhere) | self._dossier(elsewhere, other))

    def test_limit_breach_search_near_the_limit(self):
        """Within cents of the limit, the search decides as the field does,
        on amounts rounded to the currency: owing 1,000.00 is over a limit
        of 999.99 or 999.98, not over 1,000.00 or 999.996 (which rounds to
        1,000.00)."""
        Dossier = self.env["credit.control.dossier"]
        customer = self._create_customer("Client Au Centime")
        self._create_invoice(customer, 1000.0, due=date(2026, 5, 1))
        dossier = self._dossier(customer)
        for limit, over in ((1000.0, False), (999.99, True), (999.996, False), (999.98, True), (1000.01, False)):
            customer.with_company(self.company).credit_limit = limit
            self.env.invalidate_all()
            self.assertEqual(dossier.limit_breached, over, f"limit {limit}")
            self.assertEqual(bool(Dossier.search([("id", "=", dossier.id), ("limit_breached", "=", True)])), over,
                             f"search, limit {limit}")
            self.assertEqual(bool(Dossier.search([("id", "=", dossier.id), ("limit_breached", "=", False)])), not over,
                             f"search not over, limit {limit}")

    def test_no_limit_is_never_breached(self):
        self.assertEqual(self.dossier.credit_limit, 0.0)
        self.assertFalse(self.dossier.limit_breached)
        self.assertEqual(self.dossier.limit_usage, 0.0)

    def test_negative_limit_refused_and_nothing_saved(self):
        dossier = self.dossier.with_user(self.credit_manager)
        dossier.credit_limit = 1000.0
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            dossier.credit_limit = -5.0
            self.env.flush_all()
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.with_company(self.company).credit_limit, 1000.0)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.customer.with_company(self.company).credit_limit = -1.0
            self.env.flush_all()

    def test_dunning_contact(self):
        self.assertEqual(self.dossier.dunning_contact_id, self.customer)
        invoice_address = self.env["res.partner"].create({
            "name": "Service Facturation", "type": "invoice", "parent_id": self.customer.id,
        })
        self.dossier.invalidate_recordset(["dunning_contact_id"])
        self.assertEqual(self.dossier.dunning_contact_id, invoice_address)
        payer = self.env["res.partner"].create({
            "name": "Mme Roux, comptable fournisseurs", "type": "dunning", "parent_id": self.customer.id,
        })
        self.dossier.invalidate_recordset(["dunning_contact_id"])
        self.assertEqual(self.dossier.dunning_contact_id, payer)

    def test_open_invoices_action(self):
        action = self.dossier.action_open_overdue_invoices()
        overdue = self.env["account.move"].search(action["domain"])
        self.assertEqual(len(overdue), 3)
        self.assertTrue(all(overdue.mapped("credit_is_overdue")))

    def test_chatter_is_the_shared_history(self):
        salesperson = self._create_credit_user("sales_rep", "credit_control_base.group_credit_control_info")
        self.customer.user_id = salesperson
        self.dossier.message_post(
            body="Client promet un virement vendredi", partner_ids=salesperson.partner_id.ids,
        )
        self.assertIn(salesperson.partner_id, self.dossier.message_ids[0].partner_ids)
        # the salesperson reads the dossier of their customer and can answer
        self.dossier.with_user(salesperson).message_post(body="Je les relance aussi")
        self.assertEqual(self.dossier.message_ids[0].author_id, salesperson.partner_id)
