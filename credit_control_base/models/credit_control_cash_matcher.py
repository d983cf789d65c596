"""Automatic cash application: matching of incoming money (bank statement
lines, unreconciled customer payments) with open customer invoices.

The open receivable items of the companies concerned are read ONCE into
in-memory indexes (reference, partner and amount, partner's sorted amounts);
each source is then matched in Python against them, so that matching
thousands of bank lines costs a handful of queries whatever the size of the
ledger.
"""
import bisect
import re
from collections import defaultdict

from odoo import _, api, fields, models, modules
from odoo.tools import SQL

from ..const import COLLECTIBLE_MOVE_TYPES

# Confidence of each outcome (0-100). A proposal at or above the company's
# threshold (90 by default) is reconciled at once, the rest is reviewed.
CONFIDENCE = {
    "reference": 100,  # every referenced invoice, exact total
    "reference_ocr": 95,  # same, references read through OCR confusions
    "reference_tolerance": 95,  # same, difference within the bank fee tolerance
    "reference_partial": 90,  # one referenced invoice, paid in part
    "reference_multi_partial": 70,  # several referenced invoices, which ones are paid is a guess
    "reference_overpaid": 80,  # more than the referenced invoices; the rest stays on the suspense account
    "amount": 90,  # the customer's only open invoice of that exact amount
    "amount_tolerance": 80,
    "amount_ambiguous": 40,  # several invoices of that amount: the oldest is suggested, never applied
    "sum": 85,  # the only combination of the customer's invoices adding up to the amount
    "sum_tolerance": 75,
    "remittance": 95,  # the customer's remittance advice lists the invoices and the amounts add up
    "remittance_mismatch": 60,
}

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


def compact(text):
    """Uppercase letters and digits of ``text`` without any separator, and
    for each kept character its position in ``text``."""
    chars, positions = [], []
    for index, char in enumerate(text or ""):
        if char.isalnum() and char.isascii():
            chars.append(char.upper())
            positions.append(index)
    return "".join(chars), positions


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
            for value in {name, reference}:
                key = compact(value)[0]
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
                    if any(taken[start:start + length]):
                        continue
                    line_ids = index.get(haystack[start:start + length])
                    if line_ids:
                        taken[start:start + length] = [True] * length
                        found.append((line_ids, ocr, positions[start], positions[start + length - 1] + 1))
        return sorted(found, key=lambda f: f[2])

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


