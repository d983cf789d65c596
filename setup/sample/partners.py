"""Customer values for the sample data: French SMEs and a few foreign ones.

Everything is drawn from the generator's own ``random.Random`` and from
Faker instances seeded from it, so that one seed always gives the same
customers whatever else runs in the process.
"""
import re
import unicodedata

import phonenumbers
from faker import Faker
from stdnum import luhn
from stdnum.ch import uid as ch_uid
from stdnum.gb import vat as gb_vat

# country code -> (Faker locale, share of customers, share speaking French)
COUNTRIES = {
    'FR': ('fr_FR', 0.80, 0.93),
    'BE': ('fr_BE', 0.07, 0.60),
    'CH': ('fr_CH', 0.07, 0.70),
    'GB': ('en_GB', 0.06, 0.0),
}

PROFILES = (
    # name, share, days late (min, max) relative to the due date
    ('good', 0.55, (-5, 5)),
    ('late', 0.30, (10, 60)),
    ('chronic', 0.10, (60, 180)),
    ('defaulter', 0.05, (20, 90)),
)

CONTACT_FUNCTIONS = {
    'fr_FR': ('Comptable', 'Directeur financier', 'Gérant', 'Responsable achats', 'Assistante de direction'),
    'en_US': ('Accountant', 'Finance Director', 'Managing Director', 'Purchasing Manager', 'Office Manager'),
}

# national prefixes with the full length of the numbers they start: digits are drawn,
# then formatted by phonenumbers
PHONE_PATTERNS = {
    'FR': (('01', 10), ('02', 10), ('03', 10), ('04', 10), ('05', 10), ('06', 10), ('07', 10), ('09', 10)),
    'BE': (('02', 9), ('03', 9), ('04', 9), ('09', 9), ('047', 10), ('048', 10)),
    'CH': (('021', 10), ('022', 10), ('031', 10), ('044', 10), ('079', 10)),
    'GB': (('020', 11), ('0121', 11), ('0161', 11), ('077', 11)),
}

# legal forms by country, for names Faker does not give in the local way
LEGAL_FORMS = {
    'BE': ('SRL', 'SA', 'SC', 'BV', 'NV'),
    'CH': ('SA', 'Sàrl', 'AG', 'GmbH'),
    'GB': ('Ltd', 'Ltd', 'PLC', 'LLP'),
}
TRADES = {
    'BE': ('Constructions', 'Menuiserie', 'Transports', 'Imprimerie', 'Brasserie', 'Ateliers'),
    'CH': ('Mécanique', 'Horlogerie', 'Transports', 'Fiduciaire', 'Usinage', 'Ateliers'),
    'GB': ('Engineering', 'Logistics', 'Joinery', 'Print Works', 'Components', 'Tooling'),
}


def _pick(rng, weighted):
    """Pick a key of ``weighted`` ({key: weight}) with the generator's rng."""
    keys = list(weighted)
    return rng.choices(keys, weights=[weighted[k] for k in keys])[0]


def french_siren(rng):
    """A 9-digit SIREN whose last digit is the Luhn key."""
    body = f'{rng.randrange(10 ** 7, 10 ** 8):08d}'
    return body + luhn.calc_check_digit(body)


def french_vat(siren):
    """Intra-community VAT number of a SIREN: FR + 2-digit key + SIREN."""
    return f'FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}'


def vat_number(rng, country):
    if country == 'FR':
        return french_vat(french_siren(rng))
    if country == 'BE':
        base = rng.randrange(2 * 10 ** 6, 2 * 10 ** 7)  # enterprise numbers start with 0 or 1
        return f'BE{base:08d}{97 - base % 97:02d}'
    if country == 'CH':
        while True:  # one body in 11 has check "10": no such UID exists (base_vat refuses it)
            body = f'{rng.randrange(10 ** 7, 10 ** 8):08d}'
            uid = body + ch_uid.calc_check_digit(body)
            if len(uid) == 9:
                return f'CHE-{uid[:3]}.{uid[3:6]}.{uid[6:]} TVA'
    while True:  # about one 9-digit number in 97 has no valid GB check pair
        body = f'{rng.randrange(10 ** 6, 10 ** 7):07d}'
        for check in range(97):
            if gb_vat.checksum(f'{body}{check:02d}') in (0, 55):
                return f'GB{body}{check:02d}'


