"""Rows of invoices, credit notes and payments, computed as the ORM would.

Pure computation: the values here are those the ORM stores when it creates,
posts and reconciles the same documents (the shape test checks it column by
column); ``sql_writer`` allocates the ids and inserts the rows.
"""
from functools import partial

from odoo.tools import SQL, float_round

from .orm_writer import line_label, refund_reference
from .plan import VAT_CLASSES

# what the ORM stores on the lines that are not product lines of an invoice
ZERO_PRODUCT_VALUES = dict.fromkeys(('quantity', 'price_unit', 'price_subtotal', 'price_total', 'discount'), 0.0)


class Sequence:
    """Move names of one journal, continuing the numbers already in the database."""

    def __init__(self, cr, journal_id, prefix_format):
        self.cr = cr
        self.journal_id = journal_id
        self.prefix_format = prefix_format
        self.next = {}

    def take(self, day):
        prefix = self.prefix_format.format(year=day.year)
        if prefix not in self.next:
            self.cr.execute(SQL(
                "SELECT COALESCE(MAX(sequence_number), 0) FROM account_move"
                " WHERE journal_id = %s AND sequence_prefix = %s",
                self.journal_id, prefix,
            ))
            self.next[prefix] = self.cr.fetchone()[0] + 1
        number = self.next[prefix]
        self.next[prefix] += 1
        return f'{prefix}{number:05d}', prefix, number


class Document:
    """One move being built: its row, its lines, and its receivable lines."""

    def __init__(self, move, lines, round_amount):
        self.move = move
        self.lines = lines
        self.round = round_amount
        self.receivables = [line for line in lines if line['display_type'] == 'payment_term']


