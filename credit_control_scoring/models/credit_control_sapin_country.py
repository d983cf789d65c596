from odoo import fields, models


class CreditControlSapinCountry(models.Model):
    """Country risk for the loi Sapin II third-party assessments (e.g. from
    the corruption perception index or the FATF lists). A country not in the
    list is low risk."""

    _name = "credit.control.sapin.country"
    _description = "Sapin II Country Risk"
    _order = "country_id"

    country_id = fields.Many2one("res.country", required=True, ondelete="cascade")
    risk_level = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High")], required=True, default="medium"
    )
    note = fields.Char(help="Source of the level, e.g. the list and year it comes from.")

    _sql_constraints = [
        ("country_uniq", "unique(country_id)", "A country appears once in the Sapin II country list."),
    ]
