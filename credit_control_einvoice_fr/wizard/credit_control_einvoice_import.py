from odoo import _, fields, models
from odoo.exceptions import UserError


class CreditControlEinvoiceImport(models.TransientModel):
    """Upload lifecycle messages (CDAR XML files) received outside the
    platform's API: exported from the platform's web site, or e-mailed."""

    _name = "credit.control.einvoice.import"
    _description = "Import E-invoicing Lifecycle Messages"

    attachment_ids = fields.Many2many("ir.attachment", string="CDAR Files", required=True)

    def action_import(self):
        self.ensure_one()
        if not self.attachment_ids:
            raise UserError(_("Select the CDAR files to import."))
        Status = self.env["credit.control.einvoice.status"]
        # all or nothing: every file is checked before any is recorded
        prepared = [
            Status._credit_prepare_message(attachment.raw, filename=attachment.name)
            for attachment in self.attachment_ids
        ]
        statuses = Status.browse()
        for message in filter(None, prepared):
            statuses |= Status._credit_record_message(message)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_control_einvoice_fr.credit_control_einvoice_status_action"
        )
        action["domain"] = [("id", "in", statuses.ids)]
        return action
