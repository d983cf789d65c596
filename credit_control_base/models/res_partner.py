from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import float_compare

from ..tools.lang_format import elide

CREDIT_MANAGER_GROUP = "credit_control_base.group_credit_control_manager"
# Names where a limit change comes from, for its log. The dossier's inverse
# sets it after checking the user's right and writes under sudo; it is only
# believed under sudo, so a client sending it over RPC changes nothing, not
# even the label of the log.
LIMIT_SOURCE_KEY = "credit_control_limit_source"
# Partner fields that decide the commercial entity of a partner and its contacts.
COMMERCIAL_ENTITY_FIELDS = {"parent_id", "is_company"}


def _credit_limit_raised(old, new):
    """Whether going from limit ``old`` to ``new`` lets more through the
    posting block: a higher limit, or no limit at all (0 means none)."""
    if not new or new <= 0:
        return bool(old and old > 0)
    if not old or old <= 0:
        return False
    return float_compare(new, old, precision_digits=2) > 0


class ResPartner(models.Model):
    _inherit = "res.partner"

    type = fields.Selection(
        selection_add=[("dunning", "Dunning Address")],
        ondelete={"dunning": "set default"},
    )
    credit_dossier_ids = fields.One2many(
        "credit.control.dossier", "partner_id", string="Credit Dossiers"
    )

    @api.constrains("credit_limit")
    def _check_credit_limit(self):
        for partner in self.sudo():
            if partner.credit_limit < 0:
                raise ValidationError(elide(
                    self.env, _("The credit limit of %s cannot be negative.", partner.display_name),
                    partner.display_name,
                ))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """Override to govern the credit limit a new partner starts with,
        against the company's default (what it would have without it)."""
        limited = [vals for vals in vals_list if "credit_limit" in vals]
        fallback = 0.0
        if limited:
            fallback = self._fields["credit_limit"].get_company_dependent_fallback(self) or 0.0
            if not self.env.su:
                field = self._fields["credit_limit"]
                self._credit_check_limit_changes([
                    (vals.get("name") or "", fallback, field.convert_to_cache(vals["credit_limit"], self))
                    for vals in limited
                ])
        partners = super().create(vals_list)
        if limited:
            old_limits = {
                partner.id: fallback
                for partner, vals in zip(partners, vals_list, strict=True)
                if "credit_limit" in vals
            }
            partners.browse(list(old_limits))._credit_log_limit_changes(
                old_limits, self._credit_limit_change_source()
            )
        return partners

    def write(self, vals):
        """Override: raising a credit limit needs the credit-manager right,
        whatever writes it (contact form, import, RPC, the dossier), and each
        change is logged on the customer's dossier. Code running under sudo
        (core's sync of commercial fields to contacts, the dossier once it
        checked the right) is trusted."""
        if COMMERCIAL_ENTITY_FIELDS.intersection(vals):
            # a contact moved to another company, a company made a contact:
            # the open items of the family may change customer
            self.env["credit.control.kpi.open"]._kpi_touch_partners(self)
        if "credit_limit" not in vals:
            return super().write(vals)
        # read as the posting block reads it: in the company written to
        old_limits = {partner.id: partner.credit_limit for partner in self.sudo()}
        if not self.env.su:
            # as the field will store it (a client may send a string, False)
            new_limit = self._fields["credit_limit"].convert_to_cache(vals["credit_limit"], self)
            self._credit_check_limit_changes([
                (partner.display_name, old_limits[partner.id], new_limit) for partner in self
            ])
        source = self._credit_limit_change_source()
        result = super().write(vals)
        self._credit_log_limit_changes(old_limits, source)
        return result

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _credit_check_limit_changes(self, changes):
        """Refuse the credit limit changes ``[(customer name, old, new)]``
        that raise or remove a limit unless the user is a credit manager.
        Lowering a limit only tightens the posting block: whoever may write
        the limit may lower it (Billing users on the contact, collectors on
        their dossiers)."""
        raised = [name for name, old, new in changes if _credit_limit_raised(old, new)]
        if raised and not self.env.user.has_group(CREDIT_MANAGER_GROUP):
            raise AccessError(_(
                "Only a credit manager can raise the credit limit of %(customers)s, or remove it (0 means no "
                "limit). You may lower it.",
                customers=", ".join(raised),
            ))

    def _credit_limit_change_source(self):
        """Where the credit limit change under way comes from, for its log."""
        context = self.env.context
        if self.env.su and context.get(LIMIT_SOURCE_KEY) == "dossier":
            return _("the credit dossier")
        if context.get("import_file") or context.get("_import_current_module"):
            return _("an import")
        return _("the contact form or API")

    def _credit_log_limit_changes(self, old_limits, source):
        """Log on the dossier of each customer of ``self`` in the current
        company (opened if need be) the change of its credit limit from
        ``old_limits`` ({partner id: limit}), as a tracked value: who, when,
        from what to what and from where. Contacts are left out: their limit
        follows their company's and is not the one the posting block reads."""
        changes = {}
        for partner in self.sudo():
            old, new = old_limits.get(partner.id, 0.0), partner.credit_limit
            if partner.commercial_partner_id == partner and float_compare(old, new, precision_digits=2):
                changes[partner] = (old, new)
        if not changes:
            return
        company = self.env.company
        Dossier = self.env["credit.control.dossier"].sudo()
        partners = self.sudo().browse([partner.id for partner in changes])
        dossiers = Dossier.search([("partner_id", "in", partners.ids), ("company_id", "=", company.id)])
        missing = partners - dossiers.partner_id
        if missing:
            opened = Dossier.create([{"partner_id": p.id, "company_id": company.id} for p in missing])
            opened._assign_segments()
            dossiers |= opened
        body = Markup("<p>%s</p>") % _(
            "Credit limit changed by %(user)s from %(origin)s.", user=self.env.user.name, origin=source
        )
        field_info = Dossier.fields_get(["credit_limit"])["credit_limit"]
        Tracking = self.env["mail.tracking.value"]
        for dossier in dossiers:
            old, new = changes[dossier.partner_id]
            tracking = Tracking._create_tracking_values(old, new, "credit_limit", field_info, dossier)
            dossier._message_log(body=body, tracking_value_ids=[Command.create(tracking)])

    def _credit_get_dunning_contact(self):
        """Who receives the reminders of this customer: its contact of type
        'Dunning Address' (the person who pays is often not the one who
        receives the invoices), else its invoice address."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        if not commercial:
            return self
        dunning = commercial.child_ids.filtered(lambda c: c.type == "dunning" and c.active)[:1]
        if dunning:
            return dunning
        return self.browse(commercial.address_get(["invoice"])["invoice"])

    def action_open_credit_dossier(self):
        """Open the credit dossier of this customer in the current company."""
        self.ensure_one()
        dossier = self.env["credit.control.dossier"].search([
            ("partner_id", "=", self.commercial_partner_id.id),
            ("company_id", "=", self.env.company.id),
        ], limit=1)
        if not dossier:
            dossier = self.env["credit.control.dossier"].create({
                "partner_id": self.commercial_partner_id.id,
                "company_id": self.env.company.id,
            })
            dossier._assign_segments()
        return {
            "type": "ir.actions.act_window",
            "res_model": "credit.control.dossier",
            "res_id": dossier.id,
            "view_mode": "form",
        }
