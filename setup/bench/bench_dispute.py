"""Disputes, payment promises and plans at scale (issue: Disputes, payment
promises and payment plans).

Measures, on generator data with credit_control_dispute installed, what runs
often or on many records: creating disputes and promises in batches, the
exclusion of invoices from reminders (read and search), following promises
when payments are reconciled, the nightly break of unpaid promises, the
behaviour facts of the dossiers and the cash-in forecast overrides.
Queries per 1000 rows must stay flat.
"""
from datetime import date, timedelta

from benchlib import MACHINE, Bench, odoo_env, parse_args


def main():
    args = parse_args()
    with odoo_env(args) as env:
        bench = Bench(env)
        Move = env["account.move"]
        Dossier = env["credit.control.dossier"]
        today = date.today()
        open_invoices = Move.search([
            ("move_type", "=", "out_invoice"), ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
        ])
        dossiers = {(d.partner_id.id, d.company_id.id): d.id for d in Dossier.search([])}
        context = {
            "dossiers": len(dossiers),
            "open_invoices": len(open_invoices),
            **MACHINE,
        }
        print(context)
        size = min(2000, len(open_invoices) // 3)
        disputed, promised, broken = (open_invoices[i * size:(i + 1) * size] for i in range(3))
        reason = env.ref("credit_control_dispute.credit_control_dispute_reason_quality")

        def values(invoice):
            return {
                "dossier_id": dossiers[(invoice.commercial_partner_id.id, invoice.company_id.id)],
                "move_ids": [(6, 0, invoice.ids)],
            }

        with bench.measure(f"create {size} disputes (one batch)", size):
            env["credit.control.dispute"].create([{**values(inv), "reason_id": reason.id} for inv in disputed])
            env.flush_all()
        with bench.measure(f"create {size} promises (one batch)", size):
            env["credit.control.promise"].create([{**values(inv), "date": today + timedelta(days=10)}
                                                  for inv in promised])
            env.flush_all()
        env["credit.control.promise"].create([{**values(inv), "date": today - timedelta(days=30)} for inv in broken])
        env.flush_all()
        with bench.measure(f"invoice exclusion reason via ORM ({len(open_invoices)})", len(open_invoices)):
            open_invoices.browse(open_invoices.ids).mapped("credit_exclusion_reason")
        with bench.measure("search invoices excluded from collection", len(open_invoices)):
            Move.search_count([("credit_excluded", "=", True)])
        with bench.measure(f"collection changed: follow promises ({size} invoices)", size):
            promised.browse(promised.ids)._credit_collection_changed()
            env.flush_all()
        all_dossiers = Dossier.browse(list(dossiers.values()))
        with bench.measure(f"behaviour facts ({len(all_dossiers)} dossiers)", len(all_dossiers)):
            all_dossiers._credit_get_behaviour_facts()
        with bench.measure(f"forecast overrides ({len(open_invoices)} invoices)", len(open_invoices)):
            Move._credit_forecast_overrides(open_invoices.browse(open_invoices.ids))
        with bench.measure(f"nightly break of {size} unpaid promises", size):
            env["credit.control.promise"]._cron_check_deadlines()
            env.flush_all()
        bench.report(args.output, context)


if __name__ == "__main__":
    main()
