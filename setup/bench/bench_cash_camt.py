"""Cash application end to end (issues 19 and 22): a CAMT.053 bank statement
of 10,000 receipts drawn from the open invoices, imported through OCA's
importer (credit_control_statement_import), matched against the open
invoices and the confident matches applied, as the accountant's morning
would go. Target: import + match + apply < 60 s.

    setup/bench/run cash_camt --customers 20000 --invoices 100000 --months 3 \\
        --modules credit_control_base,credit_control_statement_import

The statement mixes what customers send: invoice numbers in the label (with
spaces, dashes, case and OCR noise), an exact amount without reference, the
sum of two invoices, a reference less bank fees (booked on the fee account),
an instalment quoting the invoice, and transfers of nobody known. Each
customer's transfer carries its name and IBAN, as SEPA transfers do.

Prints the seconds of each step, the queries per applied match, and checks
every automatic reconciliation against what each line really pays (its
invoices, the amounts reconciled, the bank line's remaining suspense
amount): exit code 1 on any wrong one. Everything is rolled back.

The import writes a statement of 200 lines or more in bulk SQL
(credit_control_statement_import's BankLineSqlWriter, when it is safe);
CASH_CAMT_SQL_MIN_LINES=0 measures the import through the ORM instead, as
before (the module's system parameter for the run).

CASH_CAMT_IMPORT_ONLY=1 measures the import alone (no match, no apply);
CASH_CAMT_MATCH_ONLY=1 the import and the matching (no apply); with it,
CASH_CAMT_DUMP=FILE writes every proposal (bank line's import id, rule,
confidence, invoices and amounts, explanation) to FILE, to compare the
matches of two versions of the code.
CASH_CAMT_LINES (default 10000) sets the statement's size; CASH_CAMT_PROFILE
set to a directory writes a cProfile of each step there (import.prof,
match.prof, apply.prof: read them with `python -m pstats`).

Each step also prints its CPU seconds (this process and its PostgreSQL
backend) and how busy the machine was meanwhile: on a shared machine the
wall time of two runs may differ by half, their CPU seconds do not.

CASH_CAMT_CRON=1 matches and applies the statement as the cron does after
an import of more than a few hundred lines: its batches of 1,000 lines one
after another, each emptied from the caches as a new transaction, as one
worker runs them (the default path measures the matching of all the lines
at once, then the application of the confident matches in batches of 500).
Each batch reads the open items again: that path costs more, and grows
with the open items.

CASH_CAMT_PARSE_CHECK=1 first parses the statement with OCA's own XPath
evaluation and with the module's compiled one, prints the seconds of each
and exits 1 unless both give exactly the same statements.
"""
import base64
import contextlib
import cProfile
import datetime
import os
import random
import sys
import threading
import time
from pathlib import Path

from benchlib import MACHINE, Bench, odoo_env, parse_args

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_cash import noisy  # noqa: E402
from sample.receipts import _camt053  # noqa: E402

LINES = int(os.environ.get("CASH_CAMT_LINES", "10000"))
TARGET_SECONDS = 60
# the import's share of it: matching and applying need the rest
IMPORT_SHARE_SECONDS = 15
TODAY = datetime.date(2026, 2, 10)
PROFILE_DIR = os.environ.get("CASH_CAMT_PROFILE")
SQL_MIN_LINES = os.environ.get("CASH_CAMT_SQL_MIN_LINES")
IMPORT_ONLY = bool(os.environ.get("CASH_CAMT_IMPORT_ONLY"))
MATCH_ONLY = bool(os.environ.get("CASH_CAMT_MATCH_ONLY"))
DUMP = os.environ.get("CASH_CAMT_DUMP")
PARSE_CHECK = bool(os.environ.get("CASH_CAMT_PARSE_CHECK"))
CRON = bool(os.environ.get("CASH_CAMT_CRON"))
SQL_MIN_LINES_PARAM = "credit_control_statement_import.sql_min_lines"


