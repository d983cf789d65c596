import random
from contextlib import contextmanager
from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.models import PREFETCH_MAX
from odoo.tests import tagged

from odoo.addons.credit_control_base.tests.common import CreditControlCommon, load_french

from ..prediction import END_OF_MONTH, PRIOR_WEIGHT, fit_profile

TODAY = date(2026, 5, 15)


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestPaymentPrediction(CreditControlCommon):
    """A garage of the "Garages" segment that pays its invoices due on the
    28th on the 10th of the next month (10 to 13 days late), a newcomer of
    the same segment with a single payment 40 days late, and a haulier,
    alone in its segment, that pays 45 days late."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.garage = cls._create_customer("Garage Dupuis")
        cls.newcomer = cls._create_customer("Atelier Morel")
        cls.haulier = cls._create_customer("Transports Leroy")
        history = []
        for month in range(9, 17):  # due 28/09/2025 to 28/04/2026, paid on the 10th of the next month
            year, due_month = 2025 + (month - 1) // 12, (month - 1) % 12 + 1
            paid_year, paid_month = 2025 + month // 12, month % 12 + 1
            history.append((cls.garage, date(year, due_month, 28), date(paid_year, paid_month, 10)))
        history.append((cls.newcomer, date(2026, 3, 1), date(2026, 4, 10)))
        for month in range(9, 15):  # due on the 5th, paid 45 days later
            year, due_month = 2025 + (month - 1) // 12, (month - 1) % 12 + 1
            due = date(year, due_month, 5)
            history.append((cls.haulier, due, date.fromordinal(due.toordinal() + 45)))
        invoices = cls._create_invoices([
            {"partner": partner, "amount": 1000.0, "date": date.fromordinal(due.toordinal() - 30), "due": due}
            for partner, due, _paid in history
        ])
        for invoice, (_partner, _due, paid) in zip(invoices, history, strict=True):
            cls._pay(invoice, payment_date=paid)
        cls.open_invoice = cls._create_invoice(cls.garage, 1000.0, date(2026, 5, 20), date(2026, 4, 20))
        cls.haulier_invoice = cls._create_invoice(cls.haulier, 2000.0, date(2026, 5, 5), date(2026, 4, 5))
        Segment = cls.env["credit.control.segment"]
        cls.garages = Segment.create({"name": "Garages"})
        cls.hauliers = Segment.create({"name": "Hauliers"})
        Dossier = cls.env["credit.control.dossier"]
        Dossier.sudo()._ensure_dossiers(cls.open_invoice | cls.haulier_invoice | invoices)
        cls.dossiers = Dossier.search([("partner_id", "in", (cls.garage | cls.newcomer | cls.haulier).ids)])
        for partner, segment in ((cls.garage, cls.garages), (cls.newcomer, cls.garages),
                                 (cls.haulier, cls.hauliers)):
            cls.dossiers.filtered(lambda d, p=partner: d.partner_id == p).write(
                {"segment_id": segment.id, "segment_manual": True})
        # Credit Info on top of the invoicing rights: reads the invoices and the dossiers
        cls.info_user = cls._create_credit_user("credit_info", "credit_control_base.group_credit_control_info")
        cls.info_user.groups_id |= cls.env.ref("account.group_account_invoice")

    def _recompute(self):
        self.dossiers._credit_recompute_scores()
        return {dossier.partner_id: dossier for dossier in self.dossiers}

    def test_regular_late_payer(self):
        dossier = self._recompute()[self.garage]
        profile = dossier.credit_payment_profile
        self.assertEqual(profile["count"], 8)
        self.assertEqual(profile["pay_day"], 10)
        self.assertEqual(round(profile["delay"]), 12)
        self.assertEqual(dossier.credit_payment_habit, "Usually pays 12 days late, on the 10th of the month")
        # five days before its payment run
        self.assertEqual(dossier.credit_best_remind_day, "The 5th of the month")
        self.assertEqual(dossier._credit_next_remind_date(date(2026, 5, 15)), date(2026, 6, 5))
        # due on the 20th: expected at its next payment run, not on the 1st (due date + 12 days)
        invoice = self.open_invoice
        self.assertEqual(invoice.credit_predicted_date, date(2026, 6, 10))
        self.assertLess(invoice.credit_late_risk, 10.0)
        self.assertEqual(
            invoice.credit_prediction_note,
            "Usually pays 12 days late, on the 10th of the month: expected on 06/10/2026, "
            f"{round(invoice.credit_late_risk)}% risk of paying more than 30 days late.",
        )

    def test_new_customer_shrunk_toward_segment(self):
        dossiers = self._recompute()
        profile = dossiers[self.newcomer].credit_payment_profile
        self.assertEqual(profile["count"], 1)
        # one payment 40 days late weighs 1, its segment PRIOR_WEIGHT payments
        self.assertAlmostEqual(profile["delay"], (40 + PRIOR_WEIGHT * profile["prior_delay"]) / (1 + PRIOR_WEIGHT))
        # the segment is the garage's (about 12 days), not the haulier's 45
        self.assertLess(abs(profile["prior_delay"] - 12), 4)
        self.assertLess(profile["delay"], 25)
        self.assertIn("few payments yet", dossiers[self.newcomer].credit_payment_habit)

    def test_profile_does_not_depend_on_the_order_of_the_payments(self):
        """PostgreSQL returns a customer's payments in no set order: the
        nightly scoring on one worker and on two stored profiles that
        differed in their last digits."""
        rng = random.Random(7)
        history = []
        for number in range(30):
            due = date(2025, 6, 1) + timedelta(days=11 * number)
            history.append((due, due + timedelta(days=rng.randrange(-5, 40)), round(rng.uniform(80, 9000), 2)))
        prior = {"delay": 5.6, "sigma": 8.6, "late_rate": 0.03}
        profile = fit_profile(history, prior, TODAY)
        for _shuffle in range(5):
            rng.shuffle(history)
            self.assertEqual(fit_profile(history, prior, TODAY), profile)


    def test_habits_at_the_end_of_the_month_and_on_a_weekday(self):
        """A customer that pays on the last day of each month (the 28th in
        February, the 30th in April) has the end of the month for habit; one
        that pays on Fridays whatever the date, the weekday. The distances to
        each day of the month are shared between customers (cached): the
        second fit of a history gives the first's profile."""
        prior = {"delay": 5.0, "sigma": 8.0, "late_rate": 0.05}
        month_ends = [date(2025, 11, 30), date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28),
                      date(2026, 3, 31), date(2026, 4, 30)]
        history = [(paid - timedelta(days=20), paid, 1200.0) for paid in month_ends]
        profile = fit_profile(history, prior, TODAY)
        self.assertEqual(profile["pay_day"], END_OF_MONTH)
        self.assertEqual(fit_profile(history, prior, TODAY), profile)
        fridays = [date(2026, 1, 2) + timedelta(days=7 * weeks) for weeks in (0, 3, 7, 9, 12, 16, 18)]
        profile = fit_profile([(paid - timedelta(days=25), paid, 800.0) for paid in fridays], prior, TODAY)
        self.assertEqual(profile["pay_day"], 0)
        self.assertEqual(profile["weekday"], 4)
    def test_sentence_in_french(self):
        self._recompute()
        load_french(self.env)
        invoice = self.open_invoice.with_context(lang="fr_FR")
        dossier = self.dossiers.filtered(lambda d: d.partner_id == self.garage).with_context(lang="fr_FR")
        self.assertEqual(dossier.credit_payment_habit, "Paie en général avec 12 jours de retard, le 10 du mois")
        self.assertEqual(dossier.credit_best_remind_day, "Le 5 du mois")
        risk = round(invoice.credit_late_risk)
        self.assertEqual(
            invoice.credit_prediction_note,
            "Paie en général avec 12 jours de retard, le 10 du mois\N{NO-BREAK SPACE}: attendu le 10/06/2026, "
            f"risque de {risk}\N{NO-BREAK SPACE}% de payer à plus de 30 jours de retard.",
        )

    def test_forecast_uses_prediction(self):
        self._recompute()
        Move = self.env["account.move"]
        overrides = Move._credit_forecast_overrides(self.open_invoice)
        self.assertEqual(overrides, {self.open_invoice.id: [(date(2026, 6, 10), 1000.0, "predicted")]})
        # the forecast asks the hook about the invoices of the customers with
        # a payment profile whose prediction is not kept for the day
        self.env.cr.execute("DELETE FROM credit_control_kpi_prediction WHERE move_id = %s", [self.open_invoice.id])
        self.assertIn(self.open_invoice, Move.search(Move._credit_forecast_override_domain()))
        forecast = self.env["credit.control.kpi.forecast"]._kpi_forecast(
            TODAY, filters={"partner_id": self.garage.id})
        # 10/06 is in week 3 (from 05/06); due date + mean delay (01/06) was week 2
        self.assertEqual([row["amount"] for row in forecast[:5]], [0.0, 0.0, 0.0, 1000.0, 0.0])
        # a prediction, not a promise: in its own column, and the open amount once
        self.assertEqual((forecast[3]["estimated"], forecast[3]["promised"], forecast[3]["predicted"]),
                         (0.0, 0.0, 1000.0))
        self.assertEqual(sum(row["amount"] for row in forecast), self.open_invoice.amount_residual)

    def test_forecast_dashboard_column(self):
        """The dashboard's forecast shows predicted receipts under
        "Predicted" ("Prédit"), never under "Promised"."""
        self._recompute()
        dashboard = self.env["credit.control.kpi.dashboard"].create({"segment_id": self.garages.id})
        dashboard.action_refresh()
        week = dashboard.week_ids.filtered(lambda w: w.date_from == date(2026, 6, 5))
        self.assertRecordValues(week, [{"estimated": 0.0, "promised": 0.0, "predicted": 1000.0, "amount": 1000.0}])
        self.assertEqual(sum(dashboard.week_ids.mapped("promised")), 0.0)
        self.assertEqual(dashboard.forecast_total, self.open_invoice.amount_residual)
        load_french(self.env)
        labels = self.env["credit.control.kpi.dashboard.week"].with_context(lang="fr_FR").fields_get(["predicted"])
        self.assertEqual(labels["predicted"]["string"], "Prédit")

    def test_forecast_keeps_payment_promises(self):
        """A promised invoice is expected on the promised date only, not
        also on its predicted one."""
        if "credit.control.promise" not in self.env:
            self.skipTest("the disputes module is not installed")
        self._recompute()
        dossier = self.dossiers.filtered(lambda d: d.partner_id == self.garage)
        self.env["credit.control.promise"]._credit_create_promise(dossier, self.open_invoice, date(2026, 5, 25))
        overrides = self.env["account.move"]._credit_forecast_overrides(self.open_invoice)
        self.assertEqual(overrides, {self.open_invoice.id: [(date(2026, 5, 25), 1000.0, "promised")]})
        forecast = self.env["credit.control.kpi.forecast"]._kpi_forecast(
            TODAY, filters={"partner_id": self.garage.id})
        self.assertEqual({row["week"]: (row["promised"], row["predicted"]) for row in forecast if row["amount"]},
                         {1: (1000.0, 0.0)})

    @contextmanager
    def _without_kept_predictions(self):
        """The kept predictions set aside for the time of the block: every
        open instalment is predicted on the fly."""
        self.env["credit.control.kpi.prediction"].flush_model()
        self.env.cr.execute("SAVEPOINT without_kept")
        self.env.cr.execute("DELETE FROM credit_control_kpi_prediction")
        try:
            yield
        finally:
            self.env.cr.execute("ROLLBACK TO SAVEPOINT without_kept")

    def _forecast_without_kept_predictions(self, today=TODAY):
        """The forecast as every invoice predicted on the fly."""
        with self._without_kept_predictions():
            return self.env["credit.control.kpi.forecast"]._kpi_forecast(today)

    def test_forecast_reads_kept_predictions(self):
        """The scoring keeps the predicted date of every open instalment of
        the day: the forecast sums them per week in the database, asks the
        hook about none of those invoices, and shows what predicting them
        on the fly shows."""
        self._recompute()
        Move = self.env["account.move"]
        kept = self.env["credit.control.kpi.prediction"].search([("move_id", "in", self.open_invoice.ids)])
        self.assertRecordValues(kept, [{"as_of": TODAY, "predicted_date": date(2026, 6, 10)}])
        term_line = self.open_invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
        self.assertEqual(kept.id, term_line.id)
        # kept for both open invoices: the hook is asked about neither
        candidates = Move.search(Move._credit_forecast_override_domain(TODAY))
        self.assertFalse(candidates & (self.open_invoice | self.haulier_invoice))
        forecast = self.env["credit.control.kpi.forecast"]._kpi_forecast(TODAY)
        self.assertEqual((forecast[3]["estimated"], forecast[3]["predicted"]), (0.0, 1000.0))
        self.assertEqual(forecast, self._forecast_without_kept_predictions())
        # the drill-down of the week lists the invoice
        self.assertIn(self.open_invoice, self.env["credit.control.kpi.forecast"]._kpi_forecast_week_moves(3, TODAY))

    def test_forecast_predicts_what_is_not_kept(self):
        """An invoice posted after the night, an invoice reset and posted
        again, a due date moved, and the next day before the scoring has
        run: the instalments without a prediction kept for the day, their
        customer and due date are predicted on the fly."""
        self._recompute()
        Move = self.env["account.move"]
        Forecast = self.env["credit.control.kpi.forecast"]
        # a day later, yesterday's predictions no longer count
        tomorrow = TODAY + timedelta(days=1)
        with freeze_time(tomorrow):
            candidates = Move.search(Move._credit_forecast_override_domain(tomorrow))
            self.assertEqual(candidates & (self.open_invoice | self.haulier_invoice),
                             self.open_invoice | self.haulier_invoice)
            self.assertEqual(Forecast._kpi_forecast(tomorrow), self._forecast_without_kept_predictions(tomorrow))
        new_invoice = self._create_invoice(self.garage, 500.0, date(2026, 6, 20), date(2026, 5, 14))
        self.open_invoice.button_draft()
        self.assertFalse(self.env["credit.control.kpi.prediction"].search([("move_id", "=", self.open_invoice.id)]))
        self.open_invoice.action_post()
        # the haulier's instalment now due ten days later: its kept prediction no longer holds
        term_line = self.haulier_invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
        term_line.date_maturity = date(2026, 5, 15)
        candidates = Move.search(Move._credit_forecast_override_domain(TODAY))
        self.assertEqual(candidates & (self.open_invoice | self.haulier_invoice | new_invoice),
                         self.open_invoice | self.haulier_invoice | new_invoice)
        forecast = Forecast._kpi_forecast(TODAY)
        self.assertEqual(forecast, self._forecast_without_kept_predictions())
        self.assertEqual(sum(row["predicted"] for row in forecast), 3500.0)

    def test_priority_boost_for_likely_late(self):
        dossiers = self._recompute()
        haulier = dossiers[self.haulier]
        self.assertGreater(self.haulier_invoice.credit_late_risk, 50.0)
        boosts = haulier._credit_priority_boosts(TODAY)
        self.assertEqual(boosts[haulier.id], [("Likely to pay more than 30 days late", 1.5)])
        self.assertNotIn(dossiers[self.garage].id, dossiers[self.garage]._credit_priority_boosts(TODAY))
        haulier._credit_refresh_priorities(haulier)
        # 2,000 ten days late, times 1.5
        self.assertEqual(haulier.credit_priority, 30000.0)
        self.assertIn("Likely to pay more than 30 days late", haulier.credit_priority_reason)

    def test_priority_boosts_read_kept_predictions(self):
        """The nightly refresh of the priorities (02:00) runs after the
        scoring (01:00): each open instalment's risk of being paid late is
        read from the predictions kept for the day, as predicting it on the
        fly gives it; the instalments without one are predicted."""
        dossiers = self._recompute()
        haulier = dossiers[self.haulier]
        kept = self.env["credit.control.kpi.prediction"].search([("move_id", "=", self.haulier_invoice.id)])
        self.assertEqual(round(kept.late_risk * 100, 1), self.haulier_invoice.credit_late_risk)
        with self._without_kept_predictions():
            on_the_fly = self.dossiers._credit_priority_boosts(TODAY)
        self.assertEqual(list(on_the_fly), [haulier.id])
        self.assertEqual(self.dossiers._credit_priority_boosts(TODAY), on_the_fly)
        # read from the kept row, not predicted again
        self.env.cr.execute(
            "UPDATE credit_control_kpi_prediction SET late_risk = 0.1 WHERE move_id = %s", [self.haulier_invoice.id]
        )
        self.assertNotIn(haulier.id, self.dossiers._credit_priority_boosts(TODAY))
        # the next day, before the scoring has run: predicted on the fly
        tomorrow = TODAY + timedelta(days=1)
        with freeze_time(tomorrow):
            self.assertEqual(list(self.dossiers._credit_priority_boosts(tomorrow)), [haulier.id])

    def test_priority_boosts_read_every_dossier_at_once(self):
        """The nightly refresh asks the boosts of every dossier at once:
        their customers are read in one query, however many there are. A
        thousand at a time, each read walked the ids of all the others (14
        of the 29 s of the refresh of 200,000 dossiers)."""
        self._recompute()
        partners = self.env["res.partner"].create([
            {"name": f"Client {number:04}"} for number in range(PREFETCH_MAX + 1)
        ])
        Dossier = self.env["credit.control.dossier"].sudo()
        many = Dossier._credit_create_dossiers([
            {"partner_id": partner.id, "company_id": self.env.company.id} for partner in partners
        ])
        queries = []
        for dossiers in (self.dossiers, self.dossiers | many):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            boosts = Dossier.browse(dossiers.ids)._credit_priority_boosts(TODAY)
            queries.append(self.env.cr.sql_log_count - before)
            self.assertEqual(list(boosts), [self.dossiers.filtered(lambda d: d.partner_id == self.haulier).id])
        self.assertEqual(queries[0], queries[1])

    def test_access(self):
        self._recompute()
        invoice = self.open_invoice.with_user(self.info_user)
        self.assertEqual(invoice.credit_predicted_date, date(2026, 6, 10))
        # Credit Info reads the dossiers of its own customers only: the
        # garage's once it is the garage's salesperson, never the haulier's
        # (read before through the profiles the prediction had read as
        # superuser, left in the cache)
        self.garage.user_id = self.info_user
        dossier = self.dossiers.filtered(lambda d: d.partner_id == self.garage).with_user(self.info_user)
        self.assertTrue(dossier.credit_payment_habit)
        self.assertTrue(self.haulier_invoice.with_user(self.info_user).credit_predicted_date)
        other = self.dossiers.filtered(lambda d: d.partner_id == self.haulier).with_user(self.info_user)
        with self.assertRaises(AccessError):
            other.read(["credit_payment_habit"])
        # a salesperson reads the invoice, not the customer's payment habits
        salesman = self._create_credit_user("salesman_pred", "account.group_account_invoice")
        invoice = self.open_invoice.with_user(salesman)
        self.assertEqual(invoice.name, self.open_invoice.name)
        for fname in ("credit_predicted_date", "credit_late_risk", "credit_prediction_note"):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                invoice.read([fname])
        self.assertTrue(self.open_invoice.with_user(self.info_user).read(["credit_prediction_note"]))
