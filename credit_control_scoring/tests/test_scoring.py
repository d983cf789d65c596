import math

from freezegun import freeze_time

from odoo.tests import tagged

from ..scoring import score_factors
from .common import TODAY, ScoringCommon

VOLUME_POINTS = round(100 * math.log10(4001) / math.log10(100001), 2)  # 4,000 invoiced: 72.04
SENIORITY_POINTS = round(348 * 100 / 1095, 2)  # first invoice 348 days ago: 31.78


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestScoring(ScoringCommon):

    def test_score_ordering_and_classes(self):
        self.dossiers._credit_recompute_scores()
        good, late, bad = (self._dossier(p) for p in (self.good, self.late, self.bad))
        self.assertGreater(good.credit_score, late.credit_score)
        self.assertGreater(late.credit_score, bad.credit_score)
        self.assertRecordValues(good | late | bad, [
            {"credit_score": 95.2, "credit_internal_class": "A", "credit_risk_class": "A",
             "credit_scored_date": TODAY},
            {"credit_score": 65.2, "credit_internal_class": "B", "credit_risk_class": "B",
             "credit_scored_date": TODAY},
            {"credit_score": 35.2, "credit_internal_class": "D", "credit_risk_class": "D",
             "credit_scored_date": TODAY},
        ])
        # the contributions add up to the score
        for dossier in good | late | bad:
            with self.subTest(dossier=dossier.name):
                total = sum(dossier.credit_score_factor_ids.mapped("contribution"))
                self.assertAlmostEqual(total, dossier.credit_score, delta=0.06)

    def test_factor_values(self):
        self.dossiers._credit_recompute_scores()
        expected = {
            self.good: {
                "days_late": (0.0, 100.0), "late_share": (0.0, 100.0), "trend": (0.0, 100.0),
                "broken_promises": (0.0, 100.0), "open_disputes": (0.0, 100.0), "limit_usage": (0.0, 100.0),
                "seniority": (348.0, SENIORITY_POINTS), "volume": (4000.0, VOLUME_POINTS),
            },
            self.late: {
                "days_late": (20.0, 66.67), "late_share": (100.0, 0.0), "trend": (0.0, 100.0),
                "limit_usage": (0.0, 100.0), "seniority": (348.0, SENIORITY_POINTS), "volume": (4000.0, VOLUME_POINTS),
            },
            self.bad: {
                # (1000 x 45 + 2000 x 90 + 1000 x 35) / 4000 days: paid late, then still unpaid
                "days_late": (65.0, 0.0), "late_share": (100.0, 0.0),
                # the last 3 months (35 days) compared with 12 months (65 days)
                "trend": (-30.0, 100.0),
                # 3,000 open for a limit of 2,000
                "limit_usage": (150.0, 0.0),
                "seniority": (348.0, SENIORITY_POINTS), "volume": (4000.0, VOLUME_POINTS),
            },
        }
        for partner, factors in expected.items():
            found = self._factors(partner)
            for code, (raw, points) in factors.items():
                with self.subTest(customer=partner.name, factor=code):
                    self.assertAlmostEqual(found[code].raw_value, raw, places=2)
                    self.assertAlmostEqual(found[code].normalized, points, places=2)
        days_late = self._factors(self.late)["days_late"]
        self.assertRecordValues(days_late, [{"weight": 30.0, "contribution": 20.0}])
        self.assertEqual(self._factors(self.bad)["trend"].detail, "35.0 / 71.7 / 65.0")
        self.assertEqual(self._factors(self.late)["late_share"].detail, "3/3")

    def test_weights_from_settings(self):
        self.env.company.write({f"credit_score_weight_{code}": 0 for code in (
            "late_share", "trend", "broken_promises", "open_disputes", "limit_usage", "seniority", "volume")})
        self.dossiers._credit_recompute_scores()
        self.assertRecordValues(self._dossier(self.late), [{"credit_score": 66.7}])
        self.assertEqual(self._factors(self.late)["days_late"].contribution, 66.67)

    def test_behaviour_facts_penalize(self):
        """Promises and disputes come from base's hook (filled by the
        disputes module): each one costs 25 points of its factor."""
        weights = self.env.company._credit_score_weights()
        clean, _rows = score_factors({}, weights)
        score, rows = score_factors({"broken_promises": 2, "open_disputes": 5}, weights)
        by_code = {row["code"]: row for row in rows}
        self.assertEqual(by_code["broken_promises"]["normalized"], 50.0)
        self.assertEqual(by_code["open_disputes"]["normalized"], 0.0)
        self.assertEqual(round(clean - score, 1), 15.0)

    def test_previous_score_and_new_customer(self):
        self.dossiers._credit_recompute_scores()
        newcomer = self.env["credit.control.dossier"].create({"partner_id": self._create_customer("Nouveau").id})
        (self.dossiers | newcomer)._credit_recompute_scores()
        self.assertRecordValues(self._dossier(self.good) | newcomer, [
            {"credit_score": 95.2, "credit_score_previous": 95.2},
            # no history: no seniority nor volume points, nothing late
            {"credit_score": 90.0, "credit_score_previous": 0.0},
        ])
        self.assertEqual(len(newcomer.credit_score_factor_ids), 8)

    def test_risk_class_drives_segment(self):
        segment = self.env["credit.control.segment"].create({
            "name": "Risky", "rule_domain": "[('credit_risk_class', 'in', ['D', 'E'])]",
        })
        self.dossiers._credit_recompute_scores()
        self.assertEqual(self._dossier(self.bad).segment_id, segment)
        self.assertFalse(self._dossier(self.good).segment_id)

    def test_recompute_actions(self):
        self.env["res.config.settings"].create({}).action_credit_recompute_scores()
        self.assertEqual(self._dossier(self.good).credit_score, 95.2)
        cron = self.env.ref("credit_control_scoring.ir_cron_credit_control_recompute_scores")
        self.dossiers.invalidate_recordset()
        self.env.cr.execute("UPDATE credit_control_dossier SET credit_scored_date = NULL WHERE id = ANY(%s)",
                            [self.dossiers.ids])
        self.dossiers.invalidate_recordset()
        cron.method_direct_trigger()
        self.assertEqual(set(self.dossiers.mapped("credit_scored_date")), {TODAY})