class Machine:
    """What the machine did during each step, beside its wall time: the CPU
    seconds of this process and of its PostgreSQL backend (what the step
    itself costs, whatever else runs), and how busy the machine was (the
    share of all its CPUs in use, the load average sampled every second).
    On a machine shared with other work, the wall time of two runs can
    differ by half while their CPU seconds do not: the CPU seconds are the
    figures to compare between runs. The share of CPU time the hypervisor
    gave to other machines (steal) shows a slower host that the load
    average does not."""

    def __init__(self, env):
        env.cr.execute("SELECT pg_backend_pid()")
        self.backend = env.cr.fetchone()[0]
        self.tick = os.sysconf("SC_CLK_TCK")
        self.steps = {}

    def _backend_cpu(self):
        try:
            with open(f"/proc/{self.backend}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # a database server on another machine
            return None
        return (int(fields[11]) + int(fields[12])) / self.tick

    @staticmethod
    def _busy():
        """(busy, stolen, total) CPU ticks of the machine: busy is all but
        idle, iowait and steal; steal is the time the hypervisor gave this
        virtual machine's CPUs to others (invisible in the load average)."""
        with open("/proc/stat") as stat:
            values = [int(value) for value in stat.readline().split()[1:9]]
        return sum(values) - values[3] - values[4] - values[7], values[7], sum(values)

    @contextlib.contextmanager
    def measure(self, name):
        loads, done = [], threading.Event()

        def sample():
            while not done.wait(1.0):
                loads.append(os.getloadavg()[0])

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        cpu, backend, busy = time.process_time(), self._backend_cpu(), self._busy()
        try:
            yield
        finally:
            done.set()
            sampler.join()
            busy_after = self._busy()
            backend_after = self._backend_cpu()
            self.steps[name] = {
                "cpu_seconds": round(time.process_time() - cpu, 1),
                "db_cpu_seconds": round(backend_after - backend, 1) if backend is not None else None,
                "machine_busy_percent": round(100 * (busy_after[0] - busy[0]) / max(busy_after[2] - busy[2], 1)),
                "steal_percent": round(100 * (busy_after[1] - busy[1]) / max(busy_after[2] - busy[2], 1)),
                "load_min_max": (min(loads, default=None), max(loads, default=None)),
            }

    def print(self):
        print(f"\n{'step':<40} {'CPU s':>6} {'DB CPU s':>9} {'machine busy':>13} {'stolen':>7} {'load min-max':>13}")
        for name, step in self.steps.items():
            low, high = step["load_min_max"]
            loads = f"{low:.1f}-{high:.1f}" if low is not None else "-"
            print(f"{name:<40} {step['cpu_seconds']:>6} {step['db_cpu_seconds'] or '-':>9} "
                  f"{step['machine_busy_percent']:>12}% {step['steal_percent']:>6}% {loads:>13}")


@contextlib.contextmanager
def profiled(name):
    """cProfile of a step into CASH_CAMT_PROFILE/<name>.prof, if set, and
    the seconds of its slowest statements into <name>.sql."""
    if not PROFILE_DIR:
        yield
        return
    from odoo import sql_db  # noqa: PLC0415 (odoo is importable once odoo_env runs)

    statements = []
    execute = sql_db.Cursor.execute

    def timed(cursor, query, params=None, log_exceptions=True):
        start = time.perf_counter()
        try:
            return execute(cursor, query, params, log_exceptions)
        finally:
            statements.append((time.perf_counter() - start, str(query)[:300]))

    profile = cProfile.Profile()
    sql_db.Cursor.execute = timed
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        sql_db.Cursor.execute = execute
        os.makedirs(PROFILE_DIR, exist_ok=True)
        profile.dump_stats(os.path.join(PROFILE_DIR, f"{name}.prof"))
        with open(os.path.join(PROFILE_DIR, f"{name}.sql"), "w") as out:
            for seconds, query in sorted(statements, reverse=True)[:40]:
                out.write(f"{seconds:8.3f} {' '.join(query.split())}\n")
            # and the seconds per statement's beginning: where many small
            # ones add up
            totals = {}
            for seconds, query in statements:
                shape = " ".join(query.split())[:110]
                count, total = totals.get(shape, (0, 0.0))
                totals[shape] = (count + 1, total + seconds)
            out.write("\nseconds  count  statement\n")
            for shape, (count, total) in sorted(totals.items(), key=lambda item: -item[1][1])[:40]:
                out.write(f"{total:8.3f} {count:6} {shape}\n")


def prepare_statement(env, company):
    """Set the cash application of ``company`` up as the benchmarks
    measure it, give its customers the IBANs of their transfers and write
    the statement: ``(bank journal, entries, truths, CAMT.053 content)``
    (``statement_entries``)."""
    fees = env["account.account"].search([
        ("company_ids", "in", company.ids), ("account_type", "=", "expense")], limit=1)
    company.write({"credit_cash_application": True, "credit_cash_auto_threshold": 90,
                   "credit_cash_tolerance": 5.0, "credit_cash_writeoff_account_id": fees.id})
    journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
    if not journal.bank_account_id:
        journal.bank_acc_number = "FR7630004000031234567890143"
    entries, truths, ibans = statement_entries(env, company, random.Random(7))
    # the customers' IBANs, known from their earlier transfers (set-up)
    env["res.partner.bank"].create([
        {"partner_id": partner_id, "acc_number": iban} for partner_id, iban in ibans.items()])
    content = _camt053(journal.bank_account_id.acc_number.replace(" ", ""), company.currency_id.name,
                       entries, TODAY)
    return journal, entries, truths, content


def statement_entries(env, company, rng):
    """(amount, name, iban, label) entries of the statement and, per entry,
    the receivable items it really pays (empty for nobody known)."""
    env.cr.execute("""
        SELECT l.id, m.name, m.commercial_partner_id, l.amount_residual, p.name
          FROM account_move_line l
          JOIN account_move m ON m.id = l.move_id
          JOIN res_partner p ON p.id = m.commercial_partner_id
         WHERE l.company_id = %s AND l.parent_state = 'posted' AND l.amount_residual > 0
           AND l.currency_id = %s AND m.move_type = 'out_invoice' AND NOT l.reconciled
           AND l.account_id IN (SELECT id FROM account_account WHERE account_type = 'asset_receivable')
      ORDER BY l.id
    """, [company.id, company.currency_id.id])
    open_items = env.cr.fetchall()
    rng.shuffle(open_items)
    by_partner = {}
    for item in open_items:
        by_partner.setdefault(item[2], []).append(item)
    ibans, used = {}, set()
    entries, truths, cursor = [], [], 0
    for index in range(LINES):
        kind = index % 10
        while cursor < len(open_items) and open_items[cursor][0] in used:
            cursor += 1
        if kind == 9 or cursor >= len(open_items):  # nobody known: a rent, a refund
            entries.append((rng.randrange(100, 99999) / 100, None, None, f"PRLV {rng.randrange(10**9)} DIVERS"))
            truths.append(())
            continue
        line_id, name, partner_id, residual, partner_name = open_items[cursor]
        cursor += 1
        used.add(line_id)
        iban = ibans.setdefault(partner_id, f"FR76{rng.randrange(10**22, 10**23)}")
        payer = partner_name.upper()[:70]
        amount, paid, label = residual, (line_id,), None
        if kind < 5:  # the reference, as customers and banks write it
            label = f"VIR SEPA RECU /DE {payer} /MOTIF {noisy(name, rng)} REF{rng.randrange(10**6)}"
        elif kind < 7:  # who paid and how much, no reference
            label = f"VIR SEPA {payer} VIREMENT CLIENT {rng.randrange(10**6)}"
        elif kind < 8:  # two invoices in one transfer
            others = [i for i in by_partner.get(partner_id, []) if i[0] not in used]
            if others:
                used.add(others[0][0])
                amount, paid = round(residual + others[0][3], 2), (line_id, others[0][0])
            label = f"VIR SEPA {payer} REGLEMENT FACTURES"
        elif index % 20 < 10:  # bank fees deducted
            amount = round(residual - rng.randrange(1, 400) / 100, 2)
            label = f"VIR SEPA RECU /DE {payer} /MOTIF PAIEMENT {name}"
        else:  # an instalment quoting the invoice
            amount = round(residual / 2, 2)
            label = f"VIR SEPA {payer} ACOMPTE 50% {name}"
        entries.append((amount, payer, iban, label))
        truths.append(paid)
    return entries, truths, ibans


def main():
    args = parse_args()
    with odoo_env(args) as root_env:
        # the cron's and the importer's context: tracking (chatter) on
        env = root_env(context={"credit_cash_no_trigger": True})
        if "account.statement.import" not in env:
            sys.exit("credit_control_statement_import is not installed: --modules "
                     "credit_control_base,credit_control_statement_import")
        bench = Bench(env)
        company = env["res.company"].search([], order="id", limit=1)
        env = env(context=dict(env.context, allowed_company_ids=company.ids))
        journal, entries, truths, content = prepare_statement(env, company)
        if PARSE_CHECK:
            check_parse(env, content)
        if SQL_MIN_LINES is not None:
            env["ir.config_parameter"].set_param(SQL_MIN_LINES_PARAM, SQL_MIN_LINES)
        sql_min_lines = int(env["ir.config_parameter"].get_param(SQL_MIN_LINES_PARAM, "200") or 0)
        env.flush_all()
        # the set-up's pending chatter work (the notes of the customers' new
        # bank accounts), else done by the import's first savepoint
        env.cr.precommit.run()
        env.flush_all()
        Matcher = env["credit.control.cash.matcher"]
        Proposal = env["credit.control.cash.proposal"]
        open_items = len(Matcher._credit_load_index(company).items)
        context = {"bank_lines": len(entries), "open_receivable_items": open_items,
                   "sql_min_lines": sql_min_lines,
                   "camt_bytes": len(content), "load": os.getloadavg()[0], **MACHINE}
        print(context)
        # 1. import, as the accountant would. Beyond a few hundred lines the
        # import leaves the matching to the cron (done below as one run);
        # switched off during the import, so that a smaller statement
        # (CASH_CAMT_LINES) measures the same three steps apart.
        wizard = env["account.statement.import"].with_context(journal_id=journal.id).create({
            "statement_file": base64.b64encode(content),
            "statement_filename": f"camt053_{TODAY:%Y%m%d}.xml",
        })
        company.credit_cash_application = False
        start = time.perf_counter()
        machine = Machine(env)
        with bench.measure("import CAMT.053 (OCA importer)", len(entries)), profiled("import"), \
                machine.measure("import"):
            result = wizard._import_file()
            env.flush_all()
        context["import_path"] = "bulk SQL" if result.get("credit_sql_lines") else "ORM"
        company.credit_cash_application = True
        st_lines = env["account.bank.statement"].browse(result["statement_ids"]).line_ids.sorted("sequence")
        if IMPORT_ONLY:
            print_import(context, bench.results[0], len(st_lines))
            machine.print()
            return
        truth = dict(zip(st_lines.ids, truths, strict=True))
        if CRON:
            wrong = measure_cron(env, bench, machine, company, st_lines, truth, context, args)
            sys.exit(1 if wrong else 0)
        # 2. match: proposals created, nothing applied yet
        with bench.measure("match + create proposals", len(st_lines)), profiled("match"), machine.measure("match"):
            proposals = Matcher._credit_run(companies=company, statement_lines=st_lines, auto=False)
            env.flush_all()
        # what the run applies (fresh lines: no earlier decision on them)
        to_apply = proposals.filtered(
            lambda p: p.confidence >= company.credit_cash_auto_threshold and p.payer_confirmed and p.line_ids)
        if MATCH_ONLY:
            print_match(context, bench.results, proposals, to_apply)
            machine.print()
            return
        before = {line.id: line.amount_residual for line in to_apply.line_ids.move_line_id}
        context["left_to_odoo"] = left_to_odoo(env, company, to_apply)
        # 3. apply the confident ones, close what they made stale
        with bench.measure("apply confident matches (reconcile)", len(to_apply)), profiled("apply"), \
                machine.measure("apply"):
            to_apply._credit_apply_automatically()
            Proposal._credit_close_stale(company)
            # what the commit of each batch writes for the KPIs: the rows of
            # today's open items of the items reconciled
            env["credit.control.kpi.open"]._kpi_refresh()
            env.flush_all()
        total = time.perf_counter() - start
        seconds = {r["step"]: r["seconds"] for r in bench.results}
        applied = to_apply.filtered(lambda p: p.state == "reconciled")
        apply_queries = bench.results[-1]["queries"]
        wrong = check(env, applied, truth, before)
        context.update({
            "proposals": len(proposals),
            "to_apply": len(to_apply),
            "applied": len(applied),
            "auto_failed": len(to_apply.filtered("auto_failed")),
            "queries_per_applied_match": round(apply_queries / len(applied), 1) if applied else None,
            "seconds_import": seconds["import CAMT.053 (OCA importer)"],
            "seconds_match": seconds["match + create proposals"],
            "seconds_apply": seconds["apply confident matches (reconcile)"],
            "seconds_total": round(total, 1),
            "target_seconds": TARGET_SECONDS,
            "wrong": len(wrong),
            "load_after": os.getloadavg()[0],
            "cpu": machine.steps,
        })
        context["targets"] = targets(context, apply_queries, bench.results[0]["queries"])
        bench.report(args.output, context)
        print_targets(context)
        machine.print()
        for text in wrong[:20]:
            print(f"  WRONG {text}")
        print(f"{len(wrong)} wrong automatic reconciliations")
    sys.exit(1 if wrong else 0)


def measure_cron(env, bench, machine, company, st_lines, truth, context, args):
    """Match and apply the statement as the cron does after an import of
    more than a few hundred lines (CASH_CAMT_CRON): its batches of
    ``CRON_BATCH_SIZE`` lines one after another, each a transaction of its
    own (the caches emptied and the KPI rows written as its commit does),
    as one worker runs them. Prints the seconds, the batches, the matches
    applied and checks them as the other path. Returns the wrong ones."""
    from odoo.addons.credit_control_base.models.credit_control_cash_matcher import (  # noqa: PLC0415
        CRON_BATCH_SIZE,
    )

    Matcher = env["credit.control.cash.matcher"]
    batches = env["credit.control.work.batch"]._credit_split(st_lines.ids, CRON_BATCH_SIZE)
    before = open_residuals(env, company)
    with bench.measure(f"match + apply through the cron's batches ({CRON_BATCH_SIZE} lines)", len(st_lines)), \
            profiled("cron"), machine.measure("cron"):
        for batch in batches:
            Matcher._credit_work_batch(batch)
            env["credit.control.kpi.open"]._kpi_refresh()
            env.flush_all()
            env.invalidate_all()
    applied = env["credit.control.cash.proposal"].search([
        ("statement_line_id", "in", st_lines.ids), ("state", "=", "reconciled")])
    wrong = check(env, applied, truth, before)
    import_seconds, cron_seconds = bench.results[0]["seconds"], bench.results[-1]["seconds"]
    context.update({
        "path": "cron", "batch_size": CRON_BATCH_SIZE, "batches": len(batches), "applied": len(applied),
        "seconds_import": import_seconds, "seconds_cron": cron_seconds,
        "seconds_total": round(import_seconds + cron_seconds, 1), "target_seconds": TARGET_SECONDS,
        "queries_per_applied_match": round(bench.results[-1]["queries"] / len(applied), 1) if applied else None,
        "wrong": len(wrong), "load_after": os.getloadavg()[0], "cpu": machine.steps,
    })
    bench.report(args.output, context)
    print(f"\nthrough the cron: import {import_seconds} s + {len(batches)} batches of at most {CRON_BATCH_SIZE} "
          f"lines {cron_seconds} s = {context['seconds_total']} s (target < {TARGET_SECONDS} s: ratio "
          f"{round(context['seconds_total'] / TARGET_SECONDS, 2)}), one worker; {len(applied)} matches applied, "
          f"{context['queries_per_applied_match']} queries per match; load average {context['load']:.1f} before, "
          f"{context['load_after']:.1f} after")
    machine.print()
    for text in wrong[:20]:
        print(f"  WRONG {text}")
    print(f"{len(wrong)} wrong automatic reconciliations")
    return wrong


def left_to_odoo(env, company, proposals):
    """How many of ``proposals`` the bulk adapter leaves to Odoo's path
    (``tools/reconcile_sql.split``), by the first reason found: bank fees,
    an invoice item already partly reconciled, an invoice with a payment of
    its own, other."""
    from odoo.addons.credit_control_base.tools import reconcile_sql  # noqa: PLC0415

    proposals = proposals.with_company(company)
    _simple, others = reconcile_sql.split(proposals)
    reasons = {}
    facts = reconcile_sql._simple_facts(env, others) if others else {}
    for fact in facts.values():
        lines = fact["lines"]
        reason = ("bank fees" if fact["proposal"]["writeoff_amount"] and not fact["proposal"].get("simple_fee_account")
                  else "item partly reconciled" if any(line["matched"] and not line["group_simple"] for line in lines)
                  else "invoice with a payment" if any(line["has_payment"] for line in lines)
                  else "other")
        reasons[reason] = reasons.get(reason, 0) + 1
    return {"in_bulk": len(proposals) - len(others), "to_odoo": len(others), **reasons}


def check_parse(env, content):
    """The statement parsed by OCA's XPath evaluation and by the compiled
    one (credit_control_statement_import): their seconds, and exit 1 if
    they differ in any value or order."""
    Parser = env["account.statement.import.camt.parser"]
    results = {}
    for compiled in (False, True):
        start, cpu = time.perf_counter(), time.process_time()
        results[compiled] = Parser.with_context(credit_camt_compiled=compiled).parse(content)
        print(f"parse, {'compiled XPath' if compiled else 'OCA XPath'}: {time.perf_counter() - start:.2f} s, "
              f"CPU {time.process_time() - cpu:.2f} s")
    same = results[True] == results[False] and [
        [list(t.items()) for t in st["transactions"]] for st in results[True][2]] == [
        [list(t.items()) for t in st["transactions"]] for st in results[False][2]]
    print(f"parse: {'same' if same else 'DIFFERENT'} statements ({len(results[True][2][0]['transactions'])} "
          f"transactions); load average {os.getloadavg()[0]:.1f}")
    if not same:
        sys.exit(1)


def targets(context, apply_queries, import_queries):
    """Each figure with its target (issues 19 and 22) and its ratio,
    measured / target: 1 or less meets it. The seconds are those of
    10,000 lines, projected linearly when CASH_CAMT_LINES is smaller (each
    step costs about the same per line: the query counts per line do not
    grow with the statement's size)."""
    scale = 10000 / context["bank_lines"]
    projected = "" if scale == 1 else f" (projected from {context['bank_lines']} lines)"
    figures = {}
    for step in ("import", "match", "apply"):
        seconds = context[f"seconds_{step}"] * scale
        figures[f"{step}, 10,000 lines{projected}"] = (round(seconds, 1), TARGET_SECONDS, "s, share of the total")
    total = context["seconds_total"] * scale
    figures[f"import + match + apply, 10,000 lines{projected}"] = (round(total, 1), TARGET_SECONDS, "s")
    figures["queries per imported bank line"] = (round(import_queries / context["bank_lines"], 1), None, "")
    figures["queries per applied match"] = (context["queries_per_applied_match"], None, "")
    figures["wrong automatic reconciliations"] = (context["wrong"], 0, "")
    return {
        name: {"value": value, "target": target, "unit": unit,
               "ratio": round(value / target, 2) if target and value is not None else None}
        for name, (value, target, unit) in figures.items()
    }


def print_import(context, measure, lines):
    """The import's figures alone (CASH_CAMT_IMPORT_ONLY): its seconds,
    queries per line, and its share of the 60 s target projected to 10,000
    lines, against the import's own share (15 s)."""
    seconds = measure["seconds"]
    projected = seconds * 10000 / lines
    print(f"\nimport through: {context['import_path']}")
    print(f"import of {lines} lines: {seconds} s, {round(measure['queries'] / lines, 2)} queries per line; "
          f"projected to 10,000 lines {round(projected, 1)} s = {round(projected / TARGET_SECONDS, 2)} x the "
          f"{TARGET_SECONDS} s target of import + match + apply, {round(projected / IMPORT_SHARE_SECONDS, 2)} x "
          f"the import's share of it ({IMPORT_SHARE_SECONDS} s); load average {context['load']:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")


def print_match(context, measures, proposals, to_apply):
    """The import's and the matching's figures alone (CASH_CAMT_MATCH_ONLY),
    with what the matching found: proposals by rule and confidence."""
    by_rule = {}
    for proposal in proposals:
        key = (proposal.rule, proposal.confidence, proposal.payer_confirmed, len(proposal.line_ids))
        by_rule[key] = by_rule.get(key, 0) + 1
    for key, count in sorted(by_rule.items()):
        print(f"  {key}: {count}")
    if DUMP:
        with open(DUMP, "w") as dump:
            for proposal in sorted(proposals, key=lambda p: p.statement_line_id.unique_import_id):
                lines = [(line.move_line_id.move_id.name, line.amount, line.remittance_amount)
                         for line in proposal.line_ids]
                dump.write(repr((proposal.statement_line_id.unique_import_id, proposal.rule, proposal.confidence,
                                 proposal.payer_confirmed, proposal.partner_id.name, proposal.amount,
                                 proposal.writeoff_amount, proposal.label, proposal.date, proposal.state,
                                 proposal.explanation, lines)) + "\n")
    lines = context["bank_lines"]
    for measure in measures:
        print(f"{measure['step']}: {measure['seconds']} s, {measure['queries']} queries for {lines} lines")
    print(f"{len(proposals)} proposals, {len(to_apply)} confident; load average {context['load']:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")


def print_targets(context):
    print(f"\n{'figure':<62} {'measured':>9} {'target':>7} {'ratio':>6}")
    for name, figure in context["targets"].items():
        target = figure["target"]
        shown = "-" if target is None else (f"< {target}" if target else "0")
        ratio = "" if figure["ratio"] is None else figure["ratio"]
        print(f"{name:<62} {figure['value']:>9} {shown:>7} {ratio:>6}")
    total = context["seconds_total"]
    print(f"\nimport through: {context['import_path']}")
    print(f"measured: import {context['seconds_import']} s + match {context['seconds_match']} s + apply "
          f"{context['seconds_apply']} s = {total} s for {context['bank_lines']} bank lines against "
          f"{context['open_receivable_items']} open items; {context['applied']} matches applied of "
          f"{context['to_apply']} confident; load average {context['load']:.1f} before, "
          f"{context['load_after']:.1f} after")
    print(f"applied in bulk (tools/reconcile_sql) and left to Odoo's path: {context['left_to_odoo']}")


def open_residuals(env, company):
    """``{item id: residual}`` of the company's open receivable items: what
    ``check`` compares the items' residuals after the run with."""
    from odoo.tools import SQL  # noqa: PLC0415

    env["account.move.line"].flush_model()
    return dict(env.execute_query(env["account.move.line"]._search([
        ("company_id", "=", company.id), ("parent_state", "=", "posted"), ("amount_residual", "!=", 0),
        ("account_id.account_type", "=", "asset_receivable"),
    ]).select(SQL('"account_move_line".id'), SQL('"account_move_line".amount_residual'))))


def check(env, applied, truth, before):
    """Every applied proposal pays invoices its bank line really pays, each
    by the amount allocated (partials and residuals), and leaves on the
    suspense account exactly what was not allocated."""
    wrong = []
    company_currency = env.company.currency_id
    for proposal in applied:
        st_line = proposal.statement_line_id
        items = proposal.line_ids.move_line_id
        if not set(items.ids) <= set(truth[st_line.id]):
            wrong.append(f"{st_line.payment_ref!r}: applied to {items.move_id.mapped('name')}, pays "
                         f"{env['account.move.line'].browse(truth[st_line.id]).move_id.mapped('name')}")
            continue
        for line in proposal.line_ids:
            item = line.move_line_id
            reconciled = sum(p.amount for p in proposal.partial_ids if item in (p.debit_move_id | p.credit_move_id))
            if company_currency.compare_amounts(reconciled, line.amount) \
                    or company_currency.compare_amounts(before[item.id] - item.amount_residual, line.amount):
                wrong.append(f"{st_line.payment_ref!r}: {item.move_id.name} reconciled {reconciled}, residual "
                             f"{before[item.id]} -> {item.amount_residual}, allocated {line.amount}")
        _liquidity, suspense, _other = st_line._seek_for_lines()
        left = st_line.amount - proposal.allocated_amount + proposal.writeoff_amount
        if company_currency.compare_amounts(-sum(suspense.mapped("balance")), left):
            wrong.append(f"{st_line.payment_ref!r}: {-sum(suspense.mapped('balance'))} left on the suspense "
                         f"account, {left} expected")
    return wrong


if __name__ == "__main__":
    main()
