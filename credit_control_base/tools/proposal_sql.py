"""Cash proposals created in bulk: the rows ``credit.control.cash.proposal``'s
``create`` writes for the matcher's values (the proposals, their lines, the
chatter's creation note and follower), in a few set-based INSERTs.

Creating the 9,000 proposals of a 10,000-line statement through the ORM
took most of the matching (issue 19): the defaults and the related and
computed fields of each record and line, then mail.thread's creation note
through ``mail.message.create``. What is written here, as the ORM writes
it (``TestProposalSql`` creates the same proposals both ways and compares
every column of every row):

* the given values, converted by their fields (amounts rounded to their
  currency as ``Monetary`` rounds them);
* the stored computed columns of the proposal (``_compute_name``: its
  source's entry number, the kind of source, the rank of its state) and
  of its lines (their company, the proposal's), read in one query;
* every other column from ``default_get``, once per model;
* mail.thread's work on create: the current user as follower (Odoo's own
  ``_insert_followers``, for all at once), and the creation note
  ``_message_log_batch`` logs, written by Odoo for the first proposal and
  copied in SQL onto the others (the notes of one batch differ only by
  their record), honouring the chatter's context keys
  (``tracking_disable``, ``mail_create_nolog``, ``mail_create_nosubscribe``).

It is used as superuser only (the cron and the import match so; the
rights and record rules the ORM checks on create are then none), and only
while no other module adds a column or a stored computed field to the
proposals or their lines, nor overrides what the ORM's create runs for
them (``_created_by_orm``): the ORM creates them otherwise, as before.
"""
from odoo.tools import SQL, float_repr, float_round

from .overrides import overridden_outside
from .sql import copy_message, foreign_keys_by_index, next_ids

LOG_COLUMNS = ("create_uid", "create_date", "write_uid", "write_date")
# The stored columns each model has (besides id and LOG_COLUMNS), and of
# them those computed here: any other column, or another computed one,
# leaves the creation to the ORM.
PROPOSAL_COLUMNS = frozenset({
    "name", "company_id", "statement_line_id", "source_line_id", "source_type", "date", "label", "partner_id",
    "currency_id", "amount", "writeoff_amount", "rule", "confidence", "explanation", "state", "state_sequence",
    "automatic", "payer_confirmed", "auto_failed", "document_id", "close_reason",
})
PROPOSAL_COMPUTED = frozenset({"name", "source_type", "state_sequence"})
LINE_COLUMNS = frozenset({"proposal_id", "company_id", "move_line_id", "amount", "remittance_amount"})
LINE_COMPUTED = frozenset({"company_id"})
# The methods the ORM's create runs for a proposal, with the modules whose
# definitions of them are the ones written here (base: BaseModel).
ORM_METHODS = {
    "create": {"mail", "credit_control_base"},
    "_compute_name": {"credit_control_base"},
    "_creation_subtype": {"mail"},
    "_message_log_batch": {"mail"},
    "_message_auto_subscribe": {"mail"},
    "_message_auto_subscribe_followers": {"mail"},
    "_message_compute_author": {"mail"},
}
MAIL_CONTEXT_KEYS = ("tracking_disable", "mail_create_nolog", "mail_create_nosubscribe")


def create(env, vals_list):
    """The proposals of ``vals_list`` (``_credit_values``'s dicts, their
    lines as ``Command.create``), created in bulk SQL when it writes what
    the ORM's create writes, else by the ORM: the proposals, in the order
    of ``vals_list``."""
    Proposal = env["credit.control.cash.proposal"]
    if not vals_list:
        return Proposal
    if _created_by_orm(env, vals_list):
        return Proposal.create(vals_list)
    Proposal.flush_model()
    Line = env["credit.control.cash.proposal.line"]
    Line.flush_model()
    ids = next_ids(env.cr, Proposal, len(vals_list))
    rows = _proposal_rows(env, vals_list)
    # the bank lines were imported in this transaction, the proposals are
    # new: their foreign keys checked by index, not by reading those tables
    with foreign_keys_by_index(env.cr):
        _insert(env, Proposal, ids, rows)
    line_rows = _line_rows(Line, vals_list, ids, rows)
    if line_rows:
        with foreign_keys_by_index(env.cr):
            _insert(env, Line, next_ids(env.cr, Line, len(line_rows)), line_rows)
    proposals = Proposal.browse(ids)
    _write_chatter(env, proposals)
    return proposals


def _created_by_orm(env, vals_list):
    """Whether these proposals must be created by the ORM: not as superuser,
    defaults given in the context, values this module does not write, or
    another module that changes what the ORM's create does (a column, a
    stored computed field, an override of its methods)."""
    if not env.su or any(key.startswith("default_") for key in env.context):
        return True
    Proposal, Line = env["credit.control.cash.proposal"], env["credit.control.cash.proposal.line"]
    if set(_stored_columns(Proposal)) != PROPOSAL_COLUMNS or set(_stored_columns(Line)) != LINE_COLUMNS:
        return True
    for model, computed in ((Proposal, PROPOSAL_COMPUTED), (Line, LINE_COMPUTED)):
        if {name for name in _stored_columns(model) if model._fields[name].compute} != computed:
            return True
    for method, allowed in ORM_METHODS.items():
        if overridden_outside(Proposal, method, allowed):
            return True
    if Proposal._creation_subtype() or Proposal.env["mail.message.subtype"]._get_auto_subscription_subtypes(
            Proposal._name)[4] or "user_id" in Proposal._fields:
        return True
    for vals in vals_list:
        if set(vals) - PROPOSAL_COLUMNS - {"line_ids"}:
            return True
        for command in vals.get("line_ids") or ():
            if command[0] != 0 or set(command[2]) - LINE_COLUMNS:
                return True
    return False


