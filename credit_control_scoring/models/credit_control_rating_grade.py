from odoo import fields, models

from .credit_control_dossier import RISK_CLASS_SELECTION


class CreditControlRatingGrade(models.Model):
    """A grade of the scale of a credit insurer or rating agency, ranked from
    the best (lowest rank) and mapped to a risk class."""

    _name = "credit.control.rating.grade"
    _description = "External Rating Grade"
    _order = "agency, rank, id"
    _rec_names_search = ["agency", "code", "name"]

    agency = fields.Char(required=True, index=True, help="Credit insurer or rating agency issuing the grade.")
    code = fields.Char(required=True, help="The grade as it appears in the files of the agency.")
    name = fields.Char(string="Description", translate=True)
    rank = fields.Integer(required=True, help="Position in the scale of the agency: the lower, the safer.")
    risk_class = fields.Selection(
        RISK_CLASS_SELECTION, required=True,
        help="Internal risk class (A lowest risk, E highest) the agency's grade is read as.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("agency_code_uniq", "unique(agency, code)", "A grade code is unique per agency."),
    ]

    def _compute_display_name(self):
        for grade in self:
            grade.display_name = f"{grade.agency} {grade.code}"
