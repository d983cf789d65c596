from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        """Override: a call or task of a reminder done by the collector
        closes the reminder."""
        actions = self.env["credit.control.action"].sudo().search([
            ("activity_id", "in", self.ids), ("state", "=", "planned"),
        ])
        if actions:
            values = {"state": "done", "sent_date": fields.Datetime.now()}
            if feedback:
                values["comment"] = feedback
            actions.write(values)
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    def _credit_reminder(self):
        """The reminder an activity of the agenda belongs to, if any."""
        return self.env["credit.control.action"].search([("activity_id", "in", self.ids)], limit=1)

    def action_credit_open_dossier(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
