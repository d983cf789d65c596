from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_control_block_over_limit = fields.Boolean(
        related="company_id.credit_control_block_over_limit", readonly=False
    )
    credit_aging_limit_1 = fields.Integer(related="company_id.credit_aging_limit_1", readonly=False)
    credit_aging_limit_2 = fields.Integer(related="company_id.credit_aging_limit_2", readonly=False)
    credit_aging_limit_3 = fields.Integer(related="company_id.credit_aging_limit_3", readonly=False)
    credit_aging_limit_4 = fields.Integer(related="company_id.credit_aging_limit_4", readonly=False)
    credit_dso_period = fields.Integer(related="company_id.credit_dso_period", readonly=False)
    credit_cash_application = fields.Boolean(related="company_id.credit_cash_application", readonly=False)
    credit_cash_tolerance = fields.Monetary(related="company_id.credit_cash_tolerance", readonly=False)
    credit_cash_auto_threshold = fields.Integer(related="company_id.credit_cash_auto_threshold", readonly=False)
    credit_cash_writeoff_account_id = fields.Many2one(
        related="company_id.credit_cash_writeoff_account_id", readonly=False
    )
    credit_control_parallel_workers = fields.Integer(
        string="Parallel Workers",
        config_parameter="credit_control.parallel_workers",
        default=2,
        help="How many cron jobs share the batches of the reminder run, the scoring and the automatic cash "
        "application (1 to 4). "
        "Each needs a cron thread: start Odoo with --max-cron-threads at least this number, on one server or "
        "spread over several servers of the same database.",
    )

    def action_credit_open_provision_rates(self):
        # an object button: the rates' action loads after this view
        return self.env["ir.actions.act_window"]._for_xml_id("credit_control_base.credit_control_provision_rate_action")
