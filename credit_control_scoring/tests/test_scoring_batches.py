import importlib.util
from datetime import date, datetime
from unittest.mock import patch

from odoo import fields
from odoo.modules.module import get_module_path
from odoo.tests import tagged

from ..models import credit_control_dossier
from .common import TODAY, ScoringCommon


@tagged("post_install", "-at_install")
class TestScoringBatches(ScoringCommon):
    """The nightly scoring cut into batches that the scoring cron and the
    worker crons share: every dossier scored once, with the scores of a
    scoring in one piece."""

    def test_scoring_runs_before_the_nightly_refresh(self):
        """The worklist priorities of the nightly refresh read the
        predictions the scoring keeps for the day: the scoring comes first.
        The migration to 18.0.1.1.0 moves a schedule still at the hour of
        before (03:00, after the refresh), never one a user changed."""
        scoring = self.env.ref("credit_control_scoring.ir_cron_credit_control_recompute_scores")
        refresh = self.env.ref("credit_control_base.ir_cron_credit_control_refresh_dossiers")
        self.assertLess(scoring.nextcall.time(), refresh.nextcall.time())

        path = f"{get_module_path('credit_control_scoring')}/migrations/18.0.1.1.0/post-migration.py"
        spec = importlib.util.spec_from_file_location("credit_control_scoring_post_migration_18_0_1_1_0", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        for before, after in ((datetime(2026, 5, 16, 3, 0), datetime(2026, 5, 16, 1, 0)),
                              (datetime(2026, 5, 16, 4, 15), datetime(2026, 5, 16, 4, 15))):
            scoring.nextcall = before
            scoring.flush_recordset()
            migration.migrate(self.env.cr, "18.0.1.0.0")
            scoring.invalidate_recordset()
            self.assertEqual(scoring.nextcall, after)

    def test_cron_and_worker_share_the_scoring(self):
        Dossier = self.env["credit.control.dossier"]
        Batch = self.env["credit.control.work.batch"]
        # the scores of a scoring in one piece
        self.dossiers._credit_recompute_scores()
        expected = {d.id: d.credit_score for d in self.dossiers}
        Dossier.search([]).credit_scored_date = False
        total = Dossier.search_count([])
        cron = self.env.ref("credit_control_scoring.ir_cron_credit_control_recompute_scores")
        worker = self.env.ref("credit_control_base.ir_cron_credit_control_worker_1")
        _cron, progress = cron._add_progress()
        Dossier.with_context(ir_cron_progress_id=progress.id)._cron_recompute_scores(batch_size=1)
        # the first call only cuts the scoring (ir.cron commits it: the
        # workers see the batches), the next one scores a batch
        self.assertRecordValues(progress, [{"done": 1, "remaining": total}])
        self.assertEqual(Batch._credit_pending_size(Dossier.browse()), total)
        _cron, progress = cron._add_progress()
        Dossier.with_context(ir_cron_progress_id=progress.id)._cron_recompute_scores(batch_size=1)
        self.assertRecordValues(progress, [{"done": 1, "remaining": total - 1}])
        self.assertEqual(Batch._credit_pending_size(Dossier.browse()), total - 1)
        # a worker cron's call scores the next batch, then calls go on,
        # alternately, until none is left
        _cron, progress = worker._add_progress()
        Batch.with_context(ir_cron_progress_id=progress.id)._cron_process_batches()
        self.assertRecordValues(progress, [{"done": 1, "remaining": total - 2}])
        for _call in range(total):
            Dossier._cron_recompute_scores(batch_size=1)
            Batch._cron_process_batches()
        self.assertFalse(Dossier.search_count([("credit_scored_date", "=", False)]), "every dossier scored")
        self.assertFalse(Batch.search_count([("res_model", "=", "credit.control.dossier")]), "the batches forgotten")
        self.dossiers.invalidate_recordset()
        self.assertEqual({d.id: d.credit_score for d in self.dossiers}, expected)

    def _profiles_null_fraction(self):
        """The share of dossiers without a payment profile in PostgreSQL's
        statistics (what it plans the queries on the profiles by)."""
        self.env.cr.execute("""
            SELECT s.stanullfrac
              FROM pg_statistic s
              JOIN pg_attribute a ON a.attrelid = s.starelid AND a.attnum = s.staattnum
             WHERE s.starelid = 'credit_control_dossier'::regclass AND a.attname = 'credit_payment_profile'
        """)
        return self.env.cr.fetchone()[0]

    def test_planner_knows_the_profiles_after_the_night(self):
        """Believing that no customer had a payment profile yet (the first
        night, until autovacuum came by), PostgreSQL planned the forecast of
        the invoices the profiles predict to take minutes: the night's
        scoring refreshes the dossiers' statistics when it ends, and those
        of the predicted dates it kept for the day."""
        Dossier = self.env["credit.control.dossier"]
        dossiers = Dossier.search([])
        self.env.flush_all()
        self.env.cr.execute("""
            UPDATE credit_control_dossier SET credit_payment_profile = NULL, credit_scored_date = NULL;
            DELETE FROM credit_control_kpi_prediction;
            ANALYZE credit_control_dossier;
            ANALYZE credit_control_kpi_prediction
        """)
        dossiers.invalidate_recordset()
        self.assertEqual(self._profiles_null_fraction(), 1.0)
        for _call in range(len(dossiers) + 2):
            Dossier._cron_recompute_scores(batch_size=1)
        self.assertTrue(Dossier.search_count([("credit_payment_profile", "!=", False)]))
        self.assertLess(self._profiles_null_fraction(), 1.0)
        # every open instalment of the customers predicted once, for today
        self.env.cr.execute("""
            SELECT COUNT(*), COUNT(*) FILTER (WHERE as_of = %s),
                   (SELECT reltuples FROM pg_class WHERE oid = 'credit_control_kpi_prediction'::regclass)
              FROM credit_control_kpi_prediction
        """, [fields.Date.context_today(Dossier)])
        kept, today, planned = self.env.cr.fetchone()
        self.assertTrue(kept)
        self.assertEqual((today, planned), (kept, kept))

    def _scores(self):
        self.dossiers.invalidate_recordset()
        return {
            dossier.id: (
                dossier.credit_score, dossier.credit_internal_class, dossier.credit_risk_class,
                dossier.credit_payment_profile,
                sorted((f.code, f.raw_value, f.normalized, f.contribution) for f in dossier.credit_score_factor_ids),
            )
            for dossier in self.dossiers
        }

    def test_batches_read_once_score_as_one(self):
        """A recompute of several batches reads its customers' payment
        facts, paid history and segment priors once: the scores, classes,
        factors and payment profiles are those of a single batch, which
        reads its own."""
        self.assertEqual(len(self.dossiers), 3)
        self.dossiers._credit_recompute_scores()
        single = self._scores()
        with patch.object(credit_control_dossier, "SCORE_BATCH_SIZE", 1):
            self.dossiers._credit_recompute_scores()
        self.assertEqual(self._scores(), single)
        self.assertTrue(all(score[3] for score in single.values()), "a payment profile for each customer")

    def test_payment_facts_alike_for_a_few_customers_and_most(self):
        """The payment date of each item (its latest reconciliation) is
        looked up item by item for a few customers and read in one pass
        over the reconciliations for most of them: the payment facts are
        the same either way."""
        # paid in two parts: the latest of its reconciliations is its date
        twice = self._create_customer("Menuiserie Caron", ref="C-TWICE")
        invoice = self._history(twice, [(date(2026, 2, 1), date(2026, 3, 3), 1000.0, None)])
        self._pay(invoice, amount=400.0, payment_date=date(2026, 3, 1))
        self._pay(invoice, amount=600.0, payment_date=date(2026, 3, 20))
        dossiers = self.dossiers | self._dossier(twice)
        facts = dossiers._credit_fetch_payment_facts(TODAY, whole=True)
        self.assertEqual(facts, dossiers._credit_fetch_payment_facts(TODAY))
        # 17 days late, weighted: paid on the 20th of a debt due on the 3rd
        self.assertEqual(facts[self._dossier(twice).id]["days_late"], 17.0)
        self.assertEqual(facts[self._dossier(self.late).id]["late_count"], 3)

    def test_cron_reads_the_priors_once(self):
        """The nightly cron reads each company's segment priors once, when
        it cuts the batches, and every batch fits on them: the scores,
        factors and payment profiles of its batches of one customer are a
        single recompute's."""
        Dossier = self.env["credit.control.dossier"]
        Batch = self.env["credit.control.work.batch"]
        self.dossiers._credit_recompute_scores()
        single = self._scores()
        Dossier.search([]).credit_scored_date = False
        companies = len(Dossier.search([]).company_id)
        reads = []
        fetch_priors = type(Dossier)._credit_fetch_segment_priors

        def counted(dossiers, today):
            reads.append(dossiers.company_id.id)
            return fetch_priors(dossiers, today)

        with patch.object(type(Dossier), "_credit_fetch_segment_priors", counted):
            Dossier._cron_recompute_scores(batch_size=1)
            self.assertEqual(len(reads), companies, "read once per company when the batches are cut")
            while Batch._credit_pending_size(Dossier.browse()):
                Batch._cron_process_batches()
        self.assertEqual(len(reads), companies, "and not again by the batches")
        self.assertEqual(self._scores(), single)
