"""Cash application in bulk: what Odoo writes to apply a bank line to open
invoices, for the simple case, without Odoo's per-item path.

Odoo's own path (the bank entry's items rewritten through the ORM's
create, then ``_reconcile_plan``) is general: exchange differences,
cash-basis taxes, analytic distributions, dynamic lines. It costs about 20
queries and a tenth of a second per match, too slow for a daily statement of
10,000 receipts (issue 19). This adapter covers the simple case:

- everything in the company currency (bank line, journal, invoice item);
- the bank line's entry is its liquidity item and its suspense item alone;
- each invoice item is posted, receivable, not fully reconciled, and its
  invoice has no cash-basis tax; an item partly reconciled before (an
  earlier payment, bank line or credit note) only within a group Odoo
  numbers and settles as the adapter does (``_Group``: consistent,
  company currency, no exchange difference, no cash-basis tax, shared
  with no other item applied with it);
- bank fees only on a fee account without default tax, not reconcilable,
  not a bank account;
- no analytic distribution model in the database.

There it writes in SQL what Odoo's path writes, with the values Odoo's
compute methods and creates give them (issue 19: Odoo's recomputations
after the rewrite and the creates of the reconciliations were most of the
time of a match):

- the receivable items of the bank entries, in one INSERT, with their
  computed columns (the given values of ``_credit_rewrite_statement_lines``,
  residuals, prices, the other columns as on the suspense item, created
  the same way), and the bank fees item where the proposal books fees on
  the company's fee account (one Odoo computes nothing more for: no
  default tax, not reconcilable); the suspense items deleted or reduced;
  the bank lines' residual and reconciled flag (``_compute_is_reconciled``);
  the totals of the entries with fees (a bank entry's total is its debits:
  the liquidity item and the fees); the entries' payment state does not
  change;
- the partial and full reconciliations, with the values of
  ``_reconcile_plan`` and Odoo's creates: each pair (invoice item, its
  counterpart) its own matching, or joining the group of the item's
  earlier reconciliations, numbered by its full reconciliation (over the
  whole group once all of it is settled) or ``P`` + the group's first
  partial (``_update_matching_number``), the residuals and
  reconciled flags of both items, the invoices' residual and payment
  state (an invoice already reconciled with something else than bank
  lines is left to ``_compute_payment_state``), their tracking prepared
  as mail.thread does before a compute;
- the suite's hooks of a reconciliation are called as the create calls
  them (``account.partial.reconcile._credit_partials_created``: the CEI's
  daily receivables in one set-based statement, the collection and cash
  application hooks; higher suite modules extend that method), and
  Odoo's reconciliation hooks (``_reconcile_pre_hook`` /
  ``_reconcile_post_hook``).

Only the stored computed fields of the account module (and analytic's
distribution) are written so, and only while no other module overrides
their method (``_written_field``); every other stored computed field that
depends on what changed (another module's field on the invoices, say) is
marked for Odoo's own compute, as ``modified`` would mark it
(``_Recompute``). When another module than the account module and the
suite's base overrides the creates of the reconciliations or their
matching numbers, or adds columns to them, the reconciliation goes
through Odoo's batch creates instead (``_reconciled_by_odoo``), as before.
What each invoice item still owes is checked again under lock.

The chatter Odoo writes for it is written in SQL, its values from Odoo's
own ``_mail_track``: the "Journal Item created / updated / deleted" notes
of the bank entries, and the tracking of the invoices' payment state that
Odoo writes when the transaction commits (``_log_payment_states``: per
invoice, a ``message_post`` or ``_message_log`` cost about half of a
match through the ORM), unless tracking is disabled.

Everything else falls back to the ORM path (``split``, decided for all the
proposals from three queries; ``TestCashSplit`` proves the same decision as
reading each record through the ORM). ``TestReconcileSql`` applies the same
matches both ways and compares every stored column of the rows they touch.

The tracking of the cash proposals' own state when they are applied is
written the same way (``_log_tracking``): the notes ``_track_finalize``
would log one by one at commit.
"""
import re
from collections import defaultdict
from datetime import datetime, time

from markupsafe import escape

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tools import SQL, formatLang
from odoo.tools.mail import generate_tracking_message_id
from odoo.tools.translate import get_translation

from .overrides import overridden_outside
from .sql import convert_by_shape, next_ids


def split(proposals):
    """``(simple, others)``: the proposals of ``proposals`` (checked,
    statement-line proposals of one company) this adapter applies, and the
    others, left to the ORM path. Decided from a few queries for all of
    them (``_simple_facts``), never a read per proposal."""
    env = proposals.env
    empty = proposals.browse()
    if not proposals or env["account.analytic.distribution.model"].sudo().search_count([], limit=1):
        return empty, proposals
    facts = _simple_facts(env, proposals)
    simple = proposals.browse([proposal.id for proposal in proposals if _is_simple(env, facts[proposal.id])])
    return simple, proposals - simple


def _moves_with_cash_basis_taxes(env, moves):
    """The ids of the entries of ``moves`` (ids) with a cash-basis tax."""
    if not moves:
        return set()
    rows = env.execute_query(SQL(
        """
        SELECT l.move_id
          FROM account_move_line l
          JOIN account_tax t ON t.id = l.tax_line_id
         WHERE l.move_id = ANY(%(moves)s) AND t.tax_exigibility = 'on_payment'
         UNION
        SELECT l.move_id
          FROM account_move_line l
          JOIN account_move_line_account_tax_rel r ON r.account_move_line_id = l.id
          JOIN account_tax t ON t.id = r.account_tax_id
         WHERE l.move_id = ANY(%(moves)s) AND t.tax_exigibility = 'on_payment'
        """,
        moves=list(moves),
    ))
    return {row[0] for row in rows}


def _simple_facts(env, proposals):
    """What ``_is_simple`` decides on, for every proposal of ``proposals``
    at once, in three queries: the proposal and its bank line, the items of
    the bank lines' entries, the invoice items allocated.

    :return: {proposal id: {"proposal": row, "entry": [bank entry item
        rows], "lines": [allocated item rows]}} (rows: dicts)
    """
    env.flush_all()
    matched = SQL(
        "EXISTS(SELECT 1 FROM account_partial_reconcile r WHERE r.debit_move_id = l.id OR r.credit_move_id = l.id)")
    heads = env.execute_query_dict(SQL(
        """
        SELECT p.id, p.writeoff_amount, c.currency_id AS company_currency_id, p.company_id,
               sl.id AS st_line_id, sl.move_id AS st_move_id, sl.foreign_currency_id, sl.currency_id, sl.amount,
               j.default_account_id, j.suspense_account_id,
               -- the bank fee account, as the ORM's create of a fee item
               -- needs nothing more than its amount: of the company (or a
               -- parent), no default tax (no tax line), not reconcilable
               -- (no residual), not a bank or off-balance account
               w.id IS NOT NULL AND NOT w.reconcile
               AND w.account_type NOT IN ('asset_cash', 'liability_credit_card', 'off_balance')
               AND NOT EXISTS(SELECT 1 FROM account_account_tax_default_rel t WHERE t.account_id = w.id)
               AND EXISTS(SELECT 1
                            FROM account_account_res_company_rel r
                            JOIN res_company wc ON wc.id = r.res_company_id
                           WHERE r.account_account_id = w.id AND starts_with(c.parent_path, wc.parent_path))
               AS simple_fee_account
          FROM credit_control_cash_proposal p
          JOIN res_company c ON c.id = p.company_id
     LEFT JOIN account_account w ON w.id = c.credit_cash_writeoff_account_id
     LEFT JOIN account_bank_statement_line sl ON sl.id = p.statement_line_id
     LEFT JOIN account_journal j ON j.id = sl.journal_id
         WHERE p.id = ANY(%s)
        """,
        proposals.ids,
    ))
    entries = defaultdict(list)
    for row in env.execute_query_dict(SQL(
        """
        SELECT l.id, l.move_id, l.account_id, a.account_type, a.reconcile, l.currency_id, l.balance, %s AS matched
          FROM account_move_line l
          JOIN account_account a ON a.id = l.account_id
         WHERE l.move_id = ANY(%s)
      ORDER BY l.id
        """,
        matched, [head["st_move_id"] for head in heads if head["st_move_id"]],
    )):
        entries[row["move_id"]].append(row)
    lines = defaultdict(list)
    for row in env.execute_query_dict(SQL(
        """
        SELECT pl.proposal_id, pl.amount, pl.move_line_id, l.currency_id, l.company_id, l.parent_state,
               a.account_type, a.reconcile, l.balance, l.reconciled, %(matched)s AS matched, l.move_id,
               m.move_type IN %(invoice_types)s AS is_invoice,
               EXISTS(SELECT 1 FROM account_move__account_payment mp WHERE mp.invoice_id = m.id) AS has_payment
          FROM credit_control_cash_proposal_line pl
     LEFT JOIN account_move_line l ON l.id = pl.move_line_id
     LEFT JOIN account_account a ON a.id = l.account_id
     LEFT JOIN account_move m ON m.id = l.move_id
         WHERE pl.proposal_id = ANY(%(proposals)s)
        """,
        matched=matched, proposals=proposals.ids,
        invoice_types=tuple(env["account.move"].get_invoice_types(include_receipts=True)),
    )):
        lines[row["proposal_id"]].append(row)
    # the groups of the items already partly reconciled (rarely many)
    groups = _groups(env, {row["move_line_id"] for rows in lines.values() for row in rows
                           if row["matched"] and not row["reconciled"]})
    caba = _moves_with_cash_basis_taxes(
        env, {row["move_id"] for rows in lines.values() for row in rows if row["move_id"]}
        | {move_id for group in groups.values() for move_id in group.move_ids})
    shared = _shared_groups(groups)
    by_odoo = bool(groups) and _reconciled_by_odoo(env)
    for rows in lines.values():
        for row in rows:
            row["cash_basis"] = row["move_id"] in caba
            group = groups.get(row["move_line_id"])
            # a partly reconciled item: its group as Odoo would reconcile it
            row["group_simple"] = bool(group) and not by_odoo and row["move_line_id"] not in shared and (
                group.simple and not caba.intersection(group.move_ids))
    return {head["id"]: {"proposal": head, "entry": entries[head["st_move_id"]], "lines": lines[head["id"]]}
            for head in heads}