def _stored_columns(model):
    return [name for name, field in model._fields.items()
            if field.store and field.column_type and name != "id" and name not in LOG_COLUMNS]


def _proposal_rows(env, vals_list):
    """The column values of each proposal, as the ORM's create gives them."""
    Proposal = env["credit.control.cash.proposal"]
    columns = sorted(PROPOSAL_COLUMNS - PROPOSAL_COMPUTED)
    defaults = Proposal.default_get(columns)
    converters = _converters(Proposal, columns)
    sources = _source_names(env, vals_list)
    new_name = env._("New")
    # the rank of each state, as _compute_name gives it
    sequences = {state: Proposal.new({"state": state}).state_sequence
                 for state, _label in Proposal._fields["state"].selection}
    rows = []
    for vals in vals_list:
        values = {**defaults, **vals}
        row = {name: convert(values) for name, convert in converters.items()}
        source = ("st", vals["statement_line_id"]) if vals.get("statement_line_id") \
            else ("pay", vals.get("source_line_id"))
        row["name"] = sources.get(source) or new_name
        row["source_type"] = "statement_line" if vals.get("statement_line_id") else "payment"
        row["state_sequence"] = sequences[row["state"]]
        rows.append(row)
    return rows


def _source_names(env, vals_list):
    """The number of the entry of each proposal's bank line or payment item."""
    st_ids = [vals["statement_line_id"] for vals in vals_list if vals.get("statement_line_id")]
    line_ids = [vals["source_line_id"] for vals in vals_list if vals.get("source_line_id")]
    names = {}
    for key, table, ids in (("st", "account_bank_statement_line", st_ids), ("pay", "account_move_line", line_ids)):
        if ids:
            env[{"st": "account.bank.statement.line", "pay": "account.move.line"}[key]].flush_model(["move_id"])
            env["account.move"].flush_model(["name"])
            for record_id, name in env.execute_query(SQL(
                "SELECT s.id, m.name FROM %s s JOIN account_move m ON m.id = s.move_id WHERE s.id = ANY(%s)",
                SQL.identifier(table), ids,
            )):
                names[key, record_id] = name
    return names


def _line_rows(Line, vals_list, ids, rows):
    """The column values of the proposals' lines, as the ORM's create gives
    them (their company is their proposal's)."""
    columns = sorted(LINE_COLUMNS - LINE_COMPUTED)
    defaults = Line.default_get(columns)
    converters = _converters(Line, columns)
    line_rows = []
    for proposal_id, vals, proposal_row in zip(ids, vals_list, rows, strict=True):
        for command in vals.get("line_ids") or ():
            values = {**defaults, **command[2], "proposal_id": proposal_id,
                      "currency_id": proposal_row["currency_id"]}
            line_rows.append({**{name: convert(values) for name, convert in converters.items()},
                              "company_id": proposal_row["company_id"]})
    return line_rows


def _converters(model, columns):
    """For each column, a function of the create's values giving what the
    ORM writes in it: nothing (NULL) for a value not given, else the value
    converted by its field, a monetary amount rounded to its currency
    (the ``currency_id`` of the values, the proposal's for a line)."""
    converters = {}
    for name in columns:
        field = model._fields[name]
        if field.type == "monetary":
            converters[name] = _monetary_converter(model, name)
        elif field.type == "many2one":
            converters[name] = lambda values, name=name: values[name] or None if name in values else None
        else:
            converters[name] = lambda values, name=name, field=field: field.convert_to_column_insert(
                values[name], model, values) if name in values else None
    return converters


def _monetary_converter(model, name):
    currencies = {}

    def convert(values):
        if name not in values:
            return None
        currency_id = values["currency_id"]
        if currency_id not in currencies:
            currency = model.env["res.currency"].browse(currency_id)
            currencies[currency_id] = (currency.rounding, currency.decimal_places)
        rounding, digits = currencies[currency_id]
        return float_repr(float_round(float(values[name] or 0.0), precision_rounding=rounding), digits)

    return convert


def _insert(env, model, ids, rows):
    """INSERT ``rows`` (dicts of column values) with their ``ids``, and the
    log columns as the ORM writes them."""
    columns = sorted(rows[0])
    env.execute_query(SQL(
        """
        INSERT INTO %(table)s (id, %(columns)s, create_uid, create_date, write_uid, write_date)
        SELECT t.*, %(uid)s, %(now)s, %(uid)s, %(now)s
          FROM unnest(%(ids)s::int[], %(arrays)s) AS t
        """,
        table=SQL.identifier(model._table),
        columns=SQL(", ").join(SQL.identifier(name) for name in columns),
        uid=env.uid, now=env.cr.now(), ids=ids,
        arrays=SQL(", ").join(
            SQL("%s::%s[]", [row[name] for row in rows], SQL(model._fields[name].column_type[1]))
            for name in columns),
    ))


def _write_chatter(env, proposals):
    """What mail.thread's create adds for new records of a model without a
    creation subtype nor auto-subscription: the current user as follower,
    and the creation note of ``_message_log_batch``, written by Odoo for
    the first proposal and copied onto the others."""
    context = env.context
    if context.get("tracking_disable"):
        return
    if not context.get("mail_create_nosubscribe") and env.user.active:
        env["mail.followers"]._insert_followers(
            proposals._name, proposals.ids, env.user.partner_id.ids, subtypes=None, customer_ids=[],
            check_existing=False)
    if not context.get("mail_create_nolog"):
        first = proposals[:1]
        note = first._message_log_batch(bodies={first.id: first._creation_message()})
        copy_message(env.cr, note, proposals[1:].ids)
