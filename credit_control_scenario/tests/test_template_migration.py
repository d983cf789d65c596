import hashlib
import importlib.util

from psycopg2.extras import Json

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL
from odoo.tools.misc import file_path

from odoo.addons.credit_control_base.tests.common import load_french

MIGRATION = "credit_control_scenario/migrations/18.0.1.2.0/post-migration.py"


def _load_migration():
    spec = importlib.util.spec_from_file_location("credit_control_scenario_migration_18_0_1_2_0",
                                                  file_path(MIGRATION))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _md5(text):
    return hashlib.md5(text.encode()).hexdigest()


@tagged("post_install", "-at_install")
class TestTemplateMigration(TransactionCase):
    """The 18.0.1.2.0 update brings a shipped reminder template to the new
    body only where the database still holds the body shipped before, in
    every language, and keeps a template its user edited."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env)
        cls.migration = _load_migration()
        cls.untouched = cls.env.ref("credit_control_scenario.mail_template_first_reminder")
        cls.edited = cls.env.ref("credit_control_scenario.mail_template_second_reminder")
        cls.new_body = cls.env.ref("credit_control_scenario.mail_template_courtesy")

    def _bodies(self, template):
        self.env.flush_all()
        [(bodies,)] = self.env.execute_query(SQL("SELECT body_html FROM mail_template WHERE id = %s", template.id))
        return bodies

    def _set_bodies(self, template, bodies):
        self.env.flush_all()
        self.env.execute_query(SQL("UPDATE mail_template SET body_html = %s WHERE id = %s", Json(bodies),
                                   template.id))
        template.invalidate_recordset(["body_html"])

    def test_untouched_templates_updated_edited_ones_kept(self):
        shipped = {template: self._bodies(template) for template in (self.untouched, self.edited, self.new_body)}
        self.assertEqual(set(shipped[self.untouched]), {"en_US", "fr_FR"})
        # a database of the previous version: the bodies shipped then (here
        # short stand-ins, whose md5 the migration is given), one of them
        # edited by a user in French only
        previous = {"en_US": "<div><p>Dear customer</p></div>", "fr_FR": "<div><p>Cher client</p></div>"}
        edited = dict(previous, fr_FR="<div><p>Chère cliente, cher client</p></div>")
        self._set_bodies(self.untouched, previous)
        self._set_bodies(self.edited, edited)
        self.migration.PREVIOUS_BODIES = {
            name: {lang: _md5(text) for lang, text in previous.items()}
            for name in ("mail_template_courtesy", "mail_template_first_reminder", "mail_template_second_reminder")
        }

        self.migration.migrate(self.env.cr, "18.0.1.1.0")
        # what the update does after its migrations: the translations loaded
        # where a record has none
        self.env["ir.module.module"]._load_module_terms(["credit_control_scenario"], ["fr_FR"])

        # the body the data file and i18n/fr.po give a new database
        self.assertEqual(self._bodies(self.untouched), shipped[self.untouched])
        self.assertIn("cellpadding", self.untouched.with_context(lang="fr_FR").body_html)
        self.assertIn("Sauf erreur de notre part", self.untouched.with_context(lang="fr_FR").body_html)
        self.assertEqual(self._bodies(self.edited), edited)
        # not the previous body: left as it is
        self.assertEqual(self._bodies(self.new_body), shipped[self.new_body])
