"""Automatic cash application at scale (issue: cash application / lettrage).

On generator data (e.g. 100,000 invoices), inserts 10,000 incoming bank
statement lines whose labels mix invoice references (with spaces, dashes,
case and OCR noise), customers paying an exact amount or the sum of two
invoices, and noise; then measures the matching of all of them against the
open invoices: one load of the open items in memory, then matching in
Python, without a query per bank line. Then applies the confident
proposals (CASH_BENCH_APPLY=N: the first N only), in bulk where
credit_control_base/tools/reconcile_sql.py applies, after Odoo's own path on
a sample rolled back (CASH_BENCH_ORM_SAMPLE, 200), and reports seconds and
queries per applied match (CASH_BENCH_APPLY_ANY=1: every bank line's
proposal, not only the confident ones; both tracked as the cron tracks);
CASH_BENCH_PROFILE=path dumps a cProfile of the application and the most
frequent queries;
setup/bench/run cash_camt measures import, matching and application end to end.
"""
import cProfile
import os
import random
from collections import Counter
from contextlib import contextmanager

from benchlib import MACHINE, Bench, odoo_env, parse_args

# CASH_BENCH_LINES: fewer bank lines on a loaded machine (the figures per
# line and per match are projected to 10,000)
BANK_LINES = int(os.environ.get("CASH_BENCH_LINES") or 10000)


def noisy(name, rng):
    """An invoice number as customers and banks write it."""
    variant = rng.randrange(5)
    if variant == 0:
        return name
    if variant == 1:
        return name.replace("/", " ").lower()
    if variant == 2:
        return name.replace("/", "-")
    if variant == 3:
        return name.replace("0", "O")
    return name.replace("/", "")


def bank_line_values(env, journal, rng):
    """Values of BANK_LINES statement lines drawn from the open invoices."""
    env.cr.execute("""
        SELECT m.name, m.commercial_partner_id, l.amount_residual
          FROM account_move_line l
          JOIN account_move m ON m.id = l.move_id
         WHERE l.company_id = %s AND l.parent_state = 'posted' AND l.amount_residual > 0
           AND l.currency_id = %s AND m.move_type = 'out_invoice'
           AND l.account_id IN (SELECT id FROM account_account WHERE account_type = 'asset_receivable')
    """, [journal.company_id.id, journal.company_id.currency_id.id])
    open_items = env.cr.fetchall()
    rng.shuffle(open_items)
    by_partner = {}
    for item in open_items:
        by_partner.setdefault(item[1], []).append(item)
    values, cursor = [], 0
    for index in range(BANK_LINES):
        kind = index % 10
        name, partner_id, residual = open_items[cursor % len(open_items)]
        cursor += 1
        line = {"journal_id": journal.id, "date": "2026-02-10", "amount": residual}
        if kind < 5:  # reference, with noise
            line["payment_ref"] = f"VIR SEPA {noisy(name, rng)} REF{rng.randrange(10**6)}"
        elif kind < 7:  # known customer, exact amount
            line.update(payment_ref=f"VIREMENT CLIENT {rng.randrange(10**6)}", partner_id=partner_id)
        elif kind < 8:  # known customer, sum of two invoices
            others = [i for i in by_partner.get(partner_id, []) if i[0] != name]
            if others:
                line["amount"] = round(residual + others[0][2], 2)
            line.update(payment_ref="REGLEMENT FACTURES", partner_id=partner_id)
        elif kind < 9:  # bank fees deducted
            line.update(payment_ref=f"PAIEMENT {name}", amount=round(residual - rng.randrange(1, 400) / 100, 2))
        else:  # nothing to find
            line.update(payment_ref=f"PRLV {rng.randrange(10**9)} DIVERS", amount=rng.randrange(100, 99999) / 100)
        values.append(line)
    return values


def synthetic(env, bench):
    """The matching engine alone on 100,000 synthetic open invoices of
    20,000 customers and 10,000 bank lines: what the run costs once the
    open items are read (no database involved)."""
    from odoo.addons.credit_control_base.models.credit_control_cash_matcher import CashIndex  # noqa: PLC0415

    rng = random.Random(7)
    company, currency = 1, 1
    rows = [
        (i, i, f"FAC/2026/{i:06d}", f"FAC/2026/{i:06d}", 1 + i % 20000, company, currency,
         round(rng.uniform(50, 20000), 2), 2, None)
        for i in range(1, 100001)
    ]
    with bench.measure("synthetic: build indexes (100,000 open items)", len(rows)):
        index = CashIndex(rows)
    sources = []
    for n in range(BANK_LINES):
        line_id, _move, name, _ref, partner, _c, _cur, residual, _d, _due = rows[rng.randrange(len(rows))]
        kind = n % 10
        source = {"company_id": company, "currency_id": currency, "digits": 2, "amount": residual,
                  "partner_id": None, "label": f"VIR SEPA {noisy(name, rng)}"}
        if 5 <= kind < 8:
            source.update(partner_id=partner, label=f"VIREMENT CLIENT {rng.randrange(10**6)}")
        elif kind == 8:
            source.update(amount=round(residual - 2.5, 2))
        elif kind == 9:
            source.update(label=f"PRLV {rng.randrange(10**9)}", amount=rng.randrange(100, 99999) / 100)
        sources.append(source)
    Matcher = env["credit.control.cash.matcher"]
    with bench.measure("synthetic: read payers and quoted numbers of 10,000 bank lines", len(sources)):
        Matcher._credit_prepare_sources(index, sources)
    with bench.measure("synthetic: match 10,000 bank lines in memory", len(sources)):
        matches = [Matcher._credit_match(index, source, {(company, currency): 500}, set()) for source in sources]
    return {"synthetic_matched": sum(1 for m in matches if m)}


