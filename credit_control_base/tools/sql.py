from contextlib import contextmanager

from psycopg2.errors import SerializationFailure

from odoo.tools import SQL

# A table of fewer rows is a page or two: the planner checks a foreign key
# to it by reading it whole, which stays cheap while it holds so few.
TINY_TABLE_ROWS = 500


def analyze_filled_tables(cr):
    """Give current planner statistics to the tables that had next to no
    rows when last analyzed and have been filled since, by this
    transaction or by others autovacuum has not caught up with yet (a
    table a run is filling, the tables of a new database).

    PostgreSQL plans the check of a foreign key once per connection and
    keeps the plan until the statistics of the referenced table change.
    Planned while that table was nearly empty, the check reads the whole
    table for each row written: the lines of 15,000 reminders took two
    minutes instead of five seconds. ANALYZE, as autovacuum would run it
    after the commit, makes the planner plan the check again, on the
    table's real size: an index lookup. No planner setting is changed.

    A table whose statistics count more than a few pages is never
    analyzed: a check planned on it is already an index lookup (any plan
    made when it was smaller was dropped when autovacuum analyzed it).
    ``SKIP_LOCKED``: a table another transaction or autovacuum is analyzing
    is left to it rather than waited for (ANALYZE locks the table against
    other ANALYZEs until the end of the transaction, never against reads or
    writes).
    """
    cr.execute(SQL(
        """
        SELECT x.schemaname, x.relname
          FROM pg_stat_xact_user_tables x
          JOIN pg_class c ON c.oid = x.relid
     LEFT JOIN pg_stat_user_tables s ON s.relid = x.relid
         WHERE c.reltuples < %(tiny)s
           AND x.n_tup_ins + COALESCE(s.n_mod_since_analyze, 0) >= %(tiny)s
      ORDER BY x.relid
        """,
        tiny=TINY_TABLE_ROWS,
    ))
    tables = [SQL.identifier(schema, name) for schema, name in cr.fetchall()]
    if tables:
        cr.execute(SQL("ANALYZE (SKIP_LOCKED) %s", SQL(", ").join(tables)))


@contextmanager
def foreign_keys_by_index(cr):
    """Plan the foreign-key checks of the bulk writes inside as index
    lookups: the tables this transaction has filled (whose rows the writes
    inside may reference) get current statistics first, see
    ``analyze_filled_tables``."""
    analyze_filled_tables(cr)
    yield


@contextmanager
def planner_settings(env, **settings):
    """Run the block with PostgreSQL's ``settings`` (name: value, a string
    or SQL computing it) for the transaction, and give the rest of the
    transaction its own back after. The settings are read and set in one
    statement; an error rolls them back with the transaction."""
    def set_config(values):
        return SQL(", ").join(SQL("set_config(%s, %s, true)", name, value) for name, value in values)

    names = list(settings)
    current = env.execute_query(SQL(
        "SELECT %s, %s",
        SQL(", ").join(SQL("current_setting(%s)", name) for name in names),
        set_config(settings.items()),
    ))[0][:len(names)]
    yield
    env.cr.execute(SQL("SELECT %s", set_config(zip(names, current, strict=True))))


def one_of(column, ids):
    """SQL: ``column`` is one of ``ids``, as a list the planner cannot
    count: it guesses a few hundred ids and looks each up by the column's
    index.

    For a column many rows share, such as a journal item's entry, given a
    few thousand ids as ``= ANY``: PostgreSQL estimates the column's
    distinct values from a sample, and at 1M invoices it counted 218,000
    entries for 1,067,000, 29 items an entry instead of 4. It then read the
    whole table: 1.47 s instead of 0.18 s for the receivable movements of
    8,000 entries."""
    return SQL("%s IN (SELECT unnest(%s::int[]))", column, list(ids))


def lock_now(cr, query):
    """The rows of ``query``, a ``SELECT ... FOR ... SKIP LOCKED``, locked
    for this transaction (those other transactions hold are left out), or
    None when one of them was changed by a transaction committed after this
    one's snapshot: under repeatable read PostgreSQL refuses the lock. An
    expected outcome between workers, undone by a savepoint and not logged
    as an error."""
    try:
        with cr.savepoint(flush=False):
            cr.execute(query, log_exceptions=False)
            return cr.fetchall()
    except SerializationFailure:
        return None


def next_ids(cr, model, count):
    """``count`` ids of ``model`` taken from its sequence at once, for rows
    an SQL adapter inserts with their ids known beforehand."""
    if not count:
        return []
    cr.execute(SQL("SELECT nextval(%s) FROM generate_series(1, %s)", f"{model._table}_id_seq", count))
    return [row[0] for row in cr.fetchall()]


