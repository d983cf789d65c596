"""Overdue state and exposure at scale (issue: Foundation).

Measures, on generator data, the set-based computations of credit_control_base:
dossier amounts and exposure, invoice overdue state, the searches behind the
list filters, the nightly refresh of the worklist priorities and the
segment assignment. Queries per 1000 rows must stay flat: they are a
constant per batch of 1000 records (Odoo's prefetch size), not per record.
"""
from datetime import timedelta

from benchlib import MACHINE, Bench, odoo_env, parse_args, payment_profiles
from freezegun import freeze_time


def main():
    args = parse_args()
    with odoo_env(args) as env:
        from odoo import fields  # noqa: PLC0415 (odoo is importable once odoo_env runs)
        from odoo.models import PREFETCH_MAX  # noqa: PLC0415
        from odoo.tools import split_every  # noqa: PLC0415

        bench = Bench(env)
        Dossier = env["credit.control.dossier"]
        Move = env["account.move"]
        open_domain = [("move_type", "=", "out_invoice"), ("state", "=", "posted"),
                       ("payment_state", "in", ("not_paid", "partial"))]
        dossier_ids = Dossier.search([]).ids
        open_ids = Move.search(open_domain).ids
        context = {
            "dossiers": len(dossier_ids),
            "open_invoices": len(open_ids),
            "receivable_lines": env["account.move.line"].search_count(
                [("account_type", "=", "asset_receivable"), ("parent_state", "=", "posted")]),
            **MACHINE,
        }
        print(context)

        with bench.measure("ensure dossiers (all customers, no-op)", len(dossier_ids)):
            Dossier._ensure_dossiers()
        with bench.measure("dossier amounts, one query", len(dossier_ids)):
            Dossier.browse(dossier_ids)._credit_fetch_amounts()
        for size in (1000, len(dossier_ids)):
            with bench.measure(f"dossier amounts+exposure via ORM ({size})", size):
                Dossier.browse(dossier_ids[:size]).mapped("limit_breached")
        for size in (10000, len(open_ids)):
            with bench.measure(f"invoice overdue state via ORM ({size})", size):
                invoices = Move.browse(open_ids[:size])
                invoices.mapped("credit_days_overdue")
                invoices.mapped("credit_excluded")
        # Read on one recordset, each group of 1,000 Odoo computes walks the
        # recordset's prefetch set from its start for the records not yet
        # read: that grows with the square of the records. Batch jobs read
        # theirs 1,000 at a time, each batch its own recordset, and drop
        # what they read: kept, 632,000 invoices' records and values slow
        # every later batch's Python down.
        env.invalidate_all()
        with bench.measure(f"invoice overdue state via ORM, by 1,000 ({len(open_ids)})", len(open_ids)):
            for batch in split_every(PREFETCH_MAX, open_ids):
                invoices = Move.browse(batch)
                invoices.mapped("credit_days_overdue")
                invoices.mapped("credit_excluded")
                env.invalidate_all()
        with bench.measure("search dossiers max_days_overdue > 30", len(dossier_ids)):
            Dossier.search_count([("max_days_overdue", ">", 30)])
        with bench.measure("search dossiers limit breached", len(dossier_ids)):
            Dossier.search_count([("limit_breached", "=", True)])
        with bench.measure("search invoices overdue > 30 days", len(open_ids)):
            Move.search_count([("credit_days_overdue", ">", 30)])
        with bench.measure("dossier list page (80, sorted, filtered)", 80):
            page = Dossier.search([("overdue_amount", ">", 0)], limit=80)
            page.read(["name", "collector_id", "segment_id", "open_amount", "overdue_amount",
                       "max_days_overdue", "limit_usage"])
        # The night after: every customer with something overdue is a day
        # later, so its priority changes, as the nightly job finds them (the
        # boosts of the modules installed included). A priority made stale
        # by an UPDATE in this transaction would not do: PostgreSQL then
        # checks the foreign keys of each row the refresh writes again. The
        # benchmark's own clock (benchlib) is left running.
        tomorrow = fields.Date.context_today(Dossier) + timedelta(days=1)

        def refresh_priorities(step):
            with freeze_time(tomorrow, ignore=["benchlib"]), bench.measure(step, len(dossier_ids)):
                Dossier._credit_refresh_priorities()
                env.flush_all()

        refresh_priorities("worklist priorities, nightly refresh")
        Segment = env["credit.control.segment"]
        Segment.search([]).active = False
        Segment.create([
            {"name": "Key", "sequence": 1, "rule_domain": "[('open_amount', '>=', 20000)]"},
            {"name": "Late", "sequence": 2, "rule_domain": "[('max_days_overdue', '>', 60)]"},
            {"name": "Export", "sequence": 3,
             "rule_domain": "[('partner_id.country_id.code', '!=', 'FR')]"},
            {"name": "Others", "sequence": 9, "rule_domain": "[]"},
        ])
        with bench.measure("assign segments (4 rules)", len(dossier_ids)):
            Dossier.browse(dossier_ids)._assign_segments()
            env.flush_all()
        # Last, once the scoring has run (it assigns segments too): the open
        # invoices of the customers with a payment profile are predicted for
        # the priorities' boosts.
        context["dossiers_with_payment_profile"] = payment_profiles(env)
        if context["dossiers_with_payment_profile"]:
            env.invalidate_all()
            refresh_priorities("worklist priorities, nightly refresh, payment profiles")
        bench.report(args.output, context)


if __name__ == "__main__":
    main()
