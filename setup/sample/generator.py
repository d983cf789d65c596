"""Entry point of the sample data generator.

    from sample import generate  # setup/ on sys.path, as for setup/generate.py
    generate(env, customers=60, invoices=900, seed=42)
"""
import json
import logging
import math
import random
import time
from collections import defaultdict
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import SQL

from . import showcase
from .environment import prepare
from .orm_writer import OrmWriter, batched
from .partners import CustomerFactory
from .plan import plan_customers, plan_invoices
from .progress import Progress
from .receipts import day_statement
from .sql_partners import SqlPartnerWriter
from .sql_writer import CHUNK, SqlWriter

_logger = logging.getLogger(__name__)

PARAM = 'credit_control.sample_data'
COLLECTORS = 3


class SampleDataError(UserError):
    pass


def generate(env, customers=60, invoices=900, seed=42, months=18, today=None, sql=False, receipts=False,
             commit=None, chunk_size=None):
    """Fill the database with French-SME-like credit-control data.

    Deterministic: the same seed and the same ``today`` give the same data.
    Refuses to run twice on the same database.

    :param sql: write the invoices, payments and reconciliations set-based in
        SQL (benchmarks) instead of through the ORM
    :param receipts: import today's bank statement of the main company (a
        CAMT.053 file, with credit_control_statement_import), matched by the
        cash application: the demo's Cash Application is not empty
    :param commit: with ``sql``, called to commit the setup then each chunk of
        invoices (see ``progress``): a generation stopped on the way goes on
        where it stopped when called again with the same arguments. Without
        it, nothing is committed.
    :param chunk_size: invoices written (and committed) at a time by the SQL writer
    :return: counts of what was created, and the seconds it took
    """
    if env['ir.config_parameter'].sudo().get_param(PARAM):
        raise SampleDataError(f"This database already holds sample data ({PARAM} is set).")
    started = time.monotonic()
    # the users' today, as the reminder engine and the views count it: UTC's
    # date is another day for an hour each night in Paris
    today = fields.Date.to_date(today) or fields.Date.context_today(env['res.partner'])
    start = today - timedelta(days=round(months * 30.44))
    rng = random.Random(seed)
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True,
                           mail_create_nosubscribe=True, mail_notrack=True))
    progress = _progress(env, sql, commit, customers=customers, invoices=invoices, seed=seed, months=months,
                         today=str(today))

    if progress and progress.resumed:
        _logger.info("sample data: going on with the generation stopped after %s invoices of %s",
                     progress.invoices_written, invoices)
        ctx = progress.context()
        env = env(context=dict(env.context, allowed_company_ids=[s.company.id for s in ctx.companies.values()]))
        facts = progress.customer_facts()
        if facts is None:  # noted by a generator that did not note them: drawn again (minutes)
            rng.setstate(progress.random_state())
            facts = [facts for _values, _contacts, facts in draw_customers(env, rng, ctx, customers)]
            progress.customers_drawn(rng.getstate(), facts)
        else:
            rng.setstate(progress.random_state(drawn=True))
        partners = progress.customers()
    else:
        ctx = prepare(env, rng, start, today)
        env = env(context=dict(env.context, allowed_company_ids=[s.company.id for s in ctx.companies.values()]))
        partners, facts = create_customers(env, rng, ctx, customers, sql=sql)
        if progress:
            progress.customers_drawn(rng.getstate(), facts)
            progress.setup_done(ctx, partners)
    _logger.info("sample data: %s customers in %.0f s", len(partners), time.monotonic() - started)
    customer_plans = plan_customers(rng, facts, start, today)
    invoice_plan = plan_invoices(rng, customer_plans, invoices, months, today)
    _logger.info("sample data: %s invoices planned in %.0f s", len(invoice_plan), time.monotonic() - started)
    writer = _writer(env, ctx, partners, sql)
    if sql:
        result = writer.write_plan(invoice_plan, chunk_size=chunk_size or CHUNK, progress=progress)
    else:
        result = writer.write_plan(invoice_plan)
    _logger.info("sample data: %s invoices in %.0f s", len(invoice_plan), time.monotonic() - started)

    counts = {
        'companies': len(ctx.companies),
        'customers': len(partners),
        'contacts': len(partners.child_ids),
        'invoices': len(result['invoices']),
        'refunds': len(result['refunds']),
        'payments': len(result['payments']),
        'open_invoices': _open_invoices(env, result['invoices']),
    }
    # what the demo's French users did (limits set, disputes and promises
    # recorded, the bank statement imported) is noted in their language; the
    # reminder run, nightly, has none (its notes: in each collector's)
    users_env = env(context=dict(env.context, lang='fr_FR'))
    counts.update(_final_step(progress, 'dossiers', lambda: _credit_control(env, partners)))
    _logger.info("sample data: dossiers in %.0f s", time.monotonic() - started)
    counts.update(_final_step(progress, 'provision rates', lambda: _provision_rates(env)))
    counts.update(_final_step(progress, 'credit limits', lambda: _credit_limits(
        users_env, partners, checkpoint=progress and progress.save)))
    counts.update(_final_step(progress, 'portal', lambda: _customer_portal(env, partners)))
    _logger.info("sample data: credit limits and portal in %.0f s", time.monotonic() - started)
    if not sql:  # benchmarks measure the accounting alone
        counts.update(_disputes_and_promises(users_env, random.Random(seed + 1), partners, today))
        counts.update(showcase.einvoice_lifecycle(users_env, today))
        counts.update(showcase.autopay(users_env, today, _portal_partner(env)))
        counts.update(_scores(env))
        counts.update(_reminders(env, today))
        if receipts:
            # the morning's statement, after the night's reminder run, as a
            # company's day goes
            counts.update(day_statement(users_env, random.Random(seed + 2), ctx, partners, today))
    counts['seconds'] = round(time.monotonic() - started, 1)
    if progress:
        progress.finish()
    env['ir.config_parameter'].sudo().set_param(PARAM, json.dumps({
        'seed': seed, 'today': str(today), 'months': months, 'sql': sql,
        **{key: value for key, value in counts.items() if key != 'seconds'},
    }))
    _logger.info("sample data generated: %s", counts)
    return counts


