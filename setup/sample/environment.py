"""Companies, currencies, taxes, payment terms and products of the sample data."""
import logging
from dataclasses import dataclass
from datetime import timedelta

from odoo.fields import Command

from .plan import PRODUCTS, VAT_CLASSES

_logger = logging.getLogger(__name__)

MAIN_COMPANY = {
    'name': 'Atelier Durand SAS',
    'street': '12 rue des Tanneurs',
    'zip': '69002',
    'city': 'Lyon',
    'country': 'FR',
    'vat': 'FR31842519373',
    'siret': '84251937300018',  # SIREN 842 519 373, head office 00018
    'phone': '04 78 12 34 56',
    'email': 'compta@atelier-durand.fr',
    'website': 'https://www.atelier-durand.fr',
    'currency': 'EUR',
    # VAT rate of each VAT class of the products (plan.VAT_CLASSES), with its name
    'taxes': {'standard': (20.0, 'TVA 20 %'), 'intermediate': (10.0, 'TVA 10 %'), 'reduced': (5.5, 'TVA 5,5 %')},
}
SUBSIDIARY = {
    'name': 'Durand Suisse SA',
    'street': 'Rue du Rhône 48',
    'zip': '1204',
    'city': 'Genève',
    'country': 'CH',
    'vat': 'CHE-116.281.710 TVA',
    'company_registry': 'CHE-116.281.710',
    'phone': '022 310 45 67',
    'email': 'comptabilite@durand-suisse.ch',
    'website': 'https://www.durand-suisse.ch',
    'currency': 'CHF',
    # Swiss VAT: meals at the normal rate, books at the reduced one
    'taxes': {'standard': (8.1, 'TVA 8,1 %'), 'intermediate': (8.1, 'TVA 8,1 %'), 'reduced': (2.6, 'TVA 2,6 %')},
}

# code, English name, French name, lines as (value, value amount, nb days, delay type, days next month)
PAYMENT_TERMS = {
    '30_days': 'account.account_payment_term_30days',
    'immediate': 'account.account_payment_term_immediate',
    'advance_60': 'account.account_payment_term_advance_60days',
    '45_days_eom': ('45 days end of month', '45 jours fin de mois',
                    [('percent', 100.0, 45, 'days_end_of_month_on_the', '0')]),
    '60_days': ('60 days', '60 jours', [('percent', 100.0, 60, 'days_after', '10')]),
}


@dataclass
class CompanySetup:
    company: object
    currency: object
    sale_journal: object
    bank_journal: object
    tax: object      # the standard rate
    taxes: dict      # VAT class -> account.tax


@dataclass
class SampleContext:
    companies: dict  # 'main' / 'subsidiary' -> CompanySetup
    terms: dict      # plan term key -> account.payment.term
    products: dict   # plan product key -> product.product
    countries: dict  # ISO code -> res.country id


def prepare(env, rng, start, today):
    """Set the stage: the French main company, its Swiss subsidiary, and what invoices need."""
    env['res.lang']._activate_lang('fr_FR')
    # the demo's users work in French; English stays installed for whoever
    # switches (a database made with --load-language=fr_FR has it inactive)
    env['res.lang']._activate_lang('en_US')
    for xmlid in ('base.user_admin', 'base.user_demo'):
        user = env.ref(xmlid, raise_if_not_found=False)
        if user:
            user.lang = 'fr_FR'
    _set_aside_localization_demo(env)
    countries = {c.code: c.id for c in env['res.country'].search([('code', 'in', ['FR', 'BE', 'CH', 'GB'])])}
    main = env.ref('base.main_company')
    subsidiary = _subsidiary(env, main)
    companies = {
        'main': _configure_company(env, main, MAIN_COMPANY, countries),
        'subsidiary': _configure_company(env, subsidiary, SUBSIDIARY, countries),
    }
    _exchange_rates(env, rng, companies, start, today)
    return SampleContext(
        companies=companies,
        terms=_payment_terms(env),
        products=_products(env, list(companies.values())),
        countries=countries,
    )


def _set_aside_localization_demo(env):
    """The French localization's demo data bring a company of their own ('FR
    Company', with Odoo's demo entries): taken out of the users' companies and
    archived, so that the demo shows its two sample companies only."""
    company = env.ref('base.demo_company_fr', raise_if_not_found=False)
    if not company or not company.active:
        return
    users = env['res.users'].with_context(active_test=False).search([
        ('company_ids', 'in', company.ids), ('company_id', '!=', company.id),
    ])
    users.write({'company_ids': [Command.unlink(company.id)]})
    company.active = False


def _subsidiary(env, main):
    company = env['res.company'].create({'name': SUBSIDIARY['name']})
    # the users who run the demo see both companies
    users = env.ref('base.user_root') | env.ref('base.user_admin', raise_if_not_found=False)
    users.write({'company_ids': [Command.link(company.id)]})
    # the main company's chart: the French one in setup/run's database (Odoo
    # installed it for a company in France), the generic one in tests, which
    # cannot install modules
    env['account.chart.template'].try_loading(main.chart_template or 'generic_coa', company, install_demo=False)
    return company


