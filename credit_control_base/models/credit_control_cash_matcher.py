"""Automatic cash application: matching of incoming money (bank statement
lines, unreconciled customer payments) with open customer invoices.

The open receivable items of the companies concerned are read ONCE into
in-memory indexes (reference, partner and amount, partner's sorted amounts);
each source is then matched in Python against them, so that matching
thousands of bank lines costs a handful of queries whatever the size of the
ledger.
"""
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..const import COLLECTIBLE_MOVE_TYPES
from ..tools import proposal_sql
from .credit_control_cash_index import (  # noqa: F401 (compact, parse_amounts: imported from here)
    CashIndex,
    compact,
    parse_amounts,
    to_cents,
)
from .credit_control_cash_payer import PayerIndex, prefix_tokens, quoted_numbers

# Confidence of each outcome (0-100). A proposal at or above the company's
# threshold (90 by default) is reconciled at once, the rest is reviewed.
CONFIDENCE = {
    "reference": 100,  # every referenced invoice, exact total
    "reference_ocr": 95,  # same, references read through OCR confusions
    "reference_tolerance": 95,  # same, difference within the bank fee tolerance
    "reference_partial": 90,  # one referenced invoice, paid in part
    "reference_sum": 95,  # the quoted invoices of which exactly one combination adds up to the amount
    "reference_multi_partial": 70,  # several referenced invoices, which ones are paid is a guess
    "reference_overpaid": 80,  # more than the referenced invoices; the rest stays on the suspense account
    "amount": 90,  # the customer's only open invoice of that exact amount
    "amount_tolerance": 80,
    "amount_ambiguous": 40,  # several invoices of that amount: the oldest is suggested, never applied
    "sum": 85,  # the only combination of the customer's invoices adding up to the amount
    "sum_tolerance": 75,
    "remittance": 95,  # the customer's remittance advice lists the invoices and the amounts add up
    "remittance_mismatch": 60,
    "duplicate": 20,  # the label quotes invoices already paid: probably paid twice
}
# What a rule scores at most when who paid does not back it: nothing the
# label alone says (a number anybody can quote: a supplier's refund quoting
# its own "INV/2026/00033") reaches a sane threshold without the payer.
PAYER_UNKNOWN_CAP = 60
PAYER_OTHER_CAP = 30
# Beyond this many bank lines and payments, "Match Now" hands the work to
# the cron (bounded batches with progress) rather than one long request.
BACKGROUND_LIMIT = 300
# Each batch reads again the open items it matches against (the matcher's
# index: 1.3 to 1.6 s for 57,800 open items at 100k invoices, 18.5 s for
# 580,000 at 1M), so the batches are large: a statement of 10,000 lines
# took 146.7 s in batches of 200 (78 s of it reading the index 50 times),
# 83.0 s in batches of 500 and 57.7 s in batches of 1,000, one process.
CRON_BATCH_SIZE = 1000
# When the cron's latest run began: the lines it looked at are not looked
# at again by the next run (ir.cron's ``lastcall`` is the end of a call,
# which a run of several calls has passed its first batches by)
RUN_STARTED_PARAM = "credit_control.cash_run_started_at"