class DocumentBuilder:
    """Builds the rows of one company's documents."""

    def __init__(self, writer, setup):
        self.writer = writer
        self.setup = setup
        # what res.currency.round() returns, without a record's field read per
        # amount (a sixth of the time of building the rows)
        self.round = partial(float_round, precision_rounding=setup.currency.rounding)
        self._products, self._taxes = {}, {}
        cr = writer.env.cr
        journal = setup.sale_journal
        self.invoice_sequence = Sequence(cr, journal.id, f'{journal.code}/{{year}}/')
        self.refund_sequence = Sequence(cr, journal.id, f'R{journal.code}/{{year}}/')
        self.payment_sequence = Sequence(cr, setup.bank_journal.id, f'P{setup.bank_journal.code}/{{year}}/')

    # -- invoices and credit notes --------------------------------------------
    def invoice(self, invoice, partner):
        term = self.writer.ctx.terms[invoice.term]
        name, prefix, number = self.invoice_sequence.take(invoice.date)
        return self._document('out_invoice', invoice.date, invoice.lines, partner, name, prefix, number, term)

    def refund(self, invoice, partner, origin):
        name, prefix, number = self.refund_sequence.take(invoice.refund.date)
        document = self._document('out_refund', invoice.refund.date, [invoice.refund.line],
                                  partner, name, prefix, number, None)
        document.move['reversed_entry_id'] = origin  # an id once the moves have theirs
        document.move['ref'] = refund_reference(origin.move['name'])
        for line in document.lines:
            line['ref'] = document.move['ref']
        return document

    def _product(self, key):
        """(id, unit, income account) of a product, read once."""
        if key not in self._products:
            product = self.writer.ctx.products[key]
            self._products[key] = (product.id, product.uom_id.id, self.writer.income_account(self.setup, product))
        return self._products[key]

    def _tax(self, vat_class, move_type):
        """The values of a VAT class's tax that the rows take, read once per document type."""
        if (vat_class, move_type) not in self._taxes:
            tax = self.setup.taxes[vat_class]
            repartition = self.writer.tax_repartition(tax, move_type)
            self._taxes[vat_class, move_type] = {
                'id': tax.id, 'amount': tax.amount, 'name': tax.name, 'group': tax.tax_group_id.id,
                'account': repartition.account_id.id, 'repartition': repartition.id,
            }
        return self._taxes[vat_class, move_type]

    def _document(self, move_type, day, plan_lines, partner, name, prefix, number, term):
        sign = 1 if move_type == 'out_invoice' else -1  # of the receivable
        line_taxes = [self._tax(VAT_CLASSES[line.product], move_type) for line in plan_lines]
        subtotals = [self.round(line.quantity * line.price_unit) for line in plan_lines]
        # rounded per line, as the companies' taxes are
        taxes = [self.round(subtotal * tax['amount'] / 100)
                 for subtotal, tax in zip(subtotals, line_taxes, strict=True)]
        untaxed, tax_amount = self.round(sum(subtotals)), self.round(sum(taxes))
        total = self.round(untaxed + tax_amount)
        common = self.writer.common_line_values(self.setup, partner, name, day, move_type)
        lines = []
        for line, subtotal, line_tax, tax in zip(plan_lines, subtotals, taxes, line_taxes, strict=True):
            product_id, uom_id, account_id = self._product(line.product)
            lines.append({
                **common, 'display_type': 'product', 'sequence': 100, 'discount': 0.0,
                'account_id': account_id,
                'name': line_label(line.product, partner.lang),
                'product_id': product_id, 'product_uom_id': uom_id,
                'quantity': line.quantity, 'price_unit': line.price_unit,
                'price_subtotal': subtotal, 'price_total': self.round(subtotal + line_tax),
                **self._amounts(-sign * subtotal), 'tax_ids': [tax['id']],
            })
        # one tax line per tax, on the base of its lines
        for tax_id, tax in {tax['id']: tax for tax in line_taxes}.items():
            lines.append({
                **common, 'display_type': 'tax', 'sequence': 10000,
                'name': tax['name'], **ZERO_PRODUCT_VALUES,
                'account_id': tax['account'], 'tax_line_id': tax_id,
                'tax_group_id': tax['group'], 'tax_repartition_line_id': tax['repartition'],
                'tax_base_amount': self.round(sum(s for s, t in zip(subtotals, line_taxes, strict=True)
                                                  if t['id'] == tax_id)),
                **self._amounts(-sign * self.round(sum(a for a, t in zip(taxes, line_taxes, strict=True)
                                                       if t['id'] == tax_id))),
            })
        lines += self._receivable_lines(common, partner, day, name, sign, term, untaxed, tax_amount, total)
        # without payment term, the ORM leaves the due date of a credit note to the day it is written
        due = max(line['date_maturity'] for line in lines if line['display_type'] == 'payment_term') if term \
            else self.writer.today
        move = {
            **self.writer.common_move_values(self.setup, partner, move_type, name, prefix, number, day),
            'invoice_date': day, 'invoice_date_due': due,
            'payment_reference': name if move_type == 'out_invoice' else None,
            'invoice_payment_term_id': term.id if term else None,
            'partner_shipping_id': partner.id, 'invoice_user_id': self.writer.env.uid,
            'partner_bank_id': self.writer.invoice_bank(self.setup) if move_type == 'out_invoice' else None,
            'invoice_currency_rate': 1.0,
            'amount_untaxed': untaxed, 'amount_tax': tax_amount, 'amount_total': total,
            'amount_residual': total,
            'amount_untaxed_signed': sign * untaxed, 'amount_untaxed_in_currency_signed': sign * untaxed,
            'amount_tax_signed': sign * tax_amount, 'amount_total_signed': sign * total,
            'amount_total_in_currency_signed': sign * total, 'amount_residual_signed': sign * total,
        }
        return Document(move, lines, self.round)

    def _receivable_lines(self, common, partner, day, name, sign, term, untaxed, tax_amount, total):
        if term:
            currency, company = self.setup.currency, self.setup.company
            split = term._compute_terms(day, currency, company, tax_amount, tax_amount, 1, untaxed, untaxed)
            instalments = [(vals['date'], self.round(vals['company_amount'])) for vals in split['line_ids']]
        else:
            instalments = [(self.writer.today, total)]  # as the due date of the move
        lines = []
        for index, (due, amount) in enumerate(instalments, start=1):
            label = f'{name} installment #{index}' if len(instalments) > 1 else name
            lines.append({
                **common, 'display_type': 'payment_term', 'sequence': 12000,
                'name': label if term else None,  # the credit note has no payment reference
                'tax_tag_invert': False, 'discount_amount_currency': 0.0, 'discount_balance': 0.0,
                'account_id': self.writer.receivable_account(self.setup, partner),
                'date_maturity': due, **self._amounts(sign * amount, residual=True), **ZERO_PRODUCT_VALUES,
            })
        return lines

    def _amounts(self, balance, residual=False):
        return {
            'balance': balance, 'amount_currency': balance,
            'debit': balance if balance > 0 else 0.0, 'credit': -balance if balance < 0 else 0.0,
            'amount_residual': balance if residual else 0.0,
            'amount_residual_currency': balance if residual else 0.0,
        }

    # -- payments -----------------------------------------------------------------
    def payment(self, day, invoice_doc, partner, amount):
        name, prefix, number = self.payment_sequence.take(day)
        writer, setup = self.writer, self.setup
        memo = invoice_doc.move['payment_reference']
        method_line, outstanding = writer.payment_method(setup)
        payment = {
            'name': name, 'date': day, 'journal_id': setup.bank_journal.id, 'company_id': setup.company.id,
            'partner_id': partner.id, 'partner_bank_id': writer.payment_bank(setup),
            'payment_method_line_id': method_line.id, 'payment_method_id': method_line.payment_method_id.id,
            'currency_id': setup.currency.id, 'outstanding_account_id': outstanding.id,
            'destination_account_id': writer.receivable_account(setup, partner),
            'state': 'in_process', 'payment_type': 'inbound', 'partner_type': 'customer', 'memo': memo,
            'amount': amount, 'amount_company_currency_signed': amount,
            'is_reconciled': False, 'is_matched': False,
        }
        common = writer.common_line_values(setup, partner, name, day, 'entry')
        label = f'{method_line.name}: {memo}'
        base = {**common, 'ref': memo, 'name': label, 'display_type': 'product', 'sequence': 100,
                'date_maturity': day, 'quantity': 1.0, 'price_unit': 0.0, 'discount': 0.0, 'tax_tag_invert': False}
        lines = [
            {**base, 'account_id': outstanding.id, **self._amounts(amount, residual=True),
             'price_subtotal': amount, 'price_total': amount},
            {**base, 'account_id': payment['destination_account_id'], **self._amounts(-amount, residual=True),
             'price_subtotal': -amount, 'price_total': -amount},
        ]
        move = {
            **writer.common_move_values(setup, partner, 'entry', name, prefix, number, day),
            'ref': memo, 'partner_bank_id': payment['partner_bank_id'],
            'invoice_date_due': writer.today, 'always_tax_exigible': True,
            'amount_total': amount, 'amount_total_signed': amount, 'amount_total_in_currency_signed': amount,
            'invoice_currency_rate': 0.0,
            **dict.fromkeys(('amount_untaxed', 'amount_tax', 'amount_residual', 'amount_untaxed_signed',
                             'amount_untaxed_in_currency_signed', 'amount_tax_signed', 'amount_residual_signed'), 0.0),
        }
        document = Document(move, lines, self.round)
        document.receivables = lines[1:]
        return payment, document