class _Group:
    """The reconciliation group of an invoice item already partly
    reconciled (its earlier payments, credit notes, ...): every journal
    item reachable from it through partial reconciliations, what Odoo's
    ``_update_matching_number`` numbers together and a full reconciliation
    of the item would cover (``_reconcile_plan_with_sync``: the items of
    the same matching number)."""

    def __init__(self, item_id):
        self.item_id = item_id
        self.lines = {}  # {id: row}
        self.partials = {}  # {id: row}
        self.by_number = 0  # items of the item's matching number

    @property
    def move_ids(self):
        return {line["move_id"] for line in self.lines.values()}

    @property
    def number(self):
        """The matching number Odoo gives the group: ``P`` and its first
        partial (``_update_matching_number``: a new partial joins it)."""
        return f"P{min(self.partials)}"

    @property
    def simple(self):
        """Whether the adapter reconciles the item as Odoo would: the
        group is consistent as Odoo leaves it (numbered by its first
        partial, every item of that number in it, no full reconciliation
        yet), in the company's currency alone (no exchange difference,
        Odoo's full reconciliation then needs none: its residuals in both
        amounts are equal), of one company, with no exchange difference
        entry. Anything else stays on Odoo's path: renumbering a group
        Odoo numbered otherwise, or an exchange entry, is Odoo's to do."""
        item = self.lines[self.item_id]
        return bool(self.partials) and self.by_number == len(self.lines) and all(
            line["matching_number"] == self.number and not line["full_reconcile_id"]
            and line["currency_id"] == line["company_currency_id"] and line["company_id"] == item["company_id"]
            and line["balance"] == line["amount_currency"]
            and line["amount_residual"] == line["amount_residual_currency"]
            for line in self.lines.values()
        ) and all(
            not partial["exchange_move_id"]
            and partial["amount"] == partial["debit_amount_currency"] == partial["credit_amount_currency"]
            for partial in self.partials.values()
        )

    @property
    def others_settled(self):
        """Whether the group's other items are settled as Odoo's full
        reconciliation checks them (``is_line_reconciled``, one currency):
        reconciled, or nothing left in their currency."""
        return all(line["reconciled"] or not line["amount_residual_currency"]
                   for line_id, line in self.lines.items() if line_id != self.item_id)

    def residual(self, currency):
        """The item's residual as ``_compute_amount_residual`` computes it
        from its partials (what Odoo writes once a new one is added)."""
        item = self.lines[self.item_id]
        return currency.round(item["balance"] - sum(
            partial["amount"] if partial["debit_move_id"] == self.item_id else -partial["amount"]
            for partial in self.partials.values() if self.item_id in (partial["debit_move_id"],
                                                                       partial["credit_move_id"])))

    def key(self):
        """What the group is, to see whether it changed."""
        return (sorted(self.lines.items()), sorted(self.partials.items()), self.by_number)


def _groups(env, item_ids):
    """{item id: its ``_Group``} for the items of ``item_ids`` reconciled
    with something (the others have no group), in three queries: the
    groups' items (a recursive walk through the partials), their partials,
    the items of their matching numbers."""
    if not item_ids:
        return {}
    groups = {}
    for row in env.execute_query_dict(SQL(
        """
        WITH RECURSIVE component(item_id, line_id) AS (
            SELECT id, id FROM unnest(%s::int[]) AS id
             UNION
            SELECT c.item_id, CASE WHEN p.debit_move_id = c.line_id THEN p.credit_move_id ELSE p.debit_move_id END
              FROM component c
              JOIN account_partial_reconcile p ON c.line_id IN (p.debit_move_id, p.credit_move_id)
        )
        SELECT c.item_id, l.id, l.move_id, l.company_id, l.currency_id, co.currency_id AS company_currency_id,
               l.balance, l.amount_currency, l.amount_residual, l.amount_residual_currency, l.reconciled,
               l.full_reconcile_id, l.matching_number
          FROM component c
          JOIN account_move_line l ON l.id = c.line_id
          JOIN res_company co ON co.id = l.company_id
        """,
        sorted(item_ids),
    )):
        item_id = row.pop("item_id")
        groups.setdefault(item_id, _Group(item_id)).lines[row["id"]] = row
    line_ids = {line_id for group in groups.values() for line_id in group.lines}
    partials = env.execute_query_dict(SQL(
        """
        SELECT id, debit_move_id, credit_move_id, amount, debit_amount_currency, credit_amount_currency,
               exchange_move_id
          FROM account_partial_reconcile
         WHERE debit_move_id = ANY(%(ids)s) OR credit_move_id = ANY(%(ids)s)
        """,
        ids=sorted(line_ids),
    ))
    by_debit = defaultdict(list)
    for partial in partials:
        by_debit[partial["debit_move_id"]].append(partial)
    for group in groups.values():
        # the walk is closed: a partial of one of its items is the group's
        group.partials = {partial["id"]: partial for line_id in group.lines for partial in by_debit[line_id]}
    groups = {item_id: group for item_id, group in groups.items() if group.partials}
    numbers = {group.number for group in groups.values()}
    counts = dict(env.execute_query(SQL(
        "SELECT matching_number, COUNT(*) FROM account_move_line WHERE matching_number = ANY(%s) GROUP BY 1",
        sorted(numbers),
    ))) if numbers else {}
    for group in groups.values():
        group.by_number = counts.get(group.number, 0)
    return groups


def _shared_groups(groups):
    """The items of ``groups`` whose group holds another's item: Odoo
    would number and settle them together, left to it."""
    owners = defaultdict(set)
    for item_id, group in groups.items():
        for line_id in group.lines:
            owners[line_id].add(item_id)
    return {item_id for items in owners.values() if len(items) > 1 for item_id in items}


def _seek_for_lines(head, entry):
    """``account.bank.statement.line._seek_for_lines`` on the rows of its
    entry: (liquidity, suspense, other) item rows."""
    liquidity = [row for row in entry if row["account_id"] == head["default_account_id"]]
    suspense = [row for row in entry if row not in liquidity and row["account_id"] == head["suspense_account_id"]]
    other = [row for row in entry if row not in liquidity and row not in suspense]
    if not liquidity:
        liquidity = [row for row in entry if row["account_type"] in ("asset_cash", "liability_credit_card")]
        other = [row for row in other if row not in liquidity]
    return liquidity, suspense, other


