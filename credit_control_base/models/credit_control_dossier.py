import logging

from markupsafe import Markup
from psycopg2.errors import UniqueViolation

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.models import PREFETCH_MAX
from odoo.osv import expression
from odoo.tools import SQL, clean_context, mute_logger, split_every

from ..const import COLLECTIBLE_MOVE_TYPES, DOSSIER_AGING_FIELDS
from ..tools.sql import one_of
from .credit_control_kpi import AGING_KEYS
from .res_partner import LIMIT_SOURCE_KEY

_logger = logging.getLogger(__name__)

# Up to this many dossiers, their amounts look each one's contacts up
# (``_credit_amounts_query``); beyond, all the contacts are read at once.
FEW_DOSSIERS = 1000

# Operators the amount searches accept, mapped to their SQL spelling.
SEARCH_OPERATORS = {
    "=": SQL("="),
    "!=": SQL("<>"),
    "<": SQL("<"),
    "<=": SQL("<="),
    ">": SQL(">"),
    ">=": SQL(">="),
}


# Who reads what a customer owes and may owe: the credit roles, from Credit
# Info up (the customer's salesperson, collectors, managers). Core hides
# res.partner's credit and credit_limit from users without accounting
# rights; the dossier computes them under sudo, so it hides them in turn.
MONEY_GROUPS = "credit_control_base.group_credit_control_info"


