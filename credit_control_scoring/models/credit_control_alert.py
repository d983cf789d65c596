from odoo import api, fields, models

ALERT_TYPES = [
    ("limit_breach", "Credit limit breached"),
    ("score_drop", "Score drop"),
    ("rating_downgrade", "Rating downgrade"),
    ("sapin_review", "Sapin II review due"),
]


class CreditControlAlert(models.Model):
    """A risk event on a customer that someone must look at: raised by the
    score recompute, the rating imports and the Sapin II reminders, with an
    activity for the collector of the customer."""

    _name = "credit.control.alert"
    _description = "Risk Alert"
    _inherit = ["credit.control.dossier.mixin"]
    _order = "alert_date desc, id desc"
    _check_company_auto = True

    collector_id = fields.Many2one(related="dossier_id.collector_id", string="Collector")
    risk_class = fields.Selection(related="dossier_id.credit_risk_class")
    alert_type = fields.Selection(ALERT_TYPES, string="Type", required=True)
    alert_date = fields.Date(string="Date", required=True, default=fields.Date.context_today)
    message = fields.Char()
    state = fields.Selection([("new", "To Review"), ("done", "Done")], required=True, default="new", index=True)

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_done(self):
        self.state = "done"
        return True

    def action_reopen(self):
        self.state = "new"
        return True

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _credit_create_alerts(self, vals_list):
        """Create the alerts of ``vals_list`` that are not already open for
        the same dossier and type, and schedule one activity per alert for
        the collector of the dossier (else for ``activity_user_id`` of the
        values, if given). Batched: a few queries whatever the number."""
        if not vals_list:
            return self.browse()
        dossier_ids = {vals["dossier_id"] for vals in vals_list}
        open_keys = {
            (alert.dossier_id.id, alert.alert_type)
            for alert in self.sudo().search([("dossier_id", "in", list(dossier_ids)), ("state", "=", "new")])
        }
        todo, fallback_users = [], []
        for vals in vals_list:
            key = (vals["dossier_id"], vals["alert_type"])
            if key in open_keys:
                continue
            open_keys.add(key)
            fallback_users.append(vals.get("activity_user_id", False))
            todo.append({name: value for name, value in vals.items() if name != "activity_user_id"})
        alerts = self.sudo().create(todo)
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("credit.control.dossier")
        # the nightly scoring has no language: each activity is titled in the
        # language of the collector who gets it
        active = {code for code, _name in self.env["res.lang"].get_installed()}
        labels = {}
        activities = []
        for alert, fallback in zip(alerts, fallback_users, strict=True):
            user = alert.dossier_id.collector_id.id or fallback
            if not user:
                continue
            lang = self.env["res.users"].browse(user).lang
            lang = lang if lang in active else self.env.lang or "en_US"
            if lang not in labels:
                labels[lang] = dict(self._fields["alert_type"]._description_selection(self.with_context(lang=lang).env))
            activities.append({
                "res_model_id": model_id,
                "res_id": alert.dossier_id.id,
                "activity_type_id": activity_type.id,
                "user_id": user,
                "summary": labels[lang][alert.alert_type],
                "note": alert.message,
                "date_deadline": alert.alert_date,
            })
        # A nightly run may raise hundreds of alerts: no e-mail per activity
        # (it would cost a rendered mail each), the collectors find them in
        # their activities and in the Risk Alerts list.
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(activities)
        return alerts

    @api.model
    def _credit_close_alerts(self, dossiers, alert_type):
        """Close the open alerts of a type whose cause has gone."""
        if dossiers:
            self.sudo().search([
                ("dossier_id", "in", dossiers.ids), ("alert_type", "=", alert_type), ("state", "=", "new"),
            ]).state = "done"