def _is_simple(env, facts):
    """Whether this adapter applies a proposal, from its ``facts`` (see
    ``_simple_facts``): the conditions of this module's docstring."""
    head, lines = facts["proposal"], facts["lines"]
    company_currency = head["company_currency_id"]
    currency = env["res.currency"].browse(company_currency)
    writeoff = head["writeoff_amount"] or 0.0
    if not head["st_line_id"] or not lines or writeoff < 0 or (writeoff and not head["simple_fee_account"]):
        return False
    if head["foreign_currency_id"] or head["currency_id"] != company_currency or head["amount"] <= 0:
        return False
    liquidity, suspense, other = _seek_for_lines(head, facts["entry"])
    if len(liquidity) != 1 or len(suspense) != 1 or other or suspense[0]["currency_id"] != company_currency:
        return False
    if suspense[0]["reconcile"] or suspense[0]["matched"]:
        return False
    items = {line["move_line_id"] for line in lines if line["move_line_id"]}
    if len(items) != len(lines):
        return False
    for line in lines:
        if (line["currency_id"] != company_currency or line["company_id"] != head["company_id"]
                or line["parent_state"] != "posted"
                or line["account_type"] != "asset_receivable" or not line["reconcile"]
                or line["balance"] <= 0 or line["reconciled"]
                # partly reconciled before (an earlier payment, a credit
                # note): only within a group Odoo would reconcile as the
                # adapter does (``_Group.simple``), not shared with another
                # item applied with it, and while the creates are Odoo's
                # own (``_reconciled_by_odoo``: the ORM's creates then
                # could not cover the earlier partials in the full one)
                or (line["matched"] and not line["group_simple"])
                or not line["is_invoice"]
                or line["cash_basis"] or currency.compare_amounts(line["amount"], 0.0) <= 0):
            return False
    # what is left on the suspense account, never of the other sign
    allocated = sum(line["amount"] for line in lines) - writeoff
    return currency.compare_amounts(allocated, -suspense[0]["balance"]) <= 0


def apply(proposals):
    """Apply ``proposals`` (from ``split``, sharing no invoice), rechecking
    under lock what they allocate.

    :return: {proposal: its partial reconciliations}
    :raise UserError: an invoice item no longer owes what is allocated, or a
        bank entry changed (nothing written)
    """
    env = proposals.env
    if not proposals:
        return {}
    env.flush_all()
    pairs = []  # (proposal, suspense item, invoice item, amount)
    suspenses, liquidities = {}, {}
    entries = proposals.statement_line_id._credit_seek_for_lines()
    for proposal in proposals:
        liquidities[proposal], suspense, _other = entries[proposal.statement_line_id]
        suspenses[proposal] = suspense
        pairs += [(proposal, suspense, line.move_line_id, line.amount) for line in proposal.line_ids]
    residuals, groups = _lock_and_check(env, proposals, suspenses, pairs, liquidities)
    bank_moves = proposals.statement_line_id.move_id
    bank_moves._check_fiscal_lock_dates()
    Line = env["account.move.line"]
    items = Line.browse([item.id for _p, _s, item, _a in pairs])
    pre_hook_data = items._reconcile_pre_hook()

    counterpart_ids, new_ids = _rewrite_bank_entries(env, proposals, suspenses, pairs)
    counterparts, new_lines = Line.browse(counterpart_ids), Line.browse(new_ids)
    new_lines._validate_fields([name for name, field in Line._fields.items() if field.store])
    new_lines._check_constrains_account_id_journal_id()
    if bank_moves._get_unbalanced_moves({"records": bank_moves}):
        raise UserError(env._("The entries of the bank lines would not be balanced: nothing was applied."))

    if _reconciled_by_odoo(env):
        # (never with groups: ``_lock_and_check``)
        partials = _reconcile_through_orm(env, pairs, counterparts, residuals)
    else:
        partials = _reconcile(env, pairs, counterparts, residuals, groups)
    _flag_invoices(env, items.move_id)
    # as Odoo calls it: on the items it reconciled, their groups' too
    (items | Line.browse([line_id for group in groups.values() for line_id in group.lines]))._reconcile_post_hook(
        pre_hook_data)
    env.flush_all()
    _log_payment_states(env, items.move_id)
    result = defaultdict(lambda: partials.browse())
    for (proposal, _s, _i, _a), partial in zip(pairs, partials, strict=True):
        result[proposal] |= partial
    return result


def _reconciled_by_odoo(env):
    """Whether the reconciliation must go through Odoo's creates: a module
    other than the account module and the suite's base overrides what they
    do (the creates, the matching numbers) or adds columns to them; the
    suite's own modules extend ``_credit_partials_created`` instead, which
    the adapter calls."""
    Partial, Full = env["account.partial.reconcile"], env["account.full.reconcile"]
    for model, methods, allowed in (
            (Partial, ("create", "_update_matching_number"), {"account", "credit_control_base"}),
            (Full, ("create",), {"account"})):
        for method in methods:
            if overridden_outside(model, method, allowed):
                return True
    return (set(_stored_columns(Partial)) != set(PARTIAL_COLUMNS)
            or set(_stored_columns(Full)) != {"exchange_move_id", *LOG_COLUMNS})


def _reconcile_through_orm(env, pairs, counterparts, residuals):
    """The reconciliation through Odoo's batch creates, as
    ``_reconcile_plan`` ends: its hooks (matching numbers, payments, other
    modules' overrides) run once for all."""
    partials = env["account.partial.reconcile"].create([{
        "amount": amount,
        "debit_amount_currency": amount,
        "credit_amount_currency": amount,
        "debit_move_id": item.id,
        "credit_move_id": counterpart.id,
    } for (_p, _s, item, amount), counterpart in zip(pairs, counterparts, strict=True)])
    env["account.full.reconcile"].create([{
        "exchange_move_id": False,
        "partial_reconcile_ids": [Command.link(partial.id)],
        "reconciled_line_ids": [Command.link(item.id), Command.link(counterpart.id)],
    } for (proposal, _s, item, amount), counterpart, partial in zip(pairs, counterparts, partials, strict=True)
        if proposal.currency_id.compare_amounts(residuals[item.id], amount) == 0])
    return partials


LOG_COLUMNS = ("create_uid", "create_date", "write_uid", "write_date")
PARTIAL_COLUMNS = (
    "debit_move_id", "credit_move_id", "full_reconcile_id", "exchange_move_id", "debit_currency_id",
    "credit_currency_id", "amount", "debit_amount_currency", "credit_amount_currency", "company_id", "max_date",
    *LOG_COLUMNS,
)