def _configure_company(env, company, data, countries):
    currency = env.ref(f"base.{data['currency']}")
    currency.active = True
    if company.currency_id != currency:
        if company.root_id._existing_accounting():
            _remove_demo_entries(env, company)
        company.currency_id = currency
    # a country on a company installs its localisation, unless a chart is being loaded:
    # the sample data stays on the generic chart, and tests cannot install modules
    company.with_context(chart_template_load=True).write({
        'name': data['name'],
        'street': data['street'],
        'zip': data['zip'],
        'city': data['city'],
        # not the state of Odoo's demo company (California)
        'state_id': False,
        'country_id': countries[data['country']],
        'vat': data['vat'],
        'company_registry': data.get('company_registry') or data.get('siret'),
        **({'siret': data['siret']} if 'siret' in data and 'siret' in company._fields else {}),
        'phone': data['phone'],
        'email': data['email'],
        'website': data['website'],
    })
    _documents(env, company)
    taxes = {vat_class: _sale_tax(env, company, rate, name) for vat_class, (rate, name) in data['taxes'].items()}
    company.account_sale_tax_id = taxes['standard']
    return CompanySetup(
        company=company,
        currency=currency,
        sale_journal=env['account.journal'].search([('company_id', '=', company.id), ('type', '=', 'sale')], limit=1),
        bank_journal=env['account.journal'].search([('company_id', '=', company.id), ('type', '=', 'bank')], limit=1),
        tax=taxes['standard'],
        taxes=taxes,
    )


def _documents(env, company):
    """A4 paper and a document layout chosen: the first print asks nothing."""
    values = {'paperformat_id': env.ref('base.paperformat_euro').id}
    if not company.external_report_layout_id:
        values['external_report_layout_id'] = env.ref('web.external_layout_standard').id
    company.write(values)


def _remove_demo_entries(env, company):
    """The demo entries of the generic chart are in its currency: they would forbid the switch to EUR."""
    _logger.info("removing the demo journal entries of %s to switch it to EUR", company.name)
    domain = [('company_id', 'child_of', company.id)]
    env['account.bank.statement.line'].search(domain).unlink()
    env['account.payment'].search(domain).action_draft()
    env['account.payment'].search(domain).unlink()
    moves = env['account.move'].search(domain)
    moves.filtered(lambda m: m.state != 'draft').button_draft()
    moves.with_context(force_delete=True).unlink()


def _sale_tax(env, company, amount, name):
    """The chart's sale tax at this VAT rate (the French chart's 20 %, 10 % and
    5.5 % on goods, due on invoice), else a copy of the company's default sale
    tax at that rate."""
    tax = env['account.tax'].search([
        ('company_id', '=', company.id), ('type_tax_use', '=', 'sale'), ('amount_type', '=', 'percent'),
        ('amount', '=', amount), ('price_include', '=', False), ('tax_exigibility', '=', 'on_invoice'),
        ('tax_scope', '!=', 'service'),
    ], order='sequence, id', limit=1)
    return tax or company.account_sale_tax_id.copy({
        'name': name, 'amount': amount, 'price_include_override': 'tax_excluded',
    })


def _payment_terms(env):
    terms = {}
    for key, spec in PAYMENT_TERMS.items():
        if isinstance(spec, str):
            terms[key] = env.ref(spec)
            continue
        name, name_fr, lines = spec
        term = env['account.payment.term'].create({
            'name': name,
            'line_ids': [
                Command.create({
                    'value': value, 'value_amount': amount, 'nb_days': days,
                    'delay_type': delay_type, 'days_next_month': next_month,
                })
                for value, amount, days, delay_type, next_month in lines
            ],
        })
        term.update_field_translations('name', {'fr_FR': name_fr})
        terms[key] = term
    return terms


def _products(env, setups):
    vals_list = [
        {
            'name': name_en,
            'default_code': key.upper(),
            'type': 'service' if price > 100 else 'consu',
            'list_price': price,
            'taxes_id': [Command.set([setup.taxes[VAT_CLASSES[key]].id for setup in setups])],
        }
        for key, (_fr, name_en, price, _q) in PRODUCTS.items()
    ]
    products = env['product.product'].create(vals_list)
    for product, (_fr, name_fr, *_rest) in zip(products, PRODUCTS.values(), strict=True):
        product.product_tmpl_id.update_field_translations('name', {'fr_FR': name_fr})
    return dict(zip(PRODUCTS, products, strict=True))


def _exchange_rates(env, rng, companies, start, today):
    """Monthly CHF/EUR rates over the period, seen from each company's currency."""
    main, subsidiary = companies['main'], companies['subsidiary']
    chf_per_eur = 0.97
    month = start.replace(day=1)
    vals_list = []
    while month <= today:
        chf_per_eur = round(min(max(chf_per_eur + rng.uniform(-0.012, 0.010), 0.90), 1.02), 4)
        vals_list += [
            {'name': month, 'currency_id': subsidiary.currency.id, 'company_id': main.company.id,
             'rate': chf_per_eur},
            {'name': month, 'currency_id': main.currency.id, 'company_id': subsidiary.company.id,
             'rate': round(1 / chf_per_eur, 6)},
        ]
        month = (month + timedelta(days=32)).replace(day=1)
    env['res.currency.rate'].create(vals_list)
