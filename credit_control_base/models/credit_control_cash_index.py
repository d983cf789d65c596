"""In-memory indexes of the open receivable items the cash application
matches against, and the text helpers it reads labels with (plain Python:
no query once the items are read)."""
import bisect
import re
from collections import defaultdict

from odoo import fields

from .credit_control_cash_payer import PayerIndex

# Characters an OCR or a hurried typist confuses: the tolerant pass compares
# references with these mapped to digits.
OCR_TABLE = str.maketrans("OQILSBZG", "00115826")
MIN_KEY_LENGTH = 6
SUM_MAX_INVOICES = 5
SUM_MAX_CANDIDATES = 30
SUM_MAX_STEPS = 20000

AMOUNT_RE = re.compile(
    r"(?<![\w/.,-])(?P<int>\d{1,3}(?:[ \u00a0\u202f.,']\d{3})+|\d+)(?P<dec>[.,]\d{2})(?![.,]?\d)"
)


ALNUM_RE = re.compile(r"[A-Za-z0-9]+")
NOT_ALNUM_RE = re.compile(r"[^A-Za-z0-9]+")


def compact(text):
    """Uppercase letters and digits of ``text`` without any separator, and
    for each kept character its position in ``text``."""
    chars, positions = [], []
    for match in ALNUM_RE.finditer(text or ""):
        chars.append(match.group())
        positions.extend(range(match.start(), match.end()))
    return "".join(chars).upper(), positions


def compact_key(text):
    """``compact(text)`` without the positions (the index's keys: one
    regular expression instead of a test per character)."""
    return NOT_ALNUM_RE.sub("", text or "").upper()


def parse_amounts(text):
    """Amounts written in ``text`` in French or English format ("1 234,56",
    "1,234.56", "1.234,56", "1234.56 €"), as ``[(start, end, value)]``."""
    amounts = []
    for match in AMOUNT_RE.finditer(text or ""):
        integer = re.sub(r"\D", "", match.group("int"))
        amounts.append((match.start(), match.end(), float(f"{integer}.{match.group('dec')[1:]}")))
    return amounts


def to_cents(amount, digits=2):
    return round(amount * 10**digits)


class CashIndex:
    """Open receivable items of some companies, indexed for matching.

    ``items`` maps a move line id to a dict with its move, partner, company,
    currency, residual (in the line's currency, decreased as the run
    allocates it) and due date."""

    def __init__(self, rows, reserved=None):
        reserved = reserved or {}
        self.items = {}
        self.by_key = defaultdict(set)
        self.by_ocr = defaultdict(set)
        self.by_amount = defaultdict(list)
        self.by_partner = defaultdict(list)
        self.by_move = defaultdict(list)
        # set by the matcher: who pays (PayerIndex) and the invoice number
        # prefixes of the companies (tuples of words)
        self.payers = PayerIndex((), ())
        self.prefixes = {}
        for line_id, move_id, name, reference, partner_id, company_id, currency_id, open_amount, digits, due in rows:
            residual = open_amount - reserved.get(line_id, 0.0)
            if residual <= 0:
                continue
            item = {
                "id": line_id, "move_id": move_id, "name": name, "partner_id": partner_id,
                "company_id": company_id, "currency_id": currency_id, "residual": residual,
                "digits": digits, "due": due,
            }
            self.items[line_id] = item
            self.by_move[move_id].append(line_id)
            for value in {name, reference}:
                key = compact_key(value)
                if len(key) >= MIN_KEY_LENGTH:
                    self.by_key[key].add(line_id)
                    self.by_ocr[key.translate(OCR_TABLE)].add(line_id)
            group = (company_id, partner_id, currency_id)
            self.by_amount[(*group, to_cents(residual, digits))].append(line_id)
            self.by_partner[group].append(line_id)
        for line_ids in self.by_partner.values():
            line_ids.sort(key=lambda i: (self.items[i]["due"] or fields.Date.today(), i))
        self.key_lengths = sorted({len(k) for k in self.by_key}, reverse=True)

    # ------------------------------------------------------------------
    # LOOKUPS
    # ------------------------------------------------------------------

    def find_references(self, text):
        """Open items whose invoice number or payment reference appears in
        ``text``, whatever its spaces, dashes, dots, slashes and case, then
        through OCR confusions: ``[(line ids, ocr, start, end)]`` with the
        position of the reference in ``text``, longest references first and
        never overlapping."""
        key, positions = compact(text)
        found, taken = [], [False] * len(key)
        for ocr, index, haystack in ((False, self.by_key, key), (True, self.by_ocr, key.translate(OCR_TABLE))):
            for length in self.key_lengths:
                for start in range(len(haystack) - length + 1):
                    # the look-up first: most slices are no reference
                    line_ids = index.get(haystack[start:start + length])
                    if line_ids and not any(taken[start:start + length]):
                        taken[start:start + length] = [True] * length
                        found.append((line_ids, ocr, positions[start], positions[start + length - 1] + 1))
        return sorted(found, key=lambda f: f[2])

    def move_open_items(self, move_id, company_id, currency_id):
        return self.open_items(self.by_move.get(move_id, ()), company_id, currency_id)

    def open_items(self, line_ids, company_id, currency_id):
        return [
            self.items[i] for i in sorted(line_ids)
            if i in self.items and self.items[i]["residual"] > 0
            and self.items[i]["company_id"] == company_id and self.items[i]["currency_id"] == currency_id
        ]

    def by_exact_amount(self, group, cents):
        items = [self.items[i] for i in self.by_amount.get((*group, cents), ())]
        return [item for item in items if to_cents(item["residual"], item["digits"]) == cents]

    def within_tolerance(self, group, low, high):
        """Open items of ``group`` whose residual (in cents) is in [low, high]."""
        items = [self.items[i] for i in self.by_partner.get(group, ())]
        cents = sorted((to_cents(item["residual"], item["digits"]), item["id"]) for item in items
                       if item["residual"] > 0)
        start = bisect.bisect_left(cents, (low, 0))
        return [self.items[line_id] for value, line_id in cents[start:] if value <= high]

    def subset_sums(self, group, low, high, limit=2):
        """Up to ``limit`` combinations of 2 to SUM_MAX_INVOICES open items
        of ``group`` whose residuals add up to [low, high] cents. The search
        is bounded (oldest candidates, steps) so that a customer with
        hundreds of invoices cannot stall the run."""
        items = [self.items[i] for i in self.by_partner.get(group, ()) if self.items[i]["residual"] > 0]
        candidates = sorted(
            ((to_cents(item["residual"], item["digits"]), item["id"]) for item in items[:SUM_MAX_CANDIDATES]),
        )
        candidates = [c for c in candidates if c[0] <= high]
        solutions, steps = [], 0

        def search(start, total, chosen):
            nonlocal steps
            for index in range(start, len(candidates)):
                steps += 1
                if steps > SUM_MAX_STEPS or len(solutions) >= limit:
                    return
                value, line_id = candidates[index]
                new_total = total + value
                if new_total > high:
                    return  # sorted: every further candidate is larger
                combination = [*chosen, line_id]
                if new_total >= low and len(combination) >= 2:
                    solutions.append(combination)
                    continue
                if len(combination) < SUM_MAX_INVOICES:
                    search(index + 1, new_total, combination)

        search(0, 0, [])
        return [[self.items[i] for i in solution] for solution in solutions]

    def allocate(self, allocations):
        for line_id, amount in allocations:
            self.items[line_id]["residual"] -= amount