def _reconcile(env, pairs, counterparts, residuals, groups):
    """What Odoo's creates of the partial and full reconciliations write
    (``_reconcile_plan``), in a few statements: each pair (an invoice item,
    its new counterpart on the bank entry) is its own matching, numbered by
    its partial (``P<id>``), or joins the group of an item reconciled
    before (``groups``: its number stays the group's first partial); when
    the invoice item is paid in full, and its group's other items are
    settled, a full reconciliation covers them all, its partials and items
    then numbered by it (``_update_matching_number``: Odoo writes the
    group's other items and partials in SQL, their write date kept); the
    residuals and
    reconciled flags of both items, the invoices' residuals and payment
    states as their compute methods give them, with the invoices' tracking
    prepared as the ORM does; then the suite's hooks of a reconciliation
    (``_credit_partials_created``: the CEI's daily receivables in one
    statement, the collection and cash application hooks). Every other
    stored computed field that depends on them is left to Odoo.

    :return: the partials, one per pair
    """
    Partial, Full = env["account.partial.reconcile"], env["account.full.reconcile"]
    Line, Move = env["account.move.line"], env["account.move"]
    uid, now = env.uid, env.cr.now()
    rows = []  # (invoice item, counterpart, amount, residual left, fully reconciled)
    for (proposal, _suspense, item, amount), counterpart in zip(pairs, counterparts, strict=True):
        left = proposal.currency_id.round(residuals[item.id] - amount)
        group = groups.get(item.id)
        rows.append((item, counterpart, amount, left,
                     proposal.currency_id.is_zero(left) and (not group or group.others_settled)))
    partial_ids = next_ids(env.cr, Partial, len(rows))
    full_ids = iter(next_ids(env.cr, Full, sum(1 for row in rows if row[4])))
    fulls = [next(full_ids) if row[4] else None for row in rows]
    invoices = Line.browse([row[0].id for row in rows]).move_id
    if not env.context.get("tracking_disable") and not env.context.get("mail_notrack"):
        # as mail.thread's compute of tracked fields: their values before
        invoices._track_prepare([field.name for field in Move.pool.field_computed[Move._fields["payment_state"]]]
                                + [field.name for field in Move.pool.field_computed[Move._fields["amount_residual"]]])
    if any(fulls):
        env.cr.execute(SQL(
            """
            INSERT INTO account_full_reconcile (id, exchange_move_id, create_uid, create_date, write_uid, write_date)
            SELECT id, NULL, %s, %s, %s, %s FROM unnest(%s::int[]) AS id
            """,
            uid, now, uid, now, [full for full in fulls if full],
        ))
    env.cr.execute(SQL(
        """
        INSERT INTO account_partial_reconcile
               (id, debit_move_id, credit_move_id, full_reconcile_id, exchange_move_id, debit_currency_id,
                credit_currency_id, amount, debit_amount_currency, credit_amount_currency, company_id, max_date,
                create_uid, create_date, write_uid, write_date)
        SELECT v.id, d.id, c.id, v.full_id, NULL, d.currency_id, c.currency_id, v.amount, v.amount, v.amount,
               d.company_id, GREATEST(d.date, c.date), %(uid)s, %(now)s, %(uid)s, %(now)s
          FROM unnest(%(ids)s::int[], %(debits)s::int[], %(credits)s::int[], %(amounts)s::numeric[],
                      %(fulls)s::int[]) AS v(id, debit_id, credit_id, amount, full_id)
          JOIN account_move_line d ON d.id = v.debit_id
          JOIN account_move_line c ON c.id = v.credit_id
        """,
        uid=uid, now=now, ids=partial_ids, debits=[row[0].id for row in rows], credits=[row[1].id for row in rows],
        amounts=[row[2] for row in rows], fulls=fulls,
    ))
    # the two items of each pair: residuals, reconciled, matching number
    # (_update_matching_number: the full reconciliation, else P + the
    # group's first partial)
    line_ids, line_residuals, line_fulls, numbers = [], [], [], []
    group_lines, group_partials = [], []  # (id, full reconciliation)
    for (item, counterpart, _amount, left, _paid), partial_id, full_id in zip(rows, partial_ids, fulls, strict=True):
        group = groups.get(item.id)
        number = str(full_id) if full_id else group.number if group else f"P{partial_id}"
        line_ids += [item.id, counterpart.id]
        line_residuals += [left, 0.0]
        line_fulls += [full_id, full_id]
        numbers += [number, number]
        if group and full_id:
            group_lines += [(line_id, full_id) for line_id in group.lines if line_id != item.id]
            group_partials += [(partial, full_id) for partial in group.partials]
    if group_lines:
        # the full reconciliation's create: in SQL (no write date), its
        # items then numbered by it
        env.cr.execute(SQL(
            """
            UPDATE account_move_line l
               SET full_reconcile_id = v.full_id, matching_number = v.full_id::text
              FROM unnest(%s::int[], %s::int[]) AS v(id, full_id)
             WHERE l.id = v.id
            """,
            [row[0] for row in group_lines], [row[1] for row in group_lines],
        ))
        env.cr.execute(SQL(
            """
            UPDATE account_partial_reconcile p
               SET full_reconcile_id = v.full_id
              FROM unnest(%s::int[], %s::int[]) AS v(id, full_id)
             WHERE p.id = v.id
            """,
            [row[0] for row in group_partials], [row[1] for row in group_partials],
        ))
    env.cr.execute(SQL(
        """
        UPDATE account_move_line l
           SET amount_residual = v.residual, amount_residual_currency = v.residual,
               reconciled = (v.residual = 0), full_reconcile_id = v.full_id, matching_number = v.number,
               write_uid = %s, write_date = %s
          FROM unnest(%s::int[], %s::numeric[], %s::int[], %s::varchar[]) AS v(id, residual, full_id, number)
         WHERE l.id = v.id
        """,
        uid, now, line_ids, line_residuals, line_fulls, numbers,
    ))
    _write_invoices(env, invoices)
    env.invalidate_all(flush=False)
    partials = Partial.browse(partial_ids)
    others = _Recompute(env)
    others.collect(partials, _stored_columns(Partial) + ["company_currency_id"], create=True)
    others.collect(Full.browse([full for full in fulls if full]), ["exchange_move_id"], create=True)
    others.collect(Line.browse(line_ids), ["amount_residual", "amount_residual_currency", "reconciled",
                                           "full_reconcile_id", "matching_number", "matched_debit_ids",
                                           "matched_credit_ids", "write_uid", "write_date"])
    others.collect(invoices, ["amount_residual", "amount_residual_signed", "payment_state"])
    others.mark()
    _update_own_payments(env, partials, invoices)
    partials._credit_partials_created()
    return partials


def _update_own_payments(env, partials, invoices):
    """What the ORM's create of ``partials`` does to the payments registered
    on their invoices without a journal entry (``account.partial.reconcile
    .create``): one of the amount of a partial is paid. Odoo's own method,
    on the partials of the invoices that have such payments (one query
    finds them: the payments that method checks, without an outstanding
    account and in process; a payment with its journal entry is not
    changed by it); their invoices' payment state is then Odoo's compute
    (``_write_invoices``)."""
    paid_by = {row[0] for row in env.execute_query(SQL(
        """
        SELECT DISTINCT r.invoice_id
          FROM account_move__account_payment r
          JOIN account_payment p ON p.id = r.payment_id
         WHERE r.invoice_id = ANY(%s) AND p.outstanding_account_id IS NULL AND p.state = 'in_process'
        """,
        invoices.ids,
    ))}
    if paid_by:
        partials.filtered(lambda partial: partial.debit_move_id.move_id.id in paid_by)._get_to_update_payments(
            from_state="in_process").state = "paid"


def _write_invoices(env, invoices):
    """The invoices' residual (their payment term items', signed as
    ``_compute_amount`` signs them) and payment state as
    ``_compute_payment_state`` gives it to an invoice reconciled with bank
    lines only: paid when nothing is left, else partly paid (and flagged
    manually modified, as ``_flag_invoices`` then flags it); an invoice
    reconciled with anything else before, or with payments of its own
    (their state decides), is left to that method."""
    Move = env["account.move"]
    signs = {move.id: move.direction_sign for move in invoices}
    env.cr.execute(SQL(
        """
        WITH totals AS (
            SELECT l.move_id, SUM(l.amount_residual) AS residual,
                   SUM(l.amount_residual_currency) AS residual_currency
              FROM account_move_line l
             WHERE l.move_id = ANY(%(ids)s) AND l.display_type = 'payment_term'
          GROUP BY l.move_id
        ), others AS (
            -- reconciled with another entry than a bank line's
            SELECT l.move_id
              FROM account_move_line l
              JOIN account_partial_reconcile p ON p.debit_move_id = l.id
              JOIN account_move_line c ON c.id = p.credit_move_id
              JOIN account_move cm ON cm.id = c.move_id
             WHERE l.move_id = ANY(%(ids)s) AND c.move_id != l.move_id
               AND (cm.statement_line_id IS NULL OR cm.origin_payment_id IS NOT NULL)
             UNION
            SELECT l.move_id
              FROM account_move_line l
              JOIN account_partial_reconcile p ON p.credit_move_id = l.id
              JOIN account_move_line c ON c.id = p.debit_move_id
              JOIN account_move cm ON cm.id = c.move_id
             WHERE l.move_id = ANY(%(ids)s) AND c.move_id != l.move_id
               AND (cm.statement_line_id IS NULL OR cm.origin_payment_id IS NOT NULL)
             UNION
            -- payments of its own (matched_payment_ids)
            SELECT invoice_id FROM account_move__account_payment WHERE invoice_id = ANY(%(ids)s)
        )
        UPDATE account_move m
           SET amount_residual = -v.sign * COALESCE(t.residual_currency, 0),
               amount_residual_signed = COALESCE(t.residual, 0),
               -- a legacy or blocked payment state is kept as the compute keeps it
               payment_state = CASE
                   WHEN m.payment_state IN ('invoicing_legacy', 'blocked') THEN m.payment_state
                   -- (residuals are stored rounded: their sum is exact)
                   WHEN COALESCE(t.residual_currency, 0) = 0 THEN 'paid' ELSE 'partial' END,
               -- what _flag_invoices then sets (in the same row version)
               is_manually_modified = TRUE, write_uid = %(uid)s, write_date = %(now)s
          FROM unnest(%(ids)s::int[], %(signs)s::int[]) AS v(id, sign)
     LEFT JOIN totals t ON t.move_id = v.id
         -- the ids tested, not the entries' (the same): on m.id, PostgreSQL
         -- filtered every entry of the ledger (0.19 against 0.08 s a batch)
         WHERE m.id = v.id AND v.id NOT IN (SELECT move_id FROM others)
     RETURNING m.id
        """,
        ids=invoices.ids, signs=[signs[move_id] for move_id in invoices.ids],
        uid=env.uid, now=env.cr.now(),
    ))
    written = {row[0] for row in env.cr.fetchall()}
    # reconciled with something else before, or with payments of their
    # own: Odoo's compute decides, and what depends on it (their payments'
    # state) is marked as Odoo's path marks it
    left = invoices.filtered(lambda move: move.id not in written)
    for fname in ("amount_residual", "payment_state"):
        for field in Move.pool.field_computed[Move._fields[fname]]:
            env.add_to_compute(field, left)
    if left:
        left.modified(["amount_residual", "payment_state"])


