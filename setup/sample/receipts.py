"""Today's bank statement of the demo: the CAMT.053 file the main company's
bank delivered this morning (French bank labels, references with typos, a
combined payment, a partial one, unknown payers, bank fees), imported through
OCA's importer as the accountant would, so that Cash Application shows what
was matched automatically and what waits for review. Only with
credit_control_statement_import installed."""
import base64

from lxml import etree

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
COMPANY_IBAN = "FR7630004000031234567890143"
UNKNOWN_PAYERS = [
    ("SCI LES TILLEULS", "FR7614505000010800123456789", "VIR SEPA LOYER LOCAL COMMERCIAL {month}", 1250.0),
    ("M. JEAN-PIERRE ROUX", "FR7620041010050500013M02606", "VIR SEPA REMBOURSEMENT AVANCE", 180.0),
]


def day_statement(env, rng, ctx, partners, today):
    """Write and import today's statement of the main company's bank.

    :return: counts of the lines imported, matched automatically and to review
    """
    if 'account.statement.import' not in env or 'credit_import_folder' not in env['account.journal']._fields:
        return {}
    setup = ctx.companies['main']
    company, journal = setup.company, setup.bank_journal
    if not journal.bank_account_id:
        journal.bank_acc_number = COMPANY_IBAN
    # the bank's CSV export can be imported too (its CAMT still is read as such)
    mapping = env.ref('credit_control_statement_import.account_statement_import_sheet_mapping_fr_csv',
                      raise_if_not_found=False)
    if mapping and not journal.default_sheet_mapping_id:
        journal.default_sheet_mapping_id = mapping
    # The demo's portal customer keeps its invoices open (it is there to pay
    # them online), and so do the customers reminded last night (their
    # reminders are the demo's mail queue).
    portal = env['res.users'].search([('login', '=', 'customer')]).partner_id.commercial_partner_id
    if 'credit.control.action' in env:
        portal |= env['credit.control.action'].search([('date', '=', today)]).partner_id.commercial_partner_id
    invoices = env['account.move'].search([
        ('company_id', '=', company.id), ('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),
        ('payment_state', 'in', ('not_paid', 'partial')), ('commercial_partner_id', 'in', (partners - portal).ids),
        ('currency_id', '=', company.currency_id.id),
    ], order='invoice_date_due, id')
    entries = _entries(env, rng, invoices, today)
    if not entries:
        return {}
    content = _camt053(journal.bank_account_id.acc_number.replace(' ', ''), company.currency_id.name, entries,
                       today)
    wizard = env['account.statement.import'].with_company(company).with_context(journal_id=journal.id).create({
        'statement_file': base64.b64encode(content),
        'statement_filename': f"camt053_{today:%Y%m%d}.xml",
    })
    wizard._import_file()
    proposals = wizard.credit_proposal_ids
    reconciled = proposals.filtered(lambda p: p.state == 'reconciled')
    return {'statement_lines': len(entries), 'receipts_matched': len(reconciled),
            'receipts_to_review': len(proposals - reconciled)}


def _iban(env, rng, partner):
    """The customer's IBAN, given one the first time (a French one, drawn)."""
    partner = partner.commercial_partner_id
    if not partner.bank_ids:
        number = f"FR76{rng.randrange(10**22, 10**23)}"
        env['res.partner.bank'].create({'partner_id': partner.id, 'acc_number': number})
    return partner.bank_ids[0].acc_number.replace(' ', '')


def _typo(reference, rng):
    """How a customer mistypes an invoice number: spaces for the slashes,
    lower case, or the letter O for a zero."""
    kind = rng.choice(['spaces', 'lower', 'ocr'])
    if kind == 'spaces':
        return reference.replace('/', ' ')
    if kind == 'lower':
        return reference.lower()
    index = reference.rfind('0')
    return reference[:index] + 'O' + reference[index + 1:] if index >= 0 else reference


def _entries(env, rng, invoices, today):
    """(amount, name, iban, label) of the day: about a dozen receipts."""
    by_partner = {}
    for invoice in invoices:
        by_partner.setdefault(invoice.partner_id.commercial_partner_id, []).append(invoice)
    partners = list(by_partner)
    rng.shuffle(partners)
    entries = []
    for rank, partner in enumerate(partners[:12]):
        name = partner.name.upper()
        iban = _iban(env, rng, partner)
        own = by_partner[partner]
        first = own[0]
        if rank == 0 and len(own) > 1:  # one transfer for two invoices
            second = own[1]
            entries.append((first.amount_residual + second.amount_residual, name, iban,
                            f"VIR SEPA REGLEMENT FACTURES {first.name} ET {second.name}"))
        elif rank == 1:  # more than the invoice quoted: to review
            entries.append((first.amount_residual + 150.0, name, iban, f"VIR SEPA {name} FACTURE {first.name}"))
        elif rank == 2 and len(own) > 1:  # two invoices quoted, one and a half paid: to review
            second = own[1]
            entries.append((first.amount_residual + round(second.amount_residual / 2, 2), name, iban,
                            f"VIR SEPA FACT {first.name} {second.name} SOLDE A SUIVRE"))
        elif rank == 3:  # an instalment, quoting the invoice
            entries.append((round(first.amount_residual / 2, 2), name, iban,
                            f"VIR SEPA ACOMPTE 50% {first.name}"))
        elif rank in (4, 5):  # the reference mistyped
            entries.append((first.amount_residual, name, iban,
                            f"VIR SEPA RECU /DE {name} /MOTIF FACT {_typo(first.name, rng)}"))
        elif rank == 6:  # no reference at all: who paid and how much
            entries.append((first.amount_residual, name, iban, f"VIR SEPA {name} PAIEMENT"))
        else:
            entries.append((first.amount_residual, name, iban, f"VIR SEPA RECU /DE {name} /MOTIF {first.name}"))
    for name, iban, label, amount in UNKNOWN_PAYERS:
        entries.append((amount, name, iban, label.format(month=f"{today:%m/%Y}")))
    entries.append((-rng.choice([12.5, 18.9, 24.0]), None, None, f"FRAIS TENUE DE COMPTE {today:%m/%Y}"))
    return entries


def _camt053(account, currency, entries, today):
    """A CAMT.053.001.02 document of one statement, as French banks send it."""
    def sub(parent, tag, text=None, **attrib):
        node = etree.SubElement(parent, f"{{{NS}}}{tag}", attrib)
        if text is not None:
            node.text = str(text)
        return node

    day = f"{today:%Y-%m-%d}"
    root = etree.Element(f"{{{NS}}}Document", nsmap={None: NS})
    statement_root = sub(root, 'BkToCstmrStmt')
    header = sub(statement_root, 'GrpHdr')
    sub(header, 'MsgId', f"CAMT053-{today:%Y%m%d}-0630")
    sub(header, 'CreDtTm', f"{day}T06:30:00")
    statement = sub(statement_root, 'Stmt')
    sub(statement, 'Id', f"{today:%Y%m%d}00001")
    sub(statement, 'CreDtTm', f"{day}T06:30:00")
    sub(sub(sub(statement, 'Acct'), 'Id'), 'IBAN', account)
    opening = 25000.0
    closing = opening + sum(amount for amount, *_rest in entries)
    for code, amount in (('OPBD', opening), ('CLBD', closing)):
        balance = sub(statement, 'Bal')
        sub(sub(sub(balance, 'Tp'), 'CdOrPrtry'), 'Cd', code)
        sub(balance, 'Amt', f"{amount:.2f}", Ccy=currency)
        sub(balance, 'CdtDbtInd', 'CRDT')
        sub(sub(balance, 'Dt'), 'Dt', day)
    for rank, (amount, name, iban, label) in enumerate(entries, start=1):
        ref = f"{today:%Y%m%d}FR{rank:04d}"
        entry = sub(statement, 'Ntry')
        sub(entry, 'Amt', f"{abs(amount):.2f}", Ccy=currency)
        sub(entry, 'CdtDbtInd', 'CRDT' if amount > 0 else 'DBIT')
        sub(entry, 'Sts', 'BOOK')
        sub(sub(entry, 'BookgDt'), 'Dt', day)
        sub(sub(entry, 'ValDt'), 'Dt', day)
        sub(entry, 'AcctSvcrRef', ref)
        details = sub(sub(entry, 'NtryDtls'), 'TxDtls')
        sub(sub(details, 'Refs'), 'AcctSvcrRef', ref)
        sub(sub(sub(details, 'AmtDtls'), 'TxAmt'), 'Amt', f"{abs(amount):.2f}", Ccy=currency)
        if name:
            parties = sub(details, 'RltdPties')
            sub(sub(parties, 'Dbtr'), 'Nm', name)
            sub(sub(sub(parties, 'DbtrAcct'), 'Id'), 'IBAN', iban)
        sub(sub(details, 'RmtInf'), 'Ustrd', label)
    return etree.tostring(root, xml_declaration=True, encoding='UTF-8', pretty_print=True)
