from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import OcaScenarioCommon


@tagged("post_install", "-at_install")
class TestOcaImport(OcaScenarioCommon):
    """Switch from OCA Credit Control: a company keeps its policies and its
    history, made here by OCA's own run (setup/test's coexistence suite
    installs account_credit_control beside the suite)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Transports Girard")
        receivable = cls.customer.property_account_receivable_id
        template = cls.env.ref("account_credit_control.email_template_credit_control_base")
        cls.policy = cls.env["credit.control.policy"].create({
            "name": "Relances OCA",
            "company_id": cls.company.id,
            "account_ids": [(6, 0, receivable.ids)],
            "level_ids": [
                (0, 0, {"name": "Premier rappel", "level": 1, "computation_mode": "net_days", "delay_days": 10,
                        "channel": "email", "email_template_id": template.id,
                        "custom_text": "Rappel", "custom_mail_text": "<p>Rappel</p>"}),
                (0, 0, {"name": "Mise en demeure", "level": 2, "computation_mode": "previous_date",
                        "delay_days": 20, "channel": "letter", "email_template_id": template.id,
                        "custom_text": "Nous vous mettons en demeure\nde régler sous 8 jours <sans délai>.",
                        "custom_mail_text": "<p>Mise en demeure</p>"}),
            ],
        })
        cls.customer.credit_policy_id = cls.policy
        today = fields.Date.today()
        cls.invoices = cls._create_invoice(cls.customer, 1500.0, due=today - timedelta(days=45),
                                           invoice_date=today - timedelta(days=75))
        cls.invoices |= cls._create_invoice(cls.customer, 400.0, due=today - timedelta(days=15),
                                            invoice_date=today - timedelta(days=45))
        # OCA's own run makes the history
        run = cls.env["credit.control.run"].with_company(cls.company).create({
            "date": today, "policy_ids": [(6, 0, cls.policy.ids)], "company_id": cls.company.id,
        })
        run.generate_credit_lines()
        cls.oca_lines = cls.env["credit.control.line"].search([("partner_id", "=", cls.customer.id)])
        cls.oca_lines[:1].write({"state": "sent", "date_sent": today})
        cls.oca_lines[1:].write({"state": "ignored"})

    def _wizard(self, user=None):
        return self.env["credit.control.oca.import"].with_user(user or self.credit_manager).create({
            "company_id": self.company.id,
        })

    def test_preview_then_import_keeps_policies_customers_and_history(self):
        self.assertEqual(len(self.oca_lines), 2, "OCA's run made one line per overdue invoice")
        wizard = self._wizard()
        wizard.action_preview()
        self.assertRecordValues(wizard, [{
            "policy_count": 1, "step_count": 2, "customer_count": 1, "history_count": 2, "state": "preview",
        }])
        self.assertFalse(self.env["credit.control.scenario"].search([("name", "=", "Relances OCA")]))

        wizard.action_import()
        scenario = self.env["credit.control.scenario"].search([("name", "=", "Relances OCA")])
        self.assertEqual(scenario.company_id, self.company)
        self.assertRecordValues(scenario.step_ids.sorted("delay_days"), [
            {"name": "Premier rappel", "delay_days": 10, "channel": "email", "automatic": False},
            {"name": "Mise en demeure", "delay_days": 30, "channel": "letter", "automatic": False},
        ])
        letter = scenario.step_ids.filtered(lambda step: step.channel == "letter")
        self.assertIn("&lt;sans délai&gt;", letter.letter_body, "OCA's text is kept, escaped")
        self.assertEqual(self._dossier(self.customer).credit_scenario_id, scenario)
        self.assertFalse(self.customer.credit_policy_id, "the customer left OCA's engine")

        history = self._actions(self.customer)
        self.assertEqual(sorted(history.mapped("state")), ["cancelled", "sent"])
        self.assertEqual(history.line_ids.move_id, self.invoices)
        self.assertEqual(set(history.step_id.ids), {step.id for step in scenario.step_ids
                                                    if step.name == "Premier rappel"})

    def test_a_second_import_adds_nothing(self):
        self._wizard().action_import()
        counts = (self.env["credit.control.scenario"].search_count([]),
                  self.env["credit.control.scenario.step"].search_count([]),
                  self.Action.search_count([]))
        wizard = self._wizard()
        wizard.action_preview()
        self.assertRecordValues(wizard, [{"policy_count": 0, "step_count": 0, "customer_count": 0,
                                          "history_count": 0}])
        self.assertIn("Nothing left to import", wizard.summary)
        wizard.action_import()
        self.assertEqual((self.env["credit.control.scenario"].search_count([]),
                          self.env["credit.control.scenario.step"].search_count([]),
                          self.Action.search_count([])), counts)

    def test_only_a_credit_manager_switches(self):
        collector = self._create_credit_user("oca_collector", "credit_control_base.group_credit_control_collector")
        with self.assertRaises(AccessError):
            self._wizard(collector).action_preview()