def _lock_and_check(env, proposals, suspenses, pairs, liquidities):
    """Lock the invoice items, the other items of their groups (``_Group``:
    what the reconciliation renumbers) and the bank entries' items, each
    in id order (no deadlock with another run), and check again, on what
    is locked, that each invoice item still owes what is allocated to it,
    in a group the adapter reconciles as Odoo would, and that each bank
    entry is still its liquidity and suspense items alone.

    :return: ({invoice item id: its residual, locked}, {invoice item id:
        its group, for the items reconciled before})"""
    item_ids = sorted(item.id for _p, _s, item, _a in pairs)
    rows = env.execute_query(SQL(
        """
        SELECT l.id, l.amount_residual, l.reconciled,
               EXISTS(SELECT 1 FROM account_partial_reconcile p
                       WHERE p.debit_move_id = l.id OR p.credit_move_id = l.id)
          FROM account_move_line l
         WHERE l.id = ANY(%s)
      ORDER BY l.id
           FOR UPDATE OF l
        """,
        item_ids,
    ))
    state = {row[0]: row[1:] for row in rows}
    groups = _lock_groups(env, [item_id for item_id, (_r, _c, matched) in state.items() if matched])
    by_odoo = bool(groups) and _reconciled_by_odoo(env)
    shared = _shared_groups(groups)
    caba = _moves_with_cash_basis_taxes(env, {move_id for group in groups.values() for move_id in group.move_ids})
    residuals = {}
    for proposal, _suspense, item, amount in pairs:
        residual, reconciled, matched = state.get(item.id, (0.0, True, True))
        group = groups.get(item.id)
        if matched:
            # what Odoo computes once the new partial is added; its partial
            # takes the stored residual (``_prepare_reconciliation_amls``)
            matched = by_odoo or not group or not group.simple or item.id in shared or (
                caba.intersection(group.move_ids))
            residuals[item.id] = group.residual(proposal.currency_id) if group else residual
        else:
            residuals[item.id] = residual
        if (reconciled or matched or proposal.currency_id.compare_amounts(residual, amount) < 0
                or proposal.currency_id.compare_amounts(residuals[item.id], amount) < 0):
            raise UserError(env._(
                "%(invoice)s no longer has %(amount)s to pay.",
                invoice=item.move_id.name,
                amount=formatLang(env, amount, currency_obj=proposal.currency_id),
            ))
    moves = proposals.statement_line_id.move_id
    rows = env.execute_query(SQL(
        "SELECT id, move_id FROM account_move_line WHERE move_id = ANY(%s) ORDER BY id FOR UPDATE",
        list(moves.ids),
    ))
    locked = defaultdict(set)
    for line_id, move_id in rows:
        locked[move_id].add(line_id)
    for proposal, suspense in suspenses.items():
        st_line = proposal.statement_line_id
        if locked[st_line.move_id.id] != {liquidities[proposal].id, suspense.id}:
            raise UserError(env._("The bank line %(name)s is already (partly) reconciled.", name=st_line.move_id.name))
    return residuals, groups


def _lock_groups(env, item_ids):
    """Lock the other items of the groups of ``item_ids`` (invoice items
    locked, reconciled before), then read the groups again: a group that
    changed before it was locked (a partial added or removed meanwhile)
    is refused, as its item was.

    :return: {item id: its ``_Group``}"""
    if not item_ids:
        return {}
    before = _groups(env, item_ids)
    others = sorted({line_id for group in before.values() for line_id in group.lines} - set(item_ids))
    if others:
        env.execute_query(SQL(
            "SELECT id FROM account_move_line WHERE id = ANY(%s) ORDER BY id FOR UPDATE", others))
    groups = _groups(env, item_ids)
    return {item_id: group for item_id, group in groups.items()
            if item_id in before and before[item_id].key() == group.key()}


# the price of a new item of a bank entry (``_compute_totals``: an entry's
# item is priced at its amount; no tax in the simple case). Its method does
# not depend on the amount: a reduced suspense item keeps its price.
PRICE_TOTAL = SQL("CASE WHEN s.display_type IN ('product', 'cogs') THEN v.balance END")


def _stored_columns(model):
    return [name for name, field in model._fields.items() if field.store and field.column_type and name != "id"]


def _rewrite_bank_entries(env, proposals, suspenses, pairs):
    """Insert one receivable item per pair on the bank line's entry, for
    the invoice's account and customer and the allocated amount, and the
    bank fees item of each proposal with fees (its write-off amount on the
    company's bank fee account, for its customer), with the values
    ``_credit_rewrite_statement_lines`` gives the ORM's create (the other
    columns as on the suspense item, created the same way); let the ORM
    compute the rest as its create would; delete the suspense items fully
    allocated, reduce the others; mark the entries manually modified.

    :return: ([counterpart item id per pair], [ids of all the new items])
    """
    Line = env["account.move.line"]
    now = env.cr.now()
    uid = env.uid
    # the new items in the order of the ORM's create: per proposal, its
    # invoices' counterparts, then its bank fees
    rows = []  # (suspense, account, partner, name, balance, pair index or None)
    by_proposal = defaultdict(list)
    for index, (proposal, suspense, item, amount) in enumerate(pairs):
        by_proposal[proposal].append((suspense.id, item.account_id.id, item.partner_id.id or None,
                                      proposal.statement_line_id.payment_ref, -amount, index))
    for proposal, suspense in suspenses.items():
        rows += by_proposal[proposal]
        if proposal.writeoff_amount:
            rows.append((suspense.id, proposal.company_id.credit_cash_writeoff_account_id.id,
                         proposal.partner_id.id or None,
                         env._("Bank fees: %(label)s", label=proposal.statement_line_id.payment_ref),
                         proposal.writeoff_amount, None))
    new_ids = next_ids(env.cr, Line, len(rows))
    given = {
        "account_id": SQL("v.account_id"),
        "partner_id": SQL("v.partner_id"),
        "name": SQL("v.name"),
        "balance": SQL("v.balance"),
        "amount_currency": SQL("v.balance"),
    }
    overrides = {
        **given,
        "debit": SQL("GREATEST(v.balance, 0.0)"),
        "credit": SQL("GREATEST(-v.balance, 0.0)"),
        # _compute_amount_residual: the invoices' counterparts are open,
        # the bank fees (an account not reconcilable) have none
        "amount_residual": SQL("CASE WHEN v.pair IS NULL THEN 0.0 ELSE v.balance END"),
        "amount_residual_currency": SQL("CASE WHEN v.pair IS NULL THEN 0.0 ELSE v.balance END"),
        "reconciled": SQL("FALSE"),
        "full_reconcile_id": SQL("NULL"),
        "matching_number": SQL("NULL"),
        # _compute_totals of an entry's item without tax: its amount
        "price_subtotal": PRICE_TOTAL,
        "price_total": PRICE_TOTAL,
        "create_uid": SQL("%s", uid),
        "write_uid": SQL("%s", uid),
        "create_date": SQL("%s", now),
        "write_date": SQL("%s", now),
    }
    columns = _stored_columns(Line)
    env.cr.execute(SQL(
        """
        INSERT INTO account_move_line (id, %(columns)s)
        SELECT v.id, %(values)s
          FROM unnest(%(ids)s::int[], %(suspenses)s::int[], %(accounts)s::int[], %(partners)s::int[],
                      %(names)s::varchar[], %(balances)s::numeric[], %(pairs)s::int[])
               AS v(id, suspense_id, account_id, partner_id, name, balance, pair)
          JOIN account_move_line s ON s.id = v.suspense_id
        """,
        columns=SQL(", ").join(SQL.identifier(name) for name in columns),
        values=SQL(", ").join(overrides.get(name) or SQL.identifier("s", name) for name in columns),
        ids=new_ids,
        suspenses=[row[0] for row in rows],
        accounts=[row[1] for row in rows],
        partners=[row[2] for row in rows],
        names=[row[3] for row in rows],
        balances=[row[4] for row in rows],
        pairs=[row[5] for row in rows],
    ))
    counterpart_ids = [None] * len(pairs)
    for new_id, row in zip(new_ids, rows, strict=True):
        if row[5] is not None:
            counterpart_ids[row[5]] = new_id
    # the suspense items: gone when all is allocated, else what is left
    to_delete, to_reduce = [], []
    for proposal, suspense in suspenses.items():
        left = -suspense.balance - sum(proposal.line_ids.mapped("amount")) + proposal.writeoff_amount
        if proposal.currency_id.is_zero(left):
            to_delete.append(suspense)
        else:
            to_reduce.append((suspense.id, proposal.currency_id.round(left)))
    deleted = Line.concat(*to_delete)
    reduced = Line.browse([row[0] for row in to_reduce])
    items_log = _ItemsLog(env, moves=proposals.statement_line_id.move_id)
    items_log.deleted(deleted)
    items_log.before_update(reduced)
    # what other modules compute from the deleted items, found while they exist
    others = _Recompute(env)
    others.collect(deleted, [name for name, field in Line._fields.items() if field.store])
    if deleted:
        env.cr.execute(SQL("DELETE FROM account_move_line WHERE id = ANY(%s)", deleted.ids))
    if to_reduce:
        env.cr.execute(SQL(
            """
            UPDATE account_move_line l
               SET balance = -v.amount, amount_currency = -v.amount, debit = 0.0, credit = v.amount,
                   write_uid = %s, write_date = %s
              FROM unnest(%s::int[], %s::numeric[]) AS v(id, amount)
             WHERE l.id = v.id
            """,
            uid, now, [row[0] for row in to_reduce], [row[1] for row in to_reduce],
        ))
    _write_statement_lines(env, suspenses, dict(to_reduce))
    fee_moves = proposals.filtered("writeoff_amount").statement_line_id.move_id
    _write_entry_totals(env, fee_moves)
    # what writing an entry's items sets on it (account.move.write), in one
    # statement for all the bank entries: their balance is checked above
    _flag_modified(env, proposals.statement_line_id.move_id)
    # the caches hold nothing to write (flushed by ``apply``)
    env.invalidate_all(flush=False)
    new_lines = Line.browse(new_ids)
    others.collect(reduced, ["balance", "amount_currency", "debit", "credit", "write_uid", "write_date"])
    others.collect(new_lines, [name for name, field in Line._fields.items() if field.store], create=True)
    others.collect(proposals.statement_line_id, ["amount_residual", "is_reconciled"])
    others.collect(fee_moves, list(ENTRY_TOTALS))
    others.mark()
    env.flush_all()
    items_log.after_update()
    items_log.created(new_lines)
    items_log.insert()
    # what the ORM's create of items on a posted entry does: the CEI's daily receivables
    env["credit.control.kpi.balance"]._kpi_lines_changed(new_lines, [])
    env["credit.control.kpi.open"]._kpi_touch(new_lines)
    return counterpart_ids, new_ids


