"""How the figures grow from 100k to 1M invoices (issue #19, targets 2 and 3).

Reads the latest saved results of the kpi, scenario, scoring and overdue
benchmarks on two databases (``setup/bench/run <bench> --db NAME`` saves
them as ``$CC_STATE/bench/<bench>-<db>-<time>.json``) and prints, for each
figure: rows and seconds on each database, the target where issue #19 sets
one (on the large one) and the ratio to it, and the growth (large / small)
beside the growth of the data: a figure grows linearly or better when its
growth is at most the data's; a step of a fixed size (a batch of invoices
posted at once) has the same rows on both, so it does only when its cost
does not grow with the ledger. Beside the seconds, the growth of the pages
of tables and indexes the step read (counted by PostgreSQL, so the same
whatever the machine's cache and load): the work, where the seconds add
what the machine makes of it. Then the composition of a queued e-mail on
each database (scenario benchmark) against target 5, 2 ms.

    setup/bench/run scale [--small-db NAME] [--db NAME]
"""
import argparse
import glob
import json
import os

from bench_scenario import COMPOSE_TARGET_MS

# (benchmark, label, how the figure is found in its results, target in seconds)
FIGURES = [
    ("kpi", "whole dashboard", ("target", "whole dashboard"), 2.0),
    ("kpi", "whole dashboard, payment profiles", ("target", "whole dashboard, payment profiles"), 2.0),
    ("kpi", "DSO per customer", ("target", "DSO per customer"), 2.0),
    ("kpi", "CEI 12 months", ("target", "CEI 12 months"), 1.0),
    ("kpi", "aged balance per bucket, today", ("step", "aged balance per bucket, today"), None),
    ("kpi", "kept tables' upkeep, 8,000 invoices posted", ("step", "kept tables' upkeep"), None),
    ("scenario", "reminder run: step due on every open invoice", ("step", "select the step due"), None),
    ("scenario", "reminder run: plan + send", ("step", "daily run"), None),
    ("scenario", "reminder run: rerun same day", ("step", "rerun the same day"), None),
    ("scoring", "scoring: payment facts (1 query)", ("step", "payment facts"), None),
    ("scoring", "scoring: recompute all dossiers", ("step", "recompute scores, again"), None),
    ("overdue", "dossier amounts, one query", ("step", "dossier amounts, one query"), None),
    ("overdue", "invoices' overdue state via the ORM, by 1,000",
     ("step", "invoice overdue state via ORM, by 1,000"), None),
    ("overdue", "worklist priorities: nightly refresh", ("step", "worklist priorities, nightly refresh"), None),
    ("overdue", "worklist priorities, payment profiles",
     ("step", "worklist priorities, nightly refresh, payment profiles"), None),
    ("overdue", "segments: assign (4 rules)", ("step", "assign segments"), None),
]


def latest(directory, bench, db):
    paths = sorted(glob.glob(os.path.join(directory, f"{bench}-{glob.escape(db)}-*.json")))
    if not paths:
        return None, None
    with open(paths[-1]) as f:
        return json.load(f), os.path.basename(paths[-1])


def figure(results, how):
    """``(rows, seconds, pages)`` of a figure in a benchmark's saved
    results (pages None where they were not counted)."""
    kind, name = how
    if results is None:
        return None, None, None
    steps = results["results"]
    if kind == "target":
        target = results["context"].get("targets", {}).get(name)
        rows = next((step["rows"] for step in steps if step["step"].startswith("dashboard")), None)
        return (rows, target["seconds"], target.get("pages")) if target else (None, None, None)
    step = next((step for step in steps if step["step"].startswith(name)), None)
    return (step["rows"], step["seconds"], step.get("pages")) if step else (None, None, None)


def compose_ms(results):
    """Milliseconds to compose a queued e-mail in a scenario benchmark's
    results: ``(cpu, wall)``, CPU None in results saved before it was."""
    if results is None:
        return None, None
    context = results["context"]
    if "compose_ms_per_email" in context:
        return context.get("compose_cpu_ms_per_email"), context["compose_ms_per_email"]
    step = next((step for step in results["results"] if step["step"].startswith("mail queue: compose")), None)
    return (None, round(step["seconds"] * 1000 / step["rows"], 2)) if step and step["rows"] else (None, None)


