"""Write the invoice plan set-based in SQL, for benchmark-sized databases.

Rows have the shape the ORM gives them (see ``tests/test_sample_data.py``):
the documents are computed in Python by ``sql_documents``, ids are drawn
from the tables' sequences in bulk, and every table is filled with
multi-row ``INSERT``s. The plan is written in chunks of ``CHUNK`` invoices
(the rows of one chunk only in memory, the ORM caches invalidated after
each), then the credit notes and payments are renumbered in date order over
all the chunks; the shape test writes in one pass and in chunks and compares
both with the ORM's rows.
"""
import datetime
import io
import logging
import operator
from collections import namedtuple

from odoo import fields, models
from odoo.tools import SQL

from .orm_writer import batched
from .plan import settle
from .sql_documents import DocumentBuilder, LineGroups, reconcile

_logger = logging.getLogger(__name__)

PartnerFacts = namedtuple('PartnerFacts', 'id commercial_partner_id display_name lang receivable')

INSERT_PAGE = 1000
PARTNER_BATCH = 5000
# invoices written at a time: bounded memory (a chunk's rows are Python dicts)
CHUNK = 20000


class SqlWriter:

    def __init__(self, env, ctx, partners):
        self.written_columns = {}
        self.unchecked = {}  # table -> (column, first value) of the rows copied without reference checks
        self.env = env
        self.ctx = ctx
        self.partners = partners
        self.today = fields.Date.context_today(env['account.move'])
        self.now = env.cr.now()
        self._cache = {}

    # -- values the ORM would compute, read once per company ------------------------
    def _cached(self, key, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def receivable_account(self, setup, partner):
        return partner.receivable[setup.company.id]

    def _partner_facts(self):
        """What the documents take from their customers, read in batches:
        record by record, the company-dependent receivable account alone cost
        80 ms a customer (a batch of Odoo's prefetch each time)."""
        facts = []
        companies = [setup.company for setup in self.ctx.companies.values()]
        for batch in batched(self.partners, PARTNER_BATCH):
            receivables = {
                company.id: batch.with_company(company).mapped(
                    lambda partner: partner.property_account_receivable_id.id)
                for company in companies
            }
            facts += [
                PartnerFacts(partner.id, partner.commercial_partner_id.id, partner.display_name, partner.lang,
                             {company_id: accounts[index] for company_id, accounts in receivables.items()})
                for index, partner in enumerate(batch)
            ]
            self.env.invalidate_all()
        return facts

    def income_account(self, setup, product):
        def compute():
            accounts = product.product_tmpl_id.with_company(setup.company)._get_product_accounts()
            return (accounts['income'] or setup.sale_journal.default_account_id).id
        return self._cached(('income', setup.company.id, product.id), compute)

    def tax_repartition(self, tax, move_type):
        def compute():
            lines = tax.invoice_repartition_line_ids if move_type == 'out_invoice' else tax.refund_repartition_line_ids
            return lines.filtered(lambda line: line.repartition_type == 'tax')[:1]
        return self._cached(('repartition', tax.id, move_type), compute)

    def invoice_bank(self, setup):
        def compute():
            draft = self.env['account.move'].new({
                'move_type': 'out_invoice', 'company_id': setup.company.id, 'journal_id': setup.sale_journal.id,
            })
            return draft.partner_bank_id.id or None
        return self._cached(('invoice_bank', setup.company.id), compute)

    def payment_bank(self, setup):
        return setup.bank_journal.bank_account_id.id or None

    def payment_method(self, setup):
        def compute():
            draft = self.env['account.payment'].new({
                'company_id': setup.company.id, 'journal_id': setup.bank_journal.id,
                'payment_type': 'inbound', 'partner_type': 'customer',
            })
            method_line = draft.payment_method_line_id
            return method_line, method_line.payment_account_id or draft._get_outstanding_account('inbound')
        return self._cached(('method', setup.company.id), compute)

    def setup_ids(self, setup):
        """The ids of a company's setup, read once: a record's field read per
        row cost more than building the row."""
        return self._cached(('setup ids', setup.company.id), lambda: {
            'company': setup.company.id, 'company_currency': setup.company.currency_id.id,
            'currency': setup.currency.id, 'sale_journal': setup.sale_journal.id,
            'bank_journal': setup.bank_journal.id,
        })

    def common_move_values(self, setup, partner, move_type, name, prefix, number, day):
        ids = self.setup_ids(setup)
        return {
            'name': name, 'sequence_prefix': prefix, 'sequence_number': number,
            'journal_id': ids['sale_journal'] if move_type != 'entry' else ids['bank_journal'],
            'company_id': ids['company'], 'currency_id': ids['currency'],
            'partner_id': partner.id, 'commercial_partner_id': partner.commercial_partner_id,
            'invoice_partner_display_name': partner.display_name,
            'state': 'posted', 'move_type': move_type, 'date': day, 'auto_post': 'no',
            'payment_state': 'not_paid', 'checked': True, 'posted_before': True, 'is_storno': False,
            'always_tax_exigible': False, 'is_manually_modified': False, 'made_sequence_gap': False,
            **self._stamps(),
        }

    def common_line_values(self, setup, partner, move_name, day, move_type):
        ids = self.setup_ids(setup)
        return {
            'journal_id': ids['bank_journal'] if move_type == 'entry' else ids['sale_journal'],
            'company_id': ids['company'], 'company_currency_id': ids['company_currency'],
            'currency_id': ids['currency'], 'partner_id': partner.id, 'move_name': move_name,
            'parent_state': 'posted', 'date': day, 'invoice_date': day if move_type != 'entry' else None,
            'reconciled': False, 'tax_tag_invert': move_type == 'out_invoice',
            **self._stamps(),
        }

    def _stamps(self):
        uid = self.env.uid
        return {'create_uid': uid, 'write_uid': uid, 'create_date': self.now, 'write_date': self.now}

    # -- the plan -------------------------------------------------------------------------
    def write_plan(self, invoices, chunk_size=CHUNK, progress=None):
        """Write ``invoices`` (in date order) chunk after chunk: the rows of one
        chunk only are in memory at a time. The numbers of the credit notes and
        payments, drawn in date order within a chunk, are put in date order
        over all the chunks at the end (``_renumber``), as one pass would draw them.

        :param progress: a ``progress.Progress``: each chunk is committed with
            the note of what is written, and the invoices a stopped run wrote
            are not written again
        """
        self.env.flush_all()
        state = (progress and progress.writer_state()) or {'first': {}, 'unchecked': {}, 'sequences': []}
        if progress and 'invoices' in progress.final_steps():
            return self._written(state['first'])
        builders = {key: DocumentBuilder(self, setup) for key, setup in self.ctx.companies.items()}
        self.facts = self._partner_facts()
        self.unchecked = {table: tuple(first) for table, first in state['unchecked'].items()}
        sequences = {tuple(sequence) for sequence in state['sequences']}
        written = progress.invoices_written if progress else 0
        if written:
            _logger.info("SQL writer: %s invoices of %s written before, going on", written, len(invoices))
        for chunk in batched(invoices[written:], chunk_size):
            chunk_ids = self._write_chunk(builders, chunk)
            written += len(chunk)
            for key, values in (('move', chunk_ids['invoices']), ('payment', chunk_ids['payments'])):
                if values:
                    state['first'].setdefault(key, min(values))
            sequences |= self._sequences(builders)
            state.update(unchecked=self.unchecked, sequences=sorted(sequences))
            if progress:
                progress.chunk_done(written, state)
            _logger.info("SQL writer: %s invoices of %s written", written, len(invoices))
        self._analyze()
        self._renumber(sequences, state['first'].get('move'))
        self._check_references()
        # the daily receivables, the credit sales and payments per customer
        # and today's open items the ledger's hooks keep up to date through
        # the ORM: computed again from the rows written here
        for model in ('credit.control.kpi.balance', 'credit.control.kpi.sales', 'credit.control.kpi.delay',
                      'credit.control.kpi.open'):
            if model in self.env:
                self.env[model]._kpi_rebuild()
        if progress:
            progress.final_step_done('invoices', {})
        return self._written(state['first'])

    @staticmethod
    def _sequences(builders):
        """(journal, prefix) of the credit notes and payments numbered so far."""
        return {(sequence.journal_id, prefix)
                for builder in builders.values()
                for sequence in (builder.refund_sequence, builder.payment_sequence)
                for prefix in sequence.next}

    def _written(self, first):
        """The invoices (in plan order), the credit notes (in date order) and the
        payments (per invoice, in the order made) written, read back: a run that
        goes on with a stopped one has not the ids of what that one wrote."""
        Move, Payment = self.env['account.move'], self.env['account.payment']
        if not first.get('move'):
            return {'invoices': Move, 'refunds': Move, 'payments': Payment}
        journals = tuple(setup.sale_journal.id for setup in self.ctx.companies.values())

        def moves(move_type, order):
            return Move.browse(row[0] for row in self.env.execute_query(SQL(
                "SELECT id FROM account_move WHERE id >= %s AND journal_id IN %s AND move_type = %s ORDER BY %s",
                first['move'], journals, move_type, SQL(order))))

        payments = Payment.browse(row[0] for row in self.env.execute_query(SQL(
            "SELECT payment.id FROM account_payment payment"
            " JOIN account_move__account_payment paid ON paid.payment_id = payment.id"
            " WHERE payment.id >= %s ORDER BY paid.invoice_id, payment.id",
            first.get('payment', 0))))
        return {'invoices': moves('out_invoice', 'id'), 'refunds': moves('out_refund', 'date, id'),
                'payments': payments}

    def _write_chunk(self, builders, invoices):
        docs = [builders[inv.company].invoice(inv, self.facts[inv.partner]) for inv in invoices]
        refunds = {}
        for index in sorted((i for i, inv in enumerate(invoices) if inv.refund), key=lambda i: invoices[i].refund.date):
            inv = invoices[index]
            refunds[index] = builders[inv.company].refund(inv, self.facts[inv.partner], docs[index])
        payments = self._payments(invoices, docs, refunds, builders)
        partials, groups, full_groups = self._reconcile(docs, refunds, payments)
        self._states(docs, refunds, payments, partials)
        ids = self._insert(docs, refunds, payments, partials, groups, full_groups)
        del docs, refunds, payments, partials, groups, full_groups
        if not self._cache.get('analyzed'):
            # the statistics of the tables filled: those of their first chunk serve the next ones'
            # queries (by id); the final steps' get fresh ones (an ANALYZE a chunk: a twentieth of its time)
            self._analyze()
            self._cache['analyzed'] = True
        # the records read to build this chunk (partners, accounts) stay in the caches above
        self.env.invalidate_all()
        Move, Payment = self.env['account.move'], self.env['account.payment']
        self._complete_other_fields(Move.browse(ids.pop('moves')), self.env['account.move.line'].browse(
            ids.pop('lines')), Payment.browse(ids['payments']))
        return ids

    def _renumber(self, sequences, first_move):
        """Number the credit notes and payments written in date order (then in
        the order written), per journal and prefix, as a single chunk would:
        each chunk numbered its own in date order, but a later chunk's credit
        notes and payments can be dated before an earlier chunk's.

        :param sequences: the (journal, prefix) pairs to renumber
        """
        if not sequences or not first_move:
            return
        cr = self.env.cr
        cr.execute(SQL("""
            CREATE TEMPORARY TABLE sample_renumber AS
            SELECT id, new_number, new_name
              FROM (SELECT id, name, new_number,
                           -- '{number:05d}': five digits at least
                           sequence_prefix || LPAD(new_number::text, GREATEST(5, LENGTH(new_number::text)), '0')
                               AS new_name
                      FROM (SELECT id, name, sequence_prefix,
                                   MIN(sequence_number) OVER w - 1 + ROW_NUMBER() OVER (w ORDER BY date, id)
                                       AS new_number
                              FROM account_move
                             WHERE id >= %s AND (journal_id, sequence_prefix) IN %s
                            WINDOW w AS (PARTITION BY journal_id, sequence_prefix)) numbered) named
             WHERE name != new_name
        """, first_move, tuple(sorted(sequences))))
        # the unique index on the names of posted moves is checked row by row: the names
        # changing are set aside first, as they swap places
        cr.execute(SQL("""
            UPDATE account_move move SET name = 'renumbering ' || move.id
              FROM sample_renumber renumber WHERE renumber.id = move.id
        """))
        cr.execute(SQL("""
            UPDATE account_move move SET name = renumber.new_name, sequence_number = renumber.new_number
              FROM sample_renumber renumber WHERE renumber.id = move.id
        """))
        _logger.info("SQL writer: %s credit notes and payments renumbered in date order", cr.rowcount)
        cr.execute(SQL("""
            UPDATE account_move_line line SET move_name = renumber.new_name
              FROM sample_renumber renumber WHERE renumber.id = line.move_id
        """))
        cr.execute(SQL("""
            UPDATE account_payment payment SET name = renumber.new_name
              FROM sample_renumber renumber WHERE renumber.id = payment.move_id
        """))
        cr.execute(SQL("DROP TABLE sample_renumber"))
        self.env.invalidate_all()

    def _payments(self, invoices, docs, refunds, builders):
        """(invoice index, payment row, payment document), numbered in date order like the ORM writer."""
        todo = []
        for index, (inv, doc) in enumerate(zip(invoices, docs, strict=True)):
            refund = refunds.get(index)
            instalments = [line['balance'] for line in sorted(
                doc.receivables, key=lambda line: (line['date_maturity'], line['balance']))]
            amounts = settle(instalments, refund.move['amount_total'] if refund else 0.0, inv.payments,
                             builders[inv.company].round)
            todo += [
                (payment.date, index, amount)
                for payment, amount in zip(inv.payments, amounts, strict=True)
                if amount > 0
            ]
        todo.sort(key=lambda item: item[0])
        result = []
        for day, index, amount in todo:
            inv = invoices[index]
            payment, document = builders[inv.company].payment(day, docs[index], self.facts[inv.partner], amount)
            result.append((index, payment, document))
        return result

    def _reconcile(self, docs, refunds, payments):
        """Credit notes first, then each invoice's payments in order: the ORM writer's stages.

        :return: the partials as (debit line, credit line, amount), the line groups, and the
            groups of lines fully reconciled together
        """
        partials, groups, full_groups = [], LineGroups(), []
        stages = [[(index, refund) for index, refund in sorted(refunds.items())]]
        by_invoice = {}
        for index, _payment, document in payments:
            by_invoice.setdefault(index, []).append(document)
        for rank in range(max((len(p) for p in by_invoice.values()), default=0)):
            stages.append([(index, docs_[rank]) for index, docs_ in sorted(by_invoice.items()) if len(docs_) > rank])
        for stage in stages:
            for index, counterpart in stage:
                invoice = docs[index]
                for credit in counterpart.receivables:
                    passed = [line for line in invoice.receivables if not line['reconciled']] + [credit]
                    done = len(partials)
                    reconcile(passed[:-1], credit, partials, invoice.round)
                    for debit, credit_line, _amount in partials[done:]:
                        groups.union(debit, credit_line)
                    # the ORM settles fully the lines it was given and those already matched with them
                    involved = {id(member): member for line in passed for member in groups.group(line)}
                    if all(line['reconciled'] for line in involved.values()):
                        full_groups.append(list(involved.values()))
        return partials, groups, full_groups

    def _states(self, docs, refunds, payments, partials):
        paid_by = {}  # id(line) -> kinds of the counterpart moves
        payment_lines = {id(line) for _i, _p, document in payments for line in document.lines}
        for debit, credit, _amount in partials:
            paid_by.setdefault(id(debit), set()).add('payment' if id(credit) in payment_lines else 'refund')
            paid_by.setdefault(id(credit), set()).add('invoice')
        for doc in docs + list(refunds.values()):
            residual = doc.round(sum(line['amount_residual'] for line in doc.receivables))
            sign = 1 if doc.move['move_type'] == 'out_invoice' else -1
            doc.move['amount_residual'] = sign * residual
            doc.move['amount_residual_signed'] = residual
            kinds = set().union(*(paid_by.get(id(line), set()) for line in doc.receivables))
            # the ORM's reconciliation writes on the invoice (a "manual" change), not on the credit note
            doc.move['is_manually_modified'] = bool(kinds) and sign > 0
            if not kinds:
                doc.move['payment_state'] = 'not_paid'
            elif residual:
                doc.move['payment_state'] = 'partial'
            elif kinds == {'refund'}:
                doc.move['payment_state'] = 'reversed'
                doc.move['is_manually_modified'] = False  # ... unless it ends reversed
            else:
                doc.move['payment_state'] = 'paid'
        for index, payment, document in payments:
            payment['state'] = 'paid' if docs[index].move['payment_state'] == 'paid' else 'in_process'
            payment['is_reconciled'] = document.receivables[0]['amount_residual'] == 0

    # -- inserts ----------------------------------------------------------------------------
    def _insert(self, docs, refunds, payments, partials, groups, full_groups):
        payment_docs = [document for _i, _p, document in payments]
        all_docs = docs + list(refunds.values()) + payment_docs
        for doc, move_id in zip(all_docs, self._ids('account_move', len(all_docs)), strict=True):
            doc.move['id'] = move_id
            for line in doc.lines:
                line['move_id'] = move_id
        for refund in refunds.values():
            refund.move['reversed_entry_id'] = refund.move['reversed_entry_id'].move['id']
        full_rows, partial_rows = self._reconciliation_rows(partials, groups, full_groups)
        payment_ids = self._ids('account_payment', len(payments))
        for (_index, payment, document), payment_id in zip(payments, payment_ids, strict=True):
            payment.update(id=payment_id, move_id=document.move['id'], **self._stamps())
            for line in document.lines:
                line['payment_id'] = payment_id
        all_lines = [line for doc in all_docs for line in doc.lines]
        for line, line_id in zip(all_lines, self._ids('account_move_line', len(all_lines)), strict=True):
            line['id'] = line_id
        for row in partial_rows:
            row['debit_move_id'], row['credit_move_id'] = row['debit_move_id']['id'], row['credit_move_id']['id']

        self._insert_rows('account_full_reconcile', full_rows)
        self._insert_rows('account_move', [doc.move for doc in all_docs])
        self._insert_rows('account_payment', [payment for _i, payment, _d in payments])
        self._link_payment_moves(payment_ids)
        self._insert_rows('account_move_line', [
            {key: value for key, value in line.items() if key != 'tax_ids'} for line in all_lines])
        self._insert_rows('account_move_line_account_tax_rel', [
            {'account_move_line_id': line['id'], 'account_tax_id': tax_id}
            for line in all_lines for tax_id in line.get('tax_ids', ())])
        self._insert_rows('account_partial_reconcile', partial_rows)
        self._insert_rows('account_move__account_payment', [
            {'invoice_id': docs[index].move['id'], 'payment_id': payment['id']} for index, payment, _d in payments])
        return {
            'moves': [doc.move['id'] for doc in all_docs],
            'lines': [line['id'] for line in all_lines],
            'invoices': [doc.move['id'] for doc in docs],
            # (date, id): in date order over all the chunks, as the ORM writer creates them
            'refunds': [(doc.move['date'], doc.move['id']) for doc in refunds.values()],
            'payments': [payment['id'] for payment in self._payment_order(payments)],
        }

    def _reconciliation_rows(self, partials, groups, full_groups):
        """Partial and full reconcile rows; sets the lines' full reconcile and matching number."""
        full_rows = []
        for lines, full_id in zip(full_groups, self._ids('account_full_reconcile', len(full_groups)), strict=True):
            full_rows.append({'id': full_id, **self._stamps()})
            for line in lines:
                line['full_reconcile_id'] = full_id
        partial_rows = []
        first_partial = {}  # group root -> smallest partial id: the "P" matching number
        partial_ids = self._ids('account_partial_reconcile', len(partials))
        for (debit, credit, amount), partial_id in zip(partials, partial_ids, strict=True):
            first_partial.setdefault(groups.find(debit), partial_id)
            partial_rows.append({
                'id': partial_id, 'debit_move_id': debit, 'credit_move_id': credit,
                'full_reconcile_id': debit.get('full_reconcile_id'),
                'debit_currency_id': debit['currency_id'], 'credit_currency_id': credit['currency_id'],
                'company_id': debit['company_id'], 'max_date': max(debit['date'], credit['date']),
                'amount': amount, 'debit_amount_currency': amount, 'credit_amount_currency': amount,
                **self._stamps(),
            })
        for root, partial_id in first_partial.items():
            for line in groups.members[root]:
                line['matching_number'] = str(line['full_reconcile_id']) if line.get('full_reconcile_id') \
                    else f'P{partial_id}'
        return full_rows, partial_rows

    @staticmethod
    def _payment_order(payments):
        """Payments per invoice then in the order they were made, as the ORM writer returns them."""
        return [payment for _index, payment, _d in sorted(payments, key=lambda item: item[0])]

    def _link_payment_moves(self, payment_ids):
        if payment_ids:
            self.env.cr.execute(SQL(
                "UPDATE account_move move SET origin_payment_id = payment.id"
                " FROM account_payment payment WHERE payment.move_id = move.id AND payment.id IN %s",
                tuple(payment_ids),
            ))

    def _complete_other_fields(self, moves, lines, payments):
        """Fill what the modules outside Odoo's own add to moves, lines and
        payments (a dispute flag, a scoring cache, another vendor's counter),
        as the ORM would: static defaults in one UPDATE per column, stored
        computed fields recomputed by the ORM in batches. The columns of the
        modules this suite depends on are written above, exactly as the ORM
        writes them (tests/test_sample_data.py)."""
        covered = self._cached('covered modules', self._covered_modules)
        # the lines by their ids: ``moves.line_ids`` read them again (a tenth of a chunk's time)
        records = [moves, lines, payments]
        for records_of_model in records:
            if not records_of_model:
                continue
            model = records_of_model.browse()
            written = self.written_columns.get(model._table, set())
            missing = [
                field for name, field in model._fields.items()
                if field.store and field.column_type and name not in written and name not in models.MAGIC_COLUMNS
                and field._module not in covered
            ]
            defaults = model.default_get([field.name for field in missing if not field.compute])
            for name, value in defaults.items():
                field = model._fields[name]
                self.env.cr.execute(SQL(
                    "UPDATE %s SET %s = %s WHERE id IN %s AND %s IS NULL",
                    SQL.identifier(model._table), SQL.identifier(name),
                    field.convert_to_column(value, model), tuple(records_of_model.ids), SQL.identifier(name),
                ))
            for field in missing:
                if field.compute:
                    self.env.add_to_compute(field, records_of_model)
        self.env.flush_all()
        self.env.invalidate_all()

    def _covered_modules(self):
        base = self.env['ir.module.module'].search([('name', '=', 'credit_control_base')])
        return set(base.upstream_dependencies(exclude_states=('uninstallable', 'to remove')).mapped('name'))

    def _analyze(self):
        """Planner statistics of the tables just filled: the rest of the
        generation (dossiers, limits, scores) queries them in the same
        transaction, and the statistics of the empty tables made PostgreSQL
        plan nested loops over hundreds of thousands of rows."""
        for table in sorted(self.written_columns):
            self.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))

    def _ids(self, table, count):
        if not count:
            return []
        self.env.cr.execute(SQL(
            "SELECT nextval(%s) FROM generate_series(1, %s)", f'{table}_id_seq', count))
        return [row[0] for row in self.env.cr.fetchall()]

    def _insert_rows(self, table, rows):
        """``COPY`` the rows into ``table``: a tenth of the time of multi-row
        ``INSERT``s, whose values psycopg2 quoted one by one in Python (a
        third of the generation). A value of another type than those below
        is inserted as before."""
        if not rows:
            return
        columns = sorted({column for row in rows for column in row})
        self.written_columns.setdefault(table, set()).update(columns)
        try:
            data = copy_data(rows, columns)
        except TypeError:
            self._insert_values(table, columns, rows)
            return
        if table not in self.unchecked:
            # the rows of this table written from here on: their references are checked at the end
            key = 'id' if 'id' in columns else columns[0]
            self.unchecked[table] = (key, min(row[key] for row in rows))
        cr = self.env.cr
        if self._superuser():
            # PostgreSQL checks each foreign key of each row with a query of its own: two thirds of
            # the time of the COPY of the journal items; _check_references checks them all at once
            cr.execute(SQL("SET LOCAL session_replication_role = replica"))
        try:
            cr.copy_expert(
                SQL("COPY %s (%s) FROM STDIN", SQL.identifier(table),
                    SQL(', ').join(SQL.identifier(column) for column in columns)).code,
                io.StringIO(data),
            )
        finally:
            if self._superuser():
                cr.execute(SQL("SET LOCAL session_replication_role = DEFAULT"))

    def _superuser(self):
        return self._cached('superuser', lambda: self.env.execute_query(SQL(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))[0][0])

    def _check_references(self):
        """Check the foreign keys of the rows copied without their checks,
        one set-based query per key; raise on a reference to no row."""
        if not self.unchecked:
            return
        keys = self.env.execute_query(SQL("""
            SELECT src.relname, att.attname, dst.relname, datt.attname
              FROM pg_constraint con
              JOIN pg_class src ON src.oid = con.conrelid
              JOIN pg_class dst ON dst.oid = con.confrelid
              JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
              JOIN pg_attribute datt ON datt.attrelid = con.confrelid AND datt.attnum = con.confkey[1]
             WHERE con.contype = 'f' AND cardinality(con.conkey) = 1 AND src.relname IN %s
          ORDER BY 1, 2
        """, tuple(self.unchecked)))
        for table, column, target, target_column in keys:
            key, first = self.unchecked[table]
            dangling = self.env.execute_query(SQL(
                "SELECT t.%s FROM %s t WHERE t.%s >= %s AND t.%s IS NOT NULL"
                " AND NOT EXISTS (SELECT 1 FROM %s r WHERE r.%s = t.%s) LIMIT 1",
                SQL.identifier(column), SQL.identifier(table), SQL.identifier(key), first, SQL.identifier(column),
                SQL.identifier(target), SQL.identifier(target_column), SQL.identifier(column),
            ))
            if dangling:
                raise ValueError(f"{table}.{column} = {dangling[0][0]} refers to no row of {target}")

    def _insert_values(self, table, columns, rows):
        column_list = SQL(', ').join(SQL.identifier(column) for column in columns)
        for chunk in batched(rows, INSERT_PAGE):
            self.env.cr.execute(SQL(
                "INSERT INTO %s (%s) VALUES %s",
                SQL.identifier(table), column_list,
                SQL(', ').join(SQL('%s', tuple(row.get(column) for column in columns)) for row in chunk),
            ))


