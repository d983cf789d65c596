"""The cash-in forecast read each open instalment's invoice type and
customer from an index of the customer invoices; it reads them from the
table of today's open items now (``credit.control.kpi.open``, computed by
its ``init`` on this upgrade). The index is no longer read: drop it, as
every invoice posted wrote it."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("DROP INDEX IF EXISTS account_move_credit_control_collectible_idx")
