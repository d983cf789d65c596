from contextlib import nullcontext

from odoo.tests import TransactionCase, tagged

from odoo.addons.credit_control_base.tools.sql import analyze_filled_tables, foreign_keys_by_index

PLANNER_SETTINGS = """
    SELECT name, setting FROM pg_settings
     WHERE name LIKE 'enable\\_%' OR name LIKE 'jit%' OR name IN ('plan_cache_mode', 'random_page_cost')
  ORDER BY name
"""


@tagged("post_install", "-at_install")
class TestForeignKeysByIndex(TransactionCase):
    """A bulk write whose foreign keys point to a table that was nearly
    empty when the connection first checked them (a new database, or the
    reminders a run is writing) checks them by index, not by reading the
    whole table for each row, and no planner setting is changed for it."""

    def _settings(self):
        self.env.cr.execute(PLANNER_SETTINGS)
        return self.env.cr.fetchall()

    def _parent_reads_per_child(self, table, wrap):
        cr = self.env.cr
        cr.execute(f"CREATE TEMP TABLE {table}_parent (id int PRIMARY KEY)")
        cr.execute(f"CREATE TEMP TABLE {table}_child (parent_id int REFERENCES {table}_parent (id))")
        cr.execute(f"INSERT INTO {table}_parent SELECT generate_series(1, 10)")
        cr.execute(f"ANALYZE {table}_parent")  # as autovacuum last saw it
        with wrap(cr):
            cr.execute(f"INSERT INTO {table}_child SELECT generate_series(1, 10)")
        cr.execute(f"INSERT INTO {table}_parent SELECT generate_series(11, 20000)")
        query = f"SELECT seq_tup_read FROM pg_stat_xact_all_tables WHERE relname = '{table}_parent'"  # noqa: S608
        cr.execute(query)
        before = cr.fetchone()[0]
        settings = self._settings()
        with wrap(cr):
            self.assertEqual(self._settings(), settings, "no planner setting changed inside the block")
            cr.execute(f"INSERT INTO {table}_child SELECT generate_series(11, 1010)")
        cr.execute(query)
        return (cr.fetchone()[0] - before) / 1000

    def test_foreign_keys_checked_by_index(self):
        self.assertEqual(self._parent_reads_per_child("cc_fk_index", foreign_keys_by_index), 0)

    def test_the_trap_without_it(self):
        """What the helper avoids: PostgreSQL keeps the plan of its first
        checks and reads the whole parent table for each row."""
        self.assertGreater(self._parent_reads_per_child("cc_fk_plain", nullcontext), 100)

    def test_current_statistics_left_alone(self):
        """Only the tables that were nearly empty when last analyzed and
        have been filled since are analyzed: not a large table, however
        many rows were added, nor a small one filled a little."""
        cr = self.env.cr
        for table, rows, added in (("cc_stats_large", 20000, 30000), ("cc_stats_small", 0, 50),
                                   ("cc_stats_filled", 10, 5000)):
            cr.execute(f"CREATE TEMP TABLE {table} (id int)")
            cr.execute(f"INSERT INTO {table} SELECT generate_series(1, %s)", [rows])
            cr.execute(f"ANALYZE {table}")
            cr.execute(f"INSERT INTO {table} SELECT generate_series(1, %s)", [added])
        cr.execute("SELECT relname, reltuples FROM pg_class WHERE relname LIKE 'cc\\_stats\\_%' ORDER BY relname")
        before = dict(cr.fetchall())
        analyze_filled_tables(cr)
        cr.execute("SELECT relname, reltuples FROM pg_class WHERE relname LIKE 'cc\\_stats\\_%' ORDER BY relname")
        self.assertEqual(dict(cr.fetchall()), dict(before, cc_stats_filled=5010))


@tagged("post_install", "-at_install")
class TestNoPlannerSettings(TransactionCase):
    """The KPI queries leave PostgreSQL's planner settings as they are
    (an administrator's, for the whole database)."""

    def test_kpis_change_no_setting(self):
        cr = self.env.cr
        cr.execute(PLANNER_SETTINGS)
        settings = cr.fetchall()
        kpi = self.env["credit.control.kpi"]
        kpi._kpi_summary()
        self.env["credit.control.kpi.cei"]._kpi_cei_series(count=2)
        cr.execute(PLANNER_SETTINGS)
        self.assertEqual(cr.fetchall(), settings)
