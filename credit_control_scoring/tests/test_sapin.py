from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import ScoringCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestSapin(ScoringCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["credit.control.sapin.country"].search([]).unlink()
        cls.env["credit.control.sapin.country"].create([
            {"country_id": cls.env.ref("base.ir").id, "risk_level": "high"},
            {"country_id": cls.env.ref("base.ma").id, "risk_level": "medium"},
        ])
        cls.good.country_id = cls.env.ref("base.fr")

    def _assess(self, partner=None, **values):
        return self.env["credit.control.sapin.assessment"].create({
            "dossier_id": self._dossier(partner or self.good).id,
            "assessment_date": date(2026, 5, 1),
            "due_diligence": "satisfactory",
            **values,
        })

    def test_risk_level_rules(self):
        cases = [
            ({}, "low", date(2029, 5, 1)),
            ({"country_id": self.env.ref("base.ma").id}, "medium", date(2028, 5, 1)),
            ({"sector_risk": "medium"}, "medium", date(2028, 5, 1)),
            ({"due_diligence": "pending"}, "medium", date(2028, 5, 1)),
            ({"sector_risk": "medium", "ownership": "partial"}, "high", date(2027, 5, 1)),
            ({"country_id": self.env.ref("base.ir").id}, "high", date(2027, 5, 1)),
            ({"pep": True}, "high", date(2027, 5, 1)),
            ({"ownership": "opaque"}, "high", date(2027, 5, 1)),
            ({"due_diligence": "unsatisfactory"}, "high", date(2027, 5, 1)),
        ]
        for values, level, review in cases:
            with self.subTest(values=values):
                assessment = self._assess(**values)
                self.assertRecordValues(assessment, [{"risk_level": level, "next_review_date": review}])

    def test_country_defaults_to_customer_address(self):
        assessment = self._assess()
        self.assertRecordValues(assessment, [{"country_id": self.env.ref("base.fr").id, "country_risk": "low"}])

    def test_latest_assessment_flags_dossier_and_invoices(self):
        dossier = self._dossier(self.good)
        self._assess(pep=True)
        self.assertRecordValues(dossier, [{"credit_sapin_level": "high", "credit_sapin_high_risk": True,
                                           "credit_sapin_review_date": date(2027, 5, 1)}])
        Move = self.env["account.move"]
        invoices = Move.search([("partner_id", "=", self.good.id), ("move_type", "=", "out_invoice")])
        self.assertTrue(all(invoices.mapped("credit_sapin_high_risk")))
        self.assertEqual(
            self.env["account.move"].search([("credit_sapin_high_risk", "=", True)]), invoices
        )
        other = Move.search([("partner_id", "=", self.late.id), ("move_type", "=", "out_invoice")])
        self.assertFalse(any(other.mapped("credit_sapin_high_risk")))
        # a later assessment replaces it
        self._assess(assessment_date=date(2026, 5, 10))
        self.assertRecordValues(dossier, [{"credit_sapin_level": "low", "credit_sapin_high_risk": False}])

    def test_sapin_level_floors_risk_class(self):
        self.dossiers._credit_recompute_scores()
        dossier = self._dossier(self.good)
        self.assertEqual(dossier.credit_risk_class, "A")
        self._assess(sector_risk="medium")
        self.assertEqual(dossier.credit_risk_class, "C")
        self._assess(assessment_date=date(2026, 5, 2), pep=True)
        self.assertEqual(dossier.credit_risk_class, "D")
        self.assertEqual(
            self.env["credit.control.dossier"].search([("credit_sapin_high_risk", "=", True)]), dossier
        )

    def test_review_reminder(self):
        dossier = self._dossier(self.good)
        dossier.collector_id = self.collector_a
        assessment = self._assess(assessment_date=date(2025, 4, 1), pep=True)
        self.assertEqual(assessment.next_review_date, date(2026, 4, 1))
        self.env["credit.control.dossier"]._cron_sapin_review_reminders()
        self.env["credit.control.dossier"]._cron_sapin_review_reminders()
        alerts = self.env["credit.control.alert"].search([("dossier_id", "=", dossier.id)])
        self.assertRecordValues(alerts, [{"alert_type": "sapin_review", "state": "new"}])
        self.assertTrue(assessment.review_reminded)
        activity = dossier.activity_ids
        self.assertRecordValues(activity, [{"user_id": self.collector_a.id, "summary": "Sapin II review due"}])

    def test_form(self):
        with Form(self.env["credit.control.sapin.assessment"]) as form:
            form.dossier_id = self._dossier(self.good)
            form.due_diligence = "satisfactory"
            form.sector_risk = "high"
        self.assertEqual(form.record.risk_level, "high")