def _final_step(progress, name, step):
    """Run ``step`` (returning counts) once: each final step of the SQL
    generation is committed with its counts (those of a million invoices take
    an hour), and a generation that goes on after it takes them from the note."""
    done = progress.final_steps() if progress else {}
    if name in done:
        return done[name]
    counts = step()
    if progress:
        progress.final_step_done(name, counts)
    return counts


def _progress(env, sql, commit, **arguments):
    """The SQL generation notes how far it is (see ``progress``): the one
    stopped in this database with these arguments, else a new one."""
    if not sql:
        return None  # the ORM's generation, of demo sizes, is one transaction
    try:
        return Progress.find(env, arguments, commit) or Progress(env, arguments, commit)
    except ValueError as error:
        raise SampleDataError(str(error)) from None


def _open_invoices(env, invoices):
    """Counted in the database: a million invoices would not fit in the record cache."""
    invoices.flush_recordset(['payment_state'])
    return env.execute_query(SQL(
        "SELECT COUNT(*) FROM account_move WHERE id = ANY(%s) AND payment_state IN ('not_paid', 'partial')",
        list(invoices.ids),
    ))[0][0]


def _scores(env):
    """Risk scores of the dossiers, when credit_control_scoring is installed:
    its nightly cron would compute them, a demo shows them at once (after the
    disputes and promises, which count in the score)."""
    if 'credit.control.dossier' not in env or 'credit_scored_date' not in env['credit.control.dossier']._fields:
        return {}
    dossiers = env['credit.control.dossier'].search([])
    dossiers._credit_recompute_scores()
    return {'scored_dossiers': len(dossiers)}


