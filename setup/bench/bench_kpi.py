"""Credit KPIs at scale (issue: KPIs and dashboards).

Measures, on generator data, for the company with the most receivable
items: the aged balance (today and as of past dates, per bucket and per
customer), the DSO (both methods, whole company and per customer), the CEI
series, the cash-in forecast and the whole dashboard. Target of the issue:
aged balance and DSO of a whole company under 2 s on 1,000,000 receivable
lines, with a number of queries that does not depend on the data size.
"""
from datetime import timedelta

from benchlib import MACHINE, Bench, busiest_company, odoo_env, parse_args


def main():
    args = parse_args()
    with odoo_env(args) as root_env:
        company, lines, open_lines, all_lines = busiest_company(root_env)
        env = root_env(context=dict(root_env.context, allowed_company_ids=company.ids))
        bench = Bench(env)
        from odoo import fields  # noqa: PLC0415 (odoo is importable once the environment is set up)
        today = fields.Date.context_today(env.user)
        context = {
            "company": company.name,
            "receivable_lines_company": lines,
            "receivable_lines_all": all_lines,
            "open_lines_company": open_lines,
            "partials": env["account.partial.reconcile"].search_count([]),
            **MACHINE,
        }
        print(context)
        Kpi = env["credit.control.kpi"]
        domain = [("company_id", "=", company.id)]
        for label, as_of in (("today", today), ("90 days ago", today - timedelta(days=90)),
                             ("1 year ago", today - timedelta(days=365))):
            report = env["credit.control.aged.balance"].with_context(credit_as_of=as_of.isoformat())
            with bench.measure(f"aged balance per bucket, {label}", lines):
                report._read_group(domain, ["aging_bucket"], ["residual:sum"])
            with bench.measure(f"aged balance customer x bucket, {label}", lines):
                report._read_group(domain, ["partner_id", "aging_bucket"], ["residual:sum"])
        with bench.measure("aged balance list page (80 rows, today)", lines):
            env["credit.control.aged.balance"].search_fetch(domain, ["move_id", "partner_id", "residual"], limit=80)
        with bench.measure("provisions per segment (today)", lines):
            env["credit.control.aged.balance"]._read_group(domain, ["segment_id"], ["provision_amount:sum"])
        for label, as_of in (("today", today), ("90 days ago", today - timedelta(days=90))):
            with bench.measure(f"DSO both methods + outstanding, company, {label}", lines):
                Kpi._kpi_summary(as_of, company.ids, "company")
        with bench.measure("DSO both methods, per customer, today", lines):
            Kpi._kpi_summary(today, company.ids, "partner")
        with bench.measure("CEI series (12 months)", lines):
            env["credit.control.kpi.cei"]._kpi_cei_series(today, company.ids)
        with bench.measure("cash-in forecast (12 weeks)", lines):
            env["credit.control.kpi.forecast"]._kpi_forecast(today, company.ids)
        with bench.measure("dashboard (summary, segments, CEI, forecast, provisions)", lines):
            env["credit.control.kpi.dashboard"].with_company(company).action_open_dashboard()
        bench.report(args.output, context)


if __name__ == "__main__":
    main()