class CreditControlDossier(models.Model):
    """The credit file of one customer (commercial entity) in one company:
    who collects it, its segment, its limit and what it owes. Its chatter is
    the collaborative history of the collection."""

    _name = "credit.control.dossier"
    _description = "Customer Credit Dossier"
    _inherit = [
        "mail.thread", "mail.activity.mixin", "credit.control.dossier.statement", "credit.control.dossier.priority",
    ]
    _order = "name, id"
    _check_company_auto = True
    # Salespeople take part in the collection: they comment on the dossiers
    # of their customers without being able to change them.
    _mail_post_access = "read"

    _sql_constraints = [
        (
            "partner_company_uniq",
            "unique(partner_id, company_id)",
            "A customer has one credit dossier per company.",
        ),
    ]

    name = fields.Char(related="partner_id.name", store=True, index="trigram")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("parent_id", "=", False)],
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        index=True,
        tracking=True,
        domain=lambda self: [
            ("groups_id", "in", self.env.ref("credit_control_base.group_credit_control_collector").ids)
        ],
        help="The credit collector in charge of this customer.",
    )
    salesperson_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")
    segment_id = fields.Many2one(
        "credit.control.segment",
        string="Segment",
        index=True,
        tracking=True,
        check_company=True,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help="Given by the first segment rule the customer matches, unless a user chose it (Segment "
        "Set by Hand). The segment decides the reminder scenario and the provision rates.",
    )
    segment_manual = fields.Boolean(
        string="Segment Set by Hand",
        tracking=True,
        help="Keep the segment chosen by a user: the segment rules no longer "
        "change it.",
    )
    dunning_contact_id = fields.Many2one(
        "res.partner",
        compute="_compute_dunning_contact_id",
        string="Dunning Contact",
        help="Who receives the reminders: the customer's contact of type "
        "'Dunning Address', else its invoice address.",
    )
    # Amounts in company currency, from the open receivable journal items.
    open_amount = fields.Monetary(
        compute="_compute_amounts",
        groups=MONEY_GROUPS,
        search="_search_open_amount",
        string="Outstanding",
        help="Balance of the customer's open receivable items: invoices not "
        "yet paid minus unused credit notes and payments.",
    )
    overdue_amount = fields.Monetary(
        compute="_compute_amounts",
        groups=MONEY_GROUPS,
        search="_search_overdue_amount",
        string="Overdue",
        help="Sum of what is left to pay on items whose due date has passed.",
    )
    unapplied_amount = fields.Monetary(
        compute="_compute_amounts",
        groups=MONEY_GROUPS,
        string="Unapplied Credits",
        help="Payments received and credit notes not matched with an invoice yet, the customer's "
        "contacts' included: the outstanding is already net of them.",
    )
    amount_not_due = fields.Monetary(compute="_compute_amounts", string="Not Due", groups=MONEY_GROUPS)
    amount_1_30 = fields.Monetary(compute="_compute_amounts", string="1-30 Days", groups=MONEY_GROUPS)
    amount_31_60 = fields.Monetary(compute="_compute_amounts", string="31-60 Days", groups=MONEY_GROUPS)
    amount_61_90 = fields.Monetary(compute="_compute_amounts", string="61-90 Days", groups=MONEY_GROUPS)
    amount_91_120 = fields.Monetary(compute="_compute_amounts", string="91-120 Days", groups=MONEY_GROUPS)
    amount_120_plus = fields.Monetary(compute="_compute_amounts", string="Over 120 Days", groups=MONEY_GROUPS)
    max_days_overdue = fields.Integer(
        compute="_compute_amounts",
        search="_search_max_days_overdue",
        string="Days Overdue",
        help="Days past the due date of the oldest item still to be paid.",
    )
    overdue_invoice_count = fields.Integer(compute="_compute_amounts", string="Overdue Invoices")
    credit_limit = fields.Monetary(
        compute="_compute_credit_limit",
        groups=MONEY_GROUPS,
        inverse="_inverse_credit_limit",
        help="Maximum exposure accepted for this customer in this company; "
        "0 means no limit. Only credit managers can raise or remove it; collectors may lower it.",
    )
    exposure = fields.Monetary(
        compute="_compute_exposure",
        groups=MONEY_GROUPS,
        help="Outstanding plus what is ordered but not yet invoiced.",
    )
    limit_usage = fields.Float(
        compute="_compute_exposure",
        groups=MONEY_GROUPS,
        string="Limit Used (%)",
        help="Exposure divided by the credit limit.",
    )
    limit_breached = fields.Boolean(
        compute="_compute_exposure",
        groups=MONEY_GROUPS,
        search="_search_limit_breached",
        help="The exposure (open invoices and orders not invoiced yet) is above the credit limit.",
    )

    document_count = fields.Integer(compute="_compute_document_count", string="Documents")

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    def _compute_document_count(self):
        counts = dict(self.env["credit.control.document"]._read_group(
            [("dossier_id", "in", self.ids)], ["dossier_id"], ["__count"]
        ))
        for dossier in self:
            dossier.document_count = counts.get(dossier, 0)

    @api.depends("partner_id")
    def _compute_dunning_contact_id(self):
        for dossier in self:
            dossier.dunning_contact_id = dossier.partner_id._credit_get_dunning_contact()

    def _compute_amounts(self):
        amounts = self._credit_fetch_amounts()
        empty = dict.fromkeys(self._credit_amount_fields(), 0)
        for dossier in self:
            dossier.update(amounts.get(dossier._origin.id, empty))

    @api.depends("partner_id", "company_id")
    def _compute_credit_limit(self):
        for company, dossiers in self.grouped("company_id").items():
            partners = dossiers.partner_id.with_company(company).sudo()
            limits = dict(zip(partners.ids, partners.mapped("credit_limit"), strict=True))
            for dossier in dossiers:
                dossier.credit_limit = limits.get(dossier.partner_id.id, 0.0)

    def _inverse_credit_limit(self):
        # One rule wherever the limit is written (res.partner): raising or
        # removing it needs the credit-manager right, lowering it does not.
        # Checked here first, then written under sudo (a collector may have
        # no right on the partner's field), which logs it on the dossier.
        partners = {dossier: dossier.partner_id.with_company(dossier.company_id).sudo() for dossier in self}
        self.env["res.partner"]._credit_check_limit_changes([
            (dossier.partner_id.display_name, partners[dossier].credit_limit, dossier.credit_limit)
            for dossier in self
        ])
        for dossier in self:
            partner = partners[dossier].with_context(**{LIMIT_SOURCE_KEY: "dossier"})
            if partner.credit_limit != dossier.credit_limit:
                partner.credit_limit = dossier.credit_limit

    @api.depends("open_amount", "credit_limit")
    def _compute_exposure(self):
        for company, dossiers in self.grouped("company_id").items():
            to_invoice = dossiers.partner_id.with_company(company).sudo()
            to_invoice = dict(zip(to_invoice.ids, to_invoice.mapped("credit_to_invoice"), strict=True))
            for dossier in dossiers:
                exposure = dossier.open_amount + (to_invoice.get(dossier.partner_id.id) or 0.0)
                limit = dossier.credit_limit
                dossier.exposure = exposure
                dossier.limit_usage = exposure / limit * 100 if limit > 0 else 0.0
                dossier.limit_breached = self._credit_over_limit(dossier.currency_id, exposure, limit)

    # ------------------------------------------------------------------
    # SEARCH
    # ------------------------------------------------------------------

    def _search_open_amount(self, operator, value):
        return self._credit_search_aggregate("open_amount", operator, value)

    def _search_overdue_amount(self, operator, value):
        return self._credit_search_aggregate("overdue_amount", operator, value)

    def _search_max_days_overdue(self, operator, value):
        return self._credit_search_aggregate("max_days_overdue", operator, value)

    def _search_limit_breached(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(_("Unsupported search on the credit limit breach."))
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", self._credit_limit_breached_ids())]

    @api.model
    def _credit_limit_breached_ids(self):
        """The ids of the dossiers over their credit limit, as
        ``_compute_exposure`` decides it.

        Only customers with a limit can be over it. The limit is the
        partner's, per company: the partners with one are searched per
        company, and what their dossiers owe is read in one query from
        today's open items as kept per item (``credit.control.kpi.open``),
        as the other searches on amounts. Whether they owe something does
        not matter: orders not invoiced yet are exposure too. Read as
        tuples, not records: through the dossiers' fields, the search took
        3.3 s at 57,000 customers with a limit (1.6 s of it in Python)."""
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        open_amount = self._credit_amounts_select(kept=True)["open_amount"]
        breached = []
        for [company] in self._read_group([], ["company_id"]):
            partners = Partner.with_company(company).search_fetch([("credit_limit", ">", 0)], ["credit_limit"])
            if not partners:
                continue
            limited = SQL("company_id = %s AND partner_id = ANY(%s)", company.id, partners.ids)
            rows = self.env.execute_query(SQL(
                "SELECT id, partner_id, value::float8 FROM (%s) a",
                self._credit_kept_amounts_query(open_amount, limited),
            ))
            limits = dict(zip(partners.ids, partners.mapped("credit_limit"), strict=True))
            # computed a prefetch batch at a time: on the whole recordset,
            # each batch's computation looked through all the others (0.9 s)
            to_invoice = {}
            for ids in split_every(PREFETCH_MAX, [partner_id for _dossier_id, partner_id, _owed in rows]):
                owing = partners.browse(ids)
                to_invoice.update(zip(owing.ids, owing.mapped("credit_to_invoice"), strict=True))
            breached += [
                dossier_id for dossier_id, partner_id, owed in rows
                if self._credit_over_limit(
                    company.currency_id, owed + (to_invoice.get(partner_id) or 0.0), limits[partner_id],
                )
            ]
        return breached

    @api.model
    def _credit_over_limit(self, currency, exposure, limit):
        """Whether ``exposure`` is over a ``limit`` (none when 0) once both
        are rounded to ``currency``. Rounded and compared only near the
        limit (57,000 comparisons cost 0.9 s): rounding is monotonic, so
        below the limit is never over, and two roundings above is over."""
        if limit <= 0 or exposure <= limit:
            return False
        return exposure - limit >= 2 * currency.rounding or currency.compare_amounts(exposure, limit) > 0

    def _credit_search_aggregate(self, field_name, operator, value):
        if operator not in SEARCH_OPERATORS or not isinstance(value, (int, float)):
            raise ValidationError(
                _("Unsupported search: %(field)s %(operator)s %(value)s",
                  field=self._fields[field_name].string, operator=operator, value=value)
            )
        # Searched on today's open items as kept per item
        # (``credit.control.kpi.open``: computed from the one definition of
        # an open item, proven equal to the ledger), not on the journal
        # items: the search computes every dossier (1.0 against 0.45 s at
        # 1M invoices). The amounts shown and printed still read the ledger.
        select = self._credit_amounts_select(kept=True)[field_name]
        query = SQL(
            "SELECT id FROM (%s) a WHERE value %s %s",
            self._credit_kept_amounts_query(select), SEARCH_OPERATORS[operator], value,
        )
        return [("id", "in", SQL("(%s)", query))]

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_kept_amounts_query(self, select, where=None):
        """Query of each dossier's ``id``, ``partner_id`` and ``value``, the
        aggregate ``select`` (of ``_credit_amounts_select(kept=True)``) of
        today's open items as kept per item (``credit.control.kpi.open``:
        computed from the one definition of an open item, proven equal to
        the ledger): what the searches on amounts read. Summed per customer
        first, then joined to the dossiers (a customer has one per
        company); a dossier without open items has 0.

        :param where: only the dossiers and items matching this SQL on
            ``company_id`` and ``partner_id`` (both have them)
        """
        where = where or SQL("TRUE")
        # a search is a subquery of someone else's query: write first
        self.env["credit.control.kpi.open"]._kpi_refresh()
        self.flush_model(["partner_id", "company_id"])
        return SQL(
            """
            SELECT d.id, d.partner_id, COALESCE(a.value, 0) AS value
              FROM (SELECT id, partner_id, company_id FROM credit_control_dossier WHERE %(where)s) d
         LEFT JOIN (SELECT l.company_id, l.partner_id, %(select)s AS value
                      FROM (SELECT * FROM credit_control_kpi_open WHERE %(where)s) l
                      JOIN res_company c ON c.id = l.company_id
                  GROUP BY 1, 2) a ON a.partner_id = d.partner_id AND a.company_id = d.company_id
            """,
            select=select, where=where,
        )

    @api.model
    def _credit_amount_fields(self):
        return list(self._credit_amounts_select())

    @api.model
    def _credit_amounts_select(self, kept=False):
        """SQL aggregates over the open receivable items ``l`` of a dossier
        ``d``, keyed by the field they compute.

        :param kept: ``l`` is a row of today's open items as kept per item
            (``credit.control.kpi.open``: its ``residual`` and due date),
            not a journal item
        """
        today = fields.Date.context_today(self)
        Line = self.env["account.move.line"]
        residual = SQL("l.residual") if kept else SQL("l.amount_residual")
        due = SQL("l.date_maturity") if kept else None
        days_late = Line._credit_days_late_sql(today, due=due)
        overdue = Line._credit_overdue_sql(today, residual=residual, due=due)
        select = {
            "open_amount": SQL("COALESCE(SUM(%s), 0)", residual),
            "overdue_amount": SQL("COALESCE(SUM(%s) FILTER (WHERE %s), 0)", residual, overdue),
            "unapplied_amount": SQL("COALESCE(-SUM(%s) FILTER (WHERE %s < 0), 0)", residual, residual),
            "max_days_overdue": SQL("COALESCE(MAX(%s) FILTER (WHERE %s), 0)", days_late, overdue),
            "overdue_invoice_count": SQL("COUNT(DISTINCT l.move_id) FILTER (WHERE %s)", overdue),
        }
        # the buckets of the dossier's company (``c``), as in the aged balance
        bucket = self.env["credit.control.kpi"]._kpi_bucket_sql(days_late, "c")
        for fname, key in zip(DOSSIER_AGING_FIELDS, AGING_KEYS, strict=True):
            select[fname] = SQL(
                "COALESCE(SUM(%s) FILTER (WHERE %s = %s), 0)", residual, bucket, key
            )
        return select

    def _credit_amounts_query(self, where, columns, having=None, few=False):
        """One query over every dossier matching ``where``: the open
        receivable items of its customer and its customer's contacts (a
        payment made by a contact carries the contact) in its company,
        grouped by dossier. The partial index on open items keeps it
        proportional to what is open, not to the size of the ledger.

        :param few: ``where`` picks a few dossiers (a list of at most
            ``FEW_DOSSIERS`` ids): their contacts are looked up dossier by
            dossier in the index of the commercial entity. Left to itself,
            PostgreSQL read every contact to hash them for 500 dossiers
            (50 against 28 ms a batch of the cash application's
            priorities); for many more, reading them all is the cheaper.
        """
        contacts = SQL("res_partner p ON p.commercial_partner_id = d.partner_id")
        if few:
            # OFFSET 0: a subquery PostgreSQL keeps apart, run per dossier
            contacts = SQL(
                "LATERAL (SELECT id FROM res_partner WHERE commercial_partner_id = d.partner_id OFFSET 0) p ON TRUE"
            )
        return SQL(
            """
            SELECT %(columns)s
              FROM credit_control_dossier d
              JOIN res_company c ON c.id = d.company_id
         LEFT JOIN %(contacts)s
         LEFT JOIN account_move_line l
                ON l.partner_id = p.id
               AND l.company_id = d.company_id
               AND %(open_item)s
             WHERE %(where)s
          GROUP BY d.id
            HAVING %(having)s
            """,
            columns=columns,
            contacts=contacts,
            open_item=self.env["account.move.line"]._credit_open_item_sql(),
            where=where,
            having=having or SQL("TRUE"),
        )

    def _credit_amounts_query_of(self, ids, columns):
        """``_credit_amounts_query`` of the dossiers ``ids``, their contacts
        looked up dossier by dossier when they are few."""
        return self._credit_amounts_query(SQL("d.id IN %s", tuple(ids)), columns, few=len(ids) <= FEW_DOSSIERS)

    def _credit_fetch_amounts(self):
        """Return {dossier id: {field: value}} for the dossiers of ``self``
        in a single query."""
        ids = [id_ for id_ in self._origin.ids if id_]
        if not ids:
            return {}
        self.env["account.move.line"]._credit_flush_open_items()
        self.env["res.company"].flush_model([f"credit_aging_limit_{i}" for i in range(1, 5)])
        select = self._credit_amounts_select()
        names = list(select)
        query = self._credit_amounts_query_of(ids, SQL(", ").join([SQL("d.id"), *select.values()]))
        return {row[0]: dict(zip(names, row[1:], strict=True)) for row in self.env.execute_query(query)}

    def _credit_fetch_limit_usage(self):
        """Return ``{dossier id: (limit used %, breached)}``, as
        ``_compute_exposure`` computes ``limit_usage`` and
        ``limit_breached``, but from the one-query amounts and a batch read
        of the partners, and only for customers with a limit: going through
        the computed fields costs a cache write per field and record (the
        search of the dossiers over their limit, 57,000 customers with a
        limit at 1M invoices: 14.5 s through them, 7.6 s without)."""
        result = dict.fromkeys(self.ids, (0.0, False))
        for company, dossiers in self.grouped("company_id").items():
            # The partners' limits fetched in one query: read record by
            # record, each read of a large recordset walks its prefetch set
            # (11.6 s for 57,000 partners at 1M invoices). Fetched by id, not
            # searched on the limit: PostgreSQL then read every partner with
            # a limit for each batch (86 ms a batch at 1M invoices, 15 ms at
            # 100k). Archived customers too: a dossier's limit is its partner's.
            partners = self.env["res.partner"].with_company(company).sudo().browse(dossiers.partner_id.ids)
            partners.fetch(["credit_limit"])
            partners = partners.filtered(lambda partner: partner.credit_limit > 0)
            limits = {partner.id: partner.credit_limit for partner in partners}
            limited = dossiers.filtered(lambda d, limits=limits: d.partner_id.id in limits)
            if not limited:
                continue
            amounts = limited._credit_fetch_amounts()
            to_invoice = {partner.id: partner.credit_to_invoice for partner in partners}
            for dossier in limited:
                partner_id = dossier.partner_id.id
                exposure = amounts.get(dossier.id, {}).get("open_amount", 0.0) + (to_invoice.get(partner_id) or 0.0)
                limit = limits[partner_id]
                over = self._credit_over_limit(company.currency_id, exposure, limit)
                result[dossier.id] = (exposure / limit * 100, over)
        return result

    def _credit_fetch_unapplied(self):
        """``{dossier id: [(document name, amount)]}``: the unapplied
        credits of the dossiers of ``self`` (positive amounts in company
        currency, oldest first), in one query."""
        if not self.ids:
            return {}
        Line = self.env["account.move.line"]
        Line._credit_flush_open_items()
        result = {}
        for dossier_id, name, amount in self.env.execute_query(SQL(
            """
            SELECT d.id, m.name, -l.amount_residual
              FROM credit_control_dossier d
              JOIN res_partner p ON p.commercial_partner_id = d.partner_id
              JOIN account_move_line l ON l.partner_id = p.id AND l.company_id = d.company_id
              JOIN account_move m ON m.id = l.move_id
             WHERE d.id = ANY(%(ids)s)
               AND %(open_item)s
               AND l.amount_residual < 0
          ORDER BY d.id, %(due)s, l.id
            """,
            ids=self.ids,
            open_item=Line._credit_open_item_sql(),
            due=Line._credit_due_date_sql(),
        )):
            result.setdefault(dossier_id, []).append((name, float(amount)))
        return result

    def _credit_unapplied_credits(self):
        """The unapplied credits of the customer (its contacts' included):
        payments and credit notes not matched yet, as item dicts
        (``account.move.line._credit_item_values``) with positive amounts,
        oldest first."""
        self.ensure_one()
        lines = self.env["account.move.line"].search([
            ("partner_id.commercial_partner_id", "=", self.partner_id.id),
            ("company_id", "=", self.company_id.id),
            ("parent_state", "=", "posted"),
            ("account_id.account_type", "=", "asset_receivable"),
            ("amount_residual", "<", 0),
        ])
        items = lines._credit_item_values()
        for item in items:
            item["amount"], item["amount_company"] = -item["amount"], -item["amount_company"]
        return items

    @api.model
    def _ensure_dossiers(self, moves=None):
        """Create the missing dossiers of the customers who have posted
        receivable items, in the moves ``moves`` or anywhere. Found in one
        query, created through ``create()`` in one batch, so that the
        defaults and overrides of other modules apply to them as to a
        dossier made by hand."""
        move_filter = one_of(SQL("l.move_id"), moves.ids) if moves else SQL("TRUE")
        self.env["account.move.line"].flush_model(["partner_id", "company_id", "parent_state", "account_id"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.flush_model(["partner_id", "company_id"])
        rows = self.env.execute_query(SQL(
            """
            SELECT DISTINCT p.commercial_partner_id, l.company_id
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id AND a.account_type = 'asset_receivable'
              JOIN res_partner p ON p.id = l.partner_id
             WHERE l.parent_state = 'posted' AND %(move_filter)s
               AND NOT EXISTS (
                       SELECT 1 FROM credit_control_dossier d
                        WHERE d.partner_id = p.commercial_partner_id AND d.company_id = l.company_id)
          ORDER BY 1, 2
            """,
            move_filter=move_filter,
        ))
        dossiers = self._credit_create_dossiers([
            {"partner_id": partner_id, "company_id": company_id} for partner_id, company_id in rows
        ])
        dossiers._assign_segments()
        return dossiers

    @api.model
    def _credit_create_dossiers(self, vals_list):
        """``create()`` the dossiers of ``vals_list`` in one batch; return
        those created.

        Two transactions posting the first invoices of a new customer at
        once both find its dossier missing: the later one is refused by the
        unique constraint. It then creates them one by one, each in its own
        savepoint, and leaves out those the other transaction made (under
        Odoo's repeatable-read isolation it cannot read them before its
        own transaction ends).

        The context of the caller (an invoice posted from a form) carries
        ``default_*`` keys meant for invoices, not dossiers: it is cleaned.
        Creating a dossier neither logs nor subscribes anyone, as the
        segment rules assigning it next do not.
        """
        if not vals_list:
            return self.browse()
        Dossier = self.with_context(clean_context(self.env.context), tracking_disable=True)
        # flush=False: a failed savepoint would otherwise drop the caches and
        # the precommit hooks (tracking of the invoices being posted) of the
        # whole transaction; the refused INSERT leaves nothing in the cache.
        try:
            with self.env.cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                return Dossier.create(vals_list)
        except UniqueViolation:
            _logger.info("Some of %s credit dossiers created by another transaction meanwhile", len(vals_list))
        dossiers = self.browse()
        for vals in vals_list:
            try:
                with self.env.cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                    dossiers |= Dossier.create(vals)
            except UniqueViolation:
                _logger.info(
                    "Credit dossier of partner %s in company %s created by another transaction meanwhile",
                    vals["partner_id"], vals["company_id"],
                )
        return dossiers

    def _credit_open_invoices(self):
        """The posted customer invoices of these dossiers still to be paid,
        in due date order."""
        domains = [
            [("commercial_partner_id", "=", dossier.partner_id.id), ("company_id", "=", dossier.company_id.id)]
            for dossier in self
        ]
        return self.env["account.move"].search(expression.AND([
            [
                ("move_type", "in", COLLECTIBLE_MOVE_TYPES),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ],
            expression.OR(domains) if domains else expression.FALSE_DOMAIN,
        ]), order="invoice_date_due, id")

    def _assign_segments(self):
        """Give each dossier not set by hand the first segment, in sequence
        order, whose rule it matches: one search per segment, whatever the
        number of dossiers. The dossiers are sorted and compared in
        searches, not record by record (200,000 dossiers each night)."""
        Segment = self.env["credit.control.segment"]
        todo = [("id", "in", self.ids), ("segment_manual", "=", False)]
        for company, ids in self._read_group(todo, ["company_id"], ["id:array_agg"]):
            remaining = self.browse(ids)
            target = {}
            for segment in Segment.search([("company_id", "in", [False, company.id])]):
                if not remaining:
                    break
                matched = self.search(
                    expression.AND([[("id", "in", remaining.ids)], segment._parse_rule_domain()])
                )
                target[segment] = matched
                remaining -= matched
            target[Segment] = remaining
            for segment, matched in target.items():
                if not matched:
                    continue
                changed = self.search([("id", "in", matched.ids), ("segment_id", "!=", segment.id)])
                # A bulk recomputation would flood the chatters: the segment
                # in force is visible on the dossier itself.
                changed.with_context(tracking_disable=True, credit_segment_by_rule=True).write(
                    {"segment_id": segment.id}
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        """Override to title the aging amounts with the bucket limits of the
        current company (Settings), which they follow."""
        result = super().fields_get(allfields, attributes)
        labels = dict(self.env["credit.control.kpi"]._kpi_bucket_labels())
        for fname, key in zip(DOSSIER_AGING_FIELDS, AGING_KEYS, strict=True):
            if "string" in result.get(fname, {}):
                result[fname]["string"] = labels[key]
        return result

    def _check_company(self, fnames=None):
        """Override: the segment rules write one segment on many dossiers of
        one company at once (``credit_segment_by_rule``), nothing else: a
        write gives all of them the same value, so checked on one of them
        it is checked for all (record by record, 5 s for 200,000
        dossiers). Their company is counted in the database: read through
        the records it cost as much as the check."""
        if self.env.context.get("credit_segment_by_rule") and len(self) > 1:
            self.flush_model(["company_id"])
            [(companies,)] = self.env.execute_query(SQL(
                "SELECT COUNT(DISTINCT company_id) FROM credit_control_dossier WHERE id = ANY(%s)", self.ids,
            ))
            if companies == 1:
                return super(CreditControlDossier, self[:1])._check_company(fnames)
        return super()._check_company(fnames)

    def write(self, vals):
        # A segment chosen by a user (form, import, RPC) is kept by the rules.
        if (
            "segment_id" in vals
            and "segment_manual" not in vals
            and not self.env.context.get("credit_segment_by_rule")
        ):
            vals = dict(vals, segment_manual=bool(vals["segment_id"]))
        return super().write(vals)

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_open_invoices(self):
        return self._credit_open_invoices_action([])

    def action_open_overdue_invoices(self):
        return self._credit_open_invoices_action([("credit_is_overdue", "=", True)])

    def _credit_open_invoices_action(self, domain):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("credit_control_base.credit_control_invoice_action")
        action["domain"] = expression.AND([
            [
                ("commercial_partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("move_type", "in", ("out_invoice", "out_refund", "out_receipt")),
                ("state", "=", "posted"),
            ],
            domain,
        ])
        action["context"] = {"search_default_open": 1}
        return action

    def action_open_documents(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("credit_control_base.credit_control_document_action")
        action["domain"] = [("dossier_id", "=", self.id)]
        return action

    def action_reset_segment(self):
        """Give the segment back to the rules."""
        self.segment_manual = False
        self._assign_segments()
        return True

    # ------------------------------------------------------------------
    # HOOKS
    # ------------------------------------------------------------------

    def _credit_get_behaviour_facts(self):
        """Extension point: what the customer said and did beyond its
        payments, for scoring. Return ``{dossier id: {fact: count}}`` for
        the dossiers of ``self``; the disputes module fills in promises and
        disputes."""
        return {dossier.id: {"kept_promises": 0, "broken_promises": 0, "open_disputes": 0} for dossier in self}

    def _credit_statement_url(self):
        """Extension point: a link to this customer's statement that works
        without a portal account, for reminders; ``False`` when there is
        none. The portal module returns a signed link that expires."""
        self.ensure_one()
        return False

    def _credit_statement_short_url(self):
        """Extension point: the short form of ``_credit_statement_url``
        printed on letters (with its QR code); ``False`` when there is none.
        The portal module returns ``/cc/<code>``."""
        self.ensure_one()
        return False

    def _credit_reminder_history(self, limit=20):
        """Extension point: the reminders this customer received, newest
        first, as ``[{"date", "channel", "name", "amount"}]`` for the
        customer's statement. Base sends none; the scenario module fills it."""
        self.ensure_one()
        return []

    @api.model
    def _credit_call_outcomes(self):
        """Extension point: the outcomes a collector can record after a call,
        as a selection list. Higher modules add theirs (promise, dispute)."""
        return [
            ("no_answer", _("No answer")),
            ("wrong_number", _("Wrong number")),
            ("will_pay_today", _("Will pay today")),
            ("other", _("Other")),
        ]

    def _credit_apply_call_outcome(self, outcome, note=None, values=None):
        """Record a call outcome on the dossier and let higher modules act on
        it (``values`` carries what they need: a date, an amount, invoices).
        Return the records created, if any (base creates none)."""
        self.ensure_one()
        label = dict(self._credit_call_outcomes()).get(outcome)
        if not label:
            raise ValidationError(_("Unknown call outcome: %s", outcome))
        body = _("Call outcome: %(outcome)s", outcome=label)
        self.message_post(body=body if not note else Markup("%s<br/>%s") % (body, note))
        return self.env["base"]

    # ------------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------------

    @api.model
    def _cron_refresh_dossiers(self):
        """Nightly: create the dossiers of new customers, then re-apply the
        segment rules and refresh the worklist priorities (amounts and days
        late move every day); sum the KPI tables again and keep each
        customer's figures of the day."""
        self._ensure_dossiers()
        self.search([("segment_manual", "=", False)])._assign_segments()
        self._credit_refresh_priorities()
        # the daily receivables of the CEI: one row per day and due date again
        self.env["credit.control.kpi.balance"].sudo()._kpi_compact()
        # the DSO's credit sales: one row per customer and day again
        self.env["credit.control.kpi.sales"].sudo()._kpi_compact()
        # the forecast's payment delays: one row per customer and day again
        self.env["credit.control.kpi.delay"].sudo()._kpi_compact()
        # the DSO per customer: each customer's figures of the day kept
        self.env["credit.control.kpi.kept"].sudo()._kpi_keep()
