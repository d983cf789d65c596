"""The invoice plan: what is invoiced, credited and paid, and when.

The plan is plain Python drawn from the generator's ``random.Random``: the
ORM writer and the SQL writer both consume it, which is what lets the shape
test compare their rows one for one.
"""
import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from .partners import PROFILES

# key -> (French name, English name, list price, typical quantities)
PRODUCTS = {
    'consulting': ('Journée de conseil', 'Consulting day', 850.0, (0.5, 1, 2, 3, 5)),
    'maintenance': ('Contrat de maintenance annuel', 'Annual maintenance contract', 1200.0, (1,)),
    'training': ('Formation sur site', 'On-site training', 1450.0, (1, 2)),
    'part': ('Pièce usinée A-120', 'Machined part A-120', 42.5, (10, 25, 50, 100, 200)),
    'screws': ('Lot de visserie inox', 'Stainless screw kit', 18.9, (5, 10, 20, 40)),
    'shipping': ('Frais de port', 'Shipping costs', 35.0, (1,)),
    'lunch': ('Déjeuner de formation', 'Training lunch', 24.0, (6,)),
    'handbook': ('Manuel technique (livre)', 'Technical handbook (book)', 39.0, (1,)),
}

# what comes with a product on the same invoice, per unit of it: the trainees'
# lunches with a training day, the technical handbook with a maintenance contract
# (added without a draw: the same seed draws the same invoices as before them)
COMPANIONS = {'training': 'lunch', 'maintenance': 'handbook'}
DRAWN = [key for key in PRODUCTS if key not in COMPANIONS.values()]

# key -> VAT class, whose rate each company gives (environment): in France 20 %,
# 10 % for meals, 5.5 % for books
VAT_CLASSES = {
    'consulting': 'standard',
    'maintenance': 'standard',
    'training': 'standard',
    'part': 'standard',
    'screws': 'standard',
    'shipping': 'standard',
    'lunch': 'intermediate',
    'handbook': 'reduced',
}

# key -> (share of customers preferring it, nominal instalments as (days, end of month))
TERMS = {
    'immediate': (0.10, ((0, False),)),
    '30_days': (0.40, ((30, False),)),
    '45_days_eom': (0.25, ((45, True),)),
    '60_days': (0.17, ((60, False),)),
    'advance_60': (0.08, ((0, False), (60, False))),
}

PARTIAL_PAYMENT_SHARE = 0.05
REFUND_SHARE = 0.05
SUBSIDIARY_SHARE = 0.05  # of the non-Swiss customers, invoiced by the subsidiary


@dataclass(frozen=True)
class Line:
    product: str
    quantity: float
    price_unit: float


@dataclass(frozen=True)
class Refund:
    date: date
    line: Line


@dataclass(frozen=True)
class Payment:
    date: date
    kind: object  # 'all' (the whole residual), 'next' (the next instalment) or a fraction of the residual


@dataclass
class Invoice:
    partner: int
    company: str  # 'main' or 'subsidiary'
    date: date
    term: str
    lines: tuple
    refund: Refund = None
    payments: tuple = field(default_factory=tuple)


@dataclass
class CustomerPlan:
    profile: str
    company: str
    term: str
    weight: float
    stop_date: date = None  # defaulters pay nothing due after it


def end_of_month(day):
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def nominal_due_dates(invoice_date, term):
    """Due dates of the instalments, as the payer sees them (the ORM computes the real ones)."""
    dues = []
    for days, eom in TERMS[term][1]:
        due = invoice_date + timedelta(days=days)
        dues.append(end_of_month(due) if eom else due)
    return dues


