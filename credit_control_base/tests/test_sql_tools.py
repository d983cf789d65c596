from contextlib import nullcontext

from odoo.tests import TransactionCase, tagged

from odoo.addons.credit_control_base.tools.sql import foreign_keys_by_index


@tagged("post_install", "-at_install")
class TestForeignKeysByIndex(TransactionCase):
    """A bulk write whose foreign keys point to a table that was nearly
    empty when the connection first checked them (a new database, or the
    reminders a run is writing) checks them by index, not by reading the
    whole table for each row."""

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
        with wrap(cr):
            cr.execute(f"INSERT INTO {table}_child SELECT generate_series(11, 1010)")
        cr.execute(query)
        return (cr.fetchone()[0] - before) / 1000

    def test_foreign_keys_checked_by_index(self):
        self.assertEqual(self._parent_reads_per_child("cc_fk_index", foreign_keys_by_index), 0)
        self.env.cr.execute("SHOW enable_seqscan")
        self.assertEqual(self.env.cr.fetchone()[0], "on", "the setting is restored after the block")

    def test_the_trap_without_it(self):
        """What the helper avoids: PostgreSQL keeps the plan of its first
        checks and reads the whole parent table for each row."""
        self.assertGreater(self._parent_reads_per_child("cc_fk_plain", nullcontext), 100)
