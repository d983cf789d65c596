"""The one place where the reminder run writes its reminders in SQL.

The run creates a reminder per customer (or per invoice) reached by a
step. Through ``credit.control.action.create`` each record costs about
7 ms of the ORM's per-record work (defaults read record by record, values
converted and the related customer computed one by one): a third of the
run's line computation, measured with ``OCA_PROFILE`` of
``setup/bench/run oca`` (1,594 reminders: 10.8 s of 33 s, the machine
loaded), where issue #19 wants the line computation ten times faster than
OCA's ``account_credit_control``.

``create_actions`` takes the values the run gives ``create`` (every
column the ORM would fill: the reminder's keys, its state, amount and
date, and its customer, given rather than recomputed), refuses any other
key, and writes the rows the ORM writes for them, column by column:
``tests/test_action_sql.py`` compares them. A module that adds a stored
field with a default or a computed value to the reminders makes it fall
back to the ORM (such a field is not among the values given).
"""
from odoo.tools import SQL

MODEL = "credit.control.action"
# The values a reminder of the run takes, all required (create()'s keys).
ACTION_KEYS = (
    "dossier_id", "partner_id", "contact_id", "company_id", "scenario_id", "step_id", "channel", "state",
    "user_id", "date", "run_id", "amount",
)
# PostgreSQL types of those columns, for the arrays of the INSERT.
COLUMN_TYPES = {
    "dossier_id": "int4", "partner_id": "int4", "contact_id": "int4", "company_id": "int4",
    "scenario_id": "int4", "step_id": "int4", "channel": "varchar", "state": "varchar", "user_id": "int4",
    "date": "date", "run_id": "int4", "amount": "numeric",
}
MAGIC = ("id", "create_uid", "create_date", "write_uid", "write_date")


def _orm_fills_other_columns(model):
    """Whether the ORM would write a column not among ``ACTION_KEYS`` (a
    field with a default or a computed value added by some module)."""
    return any(
        field.store and field.column_type and name not in ACTION_KEYS and name not in MAGIC
        and (field.default or field.compute or field.related)
        for name, field in model._fields.items()
    )


def create_actions(env, values_list):
    """Create the reminders of ``values_list`` (``ACTION_KEYS`` each) as
    ``credit.control.action.create`` would, in one INSERT; return them,
    in order, as a recordset (of ``env``'s user, as create() does)."""
    Action = env[MODEL]
    if not values_list:
        return Action
    for values in values_list:
        if set(values) != set(ACTION_KEYS):
            raise ValueError(f"action_sql writes exactly {sorted(ACTION_KEYS)}, got {sorted(values)}")
    if _orm_fills_other_columns(Action):
        return Action.create(values_list)
    # the amounts rounded to the company's currency, as the Monetary field
    currencies = {company.id: company.currency_id for company in env["res.company"].browse(
        {values["company_id"] for values in values_list})}
    columns = {key: [values[key] or None for values in values_list] for key in ACTION_KEYS}
    columns["amount"] = [currencies[values["company_id"]].round(values["amount"] or 0.0) for values in values_list]
    Action.flush_model()
    # the tables the reminders reference are not filled by the run (but for
    # the run itself, a few rows): their foreign keys are checked by index
    ids = [row[0] for row in env.execute_query(SQL(
        """
        INSERT INTO %(table)s (%(columns)s, create_uid, write_uid, create_date, write_date)
        SELECT %(columns)s, %(uid)s, %(uid)s, %(now)s, %(now)s
          FROM unnest(%(arrays)s) WITH ORDINALITY AS t(%(columns)s, position)
      ORDER BY position
     RETURNING id
        """,
        table=SQL.identifier(Action._table),
        columns=SQL(", ").join(SQL.identifier(key) for key in ACTION_KEYS),
        arrays=SQL(", ").join(
            SQL("%s::%s[]", columns[key], SQL(COLUMN_TYPES[key])) for key in ACTION_KEYS
        ),
        uid=env.uid,
        now=env.cr.now(),
    ))]
    actions = Action.browse(ids)
    # what create() does after its INSERT: the fields that depend on the
    # reminders recomputed, the reminders of the run and of the dossiers in
    # cache read again; the values given are protected against
    # recomputation, as create() protects them (the customer, given, was
    # computed again from the dossier for each reminder)
    with env.protecting([Action._fields[key] for key in ACTION_KEYS], actions):
        actions.modified(ACTION_KEYS, create=True)
    for key in ACTION_KEYS:
        for inverse in Action.pool.field_inverses[Action._fields[key]]:
            env[inverse.model_name].invalidate_model([inverse.name])
    return actions