def reconcile(debits, credit, partials, round_amount):
    """Match ``credit`` against the open ``debits`` by due date, as the ORM does.

    Updates the residuals in place and appends (debit, credit, amount) to ``partials``.
    """
    for debit in sorted(debits, key=lambda line: (line['date_maturity'], line['balance'])):
        if not -credit['amount_residual'] > 0:
            break
        if not debit['amount_residual'] > 0:
            continue
        amount = min(debit['amount_residual'], -credit['amount_residual'])
        for line, delta in ((debit, -amount), (credit, amount)):
            line['amount_residual'] = line['amount_residual_currency'] = round_amount(line['amount_residual'] + delta)
            line['reconciled'] = line['amount_residual'] == 0
        partials.append((debit, credit, amount))


class LineGroups:
    """Lines linked by partials (union-find), as the ORM numbers them."""

    def __init__(self):
        self.parent = {}
        self.members = {}

    def find(self, line):
        key = id(line)
        self.members.setdefault(key, [line])
        while self.parent.setdefault(key, key) != key:
            key = self.parent[key]
        return key

    def union(self, first, second):
        roots = sorted((self.find(first), self.find(second)), key=lambda root: len(self.members[root]))
        if roots[0] != roots[1]:
            self.parent[roots[0]] = roots[1]
            self.members[roots[1]] += self.members.pop(roots[0])

    def group(self, line):
        return self.members[self.find(line)]