ENTRY_TOTALS = ("amount_total", "amount_total_signed", "amount_total_in_currency_signed")


def _write_entry_totals(env, moves):
    """The totals of the bank entries ``moves`` as ``_compute_amount``
    gives them to a miscellaneous entry (``entry``): the sum of its debit
    items. A bank fee item adds to it; the invoices' counterparts (credits)
    do not."""
    if not moves:
        return
    env.cr.execute(SQL(
        """
        UPDATE account_move m
           SET amount_total = t.total_currency, amount_total_signed = ABS(t.total),
               amount_total_in_currency_signed = ABS(t.total_currency)
          FROM (SELECT move_id, SUM(balance) AS total, SUM(amount_currency) AS total_currency
                  FROM account_move_line
                 WHERE move_id = ANY(%s) AND debit <> 0
              GROUP BY move_id) t
         WHERE m.id = t.move_id AND m.move_type = 'entry'
        """,
        list(moves.ids),
    ))


def _write_statement_lines(env, suspenses, reduced):
    """The residual and reconciled state of the bank lines, as
    ``_compute_is_reconciled`` computes them once their suspense item is
    gone (``reduced`` has no entry for it) or reduced to what is left:
    the residual is what stays on the suspense account (the whole amount
    while the entry is not checked), reconciled when nothing does."""
    rows = []
    for proposal, suspense in suspenses.items():
        st_line = proposal.statement_line_id
        left = -reduced[suspense.id] if suspense.id in reduced else None
        if not st_line.checked:
            residual = -st_line.amount
        else:
            residual = left or 0.0
        reconciled = proposal.currency_id.is_zero(residual) if left is not None else True
        rows.append((st_line.id, residual, reconciled))
    env.cr.execute(SQL(
        """
        UPDATE account_bank_statement_line l
           SET amount_residual = v.residual, is_reconciled = v.reconciled, write_uid = %s, write_date = %s
          FROM unnest(%s::int[], %s::numeric[], %s::bool[]) AS v(id, residual, reconciled)
         WHERE l.id = v.id
        """,
        env.uid, env.cr.now(), [row[0] for row in rows], [row[1] for row in rows], [row[2] for row in rows],
    ))


# The modules whose stored computed fields the adapter writes itself, with
# the values their methods give in the simple case (or leaves as they are
# where they do not change): a field of another module, or whose method
# another module overrides, is left to Odoo's compute.
WRITTEN_BY = ("account", "analytic")


# {fields: their trigger tree, pruned of the fields the adapter writes}
_TREES = {}


class _Recompute:
    """What ``modified`` marks to recompute when items change, but only the
    stored computed fields the adapter does not write itself (``_written_field``):
    each left to Odoo's own method, as it would be."""

    def __init__(self, env):
        self.env = env
        self.todo = defaultdict(set)  # {field: ids}
        self.selected = {}

    def _select(self, field):
        if field not in self.selected:
            self.selected[field] = bool(field.store and field.compute) and not _written_field(self.env, field)
        return self.selected[field]

    def collect(self, records, fnames, create=False):
        """``records`` change (or are about to be deleted) in ``fnames``."""
        if not records:
            return
        # a pruned tree depends on the registry's fields only (new ones
        # when the registry is set up again): built once for them
        key = tuple(records._fields[name] for name in fnames)
        if key not in _TREES:
            if len(_TREES) > 64:
                _TREES.clear()
            _TREES[key] = self.env.registry.get_trigger_tree(list(key), select=self._select)
        tree = _TREES[key]
        if not tree:
            return
        for field, targets, _create in records.sudo().with_context(active_test=False)._modified_triggers(
                tree, create):
            if field.store and field.compute:
                self.todo[field].update(targets._ids)

    def mark(self):
        for field, ids in self.todo.items():
            records = self.env[field.model_name].browse(ids).exists()
            if records:
                self.env.add_to_compute(field, records)
        self.todo.clear()


def _written_field(env, field):
    """Whether the adapter writes the stored computed ``field`` itself: a
    field of the ``WRITTEN_BY`` modules whose method no other module
    overrides."""
    if field.related:
        return field._module in WRITTEN_BY
    if not isinstance(field.compute, str):
        return False
    model = env[field.model_name]
    owners = {cls._module for cls in type(model).__mro__ if field.compute in vars(cls)}
    return bool(owners) and owners <= set(WRITTEN_BY)