def _reminders(env, today):
    """Today's reminder run, when credit_control_scenario is installed, with
    the shipped standard scenario for the companies without one: the
    collectors' agenda, the reminders to validate and the history of a demo
    are those its nightly cron makes. Its e-mails wait in the mail queue."""
    if 'credit.control.scenario.run' not in env:
        return {}
    Run = env['credit.control.scenario.run']
    if today != fields.Date.context_today(Run):
        return {}  # the engine reminds as of the real today only
    standard = env.ref('credit_control_scenario.credit_control_scenario_standard', raise_if_not_found=False)
    companies = env['res.company'].search([('credit_control_scenario_id', '=', False)])
    if standard and companies:
        companies.credit_control_scenario_id = standard
    run = Run._credit_run()
    return {'reminders': len(run.action_ids)}


def _writer(env, ctx, partners, sql):
    return (SqlWriter if sql else OrmWriter)(env, ctx, partners)


def draw_customers(env, rng, ctx, count):
    """[(values, contacts, facts)] of ``count`` customers, drawn from ``rng``."""
    dunning = 'dunning' in dict(env['res.partner']._fields['type'].selection)
    factory = CustomerFactory(rng, ctx.countries)
    drawn = [factory.customer(index, dunning_type=dunning) for index in range(count)]
    _logger.info("sample data: %s customers drawn", count)
    return drawn


def create_customers(env, rng, ctx, count, sql=False):
    """Customers in batches; returns them in plan order with their drawn facts.

    :param sql: insert them set-based in SQL (benchmarks), as the ORM would
        (sql_partners), instead of through ``create()``
    """
    drawn = draw_customers(env, rng, ctx, count)
    if sql:
        return SqlPartnerWriter(env).create(drawn), [facts for _values, _contacts, facts in drawn]
    Partner = env['res.partner']
    partners = Partner
    for chunk in batched(drawn, 1000):
        # contacts in one batch of their own: created through the companies' one2many,
        # they would be created one company at a time
        companies = Partner.create([values for values, _contacts, _facts in chunk])
        Partner.create([
            {**contact, 'parent_id': company.id}
            for company, (_values, contacts, _facts) in zip(companies, chunk, strict=True)
            for contact in contacts
        ])
        partners |= companies
    return partners, [facts for _values, _contacts, facts in drawn]


def _credit_control(env, partners):
    """Collectors and dossiers, when credit_control_base is installed."""
    if 'credit.control.dossier' not in env:
        return {}
    users = _collector_users(env)
    Dossier = env['credit.control.dossier']
    if hasattr(Dossier, '_ensure_dossiers'):
        Dossier._ensure_dossiers()
        Dossier.flush_model()
        # planner statistics of the dossiers just made, for the queries below in this transaction
        env.cr.execute(SQL("ANALYZE %s", SQL.identifier(Dossier._table)))
    counts = {'collectors': len(users['collectors'])}
    if 'credit_cash_application' in env['res.company']._fields:
        # the demo company tries cash application (off for a new company)
        env.companies.write({'credit_cash_application': True})
    if 'collector_id' in Dossier._fields and 'partner_id' in Dossier._fields:
        dossiers = Dossier.search([('partner_id', 'in', partners.ids)], order='id')
        collectors = users['collectors']
        for index, collector in enumerate(collectors):
            dossiers[index::len(collectors)].write({'collector_id': collector.id})
        counts['dossiers'] = len(dossiers)
    if hasattr(Dossier, '_credit_refresh_priorities'):
        # the worklist sorted as the nightly job leaves it (one query, one UPDATE)
        Dossier._credit_refresh_priorities()
    return counts


# Provision rates of doubtful debts per aging bucket (not due, then the four
# buckets of 30 days and beyond), as a French SME's policy would set them.
PROVISION_RATES = {'rate_not_due': 0.0, 'rate_b1': 0.0, 'rate_b2': 10.0, 'rate_b3': 25.0, 'rate_b4': 50.0,
                   'rate_b5': 100.0}


def _provision_rates(env):
    """The companies' provision rates per aging bucket, when credit_control_base
    is installed: the aged balance and the dashboard show provisions."""
    if 'credit.control.provision.rate' not in env:
        return {}
    Rate = env['credit.control.provision.rate']
    companies = env.companies - Rate.search([('segment_id', '=', False)]).company_id
    Rate.create([{'company_id': company.id, **PROVISION_RATES} for company in companies])
    return {'provision_rates': len(companies)}