def plan_customers(rng, facts, start, today):
    plans = []
    for fact in facts:
        term = rng.choices(list(TERMS), weights=[share for share, _i in TERMS.values()])[0]
        swiss = fact['country'] == 'CH' or rng.random() < SUBSIDIARY_SHARE
        plan = CustomerPlan(
            profile=fact['profile'],
            company='subsidiary' if swiss else 'main',
            term=term,
            weight=min(rng.paretovariate(1.3), 40.0),
        )
        if plan.profile == 'defaulter':
            span = max((today - start).days, 1)
            plan.stop_date = start + timedelta(days=rng.randint(span // 3, max(span - 60, span // 3)))
        plans.append(plan)
    if len(plans) > 1 and all(plan.company == 'main' for plan in plans):
        plans[-1].company = 'subsidiary'  # the subsidiary always has a customer to chase
    return plans


def plan_invoices(rng, customers, count, months, today):
    """``count`` invoices over ``months`` months before ``today``, in date order."""
    start = today - timedelta(days=round(months * 30.44))
    span = (today - start).days
    # every customer gets an invoice first, the rest goes to the big accounts
    owners = list(range(min(len(customers), count)))
    owners += rng.choices(range(len(customers)), weights=[c.weight for c in customers], k=count - len(owners))
    invoices = []
    for owner in owners:
        customer = customers[owner]
        invoice_date = start + timedelta(days=rng.randrange(span + 1))
        term = customer.term if rng.random() < 0.9 else rng.choice(list(TERMS))
        invoice = Invoice(owner, customer.company, invoice_date, term, _lines(rng))
        invoice.refund = _refund(rng, invoice, today)
        invoice.payments = _payments(rng, invoice, customer, today)
        invoices.append(invoice)
    # stable sort: names follow dates, as when invoicing day after day
    invoices.sort(key=lambda inv: inv.date)
    return invoices


def _lines(rng):
    lines = []
    for product in rng.sample(DRAWN, rng.choices((1, 2, 3, 4), weights=(45, 30, 17, 8))[0]):
        _fr, _en, price, quantities = PRODUCTS[product]
        lines.append(Line(product, float(rng.choice(quantities)), round(price * rng.uniform(0.9, 1.15), 2)))
    for line in list(lines):
        if line.product in COMPANIONS:
            companion = COMPANIONS[line.product]
            _fr, _en, price, (per_unit,) = PRODUCTS[companion]
            lines.append(Line(companion, float(line.quantity * per_unit), price))
    return tuple(lines)


def _refund(rng, invoice, today):
    if rng.random() >= REFUND_SHARE:
        return None
    refund_date = invoice.date + timedelta(days=rng.randint(3, 25))
    if refund_date > today:
        return None
    first = invoice.lines[0]
    ratio = rng.choice((0.1, 0.25, 0.5, 1.0))
    return Refund(refund_date, Line(first.product, 1.0, round(first.quantity * first.price_unit * ratio, 2)))


def _payments(rng, invoice, customer, today):
    low, high = next(delay for name, _s, delay in PROFILES if name == customer.profile)
    earliest = invoice.refund.date if invoice.refund else invoice.date
    dues = nominal_due_dates(invoice.date, invoice.term)
    payments = []
    for index, due in enumerate(dues):
        if customer.stop_date and due >= customer.stop_date:
            break
        pay_date = max(due + timedelta(days=rng.randint(low, high)), earliest)
        last = index == len(dues) - 1
        if rng.random() < PARTIAL_PAYMENT_SHARE:
            payments.append(Payment(pay_date, rng.choice((0.3, 0.5, 0.6))))
            pay_date += timedelta(days=rng.randint(15, 60))
        payments.append(Payment(pay_date, 'all' if last else 'next'))
        earliest = pay_date
    # what would be paid after today is still open today
    return tuple(p for p in payments if p.date <= today)


def settle(instalments, refund_amount, payments, round_amount):
    """Amounts of ``payments`` against an invoice.

    :param instalments: open amounts of the receivable lines, by due date
    :param refund_amount: total of the credit note reconciled first, or 0
    :param round_amount: the currency's rounding function
    :return: the amount of each payment (payments of nothing are left out as 0)
    """
    residuals = list(instalments)

    def consume(amount):
        for i, residual in enumerate(residuals):
            used = min(residual, amount)
            residuals[i] = round_amount(residual - used)
            amount = round_amount(amount - used)

    consume(refund_amount)
    amounts = []
    for payment in payments:
        open_total = round_amount(sum(residuals))
        if payment.kind == 'all':
            amount = open_total
        elif payment.kind == 'next':
            amount = next((r for r in residuals if r > 0), 0.0)
        else:
            amount = round_amount(open_total * payment.kind)
        amounts.append(amount)
        consume(amount)
    return amounts
