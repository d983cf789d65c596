"""The reminder run was ``credit.control.run``, the name OCA's
``account_credit_control`` gives to its own run: with both modules in one
database the registry kept one class and the other module broke. It is now
``credit.control.scenario.run``; this moves a database made with the old
name, its runs, the reminders that point at them and their history, before
the module's new definitions load."""
import logging

from odoo.tools import SQL
from odoo.tools.sql import column_exists, rename_column, table_exists

_logger = logging.getLogger(__name__)

OLD_MODEL, NEW_MODEL = "credit.control.run", "credit.control.scenario.run"
OLD_TABLE, NEW_TABLE = "credit_control_run", "credit_control_scenario_run"
OLD_REL, NEW_REL = "credit_control_run_res_company_rel", "credit_control_scenario_run_res_company_rel"

# Columns of core tables that hold a model's name.
MODEL_NAME_COLUMNS = [
    ("ir_model", "model"),
    ("ir_model_fields", "model"),
    ("ir_model_fields", "relation"),
    ("ir_act_window", "res_model"),
    ("ir_act_server", "model_name"),
    ("ir_act_report_xml", "model"),
    ("ir_ui_view", "model"),
    ("ir_filters", "model_id"),
    ("ir_attachment", "res_model"),
    ("mail_message", "model"),
    ("mail_followers", "res_model"),
    ("mail_activity", "res_model"),
    ("mail_activity_type", "res_model"),
]


def _rename_xml_ids(cr):
    """The model's, its fields' and selections' XML ids follow the model
    name, so that the update finds them instead of creating new ones."""
    for old_prefix, new_prefix in [
        ("model_credit_control_run", "model_credit_control_scenario_run"),
        ("field_credit_control_run__", "field_credit_control_scenario_run__"),
        ("selection__credit_control_run__", "selection__credit_control_scenario_run__"),
    ]:
        cr.execute(SQL(
            "UPDATE ir_model_data SET name = %s || substr(name, %s)"
            " WHERE module = 'credit_control_scenario' AND name LIKE %s",
            new_prefix, len(old_prefix) + 1, old_prefix.replace("_", r"\_") + "%",
        ))


def migrate(cr, version):
    if not version or not table_exists(cr, OLD_TABLE) or table_exists(cr, NEW_TABLE):
        return
    _logger.info("renaming the model %s to %s", OLD_MODEL, NEW_MODEL)
    cr.execute(SQL("ALTER TABLE %s RENAME TO %s", SQL.identifier(OLD_TABLE), SQL.identifier(NEW_TABLE)))
    cr.execute(SQL("ALTER SEQUENCE IF EXISTS %s RENAME TO %s",
                   SQL.identifier(f"{OLD_TABLE}_id_seq"), SQL.identifier(f"{NEW_TABLE}_id_seq")))
    if table_exists(cr, OLD_REL):
        cr.execute(SQL("ALTER TABLE %s RENAME TO %s", SQL.identifier(OLD_REL), SQL.identifier(NEW_REL)))
        rename_column(cr, NEW_REL, f"{OLD_TABLE}_id", f"{NEW_TABLE}_id")
        cr.execute(SQL("UPDATE ir_model_relation SET name = %s WHERE name = %s", NEW_REL, OLD_REL))
        cr.execute(SQL(
            "UPDATE ir_model_fields SET relation_table = %s, column1 = %s WHERE relation_table = %s",
            NEW_REL, f"{NEW_TABLE}_id", OLD_REL,
        ))
    for table, column in MODEL_NAME_COLUMNS:
        if column_exists(cr, table, column):
            cr.execute(SQL(
                "UPDATE %s SET %s = %s WHERE %s = %s",
                SQL.identifier(table), SQL.identifier(column), NEW_MODEL, SQL.identifier(column), OLD_MODEL,
            ))
    _rename_xml_ids(cr)
