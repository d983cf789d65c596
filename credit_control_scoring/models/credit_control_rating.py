from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CreditControlRating(models.Model):
    """An external rating of a customer at a date: the grade and covered
    limit of a credit insurer or the score of a rating agency. Ratings are
    history: a new value is a new record, the latest per agency is current."""

    _name = "credit.control.rating"
    _description = "External Credit Rating"
    _inherit = ["credit.control.dossier.mixin"]
    _order = "rating_date desc, id desc"
    _check_company_auto = True

    currency_id = fields.Many2one(related="company_id.currency_id")
    agency = fields.Char(required=True, index=True, help="Credit insurer or rating agency.")
    grade_id = fields.Many2one(
        "credit.control.rating.grade", string="Grade", domain="[('agency', '=', agency)]", index=True,
    )
    risk_class = fields.Selection(related="grade_id.risk_class", store=True)
    score = fields.Float(help="Score given by the agency, in its own scale.")
    covered_limit = fields.Monetary(help="Amount the credit insurer covers for this customer.")
    rating_date = fields.Date(string="Date", required=True, default=fields.Date.context_today)
    source = fields.Selection(
        [("manual", "Manual"), ("import", "Import")], required=True, default="manual", readonly=True,
        help="Where the rating comes from: entered by hand, or imported from a rating agency's file.",
    )
    is_current = fields.Boolean(
        string="Current", readonly=True, index=True,
        help="Latest rating of this agency for this customer.",
    )

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------

    @api.constrains("agency", "grade_id")
    def _check_grade_agency(self):
        for rating in self:
            if rating.grade_id and rating.grade_id.agency != rating.agency:
                raise ValidationError(_(
                    "Grade %(grade)s belongs to %(grade_agency)s, not to %(agency)s.",
                    grade=rating.grade_id.code, grade_agency=rating.grade_id.agency, agency=rating.agency,
                ))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        ratings = super().create(vals_list)
        ratings._credit_update_current()
        return ratings

    def write(self, vals):
        res = super().write(vals)
        if {"rating_date", "agency", "dossier_id"} & set(vals):
            self._credit_update_current()
        return res

    def unlink(self):
        siblings = self.search([("dossier_id", "in", self.dossier_id.ids)]) - self
        res = super().unlink()
        siblings._credit_update_current(alert=False)
        return res

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_update_current(self, alert=True):
        """Flag the latest rating of each (dossier, agency) touched by
        ``self`` as current, and raise a downgrade alert when a new current
        grade ranks worse than the one it replaces."""
        if not self:
            return
        ratings = self.search([("dossier_id", "in", self.dossier_id.ids), ("agency", "in", self.mapped("agency"))])
        groups = defaultdict(lambda: self.browse())
        for rating in ratings:
            groups[rating.dossier_id, rating.agency] |= rating
        alerts = []
        for (dossier, agency), group in groups.items():
            ordered = group.sorted(lambda r: (r.rating_date, r.id))
            latest, previous = ordered[-1], ordered[-2:-1]
            if latest.is_current:
                continue
            (group - latest).filtered("is_current").is_current = False
            latest.is_current = True
            # Compared with the rating before it in time, so that a file
            # bringing two ratings of a customer also reveals a downgrade.
            if (alert and latest in self and previous.grade_id and latest.grade_id
                    and latest.grade_id.rank > previous.grade_id.rank):
                alerts.append({
                    "dossier_id": dossier.id,
                    "alert_type": "rating_downgrade",
                    "message": _(
                        "%(agency)s downgraded the customer from %(old)s to %(new)s.",
                        agency=agency, old=previous.grade_id.code, new=latest.grade_id.code,
                    ),
                })
        self.env["credit.control.alert"].sudo()._credit_create_alerts(alerts)
