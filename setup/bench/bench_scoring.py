"""Risk scoring at scale (issue: Risk scoring).

Measures, on generator data (18 months of invoices and payments), the
set-based recompute of credit_control_scoring: the payment facts query
alone, then the full recompute (facts, exposure, factors, classes, alerts,
segments) of every dossier, cold and warm (the second run also measures
the score drops against the first one); first, the nightly cron's cut
and first batches of 2,000. Queries must stay a constant per batch of
5,000 dossiers, not grow with the number of customers.

Database: base and scoring installed without demo data, then
``setup/generate --db NAME --customers 20000 --invoices 100000 --seed 7 --sql``;
run with ``setup/bench/run scoring --modules
credit_control_base,credit_control_scoring`` once run knows ``scoring``, or
directly with benchlib's arguments (--addons-path, --data-dir, --db).
Nothing is kept: the run is rolled back, so every run starts "cold" (the
factor rows are created) and the second pass shows the nightly case.
"""
import datetime

from benchlib import MACHINE, Bench, odoo_env, parse_args


def main():
    args = parse_args()
    with odoo_env(args) as env:
        bench = Bench(env)
        Dossier = env["credit.control.dossier"]
        dossier_ids = Dossier.search([]).ids
        context = {
            "dossiers": len(dossier_ids),
            "receivable_lines": env["account.move.line"].search_count(
                [("account_type", "=", "asset_receivable"), ("parent_state", "=", "posted")]),
            "partial_reconciles": env["account.partial.reconcile"].search_count([]),
            **MACHINE,
        }
        print(context)
        today = datetime.date.today()
        # The nightly cron first, undone after: measured after the recomputes
        # below, in the same transaction and its 600,000 rewritten dossiers,
        # its batches took 2.8-3.0 s at 1M, 1.7-1.8 s first. The dossiers cut into
        # batches of 2,000 (the segments' priors read once, then), a few
        # batches scored one after the other as the cron's calls do; the
        # others cost the same.
        Batch = env["credit.control.work.batch"]
        env.cr.execute("SAVEPOINT bench_cron")
        env.cr.execute("UPDATE credit_control_dossier SET credit_scored_date = NULL")
        Dossier.invalidate_model(["credit_scored_date"])
        with bench.measure("nightly cron: cut + first batch (2,000)", 2000):
            Dossier._cron_recompute_scores(batch_size=2000)
            env.flush_all()
        for number in range(2, 5):
            with bench.measure(f"nightly cron: batch {number} (2,000)", 2000):
                Batch._cron_process_batches(Dossier.browse())
                env.flush_all()
        env.cr.execute("ROLLBACK TO SAVEPOINT bench_cron")
        env.invalidate_all()
        with bench.measure("payment facts, one query (all dossiers)", len(dossier_ids)):
            # all of them: in one pass over the reconciliations, as a
            # recompute of all reads them
            Dossier.browse(dossier_ids)._credit_fetch_payment_facts(today, whole=True)
        for size in (1000, len(dossier_ids)):
            with bench.measure(f"recompute scores, cold ({size})", size):
                Dossier.browse(dossier_ids[:size])._credit_recompute_scores()
                env.flush_all()
        with bench.measure(f"recompute scores, again ({len(dossier_ids)})", len(dossier_ids)):
            Dossier.browse(dossier_ids)._credit_recompute_scores()
            env.flush_all()
        # A tiny limit on 2,000 customers: the next run raises their breach
        # alerts and the collectors' activities.
        for company, dossiers in Dossier.browse(dossier_ids[:2000]).grouped("company_id").items():
            dossiers.partner_id.with_company(company).credit_limit = 1.0
        env.flush_all()
        with bench.measure(f"recompute scores, 2000 limits set ({len(dossier_ids)})", len(dossier_ids)):
            Dossier.browse(dossier_ids)._credit_recompute_scores()
            env.flush_all()
        with bench.measure("search risk class D/E", len(dossier_ids)):
            risky = Dossier.search_count([("credit_risk_class", "in", ("D", "E"))])
        classes = dict(Dossier._read_group([], ["credit_risk_class"], ["__count"]))
        context["risk_classes"] = {k or "none": v for k, v in sorted(classes.items(), key=lambda i: i[0] or "")}
        context["risky"] = risky
        context["alerts"] = env["credit.control.alert"].search_count([])
        print({k: context[k] for k in ("risk_classes", "risky", "alerts")})
        bench.report(args.output, context)


if __name__ == "__main__":
    main()
