"""Cash application in bulk (issue 19, ``tools/reconcile_sql``): on identical
data, the adapter writes every stored column that Odoo's reconciliation
writes, the cases it does not cover go through Odoo, what it applied is
undone exactly (by Cash Application's undo and by Odoo's unreconcile), and
an invoice paid meanwhile is refused under lock."""
import re
from collections import Counter
from datetime import date

from freezegun import freeze_time
from markupsafe import Markup

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, formatLang

from ..tools import lang_format, reconcile_sql
from .test_cash_matching import CashCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-02-15")
class TestReconcileSql(CashCommon):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"].create([
            {"name": f"Client Vrac {i}", "is_company": True} for i in range(7)])
        cls.fees = cls.company_data["default_account_expense"]

    def _scenario(self):
        """Bank lines the adapter applies: an invoice paid exactly, two
        invoices in one transfer, a partial payment, more than the invoice,
        an invoice paid less bank fees (booked on the fee account), an
        invoice of two instalments paid at once, an invoice with a payment
        registered on it (no journal entry: the bank line pays it)."""
        self.company.credit_cash_writeoff_account_id = self.fees
        c = self.customers
        inv = self._create_invoices([
            {"partner": c[0], "amount": 250.0, "due": date(2026, 1, 31)},
            {"partner": c[1], "amount": 120.0, "due": date(2026, 1, 20)},
            {"partner": c[1], "amount": 380.0, "due": date(2026, 1, 31)},
            {"partner": c[2], "amount": 1000.0, "due": date(2026, 1, 31)},
            {"partner": c[3], "amount": 100.0, "due": date(2026, 1, 31)},
            {"partner": c[4], "amount": 2000.0, "due": date(2026, 1, 31)},
            # two receivable items: 30% now, 70% at the end of next month
            {"partner": c[5], "amount": 800.0, "payment_term": self.pay_terms_b},
            {"partner": c[6], "amount": 300.0, "due": date(2026, 1, 31)},
        ])
        payment = self.env["account.payment"].create({
            "payment_type": "inbound", "partner_type": "customer", "partner_id": c[6].id, "amount": 300.0,
            "invoice_ids": [Command.set(inv[7].ids)],
        })
        payment.action_post()
        self.assertEqual(len(inv[6].line_ids.filtered(lambda line: line.display_type == "payment_term")), 2)
        st_lines = (
            self._bank_line(250.0, f"VIR {inv[0].name}", partner=c[0])
            | self._bank_line(500.0, f"FACTURES {inv[1].name} {inv[2].name}", partner=c[1])
            | self._bank_line(300.0, f"ACOMPTE {inv[3].name}", partner=c[2])
            | self._bank_line(150.0, f"{inv[4].name}", partner=c[3])
            | self._bank_line(1996.50, f"VIR {inv[5].name}", partner=c[4])
            | self._bank_line(800.0, f"VIR {inv[6].name}", partner=c[5])
            | self._bank_line(300.0, f"VIR {inv[7].name}", partner=c[6])
        )
        proposals = self._match(st_lines, auto=False)
        self.assertEqual(len(proposals), 7)
        self.assertEqual(len(proposals[5].line_ids), 2, "one bank line, the two instalments")
        return inv, st_lines, proposals

    def _rows(self, table, where):
        self.env.flush_all()
        return self.env.execute_query_dict(SQL("SELECT * FROM %s WHERE %s", SQL.identifier(table), where))

    def _snapshot(self, invoices, st_lines, proposals):
        """Every stored column of the rows the application touches: the
        journal items of the invoices and bank entries, their partial and
        full reconciliations, the entries, the bank lines, the proposals and
        the chatter of all of them. Records created by a run are named by
        what they are, not by their ids (two runs create different ids)."""
        moves = invoices | st_lines.move_id
        lines = self._rows("account_move_line", SQL("move_id = ANY(%s)", moves.ids))
        key = {line["id"]: (line["move_id"], line["account_id"], line["partner_id"], line["balance"], line["name"])
               for line in lines}
        groups = {}
        for line in lines:
            for column in ("full_reconcile_id", "matching_number"):
                if line[column]:
                    groups.setdefault((column, line[column]), []).append(key[line["id"]])

        def group(column, value):
            return value and (column, tuple(sorted(groups[(column, value)])))

        def number(value):
            return value and (value[0] if value.startswith("P") else "F", group("matching_number", value))

        snapshot = {"account_move_line": Counter(tuple(sorted({
            **line, "id": None,
            "full_reconcile_id": group("full_reconcile_id", line["full_reconcile_id"]),
            "matching_number": number(line["matching_number"]),
        }.items())) for line in lines)}
        partials = self._rows("account_partial_reconcile", SQL(
            "debit_move_id = ANY(%(ids)s) OR credit_move_id = ANY(%(ids)s)", ids=list(key)))
        partial_key = {partial["id"]: (key[partial["debit_move_id"]], key[partial["credit_move_id"]])
                       for partial in partials}
        snapshot["account_partial_reconcile"] = Counter(tuple(sorted({
            **partial, "id": None,
            "debit_move_id": key[partial["debit_move_id"]], "credit_move_id": key[partial["credit_move_id"]],
            "full_reconcile_id": group("full_reconcile_id", partial["full_reconcile_id"]),
        }.items())) for partial in partials)
        fulls = self._rows("account_full_reconcile", SQL(
            "id = ANY(%s)", [full for column, full in groups if column == "full_reconcile_id"]))
        snapshot["account_full_reconcile"] = Counter(tuple(sorted({
            **full, "id": group("full_reconcile_id", full["id"])}.items())) for full in fulls)
        snapshot["account_move"] = self._rows("account_move", SQL("id = ANY(%s) ORDER BY id", moves.ids))
        # the CEI's daily receivables, as they add up (each path may add
        # its movements in other rows)
        snapshot["credit_control_kpi_balance"] = self.env.execute_query(SQL(
            """
            SELECT company_id, date, date_due, SUM(balance), SUM(sales) FROM credit_control_kpi_balance
          GROUP BY 1, 2, 3 HAVING SUM(balance) <> 0 OR SUM(sales) <> 0 ORDER BY 1, 2, 3
            """,
        ))
        # and the forecast's payments per customer and day
        snapshot["credit_control_kpi_delay"] = self.env.execute_query(SQL(
            """
            SELECT company_id, partner_id, date, SUM(amount), SUM(amount_days) FROM credit_control_kpi_delay
          GROUP BY 1, 2, 3 HAVING SUM(amount) <> 0 OR SUM(amount_days) <> 0 ORDER BY 1, 2, 3
            """,
        ))
        # the payments registered on the invoices (paid by the bank line)
        snapshot["account_payment"] = self._rows("account_payment", SQL(
            "id IN (SELECT payment_id FROM account_move__account_payment WHERE invoice_id = ANY(%s)) ORDER BY id",
            invoices.ids))
        snapshot["account_bank_statement_line"] = self._rows(
            "account_bank_statement_line", SQL("id = ANY(%s) ORDER BY id", st_lines.ids))
        snapshot["credit_control_cash_proposal"] = [
            {**row, "partial_ids": sorted(partial_key[partial] for partial in proposal.partial_ids.ids)}
            for row, proposal in zip(
                self._rows("credit_control_cash_proposal", SQL("id = ANY(%s) ORDER BY id", proposals.ids)),
                proposals.sorted("id"), strict=True)
        ]
        # the chatter, as written when the transaction commits (tracking),
        # the registered payments' too (their state: paid)
        self.env.cr.precommit.run()
        messages = self._rows("mail_message", SQL(" OR ").join(
            SQL("(model = %s AND res_id = ANY(%s))", model, ids) for model, ids in (
                ("account.move", moves.ids), ("credit.control.cash.proposal", proposals.ids),
                ("account.payment", [row["id"] for row in snapshot["account_payment"]]))
        ))
        message_key = {message["id"]: (message["model"], message["res_id"], message["subtype_id"])
                       for message in messages}
        first = self._rows("mail_message", SQL("id = ANY(%s)", [m["parent_id"] for m in messages if m["parent_id"]]))
        message_key.update({message["id"]: (message["model"], message["res_id"], message["subtype_id"])
                            for message in first})
        values = {}
        for value in self._rows("mail_tracking_value", SQL("mail_message_id = ANY(%s)", list(message_key))):
            values.setdefault(value["mail_message_id"], []).append(tuple(sorted(
                {**value, "id": None, "mail_message_id": None}.items())))

        def item_links(body):
            # "Journal Item #id created": the items a run creates, named by what they are
            return body and re.sub(r'data-oe-id="(\d+)">#\1<', lambda m: repr(key.get(int(m[1]), m[1])), body)

        snapshot["mail_message"] = Counter(tuple(sorted({
            **message, "id": None, "body": item_links(message["body"]),
            # a random part, and the thread's first message
            "message_id": message["message_id"] and re.sub(r"^<[\d.]+-", "<", message["message_id"]),
            "parent_id": message_key.get(message["parent_id"]),
            "tracking": tuple(sorted(values.get(message["id"], []), key=repr)),
        }.items())) for message in messages)
        return snapshot

    @staticmethod
    def _tracked(snapshot, model):
        """The (old, new) values of the tracking notes on records of
        ``model`` in ``snapshot``."""
        found = set()
        for message in map(dict, snapshot["mail_message"]):
            if message["model"] == model:
                found.update((value["old_value_char"], value["new_value_char"])
                             for value in map(dict, message["tracking"]))
        return found

    def _apply(self, proposals, orm, **context):
        # tracked as in production (the invoices' payment state)
        proposals.with_context(credit_cash_orm_apply=orm, tracking_disable=False, **context).action_accept()

    def _assert_adapter_writes_what_odoo_writes(self, invoices, st_lines, proposals):
        """Apply ``proposals`` through Odoo's path, roll back, apply them
        through the adapter: every stored column of ``_snapshot`` equal.

        :return: the adapter's snapshot"""
        with self.env.cr.savepoint() as savepoint:
            self._apply(proposals, orm=True)
            by_odoo = self._snapshot(invoices, st_lines, proposals)
            savepoint.rollback()
        self.env.invalidate_all()
        self._apply(proposals, orm=False)
        by_adapter = self._snapshot(invoices, st_lines, proposals)
        for table, rows in by_odoo.items():
            with self.subTest(table=table):
                if isinstance(rows, Counter):
                    # the rows that differ, readable
                    self.assertEqual((by_adapter[table] - rows, rows - by_adapter[table]), (Counter(), Counter()))
                self.assertEqual(by_adapter[table], rows)
        return by_adapter

    def test_adapter_writes_what_odoo_writes(self):
        invoices, st_lines, proposals = self._scenario()
        simple, others = reconcile_sql.split(proposals)
        self.assertEqual(len(simple), 7, "bank fees and the invoice with a payment included")
        self.assertFalse(others)
        self.env.invalidate_all()
        by_adapter = self._assert_adapter_writes_what_odoo_writes(invoices, st_lines, proposals)
        self.assertEqual(proposals.mapped("state"), ["reconciled"] * 7)
        self.assertTrue(by_adapter["credit_control_kpi_delay"], "the payments are in the forecast's delays")
        self.assertEqual(invoices.mapped("amount_residual"), [0.0, 0.0, 0.0, 700.0, 0.0, 0.0, 0.0, 0.0])
        self.assertEqual(invoices.mapped("payment_state"),
                         ["paid", "paid", "paid", "partial", "paid", "paid", "paid", "paid"])
        terms = invoices.line_ids.filtered(lambda line: line.display_type == "payment_term")
        partly = terms.filtered(lambda line: line.move_id == invoices[3])
        self.assertEqual((partly.matching_number[:1], partly.full_reconcile_id.id), ("P", False),
                         "partly paid: a partial reconciliation only")
        self.assertEqual(len(terms.filtered(lambda line: line.move_id == invoices[6]).full_reconcile_id), 2,
                         "each instalment fully reconciled")
        self.assertEqual(st_lines[3].amount_residual, -50.0, "the rest of the overpayment stays on suspense")
        self.assertTrue(by_adapter["account_payment"], "the payment registered on the invoice, compared")
        fee = st_lines[4].move_id.line_ids.filtered(lambda line: line.account_id == self.fees)
        self.assertRecordValues(fee, [{"balance": 3.5, "partner_id": self.customers[4].id, "amount_residual": 0.0}])
        self.assertTrue(st_lines[4].is_reconciled)

    def _proposal(self, st_line, allocations):
        """A proposal of ``st_line`` allocating ``allocations`` ((item,
        amount)), as the matcher writes one."""
        return self.Proposal.create({
            "company_id": self.company.id,
            "statement_line_id": st_line.id,
            "partner_id": st_line.partner_id.id,
            "currency_id": self.company.currency_id.id,
            "amount": st_line.amount,
            "label": st_line.payment_ref,
            "rule": "reference",
            "confidence": 100,
            "state": "proposed",
            "line_ids": [Command.create({"move_line_id": item.id, "amount": amount}) for item, amount in allocations],
        })

    @staticmethod
    def _items(move):
        return move.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable").sorted(
            "date_maturity")

    def _scenario_reconciled_before(self):
        """Bank lines paying invoice items already reconciled with
        something: an invoice partly paid by an earlier bank line and
        settled by this one (a full reconciliation over three items), one
        partly paid before and still partly open after, an invoice of two
        instalments with the first one paid before (by a bank line), an
        invoice reconciled with a credit note before, an invoice partly
        paid by a registered payment (its journal entry) before. The
        earlier bank lines were applied through Odoo's path, in an earlier
        transaction.

        :return: (the invoices, the credit note and the payment's entry;
            the earlier and the new bank lines; the new proposals)"""
        c = self.customers
        inv = self._create_invoices([
            {"partner": c[0], "amount": 1000.0, "due": date(2026, 1, 31)},
            {"partner": c[1], "amount": 1000.0, "due": date(2026, 1, 31)},
            # 240 now, 560 at the end of next month
            {"partner": c[2], "amount": 800.0, "payment_term": self.pay_terms_b},
            {"partner": c[3], "amount": 500.0, "due": date(2026, 1, 31)},
            {"partner": c[4], "amount": 600.0, "due": date(2026, 1, 31)},
        ])
        refund = self._create_invoices([
            {"partner": c[3], "amount": 200.0, "due": date(2026, 1, 20), "move_type": "out_refund"}])
        (self._items(refund) | self._items(inv[3])).reconcile()
        payment = self._pay(inv[4], amount=250.0, payment_date=date(2026, 2, 1))
        self.assertTrue(payment.move_id, "a payment with its journal entry")
        earlier = (
            self._bank_line(300.0, f"ACOMPTE {inv[0].name}", partner=c[0], date=date(2026, 2, 1))
            | self._bank_line(400.0, f"ACOMPTE {inv[1].name}", partner=c[1], date=date(2026, 2, 1))
            | self._bank_line(240.0, f"ECHEANCE 1 {inv[2].name}", partner=c[2], date=date(2026, 2, 1))
        )
        before = (
            self._proposal(earlier[0], [(self._items(inv[0]), 300.0)])
            | self._proposal(earlier[1], [(self._items(inv[1]), 400.0)])
            | self._proposal(earlier[2], [(self._items(inv[2])[0], 240.0)])
        )
        before.with_context(credit_cash_orm_apply=True)._credit_reconcile()
        # what a commit between the two does (the tracking written)
        self.env.flush_all()
        self.env.cr.precommit.run()
        st_lines = (
            self._bank_line(700.0, f"SOLDE {inv[0].name}", partner=c[0])
            | self._bank_line(200.0, f"VIR {inv[1].name}", partner=c[1])
            | self._bank_line(560.0, f"ECHEANCE 2 {inv[2].name}", partner=c[2])
            | self._bank_line(300.0, f"VIR {inv[3].name}", partner=c[3])
            | self._bank_line(350.0, f"SOLDE {inv[4].name}", partner=c[4])
        )
        proposals = self.Proposal.concat(*(
            self._proposal(st_line, [(item, st_line.amount)]) for st_line, item in zip(st_lines, (
                self._items(inv[0]), self._items(inv[1]), self._items(inv[2])[1], self._items(inv[3]),
                self._items(inv[4])), strict=True)))
        return inv | refund | payment.move_id, earlier | st_lines, proposals

    def test_adapter_writes_what_odoo_writes_on_items_reconciled_before(self):
        """The invoice items already partly reconciled: the new partial
        joins their group (its matching number), a full reconciliation
        covers the whole group once it is settled (the earlier payment's
        items too), the residuals, the invoices' payment state and the
        payment's, the bank entries and lines, the chatter: every column as
        Odoo's path writes it."""
        moves, st_lines, proposals = self._scenario_reconciled_before()
        inv = moves[:5]
        simple, others = reconcile_sql.split(proposals)
        self.assertEqual((simple, others), (proposals, proposals.browse()), "all of them in bulk")
        self.env.invalidate_all()
        self._assert_adapter_writes_what_odoo_writes(moves, st_lines, proposals)
        self.assertEqual(proposals.mapped("state"), ["reconciled"] * 5)
        self.assertEqual(inv.mapped("amount_residual"), [0.0, 400.0, 0.0, 0.0, 0.0])
        self.assertEqual(inv.mapped("payment_state"), ["paid", "partial", "paid", "paid", "paid"])
        settled = self._items(inv[0])
        self.assertEqual(len(settled.full_reconcile_id.reconciled_line_ids), 3,
                         "the invoice item, the earlier bank line's and this one's")
        self.assertEqual(len(settled.full_reconcile_id.partial_reconcile_ids), 2)
        self.assertEqual(set(settled.full_reconcile_id.reconciled_line_ids.mapped("matching_number")),
                         {str(settled.full_reconcile_id.id)})
        open_item = self._items(inv[1])
        group = self.env["account.move.line"].search([("matching_number", "=", open_item.matching_number)])
        self.assertEqual((open_item.matching_number[:1], len(group), open_item.full_reconcile_id.id), ("P", 3, False),
                         "still partly open: one group numbered by its first partial")
        self.assertEqual(int(open_item.matching_number[1:]), min(group.matched_credit_ids.ids))
        instalments = self._items(inv[2])
        self.assertEqual(len(instalments.full_reconcile_id), 2, "each instalment its own full reconciliation")
        for invoice in inv[3:]:
            self.assertEqual(len(self._items(invoice).full_reconcile_id.reconciled_line_ids), 3,
                             f"{invoice.name}: with the credit note's or the payment's item")

    def test_items_reconciled_before_left_to_odoo_when_not_provably_equal(self):
        """A group the adapter would not reconcile as Odoo does stays on
        Odoo's path: an earlier credit note in a foreign currency, and two
        items of one group (one transfer paid part of each) applied
        together."""
        c = self.customers
        euro = self.setup_other_currency("EUR")
        inv = self._create_invoices([
            {"partner": c[5], "amount": 1000.0, "due": date(2026, 1, 31)},
            {"partner": c[6], "amount": 300.0, "due": date(2026, 1, 31)},
            {"partner": c[6], "amount": 300.0, "due": date(2026, 1, 31)},
        ])
        refund = self._create_invoices([
            {"partner": c[5], "amount": 100.0, "currency": euro, "move_type": "out_refund"}])
        (self._items(refund) | self._items(inv[0])).reconcile()
        transfer = self.env["account.move"].create({
            "move_type": "entry", "date": date(2026, 2, 1), "journal_id": self.company_data["default_journal_misc"].id,
            "line_ids": [
                Command.create({"account_id": self._items(inv[1]).account_id.id, "partner_id": c[6].id,
                                "credit": 200.0}),
                Command.create({"account_id": self.company_data["default_account_revenue"].id, "debit": 200.0}),
            ],
        })
        transfer.action_post()
        self.env["account.partial.reconcile"].create([{
            "debit_move_id": self._items(invoice).id, "credit_move_id": self._items(transfer).id,
            "amount": 100.0, "debit_amount_currency": 100.0, "credit_amount_currency": 100.0,
        } for invoice in inv[1:]])
        self.assertEqual(self._items(inv[1]).matching_number, self._items(inv[2]).matching_number, "one group")
        item = self._items(inv[0])
        proposals = (
            self._proposal(self._bank_line(item.amount_residual, f"SOLDE {inv[0].name}", partner=c[5]),
                           [(item, item.amount_residual)])
            | self._proposal(self._bank_line(400.0, f"SOLDE {inv[1].name} {inv[2].name}", partner=c[6]),
                             [(item, item.amount_residual) for item in self._items(inv[1] | inv[2])])
        )
        simple, others = reconcile_sql.split(proposals)
        self.assertEqual((simple, others), (proposals.browse(), proposals))
        self._apply(proposals, orm=False)
        self.assertEqual(proposals.mapped("state"), ["reconciled"] * 2)
        self.assertEqual(inv.mapped("amount_residual"), [0.0] * 3)

    def test_group_changed_meanwhile_is_refused_under_lock(self):
        """An item reconciled before whose group the adapter no longer
        reconciles as Odoo would once it is locked (a credit note in a
        foreign currency reconciled with it after the split, still enough
        left to pay) is refused, nothing written."""
        moves, st_lines, proposals = self._scenario_reconciled_before()
        simple, _others = reconcile_sql.split(proposals)
        self.assertIn(proposals[1], simple)
        refund = self._create_invoices([{"partner": self.customers[1], "amount": 10.0, "move_type": "out_refund",
                                         "currency": self.setup_other_currency("EUR")}])
        (self._items(refund) | self._items(moves[1])).reconcile()
        with self.assertRaisesRegex(UserError, "no longer has"), self.env.cr.savepoint():
            reconcile_sql.apply(simple)
        self.env.invalidate_all()
        self.assertFalse(st_lines[3:].filtered("is_reconciled"))
        self.assertEqual(reconcile_sql.split(proposals)[1], proposals[1], "now left to Odoo")

    def test_items_tracking_values_as_mail_track_gives_them(self):
        """The "Journal Item created / updated / deleted" tracking values
        the adapter makes for all the items at once are those Odoo's
        ``_mail_track`` gives item by item, for every tracked field of a
        journal item set (account, label, amount, taxes, tax tags, due
        date), changed, emptied or filled."""
        c = self.customers
        tag = self.env["account.account.tag"].create({"name": "Grille 01", "applicability": "taxes"})
        move = self.env["account.move"].create({
            "move_type": "entry", "date": date(2026, 2, 1), "journal_id": self.company_data["default_journal_misc"].id,
            "line_ids": [
                Command.create({"account_id": self.company_data["default_account_revenue"].id, "name": "Conseil",
                                "credit": 100.0, "tax_ids": [Command.set(self.company_data["default_tax_sale"].ids)],
                                "tax_tag_ids": [Command.set(tag.ids)]}),
                Command.create({"account_id": self.company_data["default_account_receivable"].id, "name": "Échéance",
                                "partner_id": c[0].id, "debit": 115.0, "date_maturity": date(2026, 3, 1)}),
            ],
        })
        move.action_post()
        lines = move.line_ids
        self.assertGreater(len(lines), 2, "with its tax line")
        log = reconcile_sql._ItemsLog(self.env(context=dict(self.env.context, tracking_disable=False)), move)
        self.assertFalse(log.by_odoo)
        empty_line = lines.browse([False])
        empty = {name: empty_line[name] for name in log.order}
        other = {
            "account_id": self.fees, "name": "Autre libellé", "balance": -3.5,
            "tax_ids": self.company_data["default_tax_purchase"], "tax_tag_ids": tag,
            "date_maturity": date(2026, 1, 15),
        }
        for kind, record, initial, current in (
                ("created", None, dict.fromkeys(log.ref_fields), None),
                ("updated", None, {name: other.get(name, False) for name in log.ref_fields}, None),
                ("deleted", empty_line, None, empty)):
            for line in lines:
                with self.subTest(kind=kind, line=line.name):
                    before = initial if initial is not None else line
                    expected = [values for _c, _i, values in (record or line)._mail_track(log.ref_fields, before)[1]]
                    self.assertTrue(expected)
                    self.assertEqual(log._track(record or line, before, current or line), expected)

    def test_note_amounts_formatted_as_formatlang(self):
        """The applied notes' amounts, formatted for all the proposals at
        once, read as ``formatLang`` writes each: separators of the
        language, rounding, the currency's symbol before or after."""
        self.env["res.lang"]._activate_lang("fr_FR")
        euro = self.setup_other_currency("EUR")
        amounts = [0.0, 3.5, 2.675, 1234567.891, -42.005, 0.004]
        for lang in ("en_US", "fr_FR"):
            env = self.env(context=dict(self.env.context, lang=lang))
            for currency in (self.company.currency_id, euro):
                with self.subTest(lang=lang, currency=currency.name):
                    self.assertEqual(lang_format.format_amounts(env, amounts, currency),
                                     [formatLang(env, amount, currency_obj=currency) for amount in amounts])

    def test_proposal_state_tracking_written_as_odoo_writes_it(self):
        """Proposals matched in an earlier transaction (reviewed, or matched
        by another work batch): applying them tracks their state, and the
        state of a payment registered on an invoice they pay. The adapter
        writes that tracking at once, every column of the notes and tracking
        values as Odoo's write with tracking writes them."""
        invoices, st_lines, proposals = self._scenario()
        # what a commit between the matching and the application does
        self.env.cr.precommit.run()
        snapshots = {}
        for orm in (True, False):
            with self.env.cr.savepoint() as savepoint:
                # every field tracked, as in production (not the test fixture's mail_notrack)
                self._apply(proposals, orm=orm, mail_notrack=False)
                # what is left to compute, computed in the application's
                # environment, as its request's commit does (the test's own
                # environment disables tracking)
                proposals.with_context(mail_notrack=False, tracking_disable=False).env.flush_all()
                if not orm:
                    pending = self.env.cr.precommit.data.get(f"mail.tracking.{proposals._name}") or {}
                    self.assertFalse(set(pending) & set(proposals.ids), "written already, not again at commit")
                snapshots[orm] = self._snapshot(invoices, st_lines, proposals)
                tracking = self.env["mail.tracking.value"].sudo().search([
                    ("mail_message_id.model", "=", proposals._name), ("mail_message_id.res_id", "in", proposals.ids)])
                self.assertEqual(sorted(tracking.mapped(lambda value: (value.old_value_char, value.new_value_char))),
                                 [("To Review", "Reconciled")] * len(proposals))
                savepoint.rollback()
            self.env.invalidate_all()
        self.assertIn(("In Process", "Paid"), self._tracked(snapshots[False], "account.payment"),
                      "the registered payment's state noted, compared")
        by_adapter, by_odoo = snapshots[False]["mail_message"], snapshots[True]["mail_message"]
        # the rows that differ, readable
        self.assertEqual((by_adapter - by_odoo, by_odoo - by_adapter), (Counter(), Counter()))
        proposals_table = "credit_control_cash_proposal"
        self.assertEqual(snapshots[False][proposals_table], snapshots[True][proposals_table])

    def test_undo_of_the_adapter_is_exact(self):
        invoices, st_lines, proposals = self._scenario()
        before = self._snapshot(invoices, st_lines, proposals)
        self._apply(proposals, orm=False)
        # Cash Application's undo
        proposals.action_undo()
        after = self._snapshot(invoices, st_lines, proposals)
        for table in ("account_partial_reconcile", "account_full_reconcile", "account_bank_statement_line"):
            with self.subTest(table=table):
                self.assertEqual(after[table], before[table])
        for column in ("amount_residual", "amount_residual_signed", "payment_state"):
            self.assertEqual([move[column] for move in after["account_move"]],
                             [move[column] for move in before["account_move"]], column)
        self.assertEqual(invoices[:7].mapped("payment_state"), ["not_paid"] * 7)
        self.assertEqual(proposals.mapped("state"), ["undone"] * 7)

    def test_odoo_unreconcile_works_on_the_adapter_result(self):
        invoices, st_lines, proposals = self._scenario()
        self._apply(proposals, orm=False)
        item = invoices[0].line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        self.assertTrue(item.full_reconcile_id)
        item.remove_move_reconcile()
        self.assertRecordValues(invoices[0], [{"amount_residual": 250.0, "payment_state": "not_paid"}])
        self.assertRecordValues(item, [{"reconciled": False, "full_reconcile_id": False, "matching_number": False}])
        proposal = proposals.filtered(lambda p: p.statement_line_id == st_lines[0])
        self.assertRecordValues(proposal, [{"state": "undone", "close_reason": "undone_elsewhere"}])
        # the partial instalment the same way
        item = invoices[3].line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        self.assertEqual(item.matching_number[:1], "P")
        item.remove_move_reconcile()
        self.assertRecordValues(invoices[3], [{"amount_residual": 1000.0, "payment_state": "not_paid"}])

    def test_invoice_paid_meanwhile_is_refused_under_lock(self):
        invoices, st_lines, proposals = self._scenario()
        simple, _others = reconcile_sql.split(proposals)
        # paid after the proposals were checked, before they are written
        self._pay(invoices[0])
        with self.assertRaisesRegex(UserError, "no longer has"), self.env.cr.savepoint():
            reconcile_sql.apply(simple)
        self.env.invalidate_all()
        self.assertFalse(st_lines.filtered("is_reconciled"))
        self.assertEqual(invoices[1:7].mapped("payment_state"), ["not_paid"] * 6)
        # the automatic application applies the others and says why not that one
        proposals.filtered(lambda p: p.confidence >= 90 and p.payer_confirmed)._credit_apply_automatically()
        stale = proposals.filtered(lambda p: p.statement_line_id == st_lines[0])
        self.assertRecordValues(stale, [{"state": "proposed", "auto_failed": True}])

    def _assert_daily_receivables_equal_ledger(self, label):
        """The CEI's daily receivables (credit.control.kpi.balance, kept by
        hooks) against the same movements read from the ledger."""
        Balance = self.env["credit.control.kpi.balance"]
        Balance._kpi_flush_ledger()
        Balance.flush_model()
        kept = self.env.execute_query(SQL(
            """
            SELECT date, date_due, SUM(balance) FROM credit_control_kpi_balance
             WHERE company_id = %s GROUP BY 1, 2 HAVING SUM(balance) <> 0 ORDER BY 1, 2
            """,
            self.company.id,
        ))
        ledger = self.env.execute_query(SQL(
            "SELECT date, date_due, balance FROM (%s) m WHERE company_id = %s AND balance <> 0 ORDER BY 1, 2",
            Balance._kpi_movements_sql(SQL("l.parent_state = 'posted'")), self.company.id,
        ))
        self.assertEqual(kept, ledger, label)

    def test_daily_receivables_follow_both_paths(self):
        """The bank entries' receivable items written by the adapter (SQL)
        or by Odoo's path reach the CEI's daily receivables, and leave them
        on undo: applied matches used to count the invoices as still owed."""
        for orm in (True, False):
            with self.subTest(orm=orm), self.env.cr.savepoint(flush=False) as savepoint:
                _invoices, _st_lines, proposals = self._scenario()
                self._apply(proposals, orm=orm)
                self._assert_daily_receivables_equal_ledger("after the application")
                proposals.action_undo()
                self._assert_daily_receivables_equal_ledger("after the undo")
                savepoint.rollback()
            self.env.invalidate_all()


