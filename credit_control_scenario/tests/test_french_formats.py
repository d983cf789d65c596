import re
from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .test_letter_layout import LetterCommon

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@tagged("post_install", "-at_install")
class TestScenarioFrenchFormats(LetterCommon):
    """What the reminders write in French: dates as 02/12/2026, never ISO,
    decimal commas, "d'" before a vowel."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_fr = cls._customer("Atelier Durand SAS", lang="fr_FR", city="Paris", country_id=cls.france.id)

    def test_reminder_name_has_a_french_date(self):
        action = self._letter(self.customer_fr)
        name = action.with_context(lang="fr_FR").display_name
        self.assertIn("02/12/2026", name)
        self.assertFalse(ISO_DATE.search(name), name)

    def test_attention_line_elides(self):
        action = self._letter(self.customer_fr)
        action.contact_id = self.env["res.partner"].create({
            "name": "Anne Martin", "parent_id": self.customer_fr.id, "type": "invoice", "lang": "fr_FR",
        })
        lines = action._credit_letter_recipient()
        self.assertIn("À l'attention d'Anne Martin", lines)

    def test_interest_rate_with_a_decimal_comma(self):
        self.company.write({"credit_control_ecb_rate": 2.15, "credit_control_interest_margin": 10.0})
        action = self._letter(self.customer_fr)
        with freeze_time("2026-12-02"):
            action.with_context(lang="fr_FR").action_validate()
        interest = action.penalty_move_id.invoice_line_ids.filtered(lambda line: "%" in (line.name or ""))
        self.assertTrue(interest, action.penalty_move_id.invoice_line_ids.mapped("name"))
        self.assertIn("12,15\N{NO-BREAK SPACE}%", interest.name.replace(" %", "\N{NO-BREAK SPACE}%"))
        self.assertNotIn("12.15", interest.name)
        self.assertFalse(ISO_DATE.search(interest.name), interest.name)

    def test_unfinished_run_message_has_a_french_date(self):
        Run = self.env["credit.control.scenario.run"].with_context(lang="fr_FR")
        stale = Run.create({
            "name": "Relances du 01/12/2026", "date": date(2026, 12, 1), "state": "running",
            "company_ids": [(6, 0, self.company.ids)],
        })
        # the nightly job closes yesterday's unfinished run before today's
        Run._credit_resume(self.company, date(2026, 12, 2))
        self.assertEqual(stale.state, "done")
        self.assertIn("Non terminé le 01/12/2026", stale.warning)
        self.assertFalse(ISO_DATE.search(stale.warning), stale.warning)

    def test_run_name_has_a_french_date(self):
        with freeze_time("2026-12-02"):
            run = self.env["credit.control.scenario.run"].with_context(lang="fr_FR")._credit_run(
                companies=self.company)
        self.assertEqual(run.name, "Relances du 02/12/2026")