class _ItemsLog:
    """What ``account.move.line``'s create, write and unlink log in the
    chatter of a posted entry whose items change ("Journal Item #id
    created / updated / deleted", with the tracked fields' values, as
    ``_mail_track`` gives them), unless tracking is disabled: written in
    SQL at once (``_insert_notes``).

    The tracking values are ``_mail_track``'s, built for all the items at
    once (``_track``): the tracked fields' order, their ``ir.model.fields``
    and an empty item's values read once, not per item (per item, Odoo's
    ``_mail_track`` was a tenth of the bulk application, issue 19). When a
    module overrides how tracking values are made, each item goes through
    Odoo's ``_mail_track``."""

    def __init__(self, env, moves):
        Line = env["account.move.line"]
        self.env = env
        self.active = not env.context.get("tracking_disable")
        self.posted = set(moves.filtered("posted_before").ids)
        tracked = [name for name, field in Line._fields.items()
                   if getattr(field, "tracking", None) and not getattr(field, "related", None)]
        self.ref_fields = Line.fields_get(tracked)
        # as _mail_track_order_fields orders them, the same for every item
        self.order = [name for name, _sequence in Line._mail_track_order_fields(self.ref_fields)]
        self.field_ids = {name: env["ir.model.fields"]._get(Line._name, name).id for name in self.order}
        self.by_odoo = _tracked_by_odoo(env)
        self.notes = []
        self.updated = {}

    def _log(self, lines, template, initial, record=None):
        if not self.active:
            return
        # the deleted items are compared with an empty one, its values the
        # same for all
        empty = record and {name: record[name] for name in self.order}
        for line in lines.filtered(lambda line: line.move_id.id in self.posted):
            if self.by_odoo:
                tracking = [values for _c, _i, values in (record or line)._mail_track(
                    self.ref_fields, initial(line))[1]]
            else:
                tracking = self._track(record or line, initial(line), empty or line)
            if tracking:
                body = get_translation("account", self.env.lang or "en_US", template,
                                       (line._get_html_link(title=f"#{line.id}"),))
                self.notes.append((line.move_id.id, body, tracking))

    def _track(self, record, initial, current):
        """The values of the tracking values ``record._mail_track(
        self.ref_fields, initial)`` creates, ``current`` giving the
        record's values: each changed tracked field (from falsy to falsy is
        no change), made as ``mail.tracking.value._create_tracking_values``
        makes them."""
        tracking = []
        for name in self.order:
            if name not in initial:
                continue
            old, new = initial[name], current[name]
            if new == old or (not new and not old):
                continue
            tracking.append(self._tracking_values(record, name, old, new))
        return tracking

    def _tracking_values(self, record, name, old, new):
        """``_create_tracking_values(old, new, name, ...)`` for the types
        of field Odoo tracks on journal items; any other through it."""
        info = self.ref_fields[name]
        kind = info["type"]
        values = {"field_id": self.field_ids[name]}
        if kind in ("integer", "float", "char", "text", "datetime"):
            values.update({f"old_value_{kind}": old, f"new_value_{kind}": new})
        elif kind == "monetary":
            values.update({"currency_id": record[info["currency_field"]].id,
                           "old_value_float": old, "new_value_float": new})
        elif kind == "date":
            values.update({"old_value_datetime": _date_value(old), "new_value_datetime": _date_value(new)})
        elif kind == "many2one":
            values.update({
                "old_value_integer": old.id if old else 0, "new_value_integer": new.id if new else 0,
                "old_value_char": old.display_name if old else "", "new_value_char": new.display_name if new else "",
            })
        elif kind in ("one2many", "many2many"):
            values.update({
                "old_value_char": ", ".join(old.mapped("display_name")) if old else "",
                "new_value_char": ", ".join(new.mapped("display_name")) if new else "",
            })
        else:
            return self.env["mail.tracking.value"]._create_tracking_values(old, new, name, info, record)
        return values

    def deleted(self, lines):
        """Before ``lines`` are deleted (``unlink``)."""
        self._log(lines, "Journal Item %s deleted", lambda line: line, record=lines.browse([False]))

    def before_update(self, lines):
        if self.active:
            self.updated = {line: {fname: line[fname] for fname in self.ref_fields} for line in lines}

    def after_update(self):
        """After the lines of ``before_update`` are written (``write``)."""
        lines = self.env["account.move.line"].concat(*self.updated)
        self._log(lines, "Journal Item %s updated", lambda line: self.updated[line])

    def created(self, lines):
        """After ``lines`` are created and computed (``create``)."""
        empty = dict.fromkeys(self.ref_fields)
        self._log(lines, "Journal Item %s created", lambda line: empty)

    def insert(self):
        _insert_notes(self.env, "account.move", self.notes)
        self.notes = []


def _date_value(value):
    """A date's tracking value (``_create_tracking_values``): the
    datetime string of its midnight."""
    return value and fields.Datetime.to_string(datetime.combine(fields.Date.from_string(value), time.min)) or False


def _tracked_by_odoo(env):
    """Whether a module other than mail overrides how the tracking values
    of journal items are made (``_mail_track`` and its order, or
    ``_create_tracking_values``): ``_ItemsLog`` then calls
    ``_mail_track`` item by item."""
    for model, methods in (
            (env["account.move.line"], ("_mail_track", "_mail_track_order_fields", "_mail_track_get_field_sequence")),
            (env["mail.tracking.value"], ("_create_tracking_values",))):
        for method in methods:
            if overridden_outside(model, method, {"mail"}):
                return True
    return False


def _flag_invoices(env, invoices):
    """What ``_reconcile_plan`` leaves on every invoice it reconciles: the
    synchronization of its dynamic lines writes it (``needed_terms_dirty``),
    and every write of an entry flags it manually modified."""
    _flag_modified(env, invoices.filtered(lambda move: move.is_invoice(include_receipts=True)))


def _flag_modified(env, moves):
    """Flag ``moves`` manually modified, as every ``account.move.write``
    does. An entry written so already in this statement's work (the
    invoices ``_write_invoices`` wrote) is not written again: a second
    version of each invoice's row for the same values."""
    if not moves:
        return
    env.cr.execute(SQL(
        """
        UPDATE account_move SET is_manually_modified = TRUE, write_uid = %(uid)s, write_date = %(now)s
         WHERE id = ANY(%(ids)s)
           AND (is_manually_modified IS NOT TRUE OR write_uid IS DISTINCT FROM %(uid)s
                OR write_date IS DISTINCT FROM %(now)s)
        """,
        uid=env.uid, now=env.cr.now(), ids=list(moves.ids),
    ))
    moves.invalidate_recordset(["is_manually_modified", "write_uid", "write_date"])
    moves.modified(["is_manually_modified", "write_uid", "write_date"])


def _log_payment_states(env, invoices):
    """Odoo's tracking of the invoices' payment state, written now in SQL
    instead of by ``mail.thread._track_finalize`` when the transaction
    commits (a ``message_post`` or ``_message_log`` per invoice, about half
    of the cost of a match through the ORM): the message and its tracking
    value, with the columns ``_message_track`` gives them.

    Only for an invoice whose tracking Odoo prepared (tracking not
    disabled) and whose payment state is the one tracked field that
    changed, with no author nor body set for its tracking and no follower
    subscribed to "Paid" (``message_post`` would notify them): the others
    are left to Odoo's tracking. The invoices logged here leave Odoo's
    pending tracking, so that a later change in the same transaction is
    tracked from the state they have now, as after a commit.
    """
    Move = env["account.move"]
    pending, candidates = _pending_tracking(env, invoices)
    if not candidates:
        return
    paid_subtype = env.ref("account.mt_invoice_paid")
    followed = {row[0] for row in env.execute_query(SQL(
        """
        SELECT f.res_id
          FROM mail_followers f
          JOIN mail_followers_mail_message_subtype_rel r ON r.mail_followers_id = f.id
         WHERE f.res_model = %s AND f.res_id = ANY(%s) AND r.mail_message_subtype_id = %s
        """,
        Move._name, candidates.ids, paid_subtype.id,
    ))}
    tracked = Move._track_get_fields()
    logged = []  # (invoice, old payment state)
    for invoice in candidates - Move.browse(followed):
        initial = pending[invoice.id]
        changed = {fname for fname, value in initial.items()
                   if fname in tracked and invoice[fname] != value and (value or invoice[fname])}
        if changed == {"payment_state"}:
            logged.append((invoice, initial["payment_state"]))
    if not logged:
        return
    # as _track_finalize: as superuser (only read here: no default values apply)
    sudo_moves = Move.browse([invoice.id for invoice, _old in logged]).sudo()
    labels = dict(sudo_moves.fields_get(["payment_state"], ["selection"])["payment_state"]["selection"])
    email_from = env.user.partner_id.email_formatted
    posted = sudo_moves.filtered(lambda move: move.payment_state == "paid")
    # message_post (a subtype: "Paid") for the paid ones, _message_log for the others
    alias_domains = posted._mail_get_alias_domains(default_company=env.company)
    companies = posted._mail_get_companies(default=env.company)
    reply_tos = posted._notify_get_reply_to(default=email_from)
    parents = dict(env.execute_query(SQL(
        """
        SELECT DISTINCT ON (res_id) res_id, id
          FROM mail_message
         WHERE model = %s AND res_id = ANY(%s) AND message_type != 'user_notification'
      ORDER BY res_id, id
        """,
        Move._name, posted.ids,
    ))) if posted else {}
    old_states = dict((invoice.id, old) for invoice, old in logged)
    field = env["ir.model.fields"]._get(Move._name, "payment_state")
    notes, messages = [], []
    for move in sudo_moves:
        old, new = old_states[move.id], move.payment_state
        tracking = [{"field_id": field.id, "old_value_char": old and labels.get(old, old) or "",
                     "new_value_char": new and labels[new] or ""}]
        if move in posted:
            messages.append({
                "res_id": move.id, "body": "", "tracking": tracking,
                "parent_id": parents.get(move.id), "record_alias_domain_id": alias_domains[move.id].id,
                "record_company_id": companies[move.id].id, "record_name": move.display_name,
                # message_post leaves is_internal unset (NULL)
                "subtype_id": paid_subtype.id, "is_internal": None, "email_add_signature": True,
                "reply_to": reply_tos[move.id],
                "message_id": generate_tracking_message_id(f"{move.id}-{Move._name}"),
            })
        else:
            notes.append((move.id, "", tracking))
    _insert_notes(env, Move._name, notes)
    _insert_messages(env, Move._name, messages)
    for move in sudo_moves:
        pending.pop(move.id, None)


