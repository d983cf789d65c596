from contextlib import contextmanager


@contextmanager
def foreign_keys_by_index(cr):
    """Plan the foreign-key checks of the bulk writes inside as index
    lookups.

    PostgreSQL plans the check of a foreign key once per connection and keeps
    the plan. Planned while the referenced table was nearly empty (a new
    database, or a table of reminders the run is filling), the check reads
    the whole table for each row written: the lines of 15,000 reminders took
    two minutes instead of five seconds. Planned with sequential scans off,
    the checks stay index lookups for the life of the connection.

    The setting is back to its default on exit; if the block fails, the
    rollback of the transaction or savepoint restores it.
    """
    cr.execute("SET LOCAL enable_seqscan = off")
    yield
    cr.execute("SET LOCAL enable_seqscan TO DEFAULT")