class CreditControlCashMatcher(models.AbstractModel):
    _name = "credit.control.cash.matcher"
    _description = "Cash Application Matcher"

    # ------------------------------------------------------------------
    # LOADING
    # ------------------------------------------------------------------

    @api.model
    def _credit_load_index(self, companies):
        """Read the open customer receivable items of ``companies`` in one
        query, the names and bank accounts of their customers and the
        invoice number prefixes. Proposals under review hold nothing: a
        proposal waiting for somebody's decision must not send the next
        exact payment of its invoice to another one."""
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model()
        self.env["res.partner.bank"].flush_model(["partner_id", "sanitized_acc_number", "active"])
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
        index = CashIndex(rows)
        partner_ids = list({item["partner_id"] for item in index.items.values() if item["partner_id"]})
        names = self.env.execute_query(SQL(
            "SELECT id, name FROM res_partner WHERE id = ANY(%s)", partner_ids,
        )) if partner_ids else []
        accounts = self.env.execute_query(SQL(
            """
            SELECT p.commercial_partner_id, b.sanitized_acc_number
              FROM res_partner_bank b
              JOIN res_partner p ON p.id = b.partner_id
             WHERE b.active AND p.commercial_partner_id = ANY(%s)
            """,
            partner_ids,
        )) if partner_ids else []
        index.payers = PayerIndex(names, accounts)
        prefixes = self.env.execute_query(SQL(
            """
            SELECT DISTINCT sequence_prefix FROM account_move
             WHERE company_id IN %(companies)s AND move_type IN %(types)s AND state = 'posted'
               AND sequence_prefix IS NOT NULL
            """,
            companies=tuple(companies.ids),
            types=COLLECTIBLE_MOVE_TYPES,
        ))
        by_words = defaultdict(list)
        for (prefix,) in prefixes:
            words = prefix_tokens(prefix)
            if words:
                by_words[words].append(prefix)
        index.prefixes = dict(by_words)
        return index

    @api.model
    def _credit_prepare_sources(self, index, sources):
        """Read once for all ``sources``: who paid each, the invoices its
        label quotes (open or not: a quoted invoice already paid means a
        duplicate payment), and what was decided before on it (a rejected
        match is not proposed again, an undone one never applied alone)."""
        wanted = defaultdict(set)
        for source in sources:
            source["payer_ids"], source["payer_how"] = index.payers.identify(
                source.get("partner_id"), source.get("account_number"), source.get("partner_name"),
                source["label"],
            )
            source["numbers"] = quoted_numbers(source["label"], index.prefixes)
            source["quoted_any"] = bool(source["numbers"])
            for words, number in source["numbers"]:
                wanted[number].update(index.prefixes[words])
        moves = {}
        if wanted:
            rows = self.env.execute_query(SQL(
                """
                SELECT id, name, company_id, commercial_partner_id, sequence_prefix, sequence_number
                  FROM account_move
                 WHERE move_type IN %(types)s AND state = 'posted'
                   AND sequence_number = ANY(%(numbers)s) AND sequence_prefix = ANY(%(prefixes)s)
                """,
                types=COLLECTIBLE_MOVE_TYPES,
                numbers=list(wanted),
                prefixes=list(set().union(*wanted.values())),
            ))
            for move_id, name, company_id, partner_id, prefix, number in rows:
                moves.setdefault((prefix_tokens(prefix), number), []).append(
                    {"id": move_id, "name": name, "company_id": company_id, "partner_id": partner_id})
        for source in sources:
            source["quoted"] = [
                move for key in sorted(source.pop("numbers"), key=lambda k: k[1]) for move in moves.get(key, ())
                if move["company_id"] == source["company_id"]
            ]
        history = defaultdict(lambda: {"rejected": set(), "undone": False})
        st_ids = [s["statement_line_id"] for s in sources if s.get("statement_line_id")]
        pay_ids = [s["source_line_id"] for s in sources if s.get("source_line_id")]
        if st_ids or pay_ids:
            self.env["credit.control.cash.proposal"].flush_model()
            self.env["credit.control.cash.proposal.line"].flush_model()
            for st_line_id, line_id, state, move_line_ids in self.env.execute_query(SQL(
                """
                SELECT p.statement_line_id, p.source_line_id, p.state, ARRAY_AGG(pl.move_line_id)
                  FROM credit_control_cash_proposal p
             LEFT JOIN credit_control_cash_proposal_line pl ON pl.proposal_id = p.id
                 WHERE p.state IN ('rejected', 'undone')
                   AND (p.statement_line_id = ANY(%s) OR p.source_line_id = ANY(%s))
              GROUP BY p.id
                """,
                st_ids, pay_ids,
            )):
                key = ("st", st_line_id) if st_line_id else ("pay", line_id)
                if state == "undone":
                    history[key]["undone"] = True
                else:
                    history[key]["rejected"].add(frozenset(i for i in move_line_ids if i))
        for source in sources:
            key = ("st", source["statement_line_id"]) if source.get("statement_line_id") \
                else ("pay", source.get("source_line_id"))
            source["history"] = history.get(key) or {"rejected": set(), "undone": False}
        return sources

    # ------------------------------------------------------------------
    # MATCHING
    # ------------------------------------------------------------------

    @api.model
    def _credit_match(self, index, source, tolerances, writeoff_companies):
        """Best proposal for ``source`` (a dict: company_id, partner_id,
        currency_id, digits, amount, label, and what
        ``_credit_prepare_sources`` adds), or None.

        :param tolerances: {(company id, currency id): tolerance in cents}
        :param writeoff_companies: ids of the companies that book the bank
            fees on a write-off account (elsewhere the difference stays open)
        :return: dict with rule, confidence, allocations [(line id, amount)],
            writeoff, explanation and payer_confirmed (who paid is the
            customer of every invoice: the condition of an automatic match)
        """
        if "payer_ids" not in source:
            self._credit_prepare_sources(index, [source])
        company_id, currency_id, digits = source["company_id"], source["currency_id"], source["digits"]
        cents = to_cents(source["amount"], digits)
        tolerance = tolerances.get((company_id, currency_id), 0)
        writeoff = company_id in writeoff_companies
        payer_ids = source["payer_ids"]
        items, ocr = self._credit_referenced_items(index, source)
        # quoted invoices with nothing left to pay (also paid earlier in this run)
        paid = [move for move in source["quoted"]
                if not any(index.items[i]["residual"] > 0 for i in index.by_move.get(move["id"], ()))]
        paid_names = ", ".join(sorted({move["name"] for move in paid}))
        if not items and paid:
            return self._credit_result("duplicate", "duplicate", [], source, cents, False, self.env._(
                "The label quotes %(names)s, already paid or credited: probably a duplicate payment, "
                "to refund or to match by hand.", names=paid_names))
        proposal = None
        if items:
            proposal = self._credit_match_reference(index, source, items, ocr, cents, tolerance, writeoff)
            if paid:
                proposal["confidence"] = min(proposal["confidence"], PAYER_UNKNOWN_CAP)
                proposal["explanation"] = self.env._(
                    "%(explanation)s The label also quotes %(names)s, already paid: to review.",
                    explanation=proposal["explanation"], names=paid_names)
            if proposal["payer_confirmed"] or len(payer_ids) != 1:
                return proposal
        if len(payer_ids) != 1:
            return None
        # Who paid is known: that customer's invoices by amount, also when
        # the label quotes another customer's invoice (a typo, most often).
        by_amount = self._credit_match_amount(index, source, next(iter(payer_ids)), cents, tolerance, writeoff)
        if by_amount and (proposal or source["quoted_any"]):
            by_amount["confidence"] = min(by_amount["confidence"], 80)
            by_amount["explanation"] = self.env._(
                "%(explanation)s The label quotes an invoice number that is not one of this customer's "
                "open invoices: to review.", explanation=by_amount["explanation"])
        return by_amount or proposal

    @api.model
    def _credit_referenced_items(self, index, source):
        """Open items of the invoices the label quotes: by their number or
        payment reference anywhere in the label (also through OCR
        confusions), and by the numbers listed after an invoice prefix."""
        items, ocr = {}, False
        for line_ids, ocr_match, _start, _end in index.find_references(source["label"]):
            for item in index.open_items(line_ids, source["company_id"], source["currency_id"]):
                items[item["id"]] = item
                ocr = ocr or ocr_match
        for move in source["quoted"]:
            for item in index.move_open_items(move["id"], source["company_id"], source["currency_id"]):
                items[item["id"]] = item
        return sorted(items.values(), key=lambda item: (item["due"] or fields.Date.today(), item["id"])), ocr

    @api.model
    def _credit_match_reference(self, index, source, items, ocr, cents, tolerance, writeoff):
        names = ", ".join(sorted({item["name"] for item in items}))
        total = sum(to_cents(item["residual"], item["digits"]) for item in items)
        if total == cents:
            level = "reference_ocr" if ocr else "reference"
            return self._credit_result("reference", level, items, source, cents, writeoff, self.env._(
                "Invoice numbers found in the label: %(names)s.", names=names))
        if cents < total <= cents + tolerance:
            return self._credit_result("reference", "reference_tolerance", items, source, cents, writeoff, self.env._(
                "Invoice numbers found in the label: %(names)s; the difference is within the bank fee tolerance.",
                names=names))
        if cents < total and len(items) > 1:
            # "FACT 204 279 123" for two of them: the only combination that adds up
            subsets = [combination for combination in self._credit_subsets(items, cents)]
            if len(subsets) == 1:
                explanation = self.env._(
                    "Invoice numbers found in the label: %(names)s; only %(paid)s add up to the amount.",
                    names=names, paid=", ".join(item["name"] for item in subsets[0]))
                return self._credit_result(
                    "reference", "reference_sum", subsets[0], source, cents, writeoff, explanation)
        if cents < total:
            level = "reference_partial" if len(items) == 1 else "reference_multi_partial"
            return self._credit_result("reference", level, items, source, cents, False, self.env._(
                "Invoice numbers found in the label: %(names)s, paid in part.", names=names))
        return self._credit_result("reference", "reference_overpaid", items, source, cents, False, self.env._(
            "Invoice numbers found in the label: %(names)s; the rest of the amount stays to be matched.",
            names=names))

    @api.model
    def _credit_subsets(self, items, cents, limit=2):
        """Up to ``limit`` combinations of ``items`` adding up to ``cents``
        (the quoted invoices of a label are a handful)."""
        found = []
        values = [(to_cents(item["residual"], item["digits"]), item) for item in items[:12]]
        for mask in range(1, 2 ** len(values)):
            chosen = [item for bit, (_value, item) in enumerate(values) if mask >> bit & 1]
            if sum(value for bit, (value, _item) in enumerate(values) if mask >> bit & 1) == cents:
                found.append(chosen)
                if len(found) >= limit:
                    break
        return found

    @api.model
    def _credit_match_amount(self, index, source, partner_id, cents, tolerance, writeoff):
        company_id, currency_id = source["company_id"], source["currency_id"]
        group = (company_id, partner_id, currency_id)
        exact = index.by_exact_amount(group, cents)
        if len(exact) == 1:
            return self._credit_result("amount", "amount", exact, source, cents, writeoff, self.env._(
                "The customer's only open invoice of this amount."))
        if len(exact) > 1:
            exact = sorted(exact, key=lambda item: (item["due"] or fields.Date.today(), item["id"]))
            return self._credit_result("amount", "amount_ambiguous", exact[:1], source, cents, writeoff, self.env._(
                "%(count)s open invoices of this amount (%(names)s): the oldest is suggested.",
                count=len(exact), names=", ".join(item["name"] for item in exact)))
        sums = index.subset_sums(group, cents, cents)
        if len(sums) == 1:
            return self._credit_result("sum", "sum", sums[0], source, cents, writeoff, self.env._(
                "The only combination of the customer's open invoices adding up to this amount."))
        if sums:
            return None
        if tolerance:
            near = index.within_tolerance(group, cents, cents + tolerance)
            if len(near) == 1:
                return self._credit_result("amount", "amount_tolerance", near, source, cents, writeoff, self.env._(
                    "The customer's only open invoice within the bank fee tolerance of this amount."))
            sums = index.subset_sums(group, cents, cents + tolerance)
            if len(sums) == 1:
                return self._credit_result("sum", "sum_tolerance", sums[0], source, cents, writeoff, self.env._(
                    "The only combination of the customer's open invoices adding up to this amount, "
                    "within the bank fee tolerance."))
        return None

    @api.model
    def _credit_result(self, rule, level, items, source, cents, writeoff, explanation):
        """Allocate ``cents`` over ``items`` (oldest first) and weigh the
        rule by who paid. What the items hold beyond the amount is written
        off when ``writeoff`` and within the tolerance (the rule says so),
        else left open."""
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
        confidence = CONFIDENCE[level]
        payer_ids, how = source.get("payer_ids", set()), source.get("payer_how", "")
        confirmed = bool(items) and bool(payer_ids) and all(item["partner_id"] in payer_ids for item in items)
        if not items:
            pass
        elif not payer_ids:
            confidence = min(confidence, PAYER_UNKNOWN_CAP)
            explanation = self.env._("%(explanation)s Nothing on the bank line says who paid: to review.",
                            explanation=explanation)
        elif not confirmed:
            confidence = min(confidence, PAYER_OTHER_CAP)
            explanation = self.env._("%(explanation)s The invoices are of another customer than the payer's.",
                            explanation=explanation)
        elif how == "iban":
            explanation = self.env._("%(explanation)s Payer recognised by its bank account.", explanation=explanation)
        elif how == "name":
            explanation = self.env._("%(explanation)s Payer recognised by its name.", explanation=explanation)
        return {
            "rule": rule,
            "confidence": confidence,
            "allocations": allocations,
            "writeoff": difference,
            "explanation": explanation,
            "payer_confirmed": confirmed,
        }

    # ------------------------------------------------------------------
    # RUN
    # ------------------------------------------------------------------

    @api.model
    def _credit_run(self, companies=None, statement_lines=None, payment_lines=None, auto=True):
        """Match the unmatched incoming bank lines and customer payments of
        ``companies`` (or only ``statement_lines``/``payment_lines``) and
        create their proposals. A proposal is reconciled at once when
        ``auto``, at or above the company's threshold, the payer confirmed
        and the line never undone; proposals under review that an
        automatic one made impossible are closed.

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
        self._credit_prepare_sources(index, sources)
        tolerances = self._credit_tolerances(companies, {s["currency_id"] for s in sources})
        writeoff_companies = set(companies.filtered("credit_cash_writeoff_account_id").ids)
        thresholds = {company.id: company.credit_cash_auto_threshold for company in companies}
        vals_list, automatic = [], []
        for source in sources:
            match = self._credit_match(index, source, tolerances, writeoff_companies)
            if not match or (not match["allocations"] and match["rule"] != "duplicate"):
                continue
            if frozenset(line_id for line_id, _amount in match["allocations"]) in source["history"]["rejected"]:
                continue  # the same match was rejected: not proposed again
            if source["history"]["undone"]:
                match["explanation"] = self.env._("%(explanation)s Undone before: waits for review.",
                                         explanation=match["explanation"])
            apply = (match["confidence"] >= thresholds[source["company_id"]] and match["payer_confirmed"]
                     and match["allocations"] and not source["history"]["undone"])
            if apply:
                # Only what is applied holds its invoices: an ambiguous
                # match must not make the next bank line look unambiguous.
                index.allocate(match["allocations"])
            vals_list.append(Proposal._credit_values(source, match, index))
            automatic.append(bool(apply))
        proposals = proposal_sql.create(self.env, vals_list)
        if auto:
            Proposal.browse([p.id for p, apply in zip(proposals, automatic, strict=True) if apply]) \
                ._credit_apply_automatically()
            Proposal._credit_close_stale(companies)
        return proposals

    @api.model
    def _credit_collect_sources(self, companies, statement_lines=None, payment_lines=None, limit=None):
        """Incoming money not yet matched nor under review: bank statement
        lines on the suspense account and receivable lines of customer
        payments (a rejected or undone proposal frees its source)."""
        sources = []
        proposals = self.env["credit.control.cash.proposal"].sudo()
        if payment_lines is None or statement_lines is not None:
            domain = [
                ("company_id", "in", companies.ids),
                ("is_reconciled", "=", False),
                ("amount", ">", 0),
                ("state", "=", "posted"),
                ("id", "not in", proposals._search([
                    ("statement_line_id", "!=", False), ("state", "in", ("proposed", "reconciled")),
                ]).subselect("statement_line_id")),
            ]
            if statement_lines is not None:
                domain.append(("id", "in", statement_lines.ids))
            Line = self.env["account.bank.statement.line"]
            ids = list(Line._search(domain, order="date, id"))
            # their values read in one query (the ORM's per-record reads
            # were a tenth of the matching of 10,000 lines); the lines'
            # search applies the rights and record rules
            for fname in ("partner_id", "amount", "amount_currency", "foreign_currency_id", "currency_id",
                          "company_id", "partner_name", "account_number", "payment_ref", "move_id"):
                Line.flush_model([fname])
            self.env["account.move"].flush_model(["date"])
            self.env["res.partner"].flush_model(["commercial_partner_id"])
            rows = self.env.execute_query(SQL(
                """
                SELECT l.id, m.date, l.company_id, p.commercial_partner_id, l.partner_name, l.account_number,
                       c.id, c.decimal_places, l.foreign_currency_id IS NOT NULL, l.amount_currency, l.amount,
                       l.payment_ref
                  FROM unnest(%s::int[]) WITH ORDINALITY AS s(id, rank)
                  JOIN account_bank_statement_line l ON l.id = s.id
                  JOIN account_move m ON m.id = l.move_id
                  JOIN res_currency c ON c.id = COALESCE(l.foreign_currency_id, l.currency_id)
             LEFT JOIN res_partner p ON p.id = l.partner_id
              ORDER BY s.rank
                """,
                ids,
            )) if ids else []
            for (line_id, line_date, company_id, partner_id, partner_name, account_number, currency_id, digits,
                 foreign, amount_currency, amount, label) in rows:
                sources.append({
                    "statement_line_id": line_id,
                    "date": line_date,
                    "company_id": company_id,
                    "partner_id": partner_id or False,
                    "partner_name": partner_name or "",
                    "account_number": account_number or "",
                    "currency_id": currency_id,
                    "digits": digits,
                    "amount": float(amount_currency if foreign else amount),
                    "label": label or "",
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
                           SELECT 1 FROM credit_control_cash_proposal cp
                            WHERE cp.source_line_id = l.id AND cp.state IN ('proposed', 'reconciled'))
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
    def _cron_pending_lines(self, since):
        """Bank lines still to look at in this run of the cron: never looked
        at, or last looked at before ``since`` (when its previous run
        began), of the companies that chose automatic cash application:
        their ids and customers (commercial partners)."""
        return SQL(
            """
            SELECT l.id, partner.commercial_partner_id AS customer
              FROM account_bank_statement_line l
              JOIN account_move m ON m.id = l.move_id
              JOIN res_company co ON co.id = l.company_id
         LEFT JOIN res_partner partner ON partner.id = l.partner_id
             WHERE NOT l.is_reconciled AND l.amount > 0 AND m.state = 'posted'
               AND co.credit_cash_application
               AND (l.credit_cash_checked_at IS NULL OR l.credit_cash_checked_at < %(since)s)
               AND NOT EXISTS (SELECT 1 FROM credit_control_cash_proposal p
                                WHERE p.statement_line_id = l.id AND p.state IN ('proposed', 'reconciled'))
            """,
            # without a previous run (or called by hand), only the new lines
            since=since or SQL("'-infinity'::timestamp"),
        )

    @api.model
    def _cron_previous_run_start(self):
        """When the cron's previous run began (None when called by hand: the
        new lines only), and this run's start kept for the next."""
        Param = self.env["ir.config_parameter"].sudo()
        previous = Param.get_param(RUN_STARTED_PARAM)
        Param.set_param(RUN_STARTED_PARAM, fields.Datetime.to_string(self.env.cr.now()))
        lastcall = self.env.context.get("lastcall")
        return lastcall and (previous or lastcall)

    @api.model
    def _cron_match_cash(self, batch_size=CRON_BATCH_SIZE):
        """Match the bank lines not looked at in this run, apply what is
        certain, a bounded batch per call with its progress: the cron
        framework commits each batch and calls again while lines remain,
        so that thousands of lines never hang on one transaction and an
        interrupted run keeps what it applied. The first call cuts the
        lines into batches that the worker crons (Settings: parallel
        workers) match at the same time; payments are matched once every
        batch is done. Only the companies that chose automatic cash
        application (Settings) are matched."""
        Batch = self.env["credit.control.work.batch"]
        job = self.browse()
        if not Batch.sudo().search_count([("res_model", "=", self._name), ("res_id", "=", 0)], limit=1):
            self.env["account.bank.statement.line"].flush_model()
            self.env["res.company"].flush_model(["credit_cash_application"])
            self.env["credit.control.cash.proposal"].flush_model()
            pending = self._cron_pending_lines(self._cron_previous_run_start())
            # the lines of a customer together, in one batch: two workers
            # paying one customer's invoices at once wait for each other
            # and one of them does its whole batch again
            rows = self.env.execute_query(SQL(
                "SELECT id, customer FROM (%s) lines ORDER BY customer NULLS LAST, id",
                pending,
            ))
            if not rows:
                self._credit_work_finished()
                self.env["ir.cron"]._notify_progress(done=0, remaining=0)
                return True
            ids, customers = zip(*rows, strict=True)
            batches = Batch._credit_enqueue(job, Batch._credit_split(list(ids), batch_size, keys=customers))
            if Batch._credit_end_call_after_cut(batches):
                return True
        Batch._cron_process_batches(job)
        return True

    @api.model
    def _credit_work_batch(self, line_ids, payload=None):
        """Hook of ``credit.control.work.batch``: match a batch of the
        cron's bank lines (those reconciled or proposed since, by another
        batch or by hand, are passed by the matching itself; the cron
        enqueues no payload)."""
        st_lines = self.env["account.bank.statement.line"].browse(line_ids).exists()
        self.sudo()._credit_run_by_company(st_lines)
        if st_lines:
            self.env.cr.execute(SQL(
                "UPDATE account_bank_statement_line SET credit_cash_checked_at = NOW() AT TIME ZONE 'UTC' "
                "WHERE id IN %s", tuple(st_lines.ids)))
            st_lines.invalidate_recordset(["credit_cash_checked_at"])
        return True

    @api.model
    def _credit_work_finished(self):
        """Hook of ``credit.control.work.batch``: every bank line of the run
        is matched; match the customer payments not reconciled yet, which a
        bank line of the run may have paid instead."""
        matcher = self.sudo()
        payments = matcher.env["account.move.line"].search([
            ("payment_id", "!=", False), ("parent_state", "=", "posted"), ("reconciled", "=", False),
            ("amount_residual", "<", 0), ("account_id.account_type", "=", "asset_receivable"),
            ("company_id.credit_cash_application", "=", True),
        ])
        matcher._credit_run_by_company(payments)

    @api.model
    def _credit_run_by_company(self, lines):
        """``_credit_run`` on ``lines`` (bank statement lines, or the
        receivable lines of payments) company by company, each in its
        company's environment, as reconciling writes that company's
        entries: the proposals created."""
        key = "statement_lines" if lines._name == "account.bank.statement.line" else "payment_lines"
        proposals = self.env["credit.control.cash.proposal"]
        for company in lines.company_id:
            company_lines = lines.filtered(lambda line, c=company: line.company_id == c)
            proposals |= self.with_company(company)._credit_run(companies=company, **{key: company_lines})
        return proposals

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    @api.model
    def _credit_action_match_payments(self, payments):
        lines = payments.move_id.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        return self._credit_run(companies=payments.company_id, payment_lines=lines)._credit_action_result()

    @api.model
    def _credit_action_match_all(self, statement_lines=None):
        """Match now, in this request up to BACKGROUND_LIMIT bank lines and
        payments; beyond, in the background (the cron, by batches)."""
        companies = statement_lines.company_id if statement_lines else self.env.companies
        sources = self._credit_collect_sources(companies, statement_lines)
        count = len(sources)
        if count > BACKGROUND_LIMIT:
            manual = self.env["res.company"].browse({source["company_id"] for source in sources}).filtered(
                lambda company: not company.credit_cash_application)
            if manual:
                # the cron only looks at the companies that chose it
                raise UserError(_(
                    "%(count)s bank lines and payments are too many to match now, and matching them in the "
                    "background needs automatic cash application, which is off for %(companies)s. Turn it on in "
                    "Settings > Credit Control > Cash Application, or select fewer bank lines.",
                    count=count, companies=", ".join(manual.mapped("name"))))
            self.env.ref("credit_control_base.ir_cron_credit_control_cash_match").sudo()._trigger()
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "info",
                    "sticky": False,
                    "message": _("%(count)s bank lines and payments are being matched in the background; "
                                 "the proposals appear in Cash Application as they are found.", count=count),
                    "next": {"type": "ir.actions.act_window_close"},
                },
            }
        return self._credit_run(companies=companies, statement_lines=statement_lines)._credit_action_result()
