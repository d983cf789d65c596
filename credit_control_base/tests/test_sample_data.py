"""The sample data generator, and the SQL writer's rows against the ORM's."""
import contextlib
import json
import random
from datetime import date

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from .sample_data import load_sample, skip_without_sample

sample = load_sample()  # setup/sample/ of the checkout, None elsewhere

TODAY = date(2025, 6, 30)

# columns that reference rows created by the writers: compared through what they point to
REFERENCES = {
    'account_move': {'reversed_entry_id': 'move', 'origin_payment_id': 'payment'},
    'account_move_line': {'move_id': 'move', 'full_reconcile_id': 'full', 'payment_id': 'payment'},
    'account_partial_reconcile': {'debit_move_id': 'line', 'credit_move_id': 'line', 'full_reconcile_id': 'full'},
    'account_payment': {'move_id': 'move'},
}
NOT_COMPARED = {'id', 'create_date', 'write_date'}


class _Rollback(Exception):
    pass


class _Stopped(Exception):
    """The process of a generation ending between two commits."""


@skip_without_sample(sample)
@tagged('post_install', '-at_install')
class TestSampleData(TransactionCase):
    maxDiff = None

    def _in_savepoint(self, function):
        """Run ``function`` and return its result, leaving the database as it was."""
        result = None
        # the exception is how a savepoint is rolled back on purpose
        with contextlib.suppress(_Rollback), self.env.cr.savepoint():
            result = function()
            raise _Rollback
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        return result

    def _fingerprint(self):
        self.env.flush_all()
        self.env.cr.execute(SQL("""
            SELECT company.name, move.name, move.move_type, move.date, move.invoice_date_due, move.amount_total,
                   move.amount_residual, move.payment_state, partner.name, partner.vat
              FROM account_move move
              JOIN res_partner partner ON partner.id = move.partner_id
              JOIN res_company company ON company.id = move.company_id
             WHERE move.move_type IN ('out_invoice', 'out_refund') OR move.origin_payment_id IS NOT NULL
             -- both companies number from INV/2024/00001: the company makes the order total
             ORDER BY company.name, move.name
        """))
        return self.env.cr.fetchall()

    # -- the generator -------------------------------------------------------------------
    def test_generate_small(self):
        counts = sample.generate(self.env, customers=6, invoices=40, seed=7, today=TODAY)
        self.assertEqual((counts['customers'], counts['invoices'], counts['companies']), (6, 40, 2))
        self.assertEqual(json.loads(self.env['ir.config_parameter'].get_param(sample.PARAM))['seed'], 7)

        main = self.env.ref('base.main_company')
        self.assertRecordValues(main, [{'name': 'Atelier Durand SAS', 'currency_id': self.env.ref('base.EUR').id}])
        customers = self.env['res.partner'].search([('customer_rank', '>', 0), ('is_company', '=', True),
                                                    ('vat', '!=', False)])
        french = customers.filtered(lambda p: p.vat.startswith('FR'))
        self.assertTrue(french)
        for partner in french:
            siren = partner.vat[4:]
            self.assertEqual(int(partner.vat[2:4]), (12 + 3 * (int(siren) % 97)) % 97, partner.vat)

        invoices = self.env['account.move'].search([('move_type', '=', 'out_invoice'), ('date', '<=', TODAY),
                                                    ('company_id', 'in', self.env.user.company_ids.ids),
                                                    ('partner_id', 'in', customers.ids)])
        self.assertEqual(len(invoices), 40)
        self.assertTrue(all(move.state == 'posted' for move in invoices))
        self.assertEqual(set(invoices.company_id.currency_id.mapped('name')), {'EUR', 'CHF'})
        moves = invoices | invoices.reversal_move_ids | invoices.matched_payment_ids.move_id
        for move in moves:
            self.assertAlmostEqual(sum(move.line_ids.mapped('balance')), 0.0, places=2, msg=move.name)
        for move in invoices:
            receivable = move.line_ids.filtered(lambda line: line.display_type == 'payment_term')
            self.assertAlmostEqual(move.amount_residual, sum(receivable.mapped('amount_residual')), places=2)
            expected = ('paid' if move.currency_id.is_zero(move.amount_residual) and move.matched_payment_ids
                        else 'not_paid' if move.amount_residual == move.amount_total else None)
            if expected:
                self.assertEqual(move.payment_state, expected, move.name)
            else:
                self.assertIn(move.payment_state, ('partial', 'reversed'), move.name)
        self.assertIn('not_paid', invoices.mapped('payment_state'), "some invoices must still be open")
        self.assertTrue(invoices.filtered(lambda m: m.payment_state == 'not_paid' and m.invoice_date_due < TODAY),
                        "some open invoices must be overdue")

        with self.assertRaises(sample.SampleDataError):
            sample.generate(self.env, customers=1, invoices=1, seed=7, today=TODAY)

    def test_french_demo(self):
        """The demo companies invoice at the French VAT rates (20 %, 10 % on meals,
        5.5 % on books), print on A4 with a document layout chosen, provision
        their doubtful debts per aging bucket and give some customers a credit
        limit, some of them over it; the demo's users work in French."""
        sample.generate(self.env, customers=12, invoices=120, seed=7, today=TODAY)
        main = self.env.ref('base.main_company')
        invoices = self.env['account.move'].search([('move_type', '=', 'out_invoice'), ('company_id', '=', main.id),
                                                    ('invoice_date', '<=', TODAY)])
        self.assertEqual(set(invoices.invoice_line_ids.tax_ids.mapped('amount')), {20.0, 10.0, 5.5})
        self.assertEqual(main.account_sale_tax_id.amount, 20.0)
        companies = self.env['res.company'].search([('name', 'in', ('Atelier Durand SAS', 'Durand Suisse SA'))])
        self.assertEqual(len(companies), 2)
        for company in companies:
            self.assertEqual(company.paperformat_id.format, 'A4', company.name)
            self.assertTrue(company.external_report_layout_id, company.name)
            self.assertTrue(company.account_use_credit_limit, company.name)
        rates = self.env['credit.control.provision.rate'].search([('company_id', 'in', companies.ids),
                                                                  ('segment_id', '=', False)])
        self.assertEqual(rates.company_id, companies)
        self.assertRecordValues(rates[:1], [{'rate_not_due': 0.0, 'rate_b2': 10.0, 'rate_b5': 100.0}])
        limited = self.env['credit.control.dossier'].search([('company_id', 'in', companies.ids)]).filtered(
            'credit_limit')
        self.assertTrue(limited.filtered('limit_breached'), "some customers are over their credit limit")
        self.assertTrue(limited.filtered(lambda d: not d.limit_breached), "and some within it")
        self.assertEqual(self.env.ref('base.user_admin').lang, 'fr_FR')

    def test_deterministic(self):
        def run(seed):
            return lambda: (sample.generate(self.env, customers=5, invoices=25, seed=seed, today=TODAY),
                            self._fingerprint())
        first_counts, first = self._in_savepoint(run(3))
        second_counts, second = self._in_savepoint(run(3))
        _other_counts, other = self._in_savepoint(run(4))
        first_counts.pop('seconds'), second_counts.pop('seconds')
        self.assertEqual(first_counts, second_counts)
        self.assertEqual(first, second)
        self.assertNotEqual(first, other, "another seed gives other data")

    # -- a stopped SQL generation goes on ---------------------------------------------------
    def _generated_rows(self):
        """What a generation wrote, with the ids of its rows replaced by names."""
        cr = self.env.cr
        rows = {'documents': self._fingerprint()}
        cr.execute(SQL("""
            SELECT company.name, line.move_name, line.display_type, account.account_type, account.name->>'en_US',
                   line.date_maturity, line.balance, line.amount_residual, line.reconciled,
                   line.matching_number IS NOT NULL
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
              JOIN account_account account ON account.id = line.account_id
              JOIN res_company company ON company.id = line.company_id
             WHERE move.move_type IN ('out_invoice', 'out_refund') OR move.origin_payment_id IS NOT NULL
             ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
        """))
        rows['lines'] = cr.fetchall()
        cr.execute(SQL("""
            SELECT debit.move_name, credit.move_name, partial.amount, partial.max_date
              FROM account_partial_reconcile partial
              JOIN account_move_line debit ON debit.id = partial.debit_move_id
              JOIN account_move_line credit ON credit.id = partial.credit_move_id
             ORDER BY debit.company_id, 1, 2, 3
        """))
        rows['partials'] = cr.fetchall()
        cr.execute(SQL("""
            SELECT company.name, partner.name, users.login, partner.credit_limit->>company.id::text
              FROM credit_control_dossier dossier
              JOIN res_partner partner ON partner.id = dossier.partner_id
              JOIN res_company company ON company.id = dossier.company_id
              LEFT JOIN res_users users ON users.id = dossier.collector_id
             ORDER BY 1, 2
        """))
        rows['dossiers'] = cr.fetchall()
        cr.execute(SQL("""
            SELECT company.name, kpi.date, kpi.date_due, kpi.balance, kpi.sales
              FROM credit_control_kpi_balance kpi JOIN res_company company ON company.id = kpi.company_id
             ORDER BY 1, 2, 3, 4, 5
        """))
        rows['daily receivables'] = cr.fetchall()
        cr.execute(SQL("""
            SELECT company.name, partner.name, kpi.date, kpi.sales
              FROM credit_control_kpi_sales kpi
              JOIN res_company company ON company.id = kpi.company_id
              LEFT JOIN res_partner partner ON partner.id = kpi.partner_id
             ORDER BY 1, 2, 3, 4
        """))
        rows['credit sales'] = cr.fetchall()
        return rows

    def test_sql_generation_goes_on(self):
        """An SQL generation commits its setup, then each chunk of invoices: the
        same call on a database where it stopped on the way goes on where it
        stopped, and the database ends as after one uninterrupted run."""
        arguments = dict(customers=8, invoices=50, seed=7, today=TODAY, sql=True, chunk_size=15)

        def uninterrupted():
            counts = sample.generate(self.env, **arguments)
            return counts, self._generated_rows()

        def stopped_then_again():
            cr = self.env.cr

            def stop_when(stop):
                """A commit that ends the process when ``stop(note)`` is true: what it was to commit is lost."""
                def commit():
                    if stop(sample.stopped_generation(self.env)):
                        raise _Stopped
                    cr.execute(SQL("SAVEPOINT sample_committed"))
                return commit

            def run_until_stopped(stop):
                # not assertRaises: Odoo's rolls back to a savepoint of its own, before those of the commits
                stopped = False
                try:
                    sample.generate(self.env, commit=stop_when(stop), **arguments)
                except _Stopped:
                    stopped = True
                self.assertTrue(stopped, "the generation was not stopped")
                cr.execute(SQL("ROLLBACK TO SAVEPOINT sample_committed"))
                self.env.invalidate_all(flush=False)
                self.env.transaction.clear()
                self.env.registry.clear_cache()
                return sample.stopped_generation(self.env)

            # stopped as the second chunk commits
            stopped = run_until_stopped(lambda note: note['invoices_written'] == 30)
            self.assertEqual(stopped['invoices_written'], 15, "the setup and the first chunk were committed")
            self.assertFalse(self.env['ir.config_parameter'].get_param(sample.PARAM))
            with self.assertRaisesRegex(sample.SampleDataError, "started with other arguments"):
                sample.generate(self.env, **{**arguments, 'seed': 8})
            # going on, stopped in the final steps, between two credit limits
            limits = []

            def in_credit_limits(note):
                steps = note.get('final_steps', {})
                limits.extend(['written'] if 'provision rates' in steps and 'credit limits' not in steps else [])
                return len(limits) == 3  # the provision rates, a first credit limit committed, a second

            stopped = run_until_stopped(in_credit_limits)
            self.assertEqual(stopped['invoices_written'], 50)
            self.assertEqual(set(stopped['final_steps']), {'invoices', 'dossiers', 'provision rates'})
            # and going on again, to the end
            counts = sample.generate(self.env, commit=lambda: None, **arguments)
            self.assertIsNone(sample.stopped_generation(self.env), "done: nothing left to go on with")
            return counts, self._generated_rows()

        whole_counts, whole = self._in_savepoint(uninterrupted)
        counts, rows = self._in_savepoint(stopped_then_again)
        whole_counts.pop('seconds'), counts.pop('seconds')
        self.assertEqual(counts, whole_counts)
        self.assertGreater(counts['refunds'] * counts['payments'] * counts['credit_limits'], 0, counts)
        for key, expected in whole.items():
            self.assertTrue(expected, key)
            self.assertEqual(rows[key], expected, key)

    # -- the shape test: SQL rows against ORM rows ---------------------------------------
    def _shape_plan(self, rng):
        """Hand-picked cases (instalments, credit notes, partial payments, both companies) and random ones."""
        Invoice, Line, Payment, Refund = sample.plan.Invoice, sample.plan.Line, sample.plan.Payment, sample.plan.Refund
        day = date(2025, 1, 10)
        picked = [
            Invoice(0, 'main', day, '30_days', (Line('consulting', 2.0, 871.33), Line('screws', 10.0, 19.07)),
                    payments=(Payment(date(2025, 2, 12), 'all'),)),
            Invoice(1, 'main', day, 'advance_60', (Line('part', 50.0, 44.19),),
                    payments=(Payment(date(2025, 1, 15), 'next'), Payment(date(2025, 3, 20), 0.5))),
            Invoice(2, 'main', day, '45_days_eom', (Line('training', 1.0, 1499.99), Line('shipping', 1.0, 35.0)),
                    refund=Refund(date(2025, 1, 20), Line('training', 1.0, 375.0)),
                    payments=(Payment(date(2025, 4, 2), 'all'),)),
            Invoice(3, 'main', day, 'immediate', (Line('maintenance', 1.0, 1234.56),),
                    refund=Refund(date(2025, 1, 12), Line('maintenance', 1.0, 1234.56))),
            Invoice(4, 'subsidiary', day, '60_days', (Line('consulting', 3.0, 901.1),),
                    payments=(Payment(date(2025, 3, 15), 0.3),)),
            Invoice(5, 'subsidiary', day, 'advance_60', (Line('part', 25.0, 40.05), Line('shipping', 1.0, 33.0)),
                    refund=Refund(date(2025, 1, 14), Line('part', 1.0, 100.12)),
                    payments=(Payment(date(2025, 1, 20), 'next'), Payment(date(2025, 3, 25), 'all'))),
            Invoice(0, 'main', day, '30_days', (Line('screws', 40.0, 17.5),)),
            # three VAT rates on one invoice: a tax line each
            Invoice(1, 'main', day, '30_days', (Line('training', 1.0, 1450.0), Line('lunch', 8.0, 24.35),
                                                Line('handbook', 3.0, 39.9)),
                    payments=(Payment(date(2025, 2, 5), 'all'),)),
            Invoice(4, 'subsidiary', day, '60_days', (Line('lunch', 6.0, 23.15), Line('handbook', 1.0, 41.0))),
        ]
        customers = sample.plan.plan_customers(rng, [{'country': 'FR', 'profile': p} for p in
                                                     ('good', 'late', 'chronic', 'defaulter', 'good', 'late')],
                                               date(2024, 7, 1), TODAY)
        randomized = sample.plan.plan_invoices(rng, customers, 30, 12, TODAY)
        return sorted(picked + randomized, key=lambda invoice: invoice.date)

    def _snapshot(self, result):
        """Rows of the written documents, with references to created rows replaced by positions."""
        self.env.flush_all()
        moves = result['invoices'] | result['refunds'] | result['payments'].move_id
        tokens = {'move': {move.id: f'move {i}' for i, move in enumerate(
            list(result['invoices']) + list(result['refunds']) + list(result['payments'].move_id))},
                  'payment': {pay.id: f'payment {i}' for i, pay in enumerate(result['payments'])},
                  'line': {}, 'full': {}, 'partial': {}}
        cr = self.env.cr
        cr.execute(SQL("SELECT * FROM account_move WHERE id IN %s", tuple(moves.ids)))
        move_rows = sorted(cr.dictfetchall(), key=lambda row: tokens['move'][row['id']])
        cr.execute(SQL("SELECT * FROM account_move_line WHERE move_id IN %s", tuple(moves.ids)))
        line_rows = sorted(cr.dictfetchall(), key=lambda row: (
            tokens['move'][row['move_id']], row['display_type'], row['date_maturity'] or date.min,
            row['product_id'] or 0, row['account_id'], row['balance']))
        for index, row in enumerate(line_rows):
            tokens['line'][row['id']] = f'line {index}'
            for key, value in (('full', row['full_reconcile_id']),):
                if value and value not in tokens[key]:
                    tokens[key][value] = f'{key} {len(tokens[key])}'
        cr.execute(SQL("""SELECT * FROM account_partial_reconcile WHERE debit_move_id IN %(ids)s
                          OR credit_move_id IN %(ids)s ORDER BY id""", ids=tuple(tokens['line'])))
        partial_rows = cr.dictfetchall()
        for row in partial_rows:
            tokens['partial'][row['id']] = (tokens['line'][row['debit_move_id']], tokens['line'][row['credit_move_id']])
        cr.execute(SQL("SELECT * FROM account_payment WHERE id IN %s", tuple(result['payments'].ids)))
        payment_rows = sorted(cr.dictfetchall(), key=lambda row: tokens['payment'][row['id']])
        cr.execute(SQL("""SELECT rel.account_move_line_id, rel.account_tax_id FROM account_move_line_account_tax_rel rel
                          WHERE rel.account_move_line_id IN %s""", tuple(tokens['line'])))
        taxes = sorted((tokens['line'][line], tax) for line, tax in cr.fetchall())
        cr.execute(SQL("SELECT invoice_id, payment_id FROM account_move__account_payment WHERE payment_id IN %s",
                       tuple(result['payments'].ids)))
        matched = sorted((tokens['move'][inv], tokens['payment'][pay]) for inv, pay in cr.fetchall())

        def normalize(table, row):
            refs = REFERENCES.get(table, {})
            values = {}
            for column, raw in row.items():
                if column in NOT_COMPARED:
                    continue
                value = raw
                if column in refs and raw:
                    value = tokens[refs[column]][raw]
                elif column == 'matching_number' and raw:
                    # P<first partial id> or <full reconcile id>
                    value = ('P', tokens['partial'][int(raw[1:])]) if raw[0] == 'P' else tokens['full'][int(raw)]
                values[column] = value
            return values

        partial_rows = sorted((normalize('account_partial_reconcile', row) for row in partial_rows),
                              key=lambda row: (row['debit_move_id'], row['credit_move_id']))
        return {
            'account_move': [normalize('account_move', row) for row in move_rows],
            'account_move_line': [normalize('account_move_line', row) for row in line_rows],
            'account_partial_reconcile': partial_rows,
            'account_payment': [normalize('account_payment', row) for row in payment_rows],
            'account_move_line_account_tax_rel': taxes,
            'account_move__account_payment': matched,
        }

    def _assert_same_rows(self, table, orm_rows, sql_rows):
        """Every column of every row equal; on failure, each differing column with its first example."""
        self.assertEqual(len(orm_rows), len(sql_rows), f"{table}: not as many rows")
        differences = {}
        for index, rows in enumerate(zip(orm_rows, sql_rows, strict=True)):
            orm_row, sql_row = rows if isinstance(rows[0], dict) else ({'row': rows[0]}, {'row': rows[1]})
            for column in orm_row.keys() | sql_row.keys():
                if orm_row.get(column) != sql_row.get(column):
                    where = orm_row.get('name') or orm_row.get('move_name') or index
                    differences.setdefault(column, []).append((where, orm_row.get(column), sql_row.get(column)))
        summary = {column: (len(found), found[:3]) for column, found in differences.items()}
        self.assertEqual(summary, {}, f"{table}: column: (rows, first [(row, ORM value, SQL value)])")

    def test_sql_writer_shape(self):
        rng = random.Random(11)
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        ctx = sample.environment.prepare(env, rng, date(2024, 1, 1), TODAY)
        env = env(context=dict(env.context, allowed_company_ids=[s.company.id for s in ctx.companies.values()]))
        partners, _facts = sample.generator.create_customers(env, rng, ctx, 6)
        plan = self._shape_plan(rng)
        self.assertTrue(any(inv.refund for inv in plan) and any(inv.term == 'advance_60' for inv in plan))

        orm_writer = sample.orm_writer.OrmWriter(env, ctx, partners)
        orm = self._in_savepoint(lambda: self._snapshot(orm_writer.write_plan(plan)))
        states = {row['payment_state'] for row in orm['account_move']}
        self.assertTrue({'paid', 'partial', 'not_paid', 'reversed'} <= states, states)
        self.assertTrue(orm['account_partial_reconcile'])

        def write(chunk_size):
            return sample.sql_writer.SqlWriter(env, ctx, partners).write_plan(plan, chunk_size=chunk_size)

        # in one pass, then in chunks of 7 invoices as a million are written (the credit notes
        # and payments of a chunk dated before those of an earlier one: renumbered at the end)
        sql_in_one = self._in_savepoint(lambda: self._snapshot(write(len(plan))))
        result = write(7)
        sql_in_chunks = self._snapshot(result)
        for sql in (sql_in_one, sql_in_chunks):
            for table, orm_rows in orm.items():
                self._assert_same_rows(table, orm_rows, sql[table])

        # the ORM agrees with what was written behind its back
        moves = result['invoices'] | result['refunds'] | result['payments'].move_id
        for move in moves:
            self.assertAlmostEqual(sum(move.line_ids.mapped('balance')), 0.0, places=2, msg=move.name)
        invoices = result['invoices']
        invoices.invalidate_recordset()
        stored = invoices.read(['amount_residual', 'payment_state'])
        invoices._compute_amount()
        invoices._compute_payment_state()
        self.assertEqual(stored, invoices.read(['amount_residual', 'payment_state']))

    def test_sql_writer_checks_references(self):
        """The SQL writer copies its rows without PostgreSQL's check of each
        foreign key (two thirds of a bulk load), then checks them all at once:
        a reference to no row is refused."""
        writer = sample.sql_writer.SqlWriter(self.env, None, self.env['res.partner'])
        if not writer._superuser():
            self.skipTest("PostgreSQL checks each reference itself for a user who is not a superuser")
        self.env.cr.execute(SQL("SELECT COALESCE(MAX(id), 0) + 1000 FROM account_move"))
        no_move = self.env.cr.fetchone()[0]
        refused = f'account_full_reconcile.exchange_move_id = {no_move} refers to no row'
        with self.assertRaisesRegex(ValueError, refused), self.env.cr.savepoint():
            writer._insert_rows('account_full_reconcile', [{
                'id': writer._ids('account_full_reconcile', 1)[0], 'exchange_move_id': no_move, **writer._stamps(),
            }])
            writer._check_references()

    # -- the shape test: SQL-written customers against ORM-created ones ------------------
    def _partner_snapshot(self, partners):
        """The rows of ``partners`` and their contacts, references replaced by
        positions, and how many rows of every other table point to them."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(SQL("SELECT * FROM res_partner WHERE id IN %(ids)s OR parent_id IN %(ids)s ORDER BY id",
                       ids=tuple(partners.ids)))
        rows = cr.dictfetchall()
        tokens = {row['id']: f'partner {index}' for index, row in enumerate(rows)}
        for row in rows:
            for column in ('id', 'create_date', 'write_date'):
                row.pop(column)
            for column in ('parent_id', 'commercial_partner_id'):
                row[column] = tokens.get(row[column], row[column])
        cr.execute(SQL("""
            SELECT src.relname, att.attname
              FROM pg_constraint con
              JOIN pg_class src ON src.oid = con.conrelid
              JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
             WHERE con.contype = 'f' AND con.confrelid = 'res_partner'::regclass
          ORDER BY 1, 2
        """))
        references = {}
        foreign_keys = cr.fetchall()
        # their dossiers in both companies, made as _ensure_dossiers makes them
        Dossier = self.env['credit.control.dossier']
        Dossier._credit_create_dossiers([
            {'partner_id': partner.id, 'company_id': company.id}
            for partner in partners for company in partners.env.companies
        ])._assign_segments()
        Dossier.flush_model()
        cr.execute(SQL("SELECT * FROM credit_control_dossier WHERE partner_id IN %s", tuple(partners.ids)))
        dossiers = cr.dictfetchall()
        for row in dossiers:
            for column in ('id', 'create_date', 'write_date'):
                row.pop(column)
            row['partner_id'] = tokens[row['partner_id']]
        dossiers.sort(key=lambda row: (row['partner_id'], row['company_id']))
        for table, column in foreign_keys:
            cr.execute(SQL("SELECT COUNT(*) FROM %s WHERE %s IN %s", SQL.identifier(table), SQL.identifier(column),
                           tuple(tokens)))
            references[f'{table}.{column}'] = cr.fetchone()[0]
        return rows, references, dossiers

    def test_sql_partner_shape(self):
        """The customers and contacts the SQL writer inserts are the rows
        ``create()`` makes: every column of every row (synced commercial and
        address fields, computed and default ones), nothing else points to
        them (no follower, message or property more), and their dossiers in
        both companies are the same (name, segment, every column)."""
        env = self.env(context=dict(self.env.context, tracking_disable=True, mail_create_nolog=True,
                                    mail_create_nosubscribe=True, mail_notrack=True))
        ctx = sample.environment.prepare(env, random.Random(11), date(2024, 1, 1), TODAY)
        env = env(context=dict(env.context, allowed_company_ids=[s.company.id for s in ctx.companies.values()]))

        def customers(sql):
            partners, _facts = sample.generator.create_customers(env, random.Random(5), ctx, 40, sql=sql)
            return self._partner_snapshot(partners)

        orm_rows, orm_references, orm_dossiers = self._in_savepoint(lambda: customers(False))
        sql_rows, sql_references, sql_dossiers = customers(True)
        types = {row['type'] for row in orm_rows}
        self.assertTrue({'contact', 'invoice'} <= types, types)
        self.assertTrue(len({row['country_id'] for row in orm_rows}) > 1)
        self.assertEqual(orm_references, sql_references)
        self._assert_same_rows('res_partner', orm_rows, sql_rows)
        self.assertEqual(len(orm_dossiers), 80)
        self._assert_same_rows('credit_control_dossier', orm_dossiers, sql_dossiers)