def national_phone(rng, country):
    prefix, length = rng.choice(PHONE_PATTERNS[country])
    digits = prefix + ''.join(str(rng.randrange(10)) for _i in range(length - len(prefix)))
    number = phonenumbers.parse(digits, country)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def slug(text):
    ascii_text = unicodedata.normalize('NFKD', text).encode('ascii', 'ignore').decode()
    return re.sub(r'[^a-z0-9]+', '-', ascii_text.lower()).strip('-') or 'client'


def email_local(name):
    return slug(name).replace('-', '.')


class CustomerFactory:
    """Draws customers (companies with their contacts) and their profiles."""

    def __init__(self, rng, country_ids):
        self.rng = rng
        self.country_ids = country_ids
        self.fakers = {}
        for code, (locale, _share, _fr) in COUNTRIES.items():
            faker = Faker(locale)
            faker.seed_instance(rng.randrange(2 ** 32))
            self.fakers[code] = faker

    def customer(self, index, dunning_type=False):
        """Values of one customer, of its contacts, and the facts the invoice plan needs."""
        rng = self.rng
        country = _pick(rng, {code: share for code, (_l, share, _f) in COUNTRIES.items()})
        faker = self.fakers[country]
        lang = 'fr_FR' if rng.random() < COUNTRIES[country][2] else 'en_US'
        name = self._unique_name(faker, country, index)
        domain = f'{slug(name)[:30]}.{country.lower() if country != "GB" else "co.uk"}'
        profile = _pick(rng, {p: share for p, share, _d in PROFILES})
        contacts = [
            self._contact(faker, lang, country, domain, ctype)
            for ctype in self._contact_types(dunning_type)
        ]
        values = {
            'name': name,
            'is_company': True,
            'company_type': 'company',
            'vat': vat_number(rng, country),
            'street': faker.street_address().replace('\n', ' '),
            'zip': faker.postcode(),
            'city': faker.city(),
            'country_id': self.country_ids[country],
            'phone': national_phone(rng, country),
            'email': f'{rng.choice(("contact", "compta", "factures", "accueil"))}@{domain}',
            'website': f'https://www.{domain}',
            'lang': lang,
            'customer_rank': 1,
        }
        return values, contacts, {'country': country, 'profile': profile}

    def _unique_name(self, faker, country, index):
        if country == 'FR':
            name = faker.company()
        elif self.rng.random() < 0.5:
            name = f'{faker.last_name()} {self.rng.choice(LEGAL_FORMS[country])}'
        else:
            trade = self.rng.choice(TRADES[country])
            name = f'{faker.last_name()} {trade}' if country == 'GB' else f'{trade} {faker.last_name()}'
            name = f'{name} {self.rng.choice(LEGAL_FORMS[country])}'
        # Faker repeats surnames: a discriminating number keeps names unique at 20,000 customers
        return name if index < 2000 else f'{name} ({index})'

    def _contact_types(self, dunning_type):
        count = self.rng.choices((0, 1, 2, 3), weights=(20, 35, 30, 15))[0]
        types = ['invoice', 'contact'] + (['dunning'] if dunning_type else []) + ['contact']
        return types[:count]

    def _contact(self, faker, lang, country, domain, ctype):
        person = faker.name()
        return {
            'type': ctype,
            'name': person,
            'function': self.rng.choice(CONTACT_FUNCTIONS[lang]),
            'email': f'{email_local(person)}@{domain}',
            'phone': national_phone(self.rng, country),
            'lang': lang,
        }
