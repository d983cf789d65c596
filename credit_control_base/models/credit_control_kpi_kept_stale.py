from odoo import fields, models


class CreditControlKpiKeptStale(models.Model):
    """A customer whose open items or credit sales changed since its
    company's figures were kept (``credit.control.kpi.kept``): its figures
    are read from the ledger until the next refresh. Rows are only ever
    added, in the transaction of the change, and deleted by the refresh
    (two transactions changing the same customer never wait for each
    other)."""

    _name = "credit.control.kpi.kept.stale"
    _description = "Credit Control KPIs: Customer Changed Since Its Figures Were Kept"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
