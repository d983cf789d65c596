from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import format_date

from ..const import SAPIN_LEVELS, SAPIN_REVIEW_MONTHS

LEVEL_SELECTION = [("low", "Low"), ("medium", "Medium"), ("high", "High")]
OWNERSHIP_LEVEL = {"transparent": "low", "partial": "medium", "opaque": "high"}
DUE_DILIGENCE_LEVEL = {"satisfactory": "low", "reservations": "medium", "pending": "medium",
                       "unsatisfactory": "high"}


class CreditControlSapinAssessment(models.Model):
    """Third-party assessment required by the loi Sapin II (article 17):
    each criterion has a level; the assessment is high risk when one
    criterion is high or two are medium, medium when one is medium, low
    otherwise. It is reviewed every 3 years (low), 2 years (medium) or
    every year (high)."""

    _name = "credit.control.sapin.assessment"
    _description = "Sapin II Third-Party Assessment"
    _inherit = ["credit.control.dossier.mixin", "mail.thread"]
    _order = "assessment_date desc, id desc"
    _check_company_auto = True

    assessment_date = fields.Date(string="Date", required=True, default=fields.Date.context_today, tracking=True)
    reviewer_id = fields.Many2one("res.users", string="Reviewer", default=lambda self: self.env.user, tracking=True)
    country_id = fields.Many2one(
        "res.country", compute="_compute_country_id", store=True, readonly=False,
        help="Country of the customer, by default that of its address.",
    )
    country_risk = fields.Selection(
        LEVEL_SELECTION, compute="_compute_country_risk", store=True,
        help="Level of the country in the Sapin II country list (low when not listed).",
    )
    sector_risk = fields.Selection(
        LEVEL_SELECTION, required=True, default="low", tracking=True,
        help="Corruption risk of the customer's business sector, as your Sapin II risk map rates it.",
    )
    ownership = fields.Selection(
        [("transparent", "Transparent"), ("partial", "Partly known"), ("opaque", "Opaque")],
        string="Ownership Transparency", required=True, default="transparent", tracking=True,
        help="Whether the beneficial owners of the customer are known.",
    )
    pep = fields.Boolean(
        string="Politically Exposed Person", tracking=True,
        help="A director or beneficial owner is a politically exposed person.",
    )
    due_diligence = fields.Selection(
        [("pending", "Pending"), ("satisfactory", "Satisfactory"),
         ("reservations", "With reservations"), ("unsatisfactory", "Unsatisfactory")],
        required=True, default="pending", tracking=True,
        help="Outcome of the checks made on the customer (identity, beneficial owners, sanctions, "
        "reputation).",
    )
    risk_level = fields.Selection(
        LEVEL_SELECTION, compute="_compute_risk_level", store=True, tracking=True,
        help="Overall risk of the third party from the criteria of the assessment: high when one "
        "criterion is high or two are medium, medium when one is. It sets the date of the next "
        "review.",
    )
    next_review_date = fields.Date(
        compute="_compute_next_review_date", store=True, readonly=False,
        help="By default 3 years after the assessment when the risk is low, 2 years when medium, 1 year when high.",
    )
    review_reminded = fields.Boolean(readonly=True, copy=False)
    note = fields.Text()

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.depends("dossier_id")
    def _compute_country_id(self):
        for assessment in self:
            assessment.country_id = assessment.country_id or assessment.dossier_id.partner_id.country_id

    @api.depends("country_id")
    def _compute_country_risk(self):
        levels = {
            line.country_id: line.risk_level
            for line in self.env["credit.control.sapin.country"].sudo().search(
                [("country_id", "in", self.country_id.ids)])
        }
        for assessment in self:
            assessment.country_risk = levels.get(assessment.country_id) or "low"

    @api.depends("country_risk", "sector_risk", "ownership", "pep", "due_diligence")
    def _compute_risk_level(self):
        for assessment in self:
            assessment.risk_level = assessment._credit_risk_level()

    @api.depends("risk_level", "assessment_date")
    def _compute_next_review_date(self):
        for assessment in self:
            months = SAPIN_REVIEW_MONTHS[assessment.risk_level or "low"]
            date = assessment.assessment_date
            assessment.next_review_date = date + relativedelta(months=months) if date else False

    def _credit_criteria_levels(self):
        self.ensure_one()
        return [
            self.country_risk or "low",
            self.sector_risk,
            OWNERSHIP_LEVEL[self.ownership],
            "high" if self.pep else "low",
            DUE_DILIGENCE_LEVEL[self.due_diligence],
        ]

    def _credit_risk_level(self):
        levels = self._credit_criteria_levels()
        if "high" in levels or levels.count("medium") >= 2:
            return "high"
        return "medium" if "medium" in levels else SAPIN_LEVELS[0]

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _credit_remind_reviews(self):
        """Raise a review alert (and an activity) for each current
        assessment whose review date has come, once."""
        today = fields.Date.context_today(self)
        due = self.env["credit.control.dossier"].search([
            ("credit_sapin_review_date", "<=", today),
        ]).credit_sapin_assessment_id.filtered(lambda a: not a.review_reminded)
        self.env["credit.control.alert"]._credit_create_alerts([{
            "dossier_id": assessment.dossier_id.id,
            "alert_type": "sapin_review",
            "activity_user_id": assessment.reviewer_id.id,
            "message": self.env._("The Sapin II assessment of %(date)s is due for review.",
                         date=format_date(self.env, assessment.assessment_date)),
        } for assessment in due])
        due.review_reminded = True
