from datetime import date
from unittest import SkipTest

from freezegun import freeze_time

from odoo.addons.credit_control_base.tests.common import CreditControlCommon


class ScenarioCommon(CreditControlCommon):
    """Fixture of the scenario tests: the shipped scenario as the company
    default, customers with an e-mail address, and a helper that runs the
    engine on a given day."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"email": "compta@example.fr", "city": "Lyon"})
        cls.scenario = cls.env.ref("credit_control_scenario.credit_control_scenario_standard")
        cls.company.credit_control_scenario_id = cls.scenario
        cls.step_courtesy = cls.env.ref("credit_control_scenario.step_courtesy")
        cls.step_first = cls.env.ref("credit_control_scenario.step_first_reminder")
        cls.step_second = cls.env.ref("credit_control_scenario.step_second_reminder")
        cls.step_call = cls.env.ref("credit_control_scenario.step_call")
        cls.step_notice = cls.env.ref("credit_control_scenario.step_formal_notice")
        cls.step_litigation = cls.env.ref("credit_control_scenario.step_pre_litigation")
        cls.Action = cls.env["credit.control.action"]

    @classmethod
    def _customer(cls, name, **values):
        return cls._create_customer(name, email=f"{name.lower().replace(' ', '.')}@example.fr", **values)

    def _run(self, day, **kwargs):
        """The run of ``day``, its e-mails composed as the mail queue does
        before sending them."""
        with freeze_time(day):
            run = self.env["credit.control.scenario.run"]._credit_run(companies=self.company, **kwargs)
            self._compose_queued_mails()
            return run

    def _compose_queued_mails(self):
        self.env["mail.mail"].search([("credit_template_id", "!=", False)])._credit_compose()

    def _actions(self, partner):
        return self.Action.search([("partner_id", "=", partner.id)], order="id")

    @staticmethod
    def _day(month, day):
        return date(2026, month, day)


class OcaScenarioCommon(ScenarioCommon):
    """The scenario fixture where OCA's account_credit_control is installed
    beside the suite (setup/test's coexistence suite); skipped elsewhere.
    The test user is the accountant who runs OCA's engine."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "credit.control.policy" not in cls.env:
            raise SkipTest("OCA's account_credit_control is not installed")
        cls.env.user.groups_id |= cls.env.ref("account_credit_control.group_account_credit_control_manager")
