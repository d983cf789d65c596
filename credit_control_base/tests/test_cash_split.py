"""Which cash proposals the bulk adapter applies (issue 19,
``tools/reconcile_sql.split``): decided from a few queries for all the
proposals, the same decision as reading every record through the ORM, for
each kind of match."""
from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from ..tools import reconcile_sql
from .test_cash_matching import CashCommon


def group_is_simple_by_orm(item):
    """Whether the reconciliation group of ``item`` (every item reachable
    through partials) is one the adapter reconciles as Odoo would (see
    ``tools/reconcile_sql._Group``), read through the ORM; True when the
    item was never reconciled."""
    lines = todo = item
    while todo:
        found = (todo.matched_debit_ids.debit_move_id | todo.matched_credit_ids.credit_move_id) - lines
        lines |= found
        todo = found
    partials = lines.matched_debit_ids | lines.matched_credit_ids
    if not partials:
        return True
    number = f"P{min(partials.ids)}"
    cash_basis = (lines.move_id.line_ids.tax_line_id | lines.move_id.line_ids.tax_ids).filtered(
        lambda tax: tax.tax_exigibility == "on_payment")
    return (item._all_reconciled_lines() == lines and set(lines.mapped("matching_number")) == {number}
            and not lines.full_reconcile_id and not partials.exchange_move_id and not cash_basis
            and all(line.currency_id == line.company_currency_id and line.company_id == item.company_id
                    and line.balance == line.amount_currency
                    and line.amount_residual == line.amount_residual_currency for line in lines)
            and all(partial.amount == partial.debit_amount_currency == partial.credit_amount_currency
                    for partial in partials))


def is_simple_by_orm(proposal):
    """The adapter's conditions (see ``tools/reconcile_sql``), read record by
    record through the ORM: the reference of the set-based decision."""
    company = proposal.company_id
    currency = company.currency_id
    st_line = proposal.statement_line_id
    if not st_line or not proposal.line_ids or proposal.writeoff_amount < 0:
        return False
    fees = company.credit_cash_writeoff_account_id
    if proposal.writeoff_amount and (
            not fees or fees.reconcile or fees.tax_ids
            or fees.account_type in ("asset_cash", "liability_credit_card", "off_balance")
            or not fees.filtered_domain(fees._check_company_domain(company))):
        return False
    if st_line.foreign_currency_id or st_line.currency_id != currency or st_line.amount <= 0:
        return False
    liquidity, suspense, other = st_line._seek_for_lines()
    if len(liquidity) != 1 or len(suspense) != 1 or other or suspense.currency_id != currency:
        return False
    if suspense.account_id.reconcile or suspense.matched_debit_ids or suspense.matched_credit_ids:
        return False
    if len(proposal.line_ids.move_line_id) != len(proposal.line_ids):
        return False
    for line in proposal.line_ids:
        item = line.move_line_id
        invoice = item.move_id
        cash_basis = (item.move_id.line_ids.tax_line_id | item.move_id.line_ids.tax_ids).filtered(
            lambda tax: tax.tax_exigibility == "on_payment")
        if (item.currency_id != currency or item.company_id != proposal.company_id or item.parent_state != "posted"
                or item.account_id.account_type != "asset_receivable" or not item.account_id.reconcile
                or item.balance <= 0 or item.reconciled or not group_is_simple_by_orm(item)
                or not invoice.is_invoice(include_receipts=True)
                or cash_basis or currency.compare_amounts(line.amount, 0.0) <= 0):
            return False
    allocated = sum(proposal.line_ids.mapped("amount")) - proposal.writeoff_amount
    return currency.compare_amounts(allocated, -suspense.balance) <= 0


