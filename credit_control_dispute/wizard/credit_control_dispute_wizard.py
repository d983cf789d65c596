from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CreditControlDisputeWizard(models.TransientModel):
    """Open a dispute on the overdue invoices of several customers at once,
    one per customer, with the reason the collector gives (a bulk action of
    the worklist)."""

    _name = "credit.control.dispute.wizard"
    _description = "Bulk Dispute Opening"

    dossier_ids = fields.Many2many(
        "credit.control.dossier",
        string="Customers",
        default=lambda self: self._default_dossier_ids(),
    )
    reason_id = fields.Many2one("credit.control.dispute.reason", string="Reason", required=True)
    note = fields.Text(string="Description", help="What the customers contest, copied on each dispute.")

    @api.model
    def _default_dossier_ids(self):
        if self.env.context.get("active_model") == "credit.control.dossier":
            return [fields.Command.set(self.env.context.get("active_ids", []))]
        return []

    def action_apply(self):
        self.ensure_one()
        # every selected dossier: reading the field as the user would leave
        # out silently those the user may not see
        dossiers = self.sudo().dossier_ids.with_env(self.env)
        if not dossiers:
            raise UserError(_("Select the customers whose invoices are disputed."))
        # A collector opens disputes on the customers of their portfolio
        # only (the dossier rules): checked on the whole selection first,
        # so that nothing is opened when one of them is not theirs.
        dossiers.check_access("write")
        overdue = dossiers._credit_open_invoices().filtered("credit_is_overdue")
        by_dossier = {
            dossier: overdue.filtered(
                lambda m, d=dossier: m.commercial_partner_id == d.partner_id and m.company_id == d.company_id
            )
            for dossier in dossiers
        }
        Dispute = self.env["credit.control.dispute"]
        disputes = Dispute.browse()
        for dossier, moves in by_dossier.items():
            # a dispute is in one currency: one per currency of the customer's invoices
            for currency_moves in moves.grouped("currency_id").values():
                disputes |= Dispute._credit_create_dispute(
                    dossier, currency_moves, self.reason_id, note=self.note, origin="dossier",
                )
        if not disputes:
            raise UserError(_("These customers have no overdue invoice to dispute."))
        action = self.env["ir.actions.act_window"]._for_xml_id("credit_control_dispute.credit_control_dispute_action")
        action["domain"] = [("id", "in", disputes.ids)]
        action["context"] = {}
        return action
