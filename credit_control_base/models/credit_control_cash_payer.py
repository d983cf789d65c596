"""Who paid, and which invoice numbers a bank label quotes: the two readings
of a bank line the cash application relies on before it reconciles alone.

Plain Python (no model): the matcher builds these indexes once per run from
a few queries and then reads every bank line in memory.
"""
import difflib
import re
import unicodedata
from collections import defaultdict

from odoo.addons.base.models.res_bank import sanitize_account_number

# Words of a French company name that carry no identity: legal forms and the
# abbreviations banks print ("STE" for société, "ETS" for établissements).
NAME_STOPWORDS = frozenset({
    "STE", "STES", "SOC", "SOCIETE", "ETS", "ETAB", "ETABLISSEMENT", "ETABLISSEMENTS", "SARL", "SAS", "SASU",
    "SA", "EURL", "SNC", "SCI", "SCOP", "SCM", "SELARL", "GIE", "EI", "EIRL", "CIE", "ET", "DE", "DU", "DES",
    "LA", "LE", "LES", "L", "D", "M", "MR", "MME", "MLLE", "CHEZ", "STE.", "GROUPE",
})
# A payer name cut by the bank matches a customer name it starts with only
# from this many characters: "DUPONT" alone is anybody's.
MIN_TRUNCATED_NAME = 8
CUT_NAME_LENGTH = 16
FUZZY_RATIO = 0.9
# "VIR SEPA RECU /DE STE DUPONT ET FILS /MOTIF ...", "DE: DUPONT", "/FRM DUPONT"
PAYER_RE = re.compile(r"(?:^|[\s/])(?:DE|FRM|FROM|DONNEUR D ?ORDRE|EMETTEUR)\s*[:/]?\s+(?P<name>[^/]+?)\s*(?:/|$)",
                      re.IGNORECASE)
# Digits of a number quoted after an invoice prefix, and the further numbers
# of the same length listed after it ("INV 2026 00204 00279 00123").
DIGITS_RE = re.compile(r"\d+")


def normalize_name(name):
    """Uppercase ASCII words of a company name without its legal form."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().upper()
    words = [word for word in re.split(r"[^A-Z0-9]+", text) if word and word not in NAME_STOPWORDS]
    return " ".join(words)


def payer_name_from_label(label):
    """The ordering party's name a French bank prints in the label, if any."""
    match = PAYER_RE.search(label or "")
    return match.group("name").strip() if match else ""


class PayerIndex:
    """Customers (commercial partners) by normalized name and bank account.

    :param names: ``[(partner id, name)]``
    :param accounts: ``[(partner id, sanitized account number)]``
    """

    def __init__(self, names, accounts):
        self.by_account = defaultdict(set)
        for partner_id, number in accounts:
            if number:
                self.by_account[number].add(partner_id)
        self.by_key = defaultdict(list)
        for partner_id, name in names:
            normalized = normalize_name(name)
            if normalized:
                self.by_key[normalized[:4]].append((normalized, partner_id))

    def by_name(self, name):
        """Customers whose name is ``name``, or starts with it when the bank
        cut it, or differs by a typo: a set of partner ids."""
        payer = normalize_name(name)
        if len(payer) < 3:
            return set()
        # banks cut the ordering party's name after 18 to 32 characters:
        # a shorter name was printed whole and only whole words may be missing
        cut = len((name or "").strip()) >= CUT_NAME_LENGTH
        found = set()
        for customer, partner_id in self.by_key.get(payer[:4], ()):
            if customer == payer:
                found.add(partner_id)
            elif len(payer) >= MIN_TRUNCATED_NAME and customer.startswith(payer) and (
                    cut or customer.startswith(payer + " ")):
                found.add(partner_id)
            elif len(customer) >= MIN_TRUNCATED_NAME and payer.startswith(customer + " "):
                found.add(partner_id)  # the payer adds a town or a department
            elif min(len(payer), len(customer)) >= MIN_TRUNCATED_NAME and abs(len(payer) - len(customer)) <= 1 \
                    and difflib.SequenceMatcher(None, payer, customer).ratio() >= FUZZY_RATIO:
                found.add(partner_id)  # a typo
        return found

    def identify(self, partner_id, account_number, partner_name, label):
        """Who paid: ``(partner ids, how)``, how being "partner", "iban" or
        "name", or ``(set(), "")`` when nothing on the line says it."""
        if partner_id:
            return {partner_id}, "partner"
        number = sanitize_account_number(account_number)
        if number and self.by_account.get(number):
            return set(self.by_account[number]), "iban"
        for name in (partner_name, payer_name_from_label(label)):
            found = self.by_name(name) if name else set()
            if found:
                return found, "name"
        return set(), ""


def prefix_tokens(prefix):
    """Words of a sequence prefix: "INV/2026/" -> ("INV", "2026")."""
    return tuple(word for word in re.split(r"[^A-Z0-9]+", (prefix or "").upper()) if word)


def quoted_numbers(label, prefixes):
    """Invoice numbers quoted in ``label`` after one of ``prefixes`` (tuples
    of words), written whole ("INV/2026/00204", "inv 2026 204",
    "INV202600204") or listed after the first one with the prefix left out
    ("FACTURES INV 2026 00204 00279 00123"): ``{(prefix, number)}``."""
    words = [word for word in re.split(r"[^A-Z0-9]+", (label or "").upper()) if word]
    found = set()
    for prefix in prefixes:
        glued = "".join(prefix)
        for index in range(len(words)):
            following = None
            if tuple(words[index:index + len(prefix)]) == prefix:
                following = index + len(prefix)
                if following >= len(words) or not words[following].isdigit():
                    continue
                first = words[following]
            elif words[index].startswith(glued) and words[index][len(glued):].isdigit():
                first = words[index][len(glued):]
                following = index
            else:
                continue
            found.add((prefix, int(first)))
            for word in words[following + 1:]:
                if not (word.isdigit() and len(word) == len(first)):
                    break
                found.add((prefix, int(word)))
    return found