def per_match(name, step, proposals):
    """Seconds and queries per applied match of a measured step."""
    applied = len(proposals.filtered(lambda p: p.state == "reconciled"))
    return {
        f"{name}_applied": applied,
        f"{name}_ms_per_match": round(step["seconds"] * 1000 / max(applied, 1), 2),
        f"{name}_queries_per_match": round(step["queries"] / max(applied, 1), 2),
        f"{name}_projected_10000_s": round(step["seconds"] / max(applied, 1) * 10000, 1),
    }


@contextmanager
def profiled(env):
    """With CASH_BENCH_PROFILE=path: a cProfile dump of the block at path
    and the 25 most frequent kinds of query (first words of the SQL)."""
    path = os.environ.get("CASH_BENCH_PROFILE")
    if not path:
        yield
        return
    cr = env.cr
    kinds = Counter()
    execute = type(cr).execute

    def counting(self, query, params=None, log_exceptions=True):
        text = query.code if hasattr(query, "code") else str(query)
        kinds[" ".join(text.split())[:90]] += 1
        return execute(self, query, params, log_exceptions)

    profile = cProfile.Profile()
    type(cr).execute = counting
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        type(cr).execute = execute
        profile.dump_stats(path)
        for text, count in kinds.most_common(25):
            print(f"{count:>7}  {text}")


def main():
    args = parse_args()
    with odoo_env(args) as root_env:
        env = root_env(context={"tracking_disable": True, "credit_cash_no_trigger": True})
        bench = Bench(env)
        if os.environ.get("CASH_BENCH_SYNTHETIC"):
            context = synthetic(env, bench)
            print(context)
            bench.report(args.output, context)
            return
        company = env["res.company"].search([], order="id", limit=1)
        # cash application is a company's choice, off by default: measured switched on
        env["res.company"].search([]).write({"credit_cash_application": True})
        journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
        rng = random.Random(7)
        values = bank_line_values(env, journal, rng)
        StLine = env["account.bank.statement.line"]
        with bench.measure("create bank lines (ORM, set-up)", len(values)):
            for start in range(0, len(values), 1000):
                StLine.create(values[start:start + 1000])
            env.flush_all()
        companies = env["res.company"].search([])
        Matcher = env["credit.control.cash.matcher"]
        context = {
            "companies": len(companies),
            "open_receivable_items": len(Matcher._credit_load_index(companies).items),
            "bank_lines": len(values),
            **MACHINE,
        }
        print(context)
        with bench.measure("load open items into the indexes", context["open_receivable_items"]):
            index = Matcher._credit_load_index(companies)
        with bench.measure("collect unmatched bank lines and payments", len(values)):
            sources = Matcher._credit_collect_sources(companies)
        tolerances = Matcher._credit_tolerances(companies, {s["currency_id"] for s in sources})
        writeoff = set()
        with bench.measure("read payers, quoted numbers and history (3 queries)", len(sources)):
            Matcher._credit_prepare_sources(index, sources)
        with bench.measure("match in memory (no query)", len(sources)):
            matches = [Matcher._credit_match(index, source, tolerances, writeoff) for source in sources]
        with bench.measure("full run: match + create proposals (no reconcile)", len(values)):
            proposals = Matcher._credit_run(companies=companies, auto=False)
            env.flush_all()
        found = [m for m in matches if m]
        by_rule = {}
        for proposal in proposals:
            by_rule[proposal.rule] = by_rule.get(proposal.rule, 0) + 1
        context.update({
            "proposals": len(proposals),
            "auto_reconcilable": len(proposals.filtered(
                lambda p: p.confidence >= company.credit_cash_auto_threshold and p.payer_confirmed)),
            "by_rule": by_rule,
            "matched_in_memory": len(found),
        })
        print(context)
        confident = proposals.filtered(
            lambda p: p.confidence >= company.credit_cash_auto_threshold and p.payer_confirmed and p.statement_line_id)
        if os.environ.get("CASH_BENCH_APPLY_ANY"):
            # every bank line's proposal, confident or not: as many matches
            # applied from fewer bank lines (applying costs the same)
            confident = proposals.filtered("statement_line_id")
        orm_sample = int(os.environ.get("CASH_BENCH_ORM_SAMPLE", 200))
        if orm_sample:
            # Odoo's own path on a sample, rolled back: the figures before the
            # bulk adapter, on the same data
            sample = confident[:orm_sample].with_context(credit_cash_orm_apply=True, tracking_disable=False)
            env.cr.precommit.run()
            with env.cr.savepoint(flush=True) as savepoint:
                with bench.measure(f"apply {len(sample)} proposals, Odoo's path (sample)", len(sample)):
                    sample._credit_apply_automatically()
                    env.flush_all()
                    env.cr.precommit.run()
                context.update(per_match("orm", bench.results[-1], sample))
                savepoint.rollback()
            env.invalidate_all()
        limit = int(os.environ.get("CASH_BENCH_APPLY") or 0)
        # tracked as the cron tracks (the invoices' payment state in their
        # chatter, written when the transaction commits): run here
        sample = (confident[:limit] if limit else confident).with_context(tracking_disable=False)
        env.cr.precommit.run()
        with profiled(env), bench.measure(f"apply {len(sample)} confident proposals (bulk)", len(sample)):
            sample._credit_apply_automatically()
            env.flush_all()
            env.cr.precommit.run()
        context.update(per_match("bulk", bench.results[-1], sample))
        match_run = next(r for r in bench.results if r["step"].startswith("full run"))
        context["match_and_apply_seconds"] = round(match_run["seconds"] + bench.results[-1]["seconds"], 1)
        context["loadavg"] = open("/proc/loadavg").read().split()[:3]
        print(context)
        bench.report(args.output, context)


if __name__ == "__main__":
    main()
