from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_control_block_over_limit = fields.Boolean(
        string="Block Invoices over Credit Limit",
        help="Refuse to confirm a customer invoice that takes the customer "
        "over its credit limit; credit managers can still post it, and that "
        "is logged.",
    )
    # Aged balance buckets of the KPIs (credit_control_kpi_*): upper bounds,
    # in days past due, of the four middle buckets; 'not due' comes before
    # and 'over the last bound' after.
    credit_aging_limit_1 = fields.Integer(
        string="Aging Bucket 1 (days)", default=30,
        help="Upper limit, in days past due, of the first aging bucket of the aged balance and of the "
        "provisions (1 to 30 days by default). The four limits must increase.",
    )
    credit_aging_limit_2 = fields.Integer(
        string="Aging Bucket 2 (days)", default=60,
        help="Upper limit, in days past due, of the second aging bucket (31 to 60 days by default).",
    )
    credit_aging_limit_3 = fields.Integer(
        string="Aging Bucket 3 (days)", default=90,
        help="Upper limit, in days past due, of the third aging bucket (61 to 90 days by default).",
    )
    credit_aging_limit_4 = fields.Integer(
        string="Aging Bucket 4 (days)", default=120,
        help="Upper limit, in days past due, of the fourth aging bucket (91 to 120 days by default); "
        "beyond it, the last bucket.",
    )
    credit_dso_period = fields.Integer(
        string="DSO Period (days)",
        default=90,
        help="Number of days of credit sales the simple DSO divides the receivables by.",
    )

    @api.constrains("credit_aging_limit_1", "credit_aging_limit_2", "credit_aging_limit_3", "credit_aging_limit_4",
                    "credit_dso_period")
    def _check_credit_aging_limits(self):
        for company in self:
            limits = [company[f"credit_aging_limit_{i}"] for i in range(1, 5)]
            if limits[0] < 1 or any(low >= high for low, high in zip(limits, limits[1:], strict=False)):
                raise ValidationError(_("The aging bucket limits must be increasing numbers of days, from 1."))
            if company.credit_dso_period < 1:
                raise ValidationError(_("The DSO period must be at least one day."))

    # Cash application (credit.control.cash.*)
    credit_cash_application = fields.Boolean(
        string="Automatic Cash Application",
        default=False,
        help="Match incoming bank statement lines and customer payments with open invoices in the background (after "
        "each statement import and every hour), and reconcile the certain matches: this rewrites posted bank "
        "entries, so a company chooses it. Off for a new company. A database upgraded from a version without this "
        "setting keeps it on for the companies that already had cash proposals, off for the others. When off, "
        "users with the Cash Application right can still match bank lines and payments when they ask for it "
        "(Match with invoices, Match Bank Lines Now).",
    )
    credit_cash_tolerance = fields.Monetary(
        string="Bank Fee Tolerance",
        currency_field="currency_id",
        default=5.0,
        help="A bank line this much short of its invoices still matches them (bank fees deducted on the way).",
    )
    credit_cash_auto_threshold = fields.Integer(
        string="Automatic Reconciliation Confidence",
        default=90,
        help="Matches at or above this confidence (0-100) are reconciled at once; the others wait for review.",
    )
    credit_cash_writeoff_account_id = fields.Many2one(
        "account.account",
        string="Bank Fee Account",
        check_company=True,
        help="Where the difference within the tolerance is booked. Empty: the invoice stays open for it.",
    )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        if any(vals.get("credit_cash_application") for vals in vals_list):
            companies._credit_cash_sync_cron()
        return companies

    def write(self, vals):
        result = super().write(vals)
        if "credit_cash_application" in vals:
            self._credit_cash_sync_cron()
        return result

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _credit_cash_sync_cron(self):
        """Keep the cash application cron active exactly while a company
        has chosen cash application. Read and written as superuser: the
        flag of every company decides whether the one shared cron runs, and
        the caller was allowed to change its own company's flag."""
        cron_sudo = self.env.ref("credit_control_base.ir_cron_credit_control_cash_match", raise_if_not_found=False)
        if not cron_sudo:
            return
        cron_sudo = cron_sudo.sudo().with_context(active_test=False)
        active = bool(self.sudo().search_count([("credit_cash_application", "=", True)], limit=1))
        if cron_sudo.active != active:
            cron_sudo.active = active
