from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CreditControlProvisionRate(models.Model):
    """Provision rates for doubtful debts per aging bucket: the row without
    segment is the company's policy, a row with a segment overrides it for
    the customers of that segment. Disputed invoices and customers in
    insolvency proceedings are provisioned at 100 % whatever the rates."""

    _name = "credit.control.provision.rate"
    _description = "Provision Rates for Doubtful Debts"
    _order = "company_id, segment_id desc, id"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    segment_id = fields.Many2one(
        "credit.control.segment",
        string="Segment",
        check_company=True,
        help="Leave empty for the rates of every customer without a rate of its own segment.",
    )
    rate_not_due = fields.Float(
        string="Not Due (%)", default=0.0,
        help="Share of the open amount excluding taxes provisioned for invoices not yet due, in "
        "percent.",
    )
    rate_b1 = fields.Float(
        string="Bucket 1 (%)", default=0.0,
        help="Share of the open amount excluding taxes provisioned in the first aging bucket, in "
        "percent.",
    )
    rate_b2 = fields.Float(
        string="Bucket 2 (%)", default=0.0,
        help="Share of the open amount excluding taxes provisioned in the second aging bucket, in "
        "percent.",
    )
    rate_b3 = fields.Float(
        string="Bucket 3 (%)", default=25.0,
        help="Share of the open amount excluding taxes provisioned in the third aging bucket, in "
        "percent.",
    )
    rate_b4 = fields.Float(
        string="Bucket 4 (%)", default=50.0,
        help="Share of the open amount excluding taxes provisioned in the fourth aging bucket, in "
        "percent.",
    )
    rate_b5 = fields.Float(
        string="Bucket 5 (%)", default=100.0,
        help="Share of the open amount excluding taxes provisioned in the last aging bucket, in "
        "percent.",
    )

    _sql_constraints = [
        ("company_segment_uniq", "unique(company_id, segment_id)", "One set of rates per segment and company."),
    ]

    @api.constrains("company_id", "segment_id", "rate_not_due", "rate_b1", "rate_b2", "rate_b3", "rate_b4",
                    "rate_b5")
    def _check_rates(self):
        for rates in self:
            values = [rates[f"rate_{key}"] for key in ("not_due", "b1", "b2", "b3", "b4", "b5")]
            if any(value < 0 or value > 100 for value in values):
                raise ValidationError(_("A provision rate is a percentage between 0 and 100."))
            # unique() lets several NULL segments through
            if not rates.segment_id and self.search_count([
                ("company_id", "=", rates.company_id.id), ("segment_id", "=", False), ("id", "!=", rates.id),
            ]):
                raise ValidationError(_("The company already has its default provision rates."))

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        """Override to title the rate columns with the bucket limits of the
        current company."""
        result = super().fields_get(allfields, attributes)
        for key, label in self.env["credit.control.kpi"]._kpi_bucket_labels():
            if "string" in result.get(f"rate_{key}", {}):
                result[f"rate_{key}"]["string"] = _("%s (%%)", label)
        return result
