"""Where an SQL generation stands, so that a stopped one can go on.

A million invoices take longer than a process may live on some machines:
the SQL generation commits its setup (companies, customers), then each chunk
of invoices, and notes here after each commit what is written and what a
second run needs to draw the same plan (the generator's random state after
the setup, the records of the setup, the customers' ids). A second
``generate()`` with the same arguments reads it, draws the same plan, skips
the invoices written and writes the rest; the final steps run once, after
the last chunk, each committed with its counts (at a million invoices they
take an hour); the last one removes this note.
"""
import json

from odoo.tools import SQL

from .environment import CompanySetup, SampleContext

PROGRESS_PARAM = 'credit_control.sample_data.progress'
# the arguments that must be the same for a run to go on with another's
ARGUMENTS = ('customers', 'invoices', 'seed', 'months', 'today')


class Progress:
    """The note of an SQL generation under way, committed with what it describes.

    :param commit: called to commit the transaction (None: nothing is
        committed, as in tests and in a caller that commits at the end)
    """

    def __init__(self, env, arguments, commit=None, state=None):
        self.env = env
        self.arguments = arguments
        self.commit = commit
        self.state = state or {'arguments': arguments, 'invoices_written': 0}

    @classmethod
    def find(cls, env, arguments, commit=None):
        """The progress of a stopped generation with these arguments, or None
        when none was started; raise ValueError when one was started with
        other arguments."""
        value = _read(env)
        if not value:
            return None
        state = json.loads(value)
        if state['arguments'] != arguments:
            started = ', '.join(f'--{key} {value}' for key, value in state['arguments'].items())
            raise ValueError(
                f"a generation started with other arguments ({started}) stopped before its end in this database: "
                "run it again with those to go on, or generate into a new database")
        return cls(env, arguments, commit, state)

    # -- what is written -----------------------------------------------------------------
    @property
    def resumed(self):
        return 'customers' in self.state

    @property
    def invoices_written(self):
        return self.state['invoices_written']

    def customers_drawn(self, random_state, facts):
        """Note the random state after the customers were drawn, and what the
        plan takes from them (their country and profile): a second run does
        not draw 200,000 customers again (8 minutes) to plan their invoices."""
        version, internal, gauss = random_state
        self.state.update({
            'random_state_drawn': [version, list(internal), gauss],
            'facts': ' '.join(f"{fact['country']}/{fact['profile']}" for fact in facts),
        })

    def setup_done(self, ctx, partners):
        """Note the setup (committed with it): the records a second run reads
        instead of creating them, and the customers, whose ids were drawn one
        after the other."""
        self.state.update({
            'context': _context_ids(ctx),
            'customers': [partners[:1].id, partners[-1:].id, len(partners)],
        })
        self.save()

    def chunk_done(self, invoices_written, writer_state):
        self.state.update(invoices_written=invoices_written, writer=writer_state)
        self.save()

    def final_steps(self):
        """{name: counts} of the final steps done."""
        return self.state.get('final_steps', {})

    def final_step_done(self, name, counts):
        self.state.setdefault('final_steps', {})[name] = counts
        self.save()

    def save(self):
        self.env['ir.config_parameter'].sudo().set_param(PROGRESS_PARAM, json.dumps(self.state))
        if self.commit:
            self.env.flush_all()
            self.commit()

    def finish(self):
        """Remove the note, in the transaction of the final steps."""
        self.env['ir.config_parameter'].sudo().search([('key', '=', PROGRESS_PARAM)]).unlink()

    # -- what a second run reads back --------------------------------------------------
    def random_state(self, drawn=False):
        """The random state after the customers were drawn, or (``drawn``
        False) before: the note of an earlier generator had only that one."""
        version, internal, gauss = self.state['random_state_drawn' if drawn else 'random_state']
        return version, tuple(internal), gauss

    def customer_facts(self):
        """The country and profile of each customer, in the order drawn, or None when not noted."""
        if 'facts' not in self.state:
            return None
        return [dict(zip(('country', 'profile'), fact.split('/'), strict=True))
                for fact in self.state['facts'].split(' ')]

    def context(self):
        env, ids = self.env, self.state['context']
        companies = {
            key: CompanySetup(
                company=env['res.company'].browse(setup['company']),
                currency=env['res.currency'].browse(setup['currency']),
                sale_journal=env['account.journal'].browse(setup['sale_journal']),
                bank_journal=env['account.journal'].browse(setup['bank_journal']),
                tax=env['account.tax'].browse(setup['tax']),
                taxes={vat_class: env['account.tax'].browse(tax_id) for vat_class, tax_id in setup['taxes'].items()},
            )
            for key, setup in ids['companies'].items()
        }
        return SampleContext(
            companies=companies,
            terms={key: env['account.payment.term'].browse(term_id) for key, term_id in ids['terms'].items()},
            products={key: env['product.product'].browse(product_id) for key, product_id in ids['products'].items()},
            countries=ids['countries'],
        )

    def customers(self):
        first, last, count = self.state['customers']
        ids = [row[0] for row in self.env.execute_query(SQL(
            "SELECT id FROM res_partner WHERE id BETWEEN %s AND %s AND parent_id IS NULL ORDER BY id",
            first, last))]
        if len(ids) != count:
            raise ValueError(f"{count} customers were written, {len(ids)} are found between ids {first} and {last}")
        return self.env['res.partner'].browse(ids)

    def writer_state(self):
        return self.state.get('writer')


def stopped_generation(env):
    """The note of the SQL generation stopped in this database (its arguments
    and ``invoices_written``), or None."""
    value = _read(env)
    return json.loads(value) if value else None


def _read(env):
    rows = env.execute_query(SQL("SELECT value FROM ir_config_parameter WHERE key = %s", PROGRESS_PARAM))
    return rows[0][0] if rows else None


def _context_ids(ctx):
    return {
        'companies': {
            key: {
                'company': setup.company.id, 'currency': setup.currency.id,
                'sale_journal': setup.sale_journal.id, 'bank_journal': setup.bank_journal.id,
                'tax': setup.tax.id, 'taxes': {vat_class: tax.id for vat_class, tax in setup.taxes.items()},
            }
            for key, setup in ctx.companies.items()
        },
        'terms': {key: term.id for key, term in ctx.terms.items()},
        'products': {key: product.id for key, product in ctx.products.items()},
        'countries': dict(ctx.countries),
    }