def _credit_limits(env, partners, checkpoint=None):
    """Credit limits (Odoo's customer credit limit switched on in every
    company) on one customer in three with something to pay: most of them
    within their limit, one in three over it.

    :param checkpoint: called after each limit written (the SQL generation
        commits there: 57,000 customers take an hour through the ORM); the
        customers that already have their limit are not written again
    """
    if 'credit.control.dossier' not in env or 'limit_breached' not in env['credit.control.dossier']._fields:
        return {}
    env.companies.write({'account_use_credit_limit': True})
    dossiers = env['credit.control.dossier'].search(
        [('partner_id', 'in', partners.ids), ('open_amount', '>', 0)], order='id')[::3]
    # one write per company and limit: the limits are round figures, a few
    # hundred writes set them on 60,000 customers
    partners_by_limit = defaultdict(list)
    for index, dossier in enumerate(dossiers):
        unit = 1000 if dossier.open_amount >= 2000 else 100
        if index % 3 == 0:  # over the limit
            limit = max(unit, math.floor(dossier.open_amount * 0.6 / unit) * unit)
        else:
            limit = math.ceil(dossier.open_amount * 1.5 / unit) * unit
        partners_by_limit[dossier.company_id, limit].append(dossier.partner_id.id)
    _logger.info("sample data: credit limits of %s customers to write", len(dossiers))
    for (company, limit), partner_ids in partners_by_limit.items():
        customers = env['res.partner'].browse(partner_ids).with_company(company)
        customers.filtered(lambda partner, limit=limit: partner.credit_limit != limit).credit_limit = limit
        if checkpoint:
            checkpoint()
    dossiers.invalidate_recordset()
    return {'credit_limits': len(dossiers), 'over_credit_limit': len(dossiers.filtered('limit_breached'))}


def _disputes_and_promises(env, rng, partners, today):
    """With the disputes module installed: what customers said about their
    overdue invoices, so that the collectors' screens are not empty — a
    dispute on about one late customer in six (some under review), and a
    payment promise on about one in four (some already past, so broken by
    the nightly check)."""
    if 'credit.control.dispute' not in env:
        return {}
    late = env['credit.control.dossier'].search(
        [('partner_id', 'in', partners.ids), ('overdue_amount', '>', 0)], order='id',
    )
    reasons = env['credit.control.dispute.reason'].search([])
    disputes = promises = 0
    first_dispute = None
    for dossier in late:
        overdue = dossier._credit_open_invoices().filtered('credit_is_overdue')
        if not overdue or len(overdue.currency_id) > 1:
            continue
        draw = rng.random()
        if draw < 0.17 and reasons:
            dispute = env['credit.control.dispute']._credit_create_dispute(
                dossier, overdue[:1], rng.choice(reasons), note=rng.choice(DISPUTE_NOTES),
                origin=rng.choice(['call', 'invoice', 'manual']),
            )
            if rng.random() < 0.5:
                dispute.action_start()
            first_dispute = first_dispute or dispute
            disputes += 1
        elif draw < 0.42:
            env['credit.control.promise']._credit_create_promise(
                dossier, overdue, today + timedelta(days=rng.randint(-10, 20)),
                origin=rng.choice(['call', 'dossier']), note=rng.choice(PROMISE_NOTES),
            )
            promises += 1
    links = _colleague_link(env, first_dispute, today) if first_dispute else 0
    return {'disputes': disputes, 'promises': promises, 'colleague_links': links}


def _colleague_link(env, dispute, today):
    """A question sent to the warehouse about the first dispute, answered
    through a link without a login (no e-mail is sent: the link record only)."""
    if 'credit.control.dispute.link' not in env:
        return 0
    warehouse = env['res.partner'].create({
        'name': 'Entrepôt Lyon (logistique)', 'email': 'entrepot@example.com',
    })
    env['credit.control.dispute.link'].sudo().create({
        'dispute_id': dispute.id,
        'partner_id': warehouse.id,
        'message': "Pouvez-vous confirmer ce qui a été livré ? Le bon de livraison signé suffit.",
        'expiry_date': fields.Datetime.to_datetime(today) + timedelta(days=14),
    })
    return 1