def copy_message(cr, note, res_ids):
    """Copy the chatter note ``note`` onto the records ``res_ids`` of its
    model: ``_message_log_batch`` gives all the notes of a batch the same
    values (author, subtype, body, message id, reply-to, ...) but the
    record's id, and none has recipients, attachments or tracking, while
    ``mail.message.create`` costs about a millisecond each."""
    if not res_ids:
        return
    note.flush_recordset()
    columns = [SQL.identifier(name) for name, field in note._fields.items()
               if field.store and field.column_type and name not in ("id", "res_id")]
    cr.execute(SQL(
        """INSERT INTO mail_message (%s, res_id)
           SELECT %s, v.res_id FROM mail_message m, unnest(%s::int[]) WITH ORDINALITY AS v(res_id, rank)
            WHERE m.id = %s ORDER BY v.rank""",
        SQL(", ").join(columns), SQL(", ").join(SQL("m.%s", column) for column in columns), res_ids, note.id,
    ))


def empty_table(cr, table):
    """Empty a KPI table before it is computed again from the ledger
    (install, upgrade): TRUNCATE gives its space back at once, where a
    DELETE of every row left the table twice its size until a VACUUM FULL
    (every scan of the table reads the space of the rows deleted: the DSO
    per customer took 3.25 s instead of 2.57 s at 1M lines after two
    upgrades). Not for a rebuild while Odoo serves requests: TRUNCATE is
    not MVCC-safe, a transaction begun before it would read an empty
    table."""
    cr.execute(SQL("TRUNCATE %s", SQL.identifier(table)))


def compact_sums(cr, table, keys, sums, values=None):
    """Replace the rows of ``table`` by one row per value of ``keys``
    holding the sums of its ``sums`` columns, and drop the rows whose sums
    are all zero: the KPI tables are only ever added to (each posting or
    reconciliation a row), and summed nightly so that they grow with the
    days, not with the entries.

    Only the keys with several rows (or sums of zero) are rewritten: a
    night rewrites the rows the day added, not the whole table, which
    would leave it twice its size (PostgreSQL keeps the space of the rows
    deleted, and every scan of the table reads it).

    :param values: ``{column: value}`` written on every row summed (the
        rows rewritten and the others)
    """
    values = values or {}
    key_columns = [SQL.identifier(key) for key in keys]
    sums = [SQL.identifier(column) for column in sums]
    columns = SQL(", ").join(key_columns + sums)
    nonzero = SQL(" OR ").join(SQL("SUM(%s) <> 0", column) for column in sums)
    cr.execute(SQL(
        """
        WITH summed AS (
            SELECT UNNEST(ARRAY_AGG(id)) AS id
              FROM %(table)s
          GROUP BY %(keys)s
            HAVING COUNT(*) > 1 OR NOT (%(nonzero)s)
        ), gone AS (
            DELETE FROM %(table)s WHERE id IN (SELECT id FROM summed) RETURNING %(columns)s
        )
        INSERT INTO %(table)s (%(columns)s%(value_columns)s)
        SELECT %(keys)s, %(sums)s%(values)s
          FROM gone
      GROUP BY %(keys)s
        HAVING %(nonzero)s
        """,
        table=SQL.identifier(table), columns=columns, keys=SQL(", ").join(key_columns),
        sums=SQL(", ").join(SQL("SUM(%s)", column) for column in sums),
        nonzero=nonzero,
        value_columns=SQL("").join(SQL(", %s", SQL.identifier(column)) for column in values),
        values=SQL("").join(SQL(", %s", value) for value in values.values()),
    ))
    for column, value in values.items():
        cr.execute(SQL(
            "UPDATE %s SET %s = %s WHERE %s IS DISTINCT FROM %s",
            SQL.identifier(table), SQL.identifier(column), value, SQL.identifier(column), value,
        ))


# What stands for each run of a value while its shape is converted, by
# default: a private-use character, which no bank file or sanitizer uses.
SLOT = "\ue000"


def convert_by_shape(convert, values, runs, slot=SLOT, alone=None):
    """``[convert(value) for value in values]``, each shape converted once.

    ``convert`` is a field's conversion to its column (the HTML sanitizer
    of a note or a message body): the values of a batch differ by runs of
    the regular expression ``runs`` that it copies as they are (numbers,
    names, references). A value's shape is the value with each run
    replaced by ``slot``; the shape is converted once, then each value's
    runs are put back in order. A value for which ``alone(text)`` is true,
    whose shape holds ``slot`` elsewhere, or whose converted shape does not
    hold exactly its slots (the conversion dropped, added or rewrote some:
    a digit of an entity, for instance), is converted on its own."""
    shapes, done, converted = {}, {}, []
    for value in values:
        if value not in done:
            done[value] = _convert_by_shape(convert, value, runs, slot, alone, shapes)
        converted.append(done[value])
    return converted


def _convert_by_shape(convert, value, runs, slot, alone, shapes):
    text = str(value or "")
    found = runs.findall(text)
    shape = runs.sub(slot, text)
    if not found or shape.count(slot) != len(found) or (alone and alone(text)):
        return convert(value)
    if shape not in shapes:
        shaped = convert(type(value)(shape))
        parts = str(shaped).split(slot) if shaped else []
        shapes[shape] = (type(shaped), parts) if len(parts) == len(found) + 1 else None
    if shapes[shape] is None:
        return convert(value)
    kind, parts = shapes[shape]
    return kind("".join(part + run for part, run in zip(parts, [*found, ""], strict=True)))
