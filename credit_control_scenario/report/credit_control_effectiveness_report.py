from odoo import fields, models, tools
from odoo.tools import SQL


class CreditControlEffectivenessReport(models.Model):
    """Did the reminders work? One row per invoice reminded at a step, with
    whether it was paid within 7, 15 and 30 days after the reminder went
    out; averaged per scenario and step, the rates are shares of invoices."""

    _name = "credit.control.effectiveness.report"
    _description = "Reminder Effectiveness"
    _auto = False
    _order = "date desc"

    date = fields.Date(string="Sent On", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    scenario_id = fields.Many2one("credit.control.scenario", readonly=True)
    step_id = fields.Many2one("credit.control.scenario.step", readonly=True)
    channel = fields.Selection(related="step_id.channel")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    paid_date = fields.Date(readonly=True)
    invoice_count = fields.Integer(string="Invoices Reminded", readonly=True, aggregator="sum")
    paid_7_count = fields.Integer(string="Paid within 7 Days", readonly=True, aggregator="sum")
    paid_15_count = fields.Integer(string="Paid within 15 Days", readonly=True, aggregator="sum")
    paid_30_count = fields.Integer(string="Paid within 30 Days", readonly=True, aggregator="sum")
    paid_7_rate = fields.Float(string="Paid within 7 Days (%)", readonly=True, aggregator="avg")
    paid_15_rate = fields.Float(string="Paid within 15 Days (%)", readonly=True, aggregator="avg")
    paid_30_rate = fields.Float(string="Paid within 30 Days (%)", readonly=True, aggregator="avg")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL(
            """
            CREATE OR REPLACE VIEW %(table)s AS (
                WITH paid AS (
                    -- an invoice is paid on the date of the last reconciliation
                    -- of its receivable items, once nothing is left to pay
                    SELECT l.move_id, MAX(p.max_date) AS paid_date
                      FROM account_move_line l
                      JOIN account_account a ON a.id = l.account_id AND a.account_type = 'asset_receivable'
                      JOIN account_partial_reconcile p ON p.debit_move_id = l.id
                     WHERE l.move_id IN (SELECT move_id FROM credit_control_action_line)
                  GROUP BY l.move_id
                    HAVING BOOL_AND(l.amount_residual = 0)
                ), reminded AS (
                    SELECT al.id, a.date, a.company_id, a.scenario_id, al.step_id, a.partner_id,
                           al.move_id, paid.paid_date, paid.paid_date - a.date AS days
                      FROM credit_control_action_line al
                      JOIN credit_control_action a ON a.id = al.action_id
                 LEFT JOIN paid ON paid.move_id = al.move_id
                     WHERE a.state IN ('sent', 'done') AND al.cancelled IS NOT TRUE
                )
                SELECT id, date, company_id, scenario_id, step_id, partner_id, move_id, paid_date,
                       1 AS invoice_count,
                       COALESCE((days <= 7)::int, 0) AS paid_7_count,
                       COALESCE((days <= 15)::int, 0) AS paid_15_count,
                       COALESCE((days <= 30)::int, 0) AS paid_30_count,
                       CASE WHEN days <= 7 THEN 100.0 ELSE 0.0 END AS paid_7_rate,
                       CASE WHEN days <= 15 THEN 100.0 ELSE 0.0 END AS paid_15_rate,
                       CASE WHEN days <= 30 THEN 100.0 ELSE 0.0 END AS paid_30_rate
                  FROM reminded
            )
            """,
            table=SQL.identifier(self._table),
        ))
