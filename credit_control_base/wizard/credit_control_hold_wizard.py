from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CreditControlHoldWizard(models.TransientModel):
    """Put the open invoices of several dossiers on hold at once, with the
    reason the collector gives (a bulk action of the worklist): no reminder
    goes out on them until the hold is lifted on the invoice."""

    _name = "credit.control.hold.wizard"
    _description = "Put Collection on Hold"

    dossier_ids = fields.Many2many(
        "credit.control.dossier",
        string="Dossiers",
        default=lambda self: self._default_dossier_ids(),
    )
    reason = fields.Char(required=True, help="Why no reminder should be sent, shown on each invoice.")

    @api.model
    def _default_dossier_ids(self):
        if self.env.context.get("active_model") == "credit.control.dossier":
            return [fields.Command.set(self.env.context.get("active_ids", []))]
        return []

    def action_apply(self):
        self.ensure_one()
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(_("Give the reason of the hold."))
        if not self.dossier_ids:
            raise UserError(_("Select the dossiers to put on hold."))
        # The hold is the collector's decision on their dossiers; invoices
        # are written by Billing only, hence the sudo, once the collector's
        # right on every selected dossier is checked.
        self.dossier_ids.check_access("write")
        moves_sudo = self.dossier_ids.sudo()._credit_open_invoices()
        moves_sudo.write({"credit_hold": True, "credit_hold_note": reason})
        body = _("Collection put on hold: %s", reason)
        self.dossier_ids._message_log_batch(bodies=dict.fromkeys(self.dossier_ids.ids, body))
        return {"type": "ir.actions.act_window_close"}
