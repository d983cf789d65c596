from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


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
                raise ValidationError(
                    _("The credit limit of %s cannot be negative.", partner.display_name)
                )

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
