from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, create_index, formatLang

from ..const import COLLECTIBLE_MOVE_TYPES
from .credit_control_dossier import SEARCH_OPERATORS
from .res_partner import CREDIT_MANAGER_GROUP

# Key, in the cursor's cache, of the ids of the invoices a credit manager is
# posting over their customer's limit with 'Post over Limit'.
LIMIT_OVERRIDE_KEY = "credit_control_limit_override"


class AccountMove(models.Model):
    _inherit = "account.move"

    credit_due_date = fields.Date(
        compute="_compute_credit_overdue",
        string="Open Due Date",
        help="Earliest due date among the instalments still to be paid.",
    )
    credit_days_overdue = fields.Integer(
        compute="_compute_credit_overdue",
        search="_search_credit_days_overdue",
        string="Days Overdue",
        help="Days since the earliest unpaid instalment fell due; 0 when "
        "nothing is late.",
    )
    credit_aging_bucket = fields.Selection(
        selection="_selection_credit_aging_bucket",
        compute="_compute_credit_overdue",
        search="_search_credit_aging_bucket",
        string="Aging",
        help="Age of the earliest open due date of the invoice today, in the aging buckets set in the "
        "settings.",
    )
    credit_overdue_residual = fields.Monetary(
        compute="_compute_credit_overdue",
        currency_field="company_currency_id",
        string="Overdue Amount",
        help="What is left to pay on the instalments past due, in company currency.",
    )
    credit_is_overdue = fields.Boolean(
        compute="_compute_credit_overdue",
        search="_search_credit_is_overdue",
        string="Overdue",
        help="An open amount of the invoice is past its due date today.",
    )
    credit_hold = fields.Boolean(
        string="Collection on Hold",
        copy=False,
        tracking=True,
        help="Exclude this invoice from collection (no reminder) until the "
        "hold is lifted.",
    )
    credit_hold_note = fields.Char(string="Hold Reason", copy=False, tracking=True)
    credit_excluded = fields.Boolean(
        compute="_compute_credit_excluded",
        search="_search_credit_excluded",
        string="Excluded from Collection",
        help="Left out of reminders and collection (on hold, disputed, customer in insolvency "
        "proceedings...): the exclusion reason says why.",
    )
    credit_exclusion_reason = fields.Char(
        compute="_compute_credit_excluded",
        string="Exclusion Reason",
    )
    credit_collector_id = fields.Many2one(
        "res.users",
        compute="_compute_credit_collector_id",
        search="_search_credit_collector_id",
        string="Collector",
        help="Collector of the customer's dossier in the company of the invoice.",
    )

    def _auto_init(self):
        result = super()._auto_init()
        # The reminder run asks, batch by batch, which of its invoices are on
        # hold: with the few held invoices in an index of their own, the
        # answer reads that index alone, not each invoice's row (9 ms a batch
        # of 3,000 invoices at 1M invoices, 4 ms at 100k; 1 ms this way).
        create_index(self.env.cr, "account_move_credit_hold_idx", self._table, ["id"], where="credit_hold")
        return result

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    @api.model
    def _selection_credit_aging_bucket(self):
        return self.env["credit.control.kpi"]._kpi_bucket_labels()

    def _compute_credit_overdue(self):
        today = fields.Date.context_today(self)
        open_items = self._credit_fetch_open_items(today)
        Kpi = self.env["credit.control.kpi"]
        bounds = {company: Kpi._kpi_bucket_bounds(Kpi._kpi_bucket_limits(company)) for company in self.company_id}
        for move in self:
            due_date, overdue_residual = open_items.get(move._origin.id, (False, 0.0))
            days = (today - due_date).days if due_date else 0
            move.credit_due_date = due_date
            move.credit_days_overdue = max(days, 0)
            move.credit_overdue_residual = overdue_residual
            move.credit_is_overdue = days > 0
            move.credit_aging_bucket = due_date and Kpi._kpi_bucket(days, bounds[move.company_id])

    def _credit_fetch_open_items(self, today):
        """Return {move id: (earliest open due date, overdue residual)} for
        the posted customer invoices of ``self``, in one query."""
        ids = [move.id for move in self._origin if move.id and move.move_type in COLLECTIBLE_MOVE_TYPES]
        if not ids:
            return {}
        Line = self.env["account.move.line"]
        Line._credit_flush_open_items()
        # Each invoice's items looked up by invoice (OFFSET 0: a subquery
        # PostgreSQL keeps apart). Given the invoices as a filter, it
        # guessed 28 items an invoice at 1M invoices (it counts a seventh of
        # them) and read every open item instead, for each group of 1,000
        # invoices read (100 against 8 ms a group at 1M invoices, 26
        # against 7-13 ms at 100k).
        rows = self.env.execute_query(SQL(
            """
            SELECT l.move_id,
                   MIN(%(due)s),
                   COALESCE(SUM(l.amount_residual) FILTER (WHERE %(overdue)s), 0)
              FROM unnest(%(ids)s::int[]) AS m(id)
        CROSS JOIN LATERAL (
                   SELECT l.move_id, l.date_maturity, l.date, l.amount_residual
                     FROM account_move_line l
                    WHERE l.move_id = m.id AND %(open_item)s AND l.amount_residual > 0
                   OFFSET 0
                   ) l
          GROUP BY l.move_id
            """,
            due=Line._credit_due_date_sql(),
            overdue=Line._credit_overdue_sql(today),
            ids=ids,
            open_item=Line._credit_open_item_sql(),
        ))
        return {move_id: (due, residual) for move_id, due, residual in rows}

    def _credit_instalments(self, as_of=None, overdue=None):
        """The open receivable items of these documents, one per instalment
        (see ``account.move.line._credit_item_values``), in due date order:
        what letters, e-mails and the portal show and claim.

        :param overdue: only the overdue ones (True), only the others
            (False), or all (None)
        """
        items = self.line_ids._credit_item_values(as_of)
        if overdue is None:
            return items
        return [item for item in items if item["overdue"] == overdue]

    def _compute_credit_excluded(self):
        reasons = {move: [] for move in self}
        real = self.filtered("id")
        for _code, label, domain in self._credit_exclusion_rules():
            matched = (
                real.search(expression.AND([[("id", "in", real.ids)], domain])) if real else real
            ) | (self - real).filtered_domain(domain)
            for move in matched:
                reasons[move].append(label)
        for move in self:
            move.credit_excluded = bool(reasons[move])
            move.credit_exclusion_reason = ", ".join(reasons[move]) or False

    def _compute_credit_collector_id(self):
        dossiers = self.env["credit.control.dossier"].sudo().search([
            ("partner_id", "in", self.commercial_partner_id.ids),
            ("company_id", "in", self.company_id.ids),
        ])
        collectors = {(d.partner_id.id, d.company_id.id): d.collector_id for d in dossiers}
        for move in self:
            move.credit_collector_id = collectors.get(
                (move.commercial_partner_id.id, move.company_id.id), self.env["res.users"]
            )

    # ------------------------------------------------------------------
    # SEARCH
    # ------------------------------------------------------------------

    def _search_credit_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(_("Unsupported search on overdue invoices."))
        domain = self._credit_search_days_overdue(SQL(">"), 0)
        return domain if (operator == "=") == value else ["!", *domain]

    def _search_credit_days_overdue(self, operator, value):
        if operator not in SEARCH_OPERATORS or not isinstance(value, int):
            raise ValidationError(_("Unsupported search on the days overdue."))
        return self._credit_search_days_overdue(SEARCH_OPERATORS[operator], value)

    def _search_credit_aging_bucket(self, operator, value):
        """The buckets of each invoice's company (Settings)."""
        codes = [value] if isinstance(value, str) else value
        if operator not in ("=", "in") or not all(isinstance(c, str) for c in codes or []):
            raise ValidationError(_("Unsupported search on the aging bucket."))
        Kpi = self.env["credit.control.kpi"]
        domains = []
        for company in self.env["res.company"].sudo().search([]):
            bounds = Kpi._kpi_bucket_bounds(Kpi._kpi_bucket_limits(company))
            for code in codes:
                if code not in bounds:
                    continue
                low, high = bounds[code]
                bucket = [("company_id", "=", company.id)]
                if low is not None:
                    bucket.append(("credit_days_overdue", ">=", low))
                if high is not None:
                    bucket.append(("credit_days_overdue", "<=", high))
                domains.append(bucket)
        return expression.OR(domains) if domains else expression.FALSE_DOMAIN

    def _credit_search_days_overdue(self, sql_operator, value):
        """Domain of the open posted customer invoices whose days overdue
        (0 when not late) compare to ``value`` with ``sql_operator``.

        Searched on today's open items as kept per item
        (``credit.control.kpi.open``: computed from the one definition of an
        open item, proven equal to the ledger), not on the journal items
        joined to their invoices (1.8 s at 1M invoices). The days shown
        still read the ledger."""
        today = fields.Date.context_today(self)
        # a search is a subquery of someone else's query: write first
        self.env["credit.control.kpi.open"]._kpi_refresh()
        days_late = self.env["account.move.line"]._credit_days_late_sql(today, due=SQL("l.date_maturity"))
        return [("id", "in", SQL(
            """(
            SELECT l.move_id
              FROM credit_control_kpi_open l
             WHERE l.collectible AND l.residual > 0
          GROUP BY l.move_id
            HAVING GREATEST(MAX(%(days_late)s), 0) %(operator)s %(value)s
            )""",
            days_late=days_late,
            operator=sql_operator,
            value=value,
        ))]

    def _search_credit_excluded(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(_("Unsupported search on the exclusion from collection."))
        domain = expression.OR([rule[2] for rule in self._credit_exclusion_rules()])
        if (operator == "=") == value:
            return domain
        # Not "!" + domain: a negated rule on an empty field (a promise date,
        # say) would also drop the invoices the rule does not concern.
        return [("id", "not in", self._search(domain))]

    def _search_credit_collector_id(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise ValidationError(_("Unsupported search on the collector."))
        dossier_domain = [("collector_id", operator, value)]
        dossiers = self.env["credit.control.dossier"].sudo()._search(dossier_domain)
        return [("id", "in", SQL(
            """(
            SELECT m.id
              FROM account_move m
              JOIN credit_control_dossier d
                ON d.partner_id = m.commercial_partner_id AND d.company_id = m.company_id
             WHERE d.id IN %s
            )""",
            dossiers.subselect(),
        ))]

    # ------------------------------------------------------------------
    # HOOKS
    # ------------------------------------------------------------------

    @api.model
    def _credit_exclusion_rules(self):
        """Extension point: why an invoice is kept out of collection.

        Return a list of ``(code, label, domain)``; an invoice matching any
        domain is excluded, and the labels of the rules it matches are its
        exclusion reason. Higher modules (disputes, promises...) append to
        the list of ``super()``.
        """
        return [("hold", _("On hold"), [("credit_hold", "=", True)])]

    def _credit_collection_changed(self):
        """Extension point: the collection situation of these invoices
        changed (a payment was reconciled or unreconciled, an exclusion was
        set or lifted). Higher modules re-evaluate what they planned, e.g.
        the scenario engine cancels the reminders that no longer apply.
        Base refreshes the worklist priority of their customers."""
        self._credit_refresh_priorities()

    def _credit_refresh_priorities(self):
        """Refresh the worklist priority of the customers of these invoices
        (what they owe late changed), in batch: their dossiers found in one
        query, not by reading the invoices (every column of each, for the
        cash application's thousands)."""
        ids = [move_id for move_id in self.ids if move_id]
        if not ids:
            return
        self.flush_recordset(["move_type", "commercial_partner_id", "company_id"])
        Dossier = self.env["credit.control.dossier"].sudo()
        Dossier.flush_model(["partner_id", "company_id"])
        rows = self.env.execute_query(SQL(
            """
            SELECT DISTINCT d.id
              FROM account_move m
              JOIN credit_control_dossier d ON d.partner_id = m.commercial_partner_id AND d.company_id = m.company_id
             WHERE m.id = ANY(%s) AND m.move_type IN %s
          ORDER BY d.id
            """,
            ids, tuple(self.get_sale_types(include_receipts=True)),
        ))
        dossiers_sudo = Dossier.browse([dossier_id for (dossier_id,) in rows])
        if dossiers_sudo:
            dossiers_sudo._credit_refresh_priorities(dossiers_sudo)

    @api.model
    def _credit_forecast_overrides(self, moves):
        """Extension point for the cash-in forecast: expected receipts that
        replace the statistical estimate of some open invoices (payment
        promises, payment plans, predicted payment dates).

        :param moves: open customer invoices being forecast
        :return: ``{move id: [(date, amount in company currency, kind), ...]}``
            where ``kind`` is one of ``_credit_forecast_override_kinds()``:
            the forecast shows each kind in its own column
        """
        return {}

    @api.model
    def _credit_forecast_override_domain(self, today=None):
        """Extension point of ``_credit_forecast_overrides``: a domain
        matching at least every invoice the hook may override in the
        forecast of ``today`` (default: today; more is harmless). The
        forecast asks the hook about the open invoices matching it only,
        not about every open invoice (415,000 at 1M lines, half a second to
        bring to Python). A module overriding
        ``_credit_forecast_overrides`` adds its domain with
        ``expression.OR``; none here, base overrides nothing.

        The forecast reads the domain as superuser: it only narrows the
        invoices asked about (the hook then reads what it needs as it
        always did), and which invoices are forecast must not depend on
        who looks."""
        return expression.FALSE_DOMAIN

    @api.model
    def _credit_forecast_override_kinds(self):
        """Extension point: the kinds of expected receipts of
        ``_credit_forecast_overrides``, each a field of the forecast weeks
        (``credit.control.kpi.dashboard.week``), with its strength: when an
        invoice has receipts of several kinds, only those of the strongest
        (lowest) kind count (what the customer committed to beats a
        statistical prediction, whichever module answers first), so that no
        open amount is expected twice.

        :return: ``{kind: strength}``
        """
        return {"promised": 10}

    @api.model
    def _credit_forecast_kept_sql(self, today):
        """Extension point of the cash-in forecast: the expected dates kept
        for open instalments as of ``today`` (computed ahead, e.g. at
        night), summed per week in the database with the estimates rather
        than asked about invoice by invoice through
        ``_credit_forecast_overrides``, which still overrides their whole
        invoice when it answers for it (a promise beats a kept date).

        :return: ``SQL`` of a query with the columns ``id`` (the journal
            item), ``partner_id`` and ``date_maturity`` (the customer of its
            entry and the due date the date was kept for: it holds only as
            long as they are the item's), ``date`` and ``kind`` (one of
            ``_credit_forecast_override_kinds()``), at most one row per
            item; or None: none here
        """
        return None

    def _credit_customer_statuses(self):
        """Extension point: what the customer may read about these invoices
        besides what it owes, on its statement and invoice pages (e.g. the
        status its e-invoicing platform gave them), in the reader's language.

        The caller has proven the reader's right to see these invoices;
        higher modules read their own records for them in one batch.

        :return: ``{move id: [{"title": str, "label": str, "date": date,
            "detail": str or False}, ...]}``
        """
        return {}

    # ------------------------------------------------------------------
    # VIEWS
    # ------------------------------------------------------------------

    @api.model
    def _credit_worklist_hidden_bindings(self):
        """Extension point: the XML ids of the actions bound to invoices that
        make no sense on the "Invoices to Collect" worklist (posting,
        reversing, resequencing: an accountant's work, in Invoicing)."""
        return [
            "account.action_validate_account_move",
            "account.action_view_account_move_reversal",
            "account.action_account_resequence",
        ]

    @api.model
    def get_views(self, views, options=None):
        """Override: drop the accounting bindings from the action menu of the
        worklist. The web client caches views per action, which it sends as
        ``action_id``: the only way to tell the worklist's list from
        Invoicing's, which keeps them."""
        result = super().get_views(views, options=options)
        action_id = (options or {}).get("action_id")
        worklist = action_id and self.env.ref("credit_control_base.credit_control_invoice_action", False)
        if worklist and worklist.id == action_id:
            hidden = {
                action.id
                for xmlid in self._credit_worklist_hidden_bindings()
                if (action := self.env.ref(xmlid, raise_if_not_found=False))
            }
            for view in result["views"].values():
                toolbar = view.get("toolbar") or {}
                if toolbar.get("action"):
                    toolbar["action"] = [action for action in toolbar["action"] if action["id"] not in hidden]
        return result

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    def write(self, vals):
        was_posted = self.filtered(lambda m: m.state == "posted") if "state" in vals else None
        result = super().write(vals)
        if was_posted is not None:
            # posted, reset to draft or cancelled: the daily receivables follow
            posting = vals["state"] == "posted"
            changed = {
                "posted": self - was_posted if posting else self.browse(),
                "unposted": self.browse() if posting else was_posted,
            }
            self.env["credit.control.kpi.balance"]._kpi_moves_changed(**changed)
            self.env["credit.control.kpi.sales"]._kpi_moves_changed(**changed)
            self.env["credit.control.kpi.open"]._kpi_touch(moves=self)
        if "credit_hold" in vals:
            self._credit_collection_changed()
        if "line_ids" in vals:
            # a bank line reconciled or put back by another tool (a draft
            # one is being created: no proposal yet)
            self.filtered(lambda m: m.state == "posted").statement_line_id._credit_cash_changed_elsewhere()
        return result

    def unlink(self):
        # a posted entry deleted (force_delete): its credit sales go with it
        # (its items take their receivables off as they are deleted)
        posted = self.filtered(lambda m: m.state == "posted")
        if posted:
            Balance = self.env["credit.control.kpi.balance"]
            Balance._kpi_flush_ledger()
            Balance._kpi_insert(sales=Balance._kpi_sales_sql(SQL("m.id = ANY(%s)", posted.ids)), sign=-1)
            self.env["credit.control.kpi.sales"]._kpi_moves_changed(self.browse(), posted)
            self.env["credit.control.kpi.open"]._kpi_touch(moves=posted)
        return super().unlink()

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _post(self, soft=True):
        self._credit_check_limits()
        posted = super()._post(soft=soft)
        sales = posted.filtered(lambda m: m.is_sale_document(include_receipts=True))
        if sales:
            self.env["credit.control.dossier"].sudo()._ensure_dossiers(sales)
            # an invoice posted late (backdated, imported) is overdue at once:
            # its customer's priority moves now, not at the nightly run
            today = fields.Date.context_today(self)
            sales.filtered(lambda m: any(
                line.date_maturity and line.date_maturity < today
                for line in m.line_ids if line.account_id.account_type == "asset_receivable"
            ))._credit_refresh_priorities()
        return posted

    def _credit_check_limits(self):
        """Refuse to post customer invoices that take their customer over its
        credit limit, in companies that block on it."""
        # Only 'Post over Limit' lets invoices through, for a credit manager:
        # it names them in the cursor, which no client reaches (a context
        # key can be sent over RPC by anyone who may post).
        overridden = self.env.cr.cache.get(LIMIT_OVERRIDE_KEY, set())
        if overridden and not self.env.user.has_group(CREDIT_MANAGER_GROUP):
            overridden = set()
        invoices = self.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.state == "draft"
            and m.id not in overridden
            and m.company_id.account_use_credit_limit
            and m.company_id.credit_control_block_over_limit
        )
        if not invoices:
            return
        dossiers = self.env["credit.control.dossier"].sudo().search([
            ("partner_id", "in", invoices.commercial_partner_id.ids),
            ("company_id", "in", invoices.company_id.ids),
        ])
        # Read fresh: an invoice posted earlier in the same transaction left
        # its dossier's amounts in the cache (they depend on no field).
        dossiers.invalidate_recordset()
        exposures = {(d.partner_id, d.company_id): d.exposure for d in dossiers}
        errors = []
        groups = invoices.grouped(lambda m: (m.commercial_partner_id, m.company_id))
        for (partner, company), moves in groups.items():
            limit = partner.with_company(company).sudo().credit_limit
            if limit <= 0:
                continue
            exposure = exposures.get((partner, company), 0.0) + sum(moves.mapped("amount_total_signed"))
            if company.currency_id.compare_amounts(exposure, limit) > 0:
                errors.append(_(
                    "%(customer)s would owe %(exposure)s, over its credit limit of %(limit)s.",
                    customer=partner.display_name,
                    exposure=formatLang(self.env, exposure, currency_obj=company.currency_id),
                    limit=formatLang(self.env, limit, currency_obj=company.currency_id),
                ))
        if errors:
            raise UserError("\n".join([
                *errors,
                _("A credit manager can post it anyway with 'Post over Limit'."),
            ]))

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_credit_post_over_limit(self):
        """Post invoices over their customer's credit limit; the decision is
        logged on the invoice and on the customer's dossier."""
        if not self.env.user.has_group(CREDIT_MANAGER_GROUP):
            raise AccessError(_("Only credit managers can post an invoice over the credit limit."))
        overridden = self.env.cr.cache.setdefault(LIMIT_OVERRIDE_KEY, set())
        added = set(self.ids) - overridden
        overridden |= added
        try:
            result = self.action_post()
        finally:
            overridden -= added
        dossiers = self.env["credit.control.dossier"].search([
            ("partner_id", "in", self.commercial_partner_id.ids),
            ("company_id", "in", self.company_id.ids),
        ])
        for move in self:
            body = _(
                "Invoice %(invoice)s posted over the credit limit by %(user)s.",
                invoice=move.name,
                user=self.env.user.name,
            )
            move.message_post(body=body)
            dossiers.filtered(
                lambda d, m=move: d.partner_id == m.commercial_partner_id and d.company_id == m.company_id
            ).message_post(body=body)
        return result
