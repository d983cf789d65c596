from odoo import _, fields, models
from odoo.exceptions import ValidationError

from ..const import STATUS_APPROVED


class CreditControlDossier(models.Model):
    _inherit = "credit.control.dossier"

    credit_einvoice_status_ids = fields.One2many(
        "credit.control.einvoice.status",
        compute="_compute_credit_einvoice_status_ids",
        string="E-invoicing Lifecycle",
    )
    credit_einvoice_approved_unpaid = fields.Boolean(
        string="Approved Invoice Overdue",
        compute="_compute_credit_einvoice_approved_unpaid",
        search="_search_credit_einvoice_approved_unpaid",
        help="The customer approved on its e-invoicing platform (205) an invoice it still has not paid "
        "past its due date: a reminder step may use it for a firmer tone.",
    )

    def _compute_credit_einvoice_status_ids(self):
        Status = self.env["credit.control.einvoice.status"]
        statuses = Status.search([
            ("partner_id", "in", self.partner_id.ids), ("company_id", "in", self.company_id.ids),
        ])
        for dossier in self:
            dossier.credit_einvoice_status_ids = statuses.filtered(
                lambda s, d=dossier: s.partner_id == d.partner_id and s.company_id == d.company_id
            )

    def _compute_credit_einvoice_approved_unpaid(self):
        found = self.search([("id", "in", self.ids), ("credit_einvoice_approved_unpaid", "=", True)])
        for dossier in self:
            dossier.credit_einvoice_approved_unpaid = dossier in found

    def _search_credit_einvoice_approved_unpaid(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(_("Unsupported search on approved invoices."))
        # the approved invoices are few: read, not joined
        moves = self.env["account.move"].sudo().search([
            ("credit_einvoice_status", "=", STATUS_APPROVED),
            ("credit_is_overdue", "=", True),
        ])
        pairs = {(move.commercial_partner_id.id, move.company_id.id) for move in moves}
        dossiers = self.sudo().search([("partner_id", "in", [p for p, _c in pairs])]).filtered(
            lambda d: (d.partner_id.id, d.company_id.id) in pairs
        )
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", dossiers.ids)]