DISPUTE_NOTES = [
    "Marchandise livrée incomplète, le client attend le reliquat.",
    "Le client conteste le prix unitaire appliqué (remise non reportée).",
    "Deux colis arrivés endommagés, photos envoyées par e-mail.",
    "Facture en double selon le client.",
]
PROMISE_NOTES = [
    "Virement prévu en fin de mois.",
    "Paiement dès réception du règlement de son propre client.",
    "Le comptable règle les factures le 10 du mois.",
]


def _customer_portal(env, partners):
    """With the customer portal installed: the demo payment provider in every
    company, and a portal account (login and password ``customer``) for the
    billing contact of the customer with the most overdue (else open) invoices (Odoo's own
    demo data already has a user ``portal``)."""
    if 'payment.transaction' not in env or 'credit_dossier_id' not in env['payment.transaction']._fields:
        return {}
    demo = env['payment.provider'].search([('code', '=', 'demo')], limit=1)
    if demo:
        for company in env.companies - demo.company_id:
            demo.copy({'company_id': company.id, 'state': 'test', 'is_published': True})
    owing = env['credit.control.dossier'].search([('partner_id', 'in', partners.ids), ('open_amount', '>', 0)])
    if not owing or env['res.users'].with_context(active_test=False).search_count([('login', '=', 'customer')]):
        return {}
    dossier = max(owing, key=lambda d: (d.overdue_amount, d.open_amount, -d.id))
    contact = dossier.partner_id.child_ids.filtered(lambda c: c.type == 'invoice' and c.email)[:1] \
        or dossier.partner_id
    env['res.users'].with_context(no_reset_password=True).create({
        'name': contact.name,
        'login': 'customer',
        'password': 'customer',
        'partner_id': contact.id,
        'company_id': dossier.company_id.id,
        'company_ids': [Command.set(dossier.company_id.ids)],
        'groups_id': [Command.set(env.ref('base.group_portal').ids)],
    })
    return {'portal_customer': dossier.partner_id.name}


def _portal_partner(env):
    """The contact of the demo's portal user ``customer``, if any."""
    return env['res.users'].search([('login', '=', 'customer')]).partner_id or None


def _collector_users(env):
    collector_group = env.ref('credit_control_base.group_credit_control_collector', raise_if_not_found=False)
    manager_group = env.ref('credit_control_base.group_credit_control_manager', raise_if_not_found=False)
    companies = env.companies
    base = {
        'company_id': companies[0].id,
        'company_ids': [Command.set(companies.ids)],
        'lang': 'fr_FR',
    }
    # The credit roles give no accounting right: the collectors read the
    # invoices of their portfolio only. The credit manager of the demo is
    # also the company's billing clerk and applies the cash received.
    manager_extra = [
        env.ref(xmlid, raise_if_not_found=False)
        for xmlid in ('account.group_account_invoice', 'credit_control_base.group_credit_control_cash_application')
    ]
    names = ['Claire Martin', 'Julien Moreau', 'Sophie Lambert', 'Nathalie Girard']
    vals_list = []
    for index, name in enumerate(names):
        login = f'collector{index + 1}' if index < COLLECTORS else 'credit_manager'
        groups = [collector_group] if index < COLLECTORS else [manager_group or collector_group, *manager_extra]
        groups = [env.ref('base.group_user'), *(group for group in groups if group)]
        vals_list.append({
            **base,
            'name': name,
            'login': login,
            'password': login,
            'email': f'{login}@atelier-durand.fr',
            'groups_id': [Command.link(group.id) for group in groups],
        })
    users = env['res.users'].with_context(no_reset_password=True).create(vals_list)
    return {'collectors': users[:COLLECTORS], 'manager': users[COLLECTORS:]}
