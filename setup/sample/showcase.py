"""What the demo shows of the newer modules, once the customers, invoices,
disputes and scores are there: a customer on autopay with its charges
announced (credit_control_portal), and the e-invoicing lifecycle statuses
its customers' platforms sent about a few invoices (credit_control_einvoice_fr).
Each step does nothing when its module is not installed."""
from datetime import datetime, timedelta

from odoo import fields

# The demo company's SIREN (a made-up one that passes the Luhn check).
COMPANY_SIREN = '732829320'


def autopay(env, today, portal_partner=None):
    """A saved card of the demo payment provider for the portal customer
    (its statement then offers to turn on automatic payment) and a customer
    on autopay for a month, its instalments due since announced (the
    autopay charges the daily run makes)."""
    if 'credit.control.autopay.charge' not in env:
        return {}
    method = env.ref('payment_demo.payment_method_demo', raise_if_not_found=False)
    providers = {provider.company_id: provider
                 for provider in env['payment.provider'].search([('code', '=', 'demo'), ('state', '=', 'test')])}
    if not method or not providers:
        return {}

    def card(partner, company, digits):
        return env['payment.token'].create({
            'provider_id': providers[company].id,
            'payment_method_id': method.id,
            'partner_id': partner.id,
            'payment_details': digits,
            'provider_ref': f'demo-{partner.id}',
            'demo_simulated_state': 'done',
        })

    Dossier = env['credit.control.dossier']
    portal_customer = portal_partner.commercial_partner_id if portal_partner else env['res.partner']
    if portal_partner:
        for company in Dossier.search([('partner_id', '=', portal_customer.id)]).company_id.filtered(providers.get):
            card(portal_partner, company, '4242')
    since = today - timedelta(days=30)
    dossiers = Dossier.search([('open_amount', '>', 0), ('partner_id', '!=', portal_customer.id),
                               ('company_id', 'in', [company.id for company in providers])], order='id')
    for dossier in dossiers:
        notice = today + timedelta(days=dossier.company_id.credit_autopay_notice_days)
        moves = dossier._credit_open_invoices()
        due = [item['due_date'] for item in (moves - dossier._credit_autopay_blocked_moves(moves))
               ._credit_instalments(today)]
        if not any(since <= day <= notice for day in due):
            continue
        dossier._credit_autopay_opt_in(card(dossier.partner_id, dossier.company_id, '1881'))
        dossier.autopay_since = fields.Datetime.to_datetime(since)
        dossier._credit_autopay_announce(today)
        return {'autopay_customer': dossier.partner_id.name, 'autopay_charges': len(dossier.autopay_charge_ids)}
    return {}


def einvoice_lifecycle(env, today):
    """The customers' platforms answered about three open invoices of the
    main company (CDAR messages written by pyfrctc, imported as a
    collector's upload would): one approved (205) and still unpaid, one
    disputed (207, a wrong unit price: a dispute opens), one whose payment
    was sent (211: the reminders wait)."""
    if 'credit.control.einvoice.status' not in env:
        return {}
    import pyfrctc  # noqa: PLC0415 (the e-invoicing module's own requirement)

    from odoo.addons.credit_control_einvoice_fr.models.res_company import siren_of  # noqa: PLC0415

    main = env.ref('base.main_company')
    if not main.company_registry and not main.vat:
        main.company_registry = COMPANY_SIREN
    siren = main._credit_einvoice_siren()
    disputed = env['credit.control.dispute'].search([]).move_ids if 'credit.control.dispute' in env else []
    invoices = env['account.move'].search([
        ('company_id', '=', main.id), ('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),
        ('payment_state', '=', 'not_paid'), ('id', 'not in', disputed.ids if disputed else []),
    ], order='invoice_date_due, id')
    picked, customers = [], set()
    for invoice in invoices:
        if invoice.commercial_partner_id.id not in customers:
            picked.append(invoice)
            customers.add(invoice.commercial_partner_id.id)
        if len(picked) == 3:
            break
    Status = env['credit.control.einvoice.status']
    statuses = Status
    for invoice, (code, name, reason, text) in zip(picked, [
        ('205', 'Approuvée', None, None),
        ('207', 'En litige', 'PU_ERR', "Prix unitaire différent de celui de la commande"),
        ('211', 'Paiement transmis', None, None),
    ], strict=False):
        customer = invoice.commercial_partner_id
        issued = datetime.combine(today - timedelta(days=2), datetime.min.time()) + timedelta(hours=9)
        data = {
            'MDT-2': 'REGULATED',
            'MDT-3': 'urn.cpro.gouv.fr:1p0:CDV:invoice',
            'MDT-4': f'{invoice.name}_380_{invoice.invoice_date}#{code}_{issued:%Y%m%d%H%M%S}',
            'MDT-8': issued,
            'MDT-21': 'BY',
            'MDT-38': {'0002': siren_of(customer.company_registry, customer.vat) or '000000000'},
            'MDT-39': customer.name,
            'MDT-40': 'BY',
            'MDT-57': {'0002': siren},
            'MDT-58': main.name,
            'MDT-59': 'SE',
            'MDT-73': siren,
            'MDT-73-1': '0225',
            'MDT-74': False,
            'MDT-77': 23,
            'MDT-78': issued,
            'MDT-87': invoice.name,
            'MDT-91': '380',
            'MDT-100': invoice.invoice_date,
            'MDT-105': code,
            'MDT-106': name,
            'MDT-129': {'0002': siren},
        }
        if reason:
            data['MDG-37'] = [{'MDT-113': reason, 'MDT-114': text}]
        statuses |= Status._credit_import_message(pyfrctc.generate_cdar(data), filename=f'cdar_{code}.xml')
    return {'einvoice_statuses': len(statuses)}
