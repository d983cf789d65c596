from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.credit_control_scenario.tools import action_sql

from .common import ScenarioCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10 08:30:00")
class TestActionSql(ScenarioCommon):
    """``tools/action_sql`` writes the reminder rows the ORM writes for the
    same values: every stored column of credit_control_action but the id,
    an amount to round and a reminder without collector included; the
    reminders of the run and of the dossier read in cache before show the
    new ones."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls._customer("Garage l'Étoile") | cls._customer("Café du Port")
        cls.dossiers = cls.env["credit.control.dossier"].create([
            {"partner_id": customer.id, "company_id": cls.company.id} for customer in cls.customers
        ])
        cls.scenario_run = cls.env["credit.control.scenario.run"].create({
            "name": "Run", "company_ids": [Command.set(cls.company.ids)],
        })

    def _values(self):
        collector = self.env.ref("base.user_admin")
        return [{
            "dossier_id": dossier.id,
            "partner_id": dossier.partner_id.id,
            "contact_id": dossier.partner_id.id,
            "company_id": self.company.id,
            "scenario_id": self.scenario.id,
            "step_id": step.id,
            "channel": step.channel,
            "state": state,
            "user_id": user.id,
            "date": date(2026, 3, 10),
            "run_id": self.scenario_run.id,
            "amount": amount,
        } for dossier, step, state, user, amount in (
            (self.dossiers[0], self.step_first, "planned", collector, 1234.504),
            (self.dossiers[1], self.step_notice, "to_validate", self.env["res.users"], 10.0),
        )]

    def _rows(self, ids):
        fields_ = self.Action._fields
        columns = sorted(name for name, field in fields_.items() if field.store and field.column_type and name != "id")
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "SELECT %s FROM credit_control_action WHERE id = ANY(%s) ORDER BY id",
            SQL(", ").join(SQL.identifier(column) for column in columns),
            list(ids),
        ))
        return [dict(zip(columns, row, strict=True)) for row in self.env.cr.fetchall()]

    def test_same_rows_as_the_orm(self):
        self.assertFalse(self.scenario_run.action_ids)
        self.assertFalse(self.dossiers[0].credit_action_ids)
        orm = self.Action.sudo().create(self._values())
        sql = action_sql.create_actions(self.env["credit.control.action"].sudo().env, self._values())
        self.assertEqual(len(sql), 2)
        self.assertEqual(self._rows(sql.ids), self._rows(orm.ids))
        self.assertEqual(sql.mapped("amount"), [1234.5, 10.0])
        self.assertEqual(self.scenario_run.action_ids, orm | sql)
        self.assertEqual(self.dossiers[0].credit_action_ids, orm[0] | sql[0])

    def test_refuses_other_values(self):
        values = self._values()
        values[0]["comment"] = "not written by the adapter"
        with self.assertRaises(ValueError):
            action_sql.create_actions(self.env, values)