@tagged("post_install", "-at_install")
class TestStoredBodies(TransactionCase):
    """The adapter's notes are sanitized once per shape (their numbers
    set aside): each stored body must be the one the ORM's create of the
    message stores, for bodies the sanitizer rewrites too."""

    def test_bodies_stored_as_the_orm_stores_them(self):
        Message = self.env["mail.message"]
        field = Message._fields["body"]
        bodies = [
            Markup("<p>Reconciled automatically: 1&#160;250,00&#160;€ on INV/2026/00012.</p>"),
            Markup("<p>Reconciled automatically: 75,50&#160;€ on INV/2026/00978.</p>"),
            Markup("<h1>Title 1</h1><h2>Title 22</h2>"),
            Markup("<p>&#60;script&#62;alert(1)&#60;/script&#62; 12</p>"),
            Markup("<p>&#48;&#49; and 7</p>"),
            Markup('<img src="x" onerror="alert(1)"/><p>3 items</p>'),
            Markup('<a href="javascript:alert(1)">pay 40</a>'),
            Markup('<p style="width: 100px; position: fixed">100 and 200</p>'),
            Markup('<p data-oe-id="12" title="n° 7">12 7</p>'),
            "<p>plain text 5 < 6</p>",
            "",
            False,
        ]
        self.assertEqual(reconcile_sql._stored_bodies(Message, bodies),
                         [field.convert_to_column(body, Message) for body in bodies])
