"""Our aged balance against OCA's Aged Partner Balance at scale (issue: one
definition of what a customer owes, a peer's report as an oracle).

For the company with the most receivable items, as of today, 90 days ago
and a year ago: the time of our aged balance grouped by customer (as the
aged balance wizard prints it) and of OCA's (``account_financial_report``'s
report model, as its PDF and XLSX get it, without the item details), side
by side, then the number of customers whose open amount or buckets differ
by a cent or more (it must be 0: exit code 1 otherwise, with the first
differences). Our bucket limits are set to OCA's 30/60/90/120 days for the
run (rolled back). OCA lists a contact's items under the contact: they are
added to the customer's, as ours counts them.

``account_financial_report`` must be installed in the benchmark database;
setup/bench/run only installs modules when it creates one, hence a
database of its own:

    setup/bench/run aged_oracle --db cc_bench_aged_oracle \\
        --modules credit_control_base,account_financial_report
"""
import sys
from collections import defaultdict
from datetime import timedelta

from benchlib import MACHINE, Bench, busiest_company, odoo_env, parse_args

# OCA's columns -> our bucket fields, with OCA's limits on our company
COLUMNS = {
    "residual": "residual", "current": "amount_not_due", "30_days": "amount_b1", "60_days": "amount_b2",
    "90_days": "amount_b3", "120_days": "amount_b4", "older": "amount_b5",
}
INSTALL = ("setup/bench/run aged_oracle --db cc_bench_aged_oracle "
           "--modules credit_control_base,account_financial_report")


def _oca_wizard(env, company, as_of):
    wizard = env["aged.partner.balance.report.wizard"].create({
        "company_id": company.id, "date_at": as_of, "receivable_accounts_only": True,
        "show_move_line_details": False,
    })
    wizard.onchange_type_accounts_only()
    data = wizard._prepare_report_data()
    data["date_at"] = as_of.isoformat()  # as the web client sends it
    return wizard, data


def _oca_per_customer(env, company, wizard, data, as_of):
    """OCA's per-partner amounts from its data-building method (keyed by
    partner id, which the printed rows do not carry), per commercial
    partner."""
    Report = env["report.account_financial_report.aged_partner_balance"]
    config = env["account.age.report.configuration"]
    ag_pb_data = Report.with_context(age_partner_config=config)._get_move_lines_data(
        company.id, data["account_ids"], [], as_of, False, True, False,
    )[0]
    partner_ids = {prt_id for account in ag_pb_data.values() for prt_id in account if isinstance(prt_id, int)}
    commercial = {partner.id: partner.commercial_partner_id.id
                  for partner in env["res.partner"].with_context(active_test=False).browse(partner_ids - {0})}
    totals = defaultdict(lambda: defaultdict(float))
    for account in ag_pb_data.values():
        for prt_id, amounts in account.items():
            if isinstance(prt_id, int):
                for column, fname in COLUMNS.items():
                    totals[commercial.get(prt_id, False)][fname] += amounts[column]
    return totals


def main():
    args = parse_args()
    with odoo_env(args) as root_env:
        if "report.account_financial_report.aged_partner_balance" not in root_env:
            print(f"skipped: OCA's account_financial_report is not installed in {args.db}; run\n    {INSTALL}")
            return 0
        company, lines, open_lines, _all_lines = busiest_company(root_env)
        env = root_env(context=dict(root_env.context, allowed_company_ids=company.ids))
        company.write({"credit_aging_limit_1": 30, "credit_aging_limit_2": 60, "credit_aging_limit_3": 90,
                       "credit_aging_limit_4": 120})
        bench = Bench(env)
        from odoo import fields  # noqa: PLC0415 (odoo is importable once the environment is set up)
        today = fields.Date.context_today(env.user)
        context = {
            "company": company.name,
            "receivable_lines_company": lines,
            "open_lines_company": open_lines,
            "partials": env["account.partial.reconcile"].search_count([]),
            **MACHINE,
        }
        print(context)
        currency = company.currency_id
        differences = {}
        side_by_side = []
        for label, as_of in (("today", today), ("90 days ago", today - timedelta(days=90)),
                             ("1 year ago", today - timedelta(days=365))):
            wizard = env["credit.control.aged.balance.wizard"].create({
                "company_id": company.id, "as_of": as_of, "group_by": "partner",
            })
            with bench.measure(f"ours: aged balance per customer, {label}", lines):
                wizard._credit_groups()
            ours_seconds = bench.results[-1]["seconds"]
            oca_wizard, data = _oca_wizard(env, company, as_of)
            with bench.measure(f"OCA: aged partner balance, {label}", lines):
                env["report.account_financial_report.aged_partner_balance"]._get_report_values(oca_wizard.ids, data)
            oca_seconds = bench.results[-1]["seconds"]
            # the comparison, not timed
            report = wizard._credit_report()
            ours = {
                partner.id: dict(zip(COLUMNS.values(), amounts, strict=True))
                for partner, *amounts in report._read_group(
                    [("company_id", "=", company.id)], ["partner_id"], [f"{f}:sum" for f in COLUMNS.values()],
                )
            }
            oca = _oca_per_customer(env, company, oca_wizard, data, as_of)
            differ = []
            for customer in set(ours) | set(oca):
                mine, theirs = ours.get(customer, {}), oca.get(customer, {})
                if any(not currency.is_zero(mine.get(f, 0.0) - theirs.get(f, 0.0)) for f in COLUMNS.values()):
                    differ.append((customer, mine, dict(theirs)))
            differences[label] = differ
            side_by_side.append((label, len(ours), ours_seconds, oca_seconds, len(differ)))
        bench.report(args.output, {**context, "differing_customers": {k: len(v) for k, v in differences.items()}})
        print(f"\n{'as of':<14} {'customers':>9} {'ours (s)':>9} {'OCA (s)':>9} {'differ':>7}")
        for label, customers, ours_seconds, oca_seconds, differ in side_by_side:
            print(f"{label:<14} {customers:>9} {ours_seconds:>9} {oca_seconds:>9} {differ:>7}")
        failed = False
        for label, differ in differences.items():
            for customer, mine, theirs in differ[:5]:
                failed = True
                print(f"DIFFERS {label} customer {customer}: ours {mine} OCA {theirs}")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
