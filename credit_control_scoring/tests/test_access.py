from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import TODAY, ScoringCommon


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestScoringAccess(ScoringCommon):
    """A customer's score, external ratings and Sapin II assessments follow
    its dossier: a collector reads those of their portfolio and of the
    unassigned customers, Credit Info the score of their own customers, an
    internal user without a credit role nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales_rep = cls._create_credit_user("sales_rep", "credit_control_base.group_credit_control_info")
        cls.plain_user = new_test_user(cls.env, login="plain_user", groups="base.group_user")
        cls.late.user_id = cls.sales_rep
        cls.dossier_good = cls.dossiers.filtered(lambda d: d.partner_id == cls.good)
        cls.dossier_late = cls.dossiers.filtered(lambda d: d.partner_id == cls.late)
        cls.dossier_bad = cls.dossiers.filtered(lambda d: d.partner_id == cls.bad)
        cls.dossier_good.collector_id = cls.collector_a
        cls.dossier_late.collector_id = cls.collector_b
        with freeze_time(TODAY):
            cls.dossiers._credit_recompute_scores()
        cls.ratings = cls.env["credit.control.rating"].create([
            {"dossier_id": dossier.id, "agency": "Insurer", "rating_date": date(2026, 4, 30)}
            for dossier in cls.dossiers
        ])
        cls.assessments = cls.env["credit.control.sapin.assessment"].create([
            {"dossier_id": dossier.id, "assessment_date": date(2026, 5, 1), "due_diligence": "satisfactory"}
            for dossier in cls.dossiers
        ])

    def _visible_dossiers(self, user, records):
        return records.with_user(user).search([("id", "in", records.ids)]).sudo().dossier_id

    def test_collector_reads_scores_ratings_and_assessments_of_the_portfolio(self):
        mine = self.dossier_good | self.dossier_bad  # own portfolio and unassigned
        for records in (self.ratings, self.assessments, self.dossiers.credit_score_factor_ids):
            with self.subTest(model=records._name):
                self.assertEqual(self._visible_dossiers(self.collector_a, records), mine)
                self.assertEqual(self._visible_dossiers(self.credit_manager, records), self.dossiers)
                theirs = records.filtered(lambda r: r.dossier_id == self.dossier_late)
                with self.assertRaises(AccessError):
                    theirs.with_user(self.collector_a).read(["dossier_id"])

    def test_credit_info_reads_the_score_of_own_customers_only(self):
        factors = self.dossiers.credit_score_factor_ids
        self.assertEqual(self._visible_dossiers(self.sales_rep, factors), self.dossier_late)
        for records in (self.ratings, self.assessments):
            with self.subTest(model=records._name), self.assertRaises(AccessError):
                records.with_user(self.sales_rep).search([])

    def test_internal_user_reads_no_risk_data(self):
        for records in (self.ratings, self.assessments, self.dossiers.credit_score_factor_ids):
            with self.subTest(model=records._name), self.assertRaises(AccessError):
                records.with_user(self.plain_user).search([])

    def test_only_collectors_recompute_scores(self):
        # the scores are written as superuser: the right is checked first
        with freeze_time(TODAY):
            with self.assertRaises(AccessError):
                self.dossier_late.with_user(self.sales_rep).action_credit_recompute_scores()
            result = self.dossier_good.with_user(self.collector_a).action_credit_recompute_scores()
        self.assertEqual(result["tag"], "display_notification")