# COPY's text format: what psycopg2 would send for these values, escaped for COPY
_COPY_ESCAPES = str.maketrans({'\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r'})


def copy_data(rows, columns):
    """The ``COPY`` text of ``rows`` (dicts) in ``columns``, converted column by
    column: per value, a Python call of ``copy_text`` took a third of the
    invoices' time; a column of one type is converted by one C function."""
    texts = [_copy_column([row.get(column) for row in rows]) for column in columns]
    return '\n'.join(map('\t'.join, zip(*texts, strict=True))) + '\n'


def _copy_column(values):
    kinds = set(map(type, values))
    nulls = NoneType in kinds
    kinds.discard(NoneType)
    if not kinds:
        return ['\\N'] * len(values)
    if len(kinds) > 1:
        return list(map(copy_text, values))
    kind = kinds.pop()
    convert = _COPY_CONVERTERS.get(kind)
    if convert is None:
        raise TypeError(f"no COPY text for {kind}")
    if nulls:
        return ['\\N' if value is None else convert(value) for value in values]
    return list(map(convert, values))


def copy_text(value):
    if value is None:
        return '\\N'
    kind = type(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES)
    if kind is bool:
        return 't' if value else 'f'
    if kind is int or kind is float:
        return repr(value)
    if kind is datetime.date or kind is datetime.datetime:
        return value.isoformat()
    raise TypeError(f"no COPY text for {kind}")


NoneType = type(None)
# type -> its COPY text, for a column of values of one type (as copy_text writes them)
_COPY_CONVERTERS = {
    str: operator.methodcaller('translate', _COPY_ESCAPES),
    bool: {True: 't', False: 'f'}.__getitem__,
    int: repr,
    float: repr,
    datetime.date: datetime.date.isoformat,
    datetime.datetime: datetime.datetime.isoformat,
}
