from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from .test_kpi_common import CreditControlKpiCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestKpiOpen(CreditControlKpiCommon):
    """The table of today's open items (``credit.control.kpi.open``) that
    the dashboard and the forecast read is the ledger's: after every change
    of the fixture, it has one row per open receivable item with the values
    the ledger gives (``_kpi_differences`` is empty), and the open items of
    every date read through it equal those read from the ledger alone."""

    FIRST_DAY = date(2026, 1, 1)

    def setUp(self):
        super().setUp()
        # the rows of the fixture written: what each test changes is then
        # what its hooks noted, nothing else
        self.env["credit.control.kpi.open"]._kpi_refresh()

    def _receivable(self, move):
        return move.line_ids.filtered(lambda line: line.account_type == "asset_receivable")

    def _assert_is_ledger(self, label):
        Open = self.env["credit.control.kpi.open"]
        self.assertEqual(Open._kpi_differences(), [], label)
        Kpi = self.env["credit.control.kpi"]
        day = self.FIRST_DAY
        while day <= self.TODAY:
            through_table, from_ledger = (
                self._open_item_rows(Kpi._kpi_open_items_query(day, self.company.ids, from_before))
                for from_before in (False, True)
            )
            self.assertEqual(through_table, from_ledger, f"{label}: open items on {day}")
            day += timedelta(days=7)

    def _row(self, line):
        self.env["credit.control.kpi.open"]._kpi_refresh()
        return self.env.execute_query_dict(SQL(
            "SELECT partner_id, residual, date_maturity FROM credit_control_kpi_open WHERE id = %s", line.id,
        ))

    def test_fixture(self):
        """Five open items (inv1 partly paid, inv2, the refund, inv4, inv5;
        inv3 paid in full has none), with their customer and residual."""
        self._assert_is_ledger("fixture")
        self.assertEqual(self._row(self._receivable(self.inv1)), [
            {"partner_id": self.customer_a.id, "residual": 600.0, "date_maturity": date(2026, 2, 9)},
        ])
        self.assertEqual(self._row(self._receivable(self.inv3)), [])
        self.env["credit.control.kpi.open"]._kpi_rebuild()
        self._assert_is_ledger("rebuilt")

    def test_unreconcile(self):
        self._receivable(self.inv3).remove_move_reconcile()
        self._assert_is_ledger("inv3's payment unreconciled")
        self.assertEqual(self._row(self._receivable(self.inv3))[0]["residual"], 5000.0)

    def test_payment(self):
        self._pay(self.inv2, amount=1500.0, payment_date=date(2026, 5, 14))
        self._assert_is_ledger("inv2 paid 1500")
        self._pay(self.inv2, payment_date=date(2026, 5, 15))
        self._assert_is_ledger("inv2 paid in full")
        self.assertEqual(self._row(self._receivable(self.inv2)), [])

    def test_reset_to_draft_cancel_and_post_again(self):
        self.inv3.button_draft()
        self.inv5.button_cancel()
        self._assert_is_ledger("inv3 reset to draft, inv5 cancelled")
        self.assertEqual(self._row(self._receivable(self.inv5)), [])
        self.inv3.action_post()
        self._assert_is_ledger("inv3 posted again")

    def test_credit_note_and_due_date(self):
        refund = self._create_invoices([{"partner": self.customer_a, "amount": 300.0, "date": date(2026, 5, 12),
                                         "due": date(2026, 5, 12), "move_type": "out_refund"}])
        (self._receivable(refund) | self._receivable(self.inv2)).reconcile()
        self.inv4._reverse_moves([{"date": date(2026, 5, 14)}], cancel=True)
        self._receivable(self.inv1).date_maturity = date(2026, 6, 30)
        self._assert_is_ledger("credit notes, inv1 due 06-30")
        self.assertEqual(self._row(self._receivable(self.inv1))[0]["date_maturity"], date(2026, 6, 30))

    def test_invoice_reset_and_deleted(self):
        """An invoice reset to draft and deleted in the same transaction
        leaves no row (its entry is gone when the rows are written)."""
        self.inv4.button_draft()
        self.inv4.with_context(force_delete=True).unlink()
        self._assert_is_ledger("inv4 deleted")

    def test_customer_moved_to_another_company(self):
        """Alpha becomes a contact of Bravo: its open items are Bravo's."""
        self.customer_a.write({"is_company": False, "parent_id": self.customer_b.id})
        self._assert_is_ledger("Alpha a contact of Bravo")
        self.assertEqual(self._row(self._receivable(self.inv2))[0]["partner_id"], self.customer_b.id)
        self.customer_a.write({"is_company": True, "parent_id": False})
        self._assert_is_ledger("Alpha on its own again")
        self.assertEqual(self._row(self._receivable(self.inv2))[0]["partner_id"], self.customer_a.id)

    def test_contact_payment_follows_its_company(self):
        """A payment from a contact of Alpha counts for Alpha; when Alpha
        becomes a contact of Bravo, for Bravo (Odoo rewrites the entries of
        Alpha itself, not those of its contacts)."""
        contact = self.env["res.partner"].create({"name": "Alpha Comptabilité", "parent_id": self.customer_a.id})
        payment = self._receive_unapplied(contact, 250.0, payment_date=date(2026, 5, 14))
        line = payment.move_id.line_ids.filtered(lambda item: item.account_type == "asset_receivable")
        self.assertEqual(self._row(line)[0]["partner_id"], self.customer_a.id)
        self.customer_a.write({"is_company": False, "parent_id": self.customer_b.id})
        self._assert_is_ledger("Alpha and its contact under Bravo")
        self.assertEqual(self._row(line)[0]["partner_id"], self.customer_b.id)

    def test_partners_merged(self):
        """A contact of Bravo who paid merged into a contact of Alpha: the
        merge moves the payment to Alpha's contact in SQL, and it counts for
        Alpha."""
        Partner = self.env["res.partner"]
        bravo_contact = Partner.create({"name": "Bravo Comptabilité", "parent_id": self.customer_b.id})
        alpha_contact = Partner.create({"name": "Alpha Comptabilité", "parent_id": self.customer_a.id})
        payment = self._receive_unapplied(bravo_contact, 250.0, payment_date=date(2026, 5, 14))
        line = payment.move_id.line_ids.filtered(lambda item: item.account_type == "asset_receivable")
        self.assertEqual(self._row(line)[0]["partner_id"], self.customer_b.id)
        self.env["base.partner.merge.automatic.wizard"]._merge(
            [bravo_contact.id, alpha_contact.id], alpha_contact, extra_checks=False,
        )
        self._assert_is_ledger("Bravo's contact merged into Alpha's")
        self.assertEqual(self._row(line)[0]["partner_id"], self.customer_a.id)

    def _sums(self, model, keys, values):
        self.env[model].flush_model()
        rows = self.env.execute_query(SQL(
            "SELECT %s, %s FROM %s GROUP BY %s",
            SQL(", ").join(map(SQL.identifier, keys)),
            SQL(", ").join(SQL("SUM(%s)", SQL.identifier(value)) for value in values),
            SQL.identifier(self.env[model]._table),
            SQL(", ").join(map(SQL.identifier, keys)),
        ))
        # what adds up to nothing is no row of the ledger
        return {row[:len(keys)]: row[len(keys):] for row in rows if any(row[len(keys):])}

    def _assert_kept_tables_are_ledger(self, label):
        """The daily receivables and the payment delays kept by the hooks
        equal their computation from the ledger (their rebuild)."""
        self._assert_is_ledger(label)
        tables = (("credit.control.kpi.balance", ["company_id", "date", "date_due"], ["balance", "sales"]),
                  ("credit.control.kpi.delay", ["company_id", "partner_id", "date"], ["amount", "amount_days"]))
        for model, keys, values in tables:
            kept = self._sums(model, keys, values)
            self.env[model]._kpi_rebuild()
            self.assertEqual(kept, self._sums(model, keys, values), f"{label}: {model}")

    def test_account_made_receivable(self):
        """An account of doubtful debts made receivable brings its open
        item into the receivables, and made current again takes it out."""
        account = self.env["account.account"].create({
            "code": "416100", "name": "Clients douteux", "account_type": "asset_current", "reconcile": True,
        })
        entry = self.env["account.move"].create({
            "move_type": "entry", "date": date(2026, 4, 15), "line_ids": [
                Command.create({"account_id": account.id, "partner_id": self.customer_a.id, "debit": 700.0,
                                "date_maturity": date(2026, 4, 30)}),
                Command.create({"account_id": self.company_data["default_account_revenue"].id, "credit": 700.0}),
            ],
        })
        entry.action_post()
        line = entry.line_ids.filtered(lambda item: item.account_id == account)
        self._assert_kept_tables_are_ledger("a current account's entry")
        self.assertEqual(self._row(line), [])
        account.account_type = "asset_receivable"
        self._assert_kept_tables_are_ledger("the account made receivable")
        self.assertEqual(self._row(line)[0]["residual"], 700.0)
        account.account_type = "asset_current"
        self._assert_kept_tables_are_ledger("the account made current again")
        self.assertEqual(self._row(line), [])

    def test_rows_written_before_commit(self):
        """The rows of a transaction's changes are written when it commits
        (its precommit hooks), not only when a figure reads the table."""
        self.inv3.button_draft()
        self.env.cr.flush()  # what a commit runs before committing
        [(rows,)] = self.env.execute_query(SQL(
            "SELECT COUNT(*) FROM credit_control_kpi_open WHERE move_id = %s", self.inv3.id,
        ))
        self.assertEqual(rows, 0)
        self.inv3.action_post()
        self.env.cr.flush()
        [(rows,)] = self.env.execute_query(SQL(
            "SELECT COUNT(*) FROM credit_control_kpi_open WHERE move_id = %s", self.inv3.id,
        ))
        self.assertEqual(rows, 1)
