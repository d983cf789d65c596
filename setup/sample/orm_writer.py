"""Write the invoice plan through the ORM, in batches."""
from odoo.fields import Command

from .plan import PRODUCTS, VAT_CLASSES, settle

BATCH = 500


def batched(items, size=BATCH):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def line_label(product_key, lang):
    name_fr, name_en, *_rest = PRODUCTS[product_key]
    return name_fr if lang == 'fr_FR' else name_en


class OrmWriter:
    """Creates, posts, pays and reconciles the planned invoices with the ORM.

    The SQL writer has the same interface (``write(invoices)``); both return
    the created invoices in plan order so that callers can compare them.
    """

    def __init__(self, env, ctx, partners):
        self.env = env
        self.ctx = ctx
        self.partners = partners  # plan partner index -> res.partner

    def write_plan(self, invoices):
        moves = self._create_invoices(invoices)
        refunds = self._create_refunds(invoices, moves)
        payments = self._create_payments(invoices, moves, refunds)
        self._reconcile(invoices, moves, refunds, payments)
        return {
            'invoices': moves,
            'refunds': self.env['account.move'].union(*refunds.values()),
            'payments': self.env['account.payment'].union(*(p for pays in payments.values() for p in pays)),
        }

    # -- invoices -----------------------------------------------------------
    def _move_vals(self, invoice, move_type, invoice_date, lines, extra=None):
        setup = self.ctx.companies[invoice.company]
        partner = self.partners[invoice.partner]
        return {
            'move_type': move_type,
            'partner_id': partner.id,
            'invoice_date': invoice_date,
            'journal_id': setup.sale_journal.id,
            'company_id': setup.company.id,
            'currency_id': setup.currency.id,
            'invoice_line_ids': [
                Command.create({
                    'product_id': self.ctx.products[line.product].id,
                    'name': line_label(line.product, partner.lang),
                    'quantity': line.quantity,
                    'price_unit': line.price_unit,
                    'tax_ids': [Command.set(setup.taxes[VAT_CLASSES[line.product]].ids)],
                })
                for line in lines
            ],
            **(extra or {}),
        }

    def _create_invoices(self, invoices):
        Move = self.env['account.move']
        moves = Move
        for chunk in batched(invoices):
            created = Move.create([
                self._move_vals(inv, 'out_invoice', inv.date, inv.lines,
                                {'invoice_payment_term_id': self.ctx.terms[inv.term].id})
                for inv in chunk
            ])
            created.action_post()
            moves |= created
        return moves

    def _create_refunds(self, invoices, moves):
        todo = sorted(
            ((inv, move) for inv, move in zip(invoices, moves, strict=True) if inv.refund),
            key=lambda pair: pair[0].refund.date,
        )
        refunds = {}
        for chunk in batched(todo):
            created = self.env['account.move'].create([
                self._move_vals(inv, 'out_refund', inv.refund.date, [inv.refund.line], {
                    'reversed_entry_id': move.id,
                    'ref': refund_reference(move.name),
                })
                for inv, move in chunk
            ])
            created.action_post()
            refunds.update({move.id: refund for (_inv, move), refund in zip(chunk, created, strict=True)})
        return refunds

    # -- payments -----------------------------------------------------------
    def _create_payments(self, invoices, moves, refunds):
        todo = []
        for inv, move in zip(invoices, moves, strict=True):
            refund = refunds.get(move.id)
            amounts = settle(
                receivable_amounts(move), refund.amount_total if refund else 0.0,
                inv.payments, move.currency_id.round,
            )
            todo += [
                (payment.date, move, amount)
                for payment, amount in zip(inv.payments, amounts, strict=True)
                if amount > 0
            ]
        todo.sort(key=lambda item: item[0])
        payments = {move.id: [] for move in moves}
        for chunk in batched(todo):
            created = self.env['account.payment'].create([
                self._payment_vals(pay_date, move, amount) for pay_date, move, amount in chunk
            ])
            created.action_post()
            for (_d, move, _a), payment in zip(chunk, created, strict=True):
                payments[move.id].append(payment)
        return payments

    def _payment_vals(self, pay_date, move, amount):
        setup = next(s for s in self.ctx.companies.values() if s.company == move.company_id)
        return {
            'payment_type': 'inbound',
            'partner_type': 'customer',
            'partner_id': move.commercial_partner_id.id,
            'amount': amount,
            'date': pay_date,
            'journal_id': setup.bank_journal.id,
            'company_id': setup.company.id,
            'currency_id': setup.currency.id,
            'memo': move.payment_reference,
            'invoice_ids': [Command.set(move.ids)],
        }

    def _reconcile(self, invoices, moves, refunds, payments):
        """Credit notes first, then the payments in the order they were made."""
        AccountMoveLine = self.env['account.move.line']
        stages = [[
            (move, refunds[move.id].line_ids) for move in moves if move.id in refunds
        ]]
        depth = max((len(p) for p in payments.values()), default=0)
        for rank in range(depth):
            stages.append([
                (move, payments[move.id][rank].move_id.line_ids)
                for move in moves if len(payments[move.id]) > rank
            ])
        for stage in stages:
            plan = [
                (move.line_ids + counterpart).filtered(
                    lambda line: line.account_id.account_type == 'asset_receivable' and not line.reconciled)
                for move, counterpart in stage
            ]
            if plan:
                AccountMoveLine._reconcile_plan(plan)


def receivable_amounts(move):
    lines = move.line_ids.filtered(lambda line: line.display_type == 'payment_term')
    return [line.balance for line in lines.sorted(lambda line: (line.date_maturity, line.balance))]


def refund_reference(invoice_name):
    return f'Avoir sur {invoice_name}'