@tagged("post_install", "-at_install")
@freeze_time("2026-02-15")
class TestCashSplit(CashCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Quincaillerie Leroy")
        cls.euro = cls.setup_other_currency("EUR", rates=[("2020-01-01", 2.0)])
        cls.fees = cls.company_data["default_account_expense"]

    def _proposal(self, st_line, allocations, writeoff=0.0, state="proposed"):
        return self.Proposal.create({
            "company_id": self.company.id,
            "statement_line_id": st_line.id,
            "currency_id": self.company.currency_id.id,
            "amount": st_line.amount,
            "label": st_line.payment_ref,
            "rule": "reference",
            "confidence": 100,
            "writeoff_amount": writeoff,
            "state": state,
            "line_ids": [Command.create({"move_line_id": item.id, "amount": amount}) for item, amount in allocations],
        })

    @staticmethod
    def _items(invoice):
        return invoice.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable").sorted(
            "date_maturity")

    def _invoice(self, amount, **spec):
        return self._create_invoices([{"partner": self.customer, "amount": amount, "due": date(2026, 1, 31), **spec}])

    def _cash_basis_invoice(self):
        self.company.tax_exigibility = True
        tax = self.env["account.tax"].create({
            "name": "TVA sur les encaissements",
            "amount": 20.0,
            "type_tax_use": "sale",
            "tax_exigibility": "on_payment",
            "cash_basis_transition_account_id": self.company_data["default_account_tax_sale"].copy(
                {"reconcile": True}).id,
        })
        invoice = self.env["account.move"].create({
            **self._invoice_values({"partner": self.customer, "amount": 100.0, "due": date(2026, 1, 31)}),
            "invoice_line_ids": [Command.create({"name": "Conseil", "quantity": 1, "price_unit": 100.0,
                                                 "tax_ids": [Command.set(tax.ids)]})],
        })
        invoice.action_post()
        return invoice

    def _reconcilable_suspense_line(self, amount):
        """A bank line on a journal whose suspense account is reconcilable,
        its suspense item partly reconciled by a miscellaneous entry."""
        suspense = self.env["account.account"].create({
            "name": "Attente reconciliable", "code": "471990", "account_type": "asset_current", "reconcile": True})
        journal = self.env["account.journal"].create({
            "name": "Banque bis", "type": "bank", "code": "BNKB", "suspense_account_id": suspense.id})
        st_line = self._bank_line(amount, "VIR DIVERS", partner=self.customer, journal=journal)
        misc = self.env["account.move"].create({
            "move_type": "entry", "date": date(2026, 2, 10), "journal_id": self.company_data["default_journal_misc"].id,
            "line_ids": [Command.create({"account_id": suspense.id, "debit": 30.0}),
                         Command.create({"account_id": self.fees.id, "credit": 30.0})],
        })
        misc.action_post()
        _liquidity, suspense_item, _other = st_line._seek_for_lines()
        (suspense_item | misc.line_ids.filtered(lambda line: line.account_id == suspense)).reconcile()
        return st_line

    def _cases(self):
        """{kind: (proposal, applied by the adapter)}"""
        inv = {name: self._invoice(amount) for name, amount in (
            ("exact", 100.0), ("first", 120.0), ("second", 380.0), ("writeoff", 100.0), ("own_payment", 100.0),
            ("foreign_line", 100.0), ("applied", 100.0), ("after_applied", 100.0), ("part_applied", 100.0),
            ("after_part", 50.0), ("suspense", 50.0), ("too_much", 200.0), ("paid_in_part", 100.0),
            ("twice", 100.0), ("fees_beyond", 100.0))}
        self.company.credit_cash_writeoff_account_id = self.fees
        term = self._create_instalment_term([(30, 0), (70, 30)])
        inv["instalments"] = self._invoice(1000.0, payment_term=term)
        inv["both_instalments"] = self._invoice(1000.0, payment_term=term)
        inv["foreign_invoice"] = self._invoice(100.0, currency=self.euro)
        inv["cash_basis"] = self._cash_basis_invoice()
        self.env["account.payment"].create({
            "payment_type": "inbound", "partner_type": "customer", "partner_id": self.customer.id, "amount": 100.0,
            "invoice_ids": [Command.set(inv["own_payment"].ids)],
        })
        self._pay(inv["paid_in_part"], amount=40.0)
        for name, currency in (("credit_note", self.company.currency_id), ("foreign_credit_note", self.euro)):
            inv[name] = self._invoice(100.0)
            refund = self._invoice(30.0, move_type="out_refund", currency=currency)
            (self._items(refund) | self._items(inv[name])).reconcile()
        item = {name: self._items(invoice)[:1] for name, invoice in inv.items()}

        def line(amount, label, **values):
            return self._bank_line(amount, label, partner=self.customer, **values)

        applied = self._proposal(line(100.0, "VIR APPLIED"), [(item["applied"], 100.0)])
        part_applied = self._proposal(line(150.0, "VIR PART"), [(item["part_applied"], 100.0)])
        (applied | part_applied)._credit_reconcile()
        self.assertEqual((applied | part_applied).mapped("state"), ["reconciled"] * 2)
        instalments = self._items(inv["instalments"])
        both = self._items(inv["both_instalments"])
        cases = {
            "exact": (self._proposal(line(100.0, "VIR EXACT"), [(item["exact"], 100.0)]), True),
            "combined payment": (self._proposal(
                line(500.0, "VIR COMBINED"), [(item["first"], 120.0), (item["second"], 380.0)]), True),
            "first instalment": (self._proposal(line(300.0, "VIR ACOMPTE"), [(instalments[0], 300.0)]), True),
            "both instalments": (self._proposal(
                line(1000.0, "VIR SOLDE"), [(both[0], 300.0), (both[1], 700.0)]), True),
            "bank fees": (self._proposal(line(99.0, "VIR FEES"), [(item["writeoff"], 100.0)], writeoff=1.0), True),
            "bank fees beyond the bank line": (self._proposal(
                line(90.0, "VIR FEES TROP"), [(item["fees_beyond"], 100.0)], writeoff=1.0), False),
            "foreign currency bank line": (self._proposal(
                line(100.0, "VIR USD", foreign_currency_id=self.euro.id, amount_currency=200.0),
                [(item["foreign_line"], 100.0)]), False),
            "foreign currency invoice": (self._proposal(
                line(50.0, "VIR EUR"), [(item["foreign_invoice"], 50.0)]), False),
            "cash-basis tax": (self._proposal(line(120.0, "VIR CABA"), [(item["cash_basis"], 120.0)]), False),
            "invoice with its own payment": (self._proposal(
                line(100.0, "VIR OWN"), [(item["own_payment"], 100.0)]), True),
            "invoice paid in part": (self._proposal(line(60.0, "VIR RESTE"), [(item["paid_in_part"], 60.0)]), True),
            "invoice reconciled with a credit note": (self._proposal(
                line(70.0, "VIR AVOIR"), [(item["credit_note"], 70.0)]), True),
            "invoice reconciled with a foreign credit note": (self._proposal(
                line(50.0, "VIR AVOIR EUR"), [(item["foreign_credit_note"], 50.0)]), False),
            "no suspense left": (self._proposal(
                applied.statement_line_id, [(item["after_applied"], 100.0)], state="rejected"), False),
            "bank line partly applied": (self._proposal(
                part_applied.statement_line_id, [(item["after_part"], 50.0)], state="rejected"), False),
            "partly reconciled suspense": (self._proposal(
                self._reconcilable_suspense_line(50.0), [(item["suspense"], 50.0)]), False),
            "more than the bank line": (self._proposal(line(100.0, "VIR TROP"), [(item["too_much"], 150.0)]), False),
            "one item twice": (self._proposal(
                line(100.0, "VIR DOUBLE"), [(item["twice"], 50.0), (item["twice"], 50.0)]), False),
        }
        return cases

    def test_split_decides_as_the_orm_for_every_kind_of_match(self):
        cases = self._cases()
        proposals = self.Proposal.concat(*(proposal for proposal, _simple in cases.values()))
        self.env.invalidate_all()
        simple, others = reconcile_sql.split(proposals)
        self.assertEqual(simple | others, proposals)
        for kind, (proposal, expected) in cases.items():
            with self.subTest(kind=kind):
                self.assertEqual(proposal in simple, expected)
                self.assertEqual(is_simple_by_orm(proposal), expected, "the same decision through the ORM")

    def test_entries_read_at_once_as_odoo_seeks_them(self):
        """The items of many bank lines' entries, read in one query to check
        and apply their proposals, split as Odoo's ``_seek_for_lines``
        splits each: fresh lines, lines applied in full or in part, a
        foreign-currency line, a suspense item reconciled elsewhere."""
        st_lines = self.Proposal.concat(*(proposal for proposal, _simple in self._cases().values())).statement_line_id
        self.env.invalidate_all()
        entries = st_lines._credit_seek_for_lines()
        self.assertEqual(set(entries), set(st_lines))
        for st_line in st_lines:
            with self.subTest(line=st_line.payment_ref):
                self.assertEqual(entries[st_line], st_line._seek_for_lines())
        self.assertEqual(st_lines.browse()._credit_seek_for_lines(), {})

    def test_bank_fees_left_to_odoo_on_an_account_it_would_compute(self):
        """Bank fees are applied in bulk only on a fee account whose item
        the ORM would not compute further: one with a default tax (Odoo
        adds the tax line) or reconcilable (a residual) is left to Odoo."""
        proposal = self._proposal(self._bank_line(99.0, "VIR FEES", partner=self.customer),
                                  [(self._items(self._invoice(100.0)), 100.0)], writeoff=1.0)
        self.company.credit_cash_writeoff_account_id = self.fees
        tax = self.company_data["default_tax_purchase"]
        for kind, values, expected in (
                ("plain expense account", {}, True),
                ("default tax", {"tax_ids": [Command.set(tax.ids)]}, False),
                ("reconcilable", {"tax_ids": [Command.clear()], "reconcile": True}, False)):
            with self.subTest(kind=kind):
                self.fees.write(values)
                self.env.invalidate_all()
                simple, _others = reconcile_sql.split(proposal)
                self.assertEqual(bool(simple), expected)
                self.assertEqual(is_simple_by_orm(proposal), expected, "the same decision through the ORM")

    def test_split_reads_the_same_queries_for_one_or_many(self):
        """Never a read per proposal: deciding on all of them takes as many
        queries as on one."""
        cases = self._cases()
        proposals = self.Proposal.concat(*(proposal for proposal, _simple in cases.values()))
        counts = []
        # one of an item reconciled before: its group read too
        for subset in (cases["invoice paid in part"][0], proposals):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            reconcile_sql.split(subset)
            counts.append(self.env.cr.sql_log_count - before)
        self.assertEqual(counts[0], counts[1])
