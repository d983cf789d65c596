import random
from collections import defaultdict
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import ScenarioCommon

TODAY = date(2026, 5, 15)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestConsistency(ScenarioCommon):
    """On a generated ledger (instalments, partial payments, payments by
    contacts, unapplied credits, credit notes, two currencies, write-offs),
    every figure and every document counts what a customer owes the same
    way: for every customer, the dossier's overdue amount is the sum of the
    aged balance's overdue buckets, the KPIs' overdue, the statement's
    overdue instalments and what a reminder claims; for every instalment,
    the days late agree everywhere."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rng = random.Random(16)
        foreign = cls.setup_other_currency("EUR")
        terms = [
            None,
            cls._create_instalment_term([(30, 15), (70, 75)], name="30/70"),
            cls._create_instalment_term([(34, 0), (33, 30), (33, 60)], name="Thirds"),
        ]
        writeoff_account = cls.company_data["default_account_revenue"]
        cls.customers = cls.env["res.partner"]
        for index in range(10):
            customer = cls._create_customer(f"Client {index:02d}")
            contact = cls.env["res.partner"].create({"name": f"Contact {index:02d}", "parent_id": customer.id})
            cls.customers |= customer
            specs = []
            for _n in range(rng.randint(2, 5)):
                invoice_date = TODAY - timedelta(days=rng.randint(5, 160))
                spec = {
                    "partner": customer,
                    "amount": rng.randint(100, 5000) + rng.choice([0, 0.5, 0.99]),
                    "date": invoice_date,
                    "currency": foreign if rng.random() < 0.3 else cls.company.currency_id,
                }
                term = rng.choice(terms)
                if term:
                    spec["payment_term"] = term
                else:
                    spec["due"] = invoice_date + timedelta(days=rng.choice([0, 30, 45, 60]))
                specs.append(spec)
            invoices = cls._create_invoices(specs)
            for invoice in invoices:
                roll = rng.random()
                if roll < 0.2:
                    cls._pay(invoice, amount=round(invoice.amount_residual * 0.4, 2),
                             payment_date=TODAY - timedelta(days=3))
                elif roll < 0.3:
                    # paid short, the difference written off
                    cls.env["account.payment.register"].with_context(
                        active_model="account.move", active_ids=invoice.ids,
                    ).create({
                        "payment_date": TODAY - timedelta(days=2),
                        "amount": invoice.amount_residual - 1.5,
                        "payment_difference_handling": "reconcile",
                        "writeoff_account_id": writeoff_account.id,
                    })._create_payments()
            if index % 3 == 0:
                cls._receive_unapplied(contact, rng.randint(50, 400), TODAY - timedelta(days=4))
            if index % 4 == 1:
                cls._create_invoices([{
                    "partner": customer, "amount": rng.randint(20, 200), "date": TODAY - timedelta(days=10),
                    "due": TODAY - timedelta(days=10), "move_type": "out_refund",
                }])
        cls.dossiers = cls.env["credit.control.dossier"].search([("partner_id", "in", cls.customers.ids)])
        # a scenario that reminds anything overdue, to read the claims
        cls.claim_scenario = cls.env["credit.control.scenario"].create({
            "name": "Claims",
            "step_ids": [Command.create({"name": "Overdue", "delay_days": 1, "channel": "email",
                                         "mail_template_id": cls.step_first.mail_template_id.id})],
        })
        cls.company.credit_control_scenario_id = cls.claim_scenario

    def test_every_figure_agrees(self):
        Report = self.env["credit.control.aged.balance"]
        kpis = self.env["credit.control.kpi"]._kpi_summary(group_by="partner")
        candidates = self.env["credit.control.scenario.run"]._credit_candidates(self.company, TODAY)
        claims = defaultdict(float)
        for row in candidates:
            claims[row["dossier_id"]] += row["residual"]
        self.assertEqual(len(self.dossiers), 10)
        self.assertTrue(any(self.dossiers.mapped("unapplied_amount")), "the ledger has unapplied credits")
        currency = self.company.currency_id
        for dossier in self.dossiers:
            with self.subTest(customer=dossier.name):
                rows = Report.search([("dossier_id", "=", dossier.id)])
                invoices = self.env["account.move"].search([
                    ("commercial_partner_id", "=", dossier.partner_id.id),
                    ("move_type", "in", ("out_invoice", "out_receipt")), ("state", "=", "posted"),
                ])
                instalments = invoices._credit_instalments()
                claimed_in_documents = sum(i["amount_company"] for i in instalments if i["overdue"])
                overdue = dossier.overdue_amount
                self.assertAlmostEqual(overdue, sum(rows.mapped("overdue_amount")), places=2)
                self.assertAlmostEqual(
                    overdue, sum(rows.mapped(lambda r: r.amount_b1 + r.amount_b2 + r.amount_b3 + r.amount_b4
                                             + r.amount_b5 if r.residual > 0 else 0)), places=2)
                self.assertAlmostEqual(overdue, kpis.get(dossier.partner_id.id, {}).get("overdue", 0.0), places=2)
                self.assertAlmostEqual(overdue, claimed_in_documents, places=2)
                self.assertAlmostEqual(overdue, claims.get(dossier.id, 0.0), places=2)
                self.assertTrue(currency.is_zero(dossier.open_amount - sum(rows.mapped("residual"))))
                self.assertAlmostEqual(dossier.unapplied_amount, -sum(r.residual for r in rows if r.residual < 0),
                                       places=2)
                self.assertEqual(dossier.overdue_invoice_count,
                                 len({i["move"] for i in instalments if i["overdue"]}))
                # days late of every instalment, everywhere
                days = {row.id: row.days_overdue for row in rows}
                for item in instalments:
                    self.assertEqual(days[item["line"].id], item["days_late"])
                    move = item["move"]
                    if item["due_date"] == move.credit_due_date:
                        self.assertEqual(move.credit_days_overdue, max(item["days_late"], 0))
                late = [i["days_late"] for i in instalments if i["overdue"]]
                self.assertEqual(dossier.max_days_overdue, max(late, default=0))