def ratio(large, small):
    return round(large / small, 2) if large is not None and small else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="where the benchmarks saved their results")
    parser.add_argument("--small-db", required=True)
    parser.add_argument("--db", required=True, help="the large database")
    parser.add_argument("--output")
    args = parser.parse_args()
    table, sources = [], {}
    for bench, label, how, target in FIGURES:
        row = {"figure": label, "target": target}
        for size, db in (("small", args.small_db), ("large", args.db)):
            results, source = latest(args.dir, bench, db)
            if source:
                sources.setdefault(size, {})[bench] = source
            row[f"{size}_rows"], row[f"{size}_seconds"], row[f"{size}_pages"] = figure(results, how)
        row["data_growth"] = ratio(row["large_rows"], row["small_rows"])
        row["growth"] = ratio(row["large_seconds"], row["small_seconds"])
        row["pages_growth"] = ratio(row["large_pages"], row["small_pages"])
        row["linear_or_better"] = (row["growth"] <= row["data_growth"]) if row["growth"] and row["data_growth"] \
            else None
        row["target_ratio"] = ratio(row["large_seconds"], target) if target else None
        table.append(row)

    header = (f"{'figure':<46} {'rows S':>9} {'s S':>7} {'rows L':>9} {'s L':>7} {'target':>6} {'L/tgt':>6} "
              f"{'data x':>6} {'time x':>6} linear {'pages x':>7}")
    print(f"small: {args.small_db}   large: {args.db}")
    print(header)
    print("-" * len(header))

    def cell(value, width):
        return f"{'-' if value is None else value:>{width}}"

    for row in table:
        linear = {True: "yes", False: "NO", None: "-"}[row["linear_or_better"]]
        print(f"{row['figure']:<46} {cell(row['small_rows'], 9)} {cell(row['small_seconds'], 7)} "
              f"{cell(row['large_rows'], 9)} {cell(row['large_seconds'], 7)} {cell(row['target'], 6)} "
              f"{cell(row['target_ratio'], 6)} {cell(row['data_growth'], 6)} {cell(row['growth'], 6)} {linear:<6} "
              f"{cell(row['pages_growth'], 7)}")
    print("target: issue #19's, in seconds on the large database; L/tgt: its seconds / the target (1 or less "
          "meets it)\ndata x, time x: how the rows and the seconds grow from the small database to the large one; "
          "target: linear or better (time x <= data x)\npages x: how the pages of tables and indexes the step "
          "read grow (its work, whatever the machine's cache and load; - where not counted)")
    composing = {}
    for size, db in (("small", args.small_db), ("large", args.db)):
        cpu, wall = compose_ms(latest(args.dir, "scenario", db)[0])
        composing[size] = {"cpu_ms": cpu, "wall_ms": wall}
        # CPU first where saved: the wall time of a loaded machine is mostly
        # waiting for a core
        measured = cpu if cpu is not None else wall
        if measured is None:
            print(f"composing a queued e-mail on {db}: no scenario results")
            continue
        print(f"composing a queued e-mail on {db}: {'-' if cpu is None else cpu} ms of CPU (wall {wall} ms), "
              f"target <= {COMPOSE_TARGET_MS} ms (issue #19 target 5): {ratio(measured, COMPOSE_TARGET_MS)} "
              f"({'CPU' if cpu is not None else 'wall'} / target, 1 or less meets it)")
    print(f"\nresults read: {json.dumps(sources)}")
    if args.output:
        with open(args.output, "w") as f:
            json.dump({"small_db": args.small_db, "large_db": args.db, "sources": sources, "figures": table,
                       "compose_ms_per_email": composing, "compose_target_ms": COMPOSE_TARGET_MS}, f, indent=2)
        print(f"saved to {args.output}")


if __name__ == "__main__":
    main()