def _pending_tracking(env, records):
    """The tracking Odoo prepared for ``records`` (``_track_prepare``) and
    will write when the transaction commits: ``(pending, candidates)``, the
    initial values by record id, and the records of ``records`` with some,
    without an author or a body set for their tracking (left to Odoo)."""
    data = env.cr.precommit.data
    pending = data.get(f"mail.tracking.{records._name}") or {}
    skip = (set(data.get(f"mail.tracking.author.{records._name}") or ())
            | set(data.get(f"mail.tracking.message.{records._name}") or ()))
    return pending, records.filtered(lambda record: pending.get(record.id) and record.id not in skip)


def _log_tracking(env, records):
    """Odoo's tracking of ``records`` written now in SQL instead of by
    ``mail.thread._track_finalize`` when the transaction commits (a
    ``_message_log`` per record): the note and its tracking values, as
    ``_mail_track`` gives them, for each record whose change posts a plain
    note (no subtype, no default body, no template); the others are left
    to Odoo's tracking. The records logged here leave Odoo's pending
    tracking, as ``_log_payment_states`` does for the invoices.

    Used for the cash proposals' state: a note per proposal cost a tenth of
    the automatic application (issue 19)."""
    pending, candidates = _pending_tracking(env, records)
    if not candidates:
        return
    # as _track_finalize: as superuser, the labels in the writer's language
    sudo_records = candidates.sudo()
    tracked = sudo_records.fields_get(
        sudo_records._track_get_fields(), attributes=("string", "type", "selection", "currency_field"))
    notes, logged = [], []
    for record in sudo_records:
        initial = pending[record.id]
        changes, tracking = record._mail_track(tracked, initial)
        if changes and (record._track_subtype({fname: initial[fname] for fname in changes})
                        or record._track_get_default_log_message(changes) or record._track_template(changes)):
            continue
        logged.append(record.id)
        if tracking:
            notes.append((record.id, "", [values for _command, _id, values in tracking]))
    _insert_notes(env, records._name, notes)
    for record_id in logged:
        pending.pop(record_id, None)


def log_notes(records, bodies):
    """What ``records._message_log_batch(bodies)`` writes (a note per
    record, its text escaped), in one insert."""
    _insert_notes(records.env, records._name, [
        (record_id, escape(bodies.get(record_id, "")), []) for record_id in records.ids])


def _insert_notes(env, model, notes):
    """INSERT what ``_message_log`` (no notification) creates for each
    ``(res_id, body, tracking values)`` of ``notes`` on records of
    ``model``: its message and tracking values."""
    if not notes:
        return
    reply_to = env["mail.thread"]._notify_get_reply_to(
        default=env.user.partner_id.email_formatted)[False]
    subtype_id = env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
    _insert_messages(env, model, [{
        "res_id": res_id, "body": body, "tracking": tracking,
        "parent_id": None, "record_alias_domain_id": None, "record_company_id": None, "record_name": None,
        "subtype_id": subtype_id, "is_internal": True, "email_add_signature": False, "reply_to": reply_to,
        "message_id": generate_tracking_message_id("message-notify"),
    } for res_id, body, tracking in notes])


TRACKING_COLUMNS = (
    ("field_id", "int"), ("currency_id", "int"),
    ("old_value_integer", "int"), ("new_value_integer", "int"),
    ("old_value_char", "varchar"), ("new_value_char", "varchar"),
    ("old_value_float", "float8"), ("new_value_float", "float8"),
    ("old_value_datetime", "timestamp"), ("new_value_datetime", "timestamp"),
    ("old_value_text", "text"), ("new_value_text", "text"),
)


def _insert_messages(env, model, messages):
    """INSERT the messages of ``messages`` (dicts of their varying columns,
    with ``tracking``: the values ``mail.tracking.value.create`` takes) on
    records of ``model``, authored by the current user as
    ``_message_compute_author`` makes them, in the columns
    ``mail.message.create`` writes; then their tracking values."""
    if not messages:
        return
    Message = env["mail.message"]
    author = env.user.partner_id
    uid, now = env.uid, env.cr.now()

    def column(key, cast):
        return SQL("%s::%s[]", [message[key] or None for message in messages], SQL(cast))

    message_ids = [row[0] for row in env.execute_query(SQL(
        """
        INSERT INTO mail_message
               (model, res_id, parent_id, record_alias_domain_id, record_company_id, record_name, subtype_id,
                is_internal, email_add_signature, reply_to, message_id, body, message_type, author_id,
                email_from, date, create_uid, write_uid, create_date, write_date)
        SELECT %(model)s, res_id, parent_id, alias_domain_id, company_id, record_name, subtype_id,
               is_internal, COALESCE(signature, FALSE), reply_to, message_id, body,
               'notification', %(author)s, %(email_from)s, %(date)s, %(uid)s, %(uid)s, %(now)s, %(now)s
          FROM unnest(%(res_ids)s, %(parents)s, %(alias_domains)s, %(companies)s, %(names)s, %(subtypes)s,
                      %(internals)s, %(signatures)s, %(reply_tos)s, %(message_ids)s, %(bodies)s::text[])
               WITH ORDINALITY AS t(res_id, parent_id, alias_domain_id, company_id, record_name, subtype_id,
                                    is_internal, signature, reply_to, message_id, body, position)
      ORDER BY position
     RETURNING id
        """,
        model=model, author=author.id or None, email_from=author.email_formatted, date=fields.Datetime.now(),
        uid=uid, now=now,
        res_ids=column("res_id", "int"), parents=column("parent_id", "int"),
        alias_domains=column("record_alias_domain_id", "int"), companies=column("record_company_id", "int"),
        names=column("record_name", "varchar"), subtypes=column("subtype_id", "int"),
        # is_internal as given: TRUE, FALSE or NULL (unset) as the ORM's create leaves it
        internals=SQL("%s::bool[]", [message["is_internal"] for message in messages]),
        signatures=column("email_add_signature", "bool"),
        reply_tos=column("reply_to", "varchar"), message_ids=column("message_id", "varchar"),
        bodies=_stored_bodies(Message, [message["body"] for message in messages]),
    ))]
    values = [(message_id, tracking) for message_id, message in zip(message_ids, messages, strict=True)
              for tracking in message["tracking"]]
    if values:
        Tracking = env["mail.tracking.value"]
        env.execute_query(SQL(
            """
            INSERT INTO mail_tracking_value
                   (mail_message_id, %(columns)s, create_uid, write_uid, create_date, write_date)
            SELECT t.*, %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM unnest(%(message_ids)s::int[], %(arrays)s) AS t
            """,
            columns=SQL(", ").join(SQL.identifier(name) for name, _cast in TRACKING_COLUMNS),
            uid=uid, now=now,
            message_ids=[message_id for message_id, _tracking in values],
            arrays=SQL(", ").join(
                SQL("%s::%s[]", [_tracking_column(Tracking, tracking, name) for _m, tracking in values], SQL(cast))
                for name, cast in TRACKING_COLUMNS),
        ))
    # what the ORM's create of messages invalidates: the chatter of the records
    Message.invalidate_model()
    env[model].browse(sorted({message["res_id"] for message in messages})).invalidate_recordset(["message_ids"])


NUMBERS = re.compile(r"\d+")


def _stored_bodies(Message, bodies):
    """``bodies`` as the ORM's create of messages stores them (the body's
    ``convert_to_column``: sanitized), each shape sanitized once: the
    bodies of a batch differ by their numbers (item ids, amounts), which
    the sanitizer leaves as they are (``convert_by_shape``). Each number
    stands as 0 in the shape: a digit, so that a number inside an entity
    (``&#160;``) makes the shape's entity another one, which the sanitizer
    rewrites, and the body is then sanitized on its own."""
    field = Message._fields["body"]
    return convert_by_shape(lambda body: field.convert_to_column(body, Message), bodies, NUMBERS, slot="0")


def _tracking_column(Tracking, tracking, name):
    """A value of ``mail.tracking.value.create`` as the ORM's create stores
    it: converted by its field when given, else NULL (no default)."""
    if name not in tracking:
        return None
    return Tracking._fields[name].convert_to_column(tracking[name], Tracking)