class CreditControlCashMatcher(models.AbstractModel):
    _name = "credit.control.cash.matcher"
    _description = "Cash Application Matcher"

    # ------------------------------------------------------------------
    # LOADING
    # ------------------------------------------------------------------

    @api.model
    def _credit_load_index(self, companies):
        """Read the open customer receivable items of ``companies`` in one
        query, minus what proposals under review already hold."""
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model()
        self.env["credit.control.cash.proposal.line"].flush_model()
        rows = self.env.execute_query(SQL(
            """
            SELECT l.id, l.move_id, m.name, m.payment_reference, m.commercial_partner_id, l.company_id,
                   l.currency_id, l.amount_residual_currency, c.decimal_places, l.date_maturity
              FROM account_move_line l
              JOIN account_move m ON m.id = l.move_id
              JOIN res_currency c ON c.id = l.currency_id
             WHERE l.company_id IN %(companies)s
               AND l.parent_state = 'posted'
               AND l.amount_residual > 0
               AND l.reconciled IS NOT TRUE
               AND m.move_type IN %(types)s
               AND l.account_id IN (
                       SELECT id FROM account_account WHERE account_type = 'asset_receivable')
            """,
            companies=tuple(companies.ids),
            types=COLLECTIBLE_MOVE_TYPES,
        ))
        reserved = dict(self.env.execute_query(SQL(
            """
            SELECT pl.move_line_id, SUM(pl.amount)
              FROM credit_control_cash_proposal_line pl
              JOIN credit_control_cash_proposal p ON p.id = pl.proposal_id
             WHERE p.state = 'proposed' AND p.company_id IN %(companies)s
          GROUP BY pl.move_line_id
            """,
            companies=tuple(companies.ids),
        )))
        return CashIndex(rows, reserved)

    # ------------------------------------------------------------------
    # MATCHING
    # ------------------------------------------------------------------

    @api.model
    def _credit_match(self, index, source, tolerances, writeoff_companies):
        """Best proposal for ``source`` (a dict: company_id, partner_id,
        currency_id, digits, amount, label), or None.

        :param tolerances: {(company id, currency id): tolerance in cents}
        :param writeoff_companies: ids of the companies that book the bank
            fees on a write-off account (elsewhere the difference stays open)
        :return: dict with rule, confidence, allocations [(line id, amount)],
            writeoff and explanation
        """
        company_id, currency_id, digits = source["company_id"], source["currency_id"], source["digits"]
        cents = to_cents(source["amount"], digits)
        tolerance = tolerances.get((company_id, currency_id), 0)
        writeoff = company_id in writeoff_companies
        proposal = self._credit_match_reference(index, source, cents, tolerance, writeoff)
        if proposal or not source.get("partner_id"):
            return proposal
        group = (company_id, source["partner_id"], currency_id)
        exact = index.by_exact_amount(group, cents)
        if len(exact) == 1:
            return self._credit_proposal("amount", "amount", exact, source, cents, writeoff, _(
                "The customer's only open invoice of this amount."))
        if len(exact) > 1:
            exact = sorted(exact, key=lambda item: (item["due"] or fields.Date.today(), item["id"]))
            return self._credit_proposal("amount", "amount_ambiguous", exact[:1], source, cents, writeoff, _(
                "%(count)s open invoices of this amount (%(names)s): the oldest is suggested.",
                count=len(exact), names=", ".join(item["name"] for item in exact)))
        sums = index.subset_sums(group, cents, cents)
        if len(sums) == 1:
            return self._credit_proposal("sum", "sum", sums[0], source, cents, writeoff, _(
                "The only combination of the customer's open invoices adding up to this amount."))
        if sums:
            return None
        if tolerance:
            near = index.within_tolerance(group, cents, cents + tolerance)
            if len(near) == 1:
                return self._credit_proposal("amount", "amount_tolerance", near, source, cents, writeoff, _(
                    "The customer's only open invoice within the bank fee tolerance of this amount."))
            sums = index.subset_sums(group, cents, cents + tolerance)
            if len(sums) == 1:
                return self._credit_proposal("sum", "sum_tolerance", sums[0], source, cents, writeoff, _(
                    "The only combination of the customer's open invoices adding up to this amount, "
                    "within the bank fee tolerance."))
        return None

    @api.model
    def _credit_match_reference(self, index, source, cents, tolerance, writeoff):
        found = index.find_references(source["label"])
        items, ocr = {}, False
        for line_ids, ocr_match, _start, _end in found:
            for item in index.open_items(line_ids, source["company_id"], source["currency_id"]):
                items[item["id"]] = item
                ocr = ocr or ocr_match
        if not items:
            return None
        items = sorted(items.values(), key=lambda item: (item["due"] or fields.Date.today(), item["id"]))
        names = ", ".join(sorted({item["name"] for item in items}))
        total = sum(to_cents(item["residual"], item["digits"]) for item in items)
        if total == cents:
            level = "reference_ocr" if ocr else "reference"
            return self._credit_proposal("reference", level, items, source, cents, writeoff, _(
                "Invoice numbers found in the label: %(names)s.", names=names))
        if cents < total <= cents + tolerance:
            return self._credit_proposal("reference", "reference_tolerance", items, source, cents, writeoff, _(
                "Invoice numbers found in the label: %(names)s; the difference is within the bank fee tolerance.",
                names=names))
        if cents < total:
            level = "reference_partial" if len(items) == 1 else "reference_multi_partial"
            return self._credit_proposal("reference", level, items, source, cents, False, _(
                "Invoice numbers found in the label: %(names)s, paid in part.", names=names))
        return self._credit_proposal("reference", "reference_overpaid", items, source, cents, False, _(
            "Invoice numbers found in the label: %(names)s; the rest of the amount stays to be matched.",
            names=names))

    @api.model
    def _credit_proposal(self, rule, level, items, source, cents, writeoff, explanation):
        """Allocate ``cents`` over ``items`` (oldest first). What the items
        hold beyond the amount is written off when ``writeoff`` and within
        the tolerance (the rule says so), else left open."""
        digits = source["digits"]
        remaining, allocations = cents, []
        total = sum(to_cents(item["residual"], item["digits"]) for item in items)
        book_difference = writeoff and level.endswith("tolerance")
        for item in items:
            due = to_cents(item["residual"], digits)
            share = due if book_difference else min(due, remaining)
            if share <= 0:
                break
            allocations.append((item["id"], share / 10**digits))
            remaining -= share
        difference = (total - cents) / 10**digits if book_difference else 0.0
        if source.get("partner_id") and any(item["partner_id"] != source["partner_id"] for item in items):
            level_confidence = CONFIDENCE[level] - 20
            explanation = _("%(explanation)s The invoices are of another customer than the payer's.",
                            explanation=explanation)
        else:
            level_confidence = CONFIDENCE[level]
        return {
            "rule": rule,
            "confidence": level_confidence,
            "allocations": allocations,
            "writeoff": difference,
            "explanation": explanation,
        }

    # ------------------------------------------------------------------
    # RUN
    # ------------------------------------------------------------------

    @api.model
    def _credit_run(self, companies=None, statement_lines=None, payment_lines=None, auto=True):
        """Match the unmatched incoming bank lines and customer payments of
        ``companies`` (or only ``statement_lines``/``payment_lines``) and
        create their proposals; those at or above the company's threshold
        are reconciled at once when ``auto``.

        :return: the proposals created
        """
        Proposal = self.env["credit.control.cash.proposal"]
        if companies is None:
            companies = (statement_lines.company_id if statement_lines else self.env["res.company"]) | (
                payment_lines.company_id if payment_lines else self.env["res.company"])
            companies = companies or self.env.companies
        sources = self._credit_collect_sources(companies, statement_lines, payment_lines)
        if not sources:
            return Proposal
        index = self._credit_load_index(companies)
        tolerances = self._credit_tolerances(companies, {s["currency_id"] for s in sources})
        writeoff_companies = set(companies.filtered("credit_cash_writeoff_account_id").ids)
        thresholds = {company.id: company.credit_cash_auto_threshold for company in companies}
        vals_list = []
        for source in sources:
            match = self._credit_match(index, source, tolerances, writeoff_companies)
            if not match or not match["allocations"]:
                continue
            if match["confidence"] >= thresholds[source["company_id"]]:
                # Proposals under review keep nothing: an ambiguous match
                # must not make the next bank line look unambiguous.
                index.allocate(match["allocations"])
            vals_list.append(Proposal._credit_values(source, match, index))
        proposals = Proposal.create(vals_list)
        if auto:
            proposals.filtered(
                lambda p: p.confidence >= thresholds[p.company_id.id]
            )._credit_apply_automatically()
        return proposals

    @api.model
    def _credit_collect_sources(self, companies, statement_lines=None, payment_lines=None):
        """Incoming money not yet matched nor proposed: bank statement lines
        on the suspense account and receivable lines of customer payments."""
        sources = []
        proposals = self.env["credit.control.cash.proposal"].sudo()
        if payment_lines is None or statement_lines is not None:
            domain = [
                ("company_id", "in", companies.ids),
                ("is_reconciled", "=", False),
                ("amount", ">", 0),
                ("state", "=", "posted"),
                ("id", "not in", proposals._search(
                    [("statement_line_id", "!=", False)]).subselect("statement_line_id")),
            ]
            if statement_lines is not None:
                domain.append(("id", "in", statement_lines.ids))
            st_lines = self.env["account.bank.statement.line"].search_fetch(
                domain, ["date", "payment_ref", "partner_id", "amount", "amount_currency", "foreign_currency_id",
                         "currency_id", "company_id"], order="date, id")
            for st_line in st_lines:
                currency = st_line.foreign_currency_id or st_line.currency_id
                sources.append({
                    "statement_line_id": st_line.id,
                    "date": st_line.date,
                    "company_id": st_line.company_id.id,
                    "partner_id": st_line.partner_id.commercial_partner_id.id,
                    "currency_id": currency.id,
                    "digits": currency.decimal_places,
                    "amount": st_line.amount_currency if st_line.foreign_currency_id else st_line.amount,
                    "label": st_line.payment_ref or "",
                })
        if statement_lines is None or payment_lines is not None:
            self.env["account.move.line"].flush_model()
            self.env["credit.control.cash.proposal"].flush_model()
            rows = self.env.execute_query(SQL(
                """
                SELECT l.id, l.date, l.company_id, p.commercial_partner_id, l.currency_id, c.decimal_places,
                       -l.amount_residual_currency, CONCAT_WS(' ', l.name, m.ref)
                  FROM account_move_line l
                  JOIN account_move m ON m.id = l.move_id
                  JOIN res_currency c ON c.id = l.currency_id
             LEFT JOIN res_partner p ON p.id = l.partner_id
                 WHERE l.company_id IN %(companies)s
                   AND l.payment_id IS NOT NULL
                   AND l.parent_state = 'posted'
                   AND l.amount_residual < 0
                   AND l.reconciled IS NOT TRUE
                   AND l.account_id IN (
                           SELECT id FROM account_account WHERE account_type = 'asset_receivable')
                   AND (%(all)s OR l.id IN %(ids)s)
                   AND NOT EXISTS (
                           SELECT 1 FROM credit_control_cash_proposal cp WHERE cp.source_line_id = l.id)
              ORDER BY l.date, l.id
                """,
                companies=tuple(companies.ids),
                all=payment_lines is None,
                ids=tuple(payment_lines.ids) if payment_lines else (0,),
            ))
            for line_id, line_date, company_id, partner_id, currency_id, digits, amount, label in rows:
                sources.append({
                    "source_line_id": line_id,
                    "date": line_date,
                    "company_id": company_id,
                    "partner_id": partner_id,
                    "currency_id": currency_id,
                    "digits": digits,
                    "amount": amount,
                    "label": label or "",
                })
        return sources

    @api.model
    def _credit_tolerances(self, companies, currency_ids):
        """Bank fee tolerance of each company, in cents of each currency."""
        today = fields.Date.context_today(self)
        tolerances = {}
        for company in companies:
            for currency in self.env["res.currency"].browse(currency_ids):
                amount = company.currency_id._convert(company.credit_cash_tolerance, currency, company, today)
                tolerances[(company.id, currency.id)] = to_cents(amount, currency.decimal_places)
        return tolerances

    # ------------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------------

    @api.model
    def _cron_match_cash(self, batch_size=200):
        """Match every company's new bank lines and payments, then apply
        the proposals confident enough by batches: after a large import,
        thousands of reconciliations (about 0.1 s each) must not hang on one
        transaction, and an interrupted run keeps what it applied."""
        matcher = self.sudo()
        for company in matcher.env["res.company"].search([]):
            matcher.with_company(company)._credit_run(companies=company, auto=False)
        to_apply = matcher.env["credit.control.cash.proposal"].search(
            [("state", "=", "proposed"), ("auto_failed", "=", False)]
        ).filtered(lambda p: p.confidence >= p.company_id.credit_cash_auto_threshold)
        for start in range(0, len(to_apply), batch_size):
            to_apply[start:start + batch_size]._credit_apply_automatically()
            done = min(start + batch_size, len(to_apply))
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(to_apply) - done)
            # Commit per batch (never in tests): see the docstring.
            if not modules.module.current_test:
                self.env.cr.commit()  # pylint: disable=invalid-commit

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    @api.model
    def _credit_action_match_payments(self, payments):
        lines = payments.move_id.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        return self._credit_run(companies=payments.company_id, payment_lines=lines)._credit_action_result()

    @api.model
    def _credit_action_match_all(self):
        return self._credit_run(companies=self.env.companies)._credit_action_result()
