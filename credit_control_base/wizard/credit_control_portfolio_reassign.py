from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CreditControlPortfolioReassign(models.TransientModel):
    """Move customers from one collector's portfolio to another's, for a
    departure, a holiday or a new split of the work."""

    _name = "credit.control.portfolio.reassign"
    _description = "Reassign Collector Portfolios"

    from_collector_id = fields.Many2one(
        "res.users",
        string="From Collector",
        help="Take every dossier of this collector, in addition to the selected ones.",
    )
    dossier_ids = fields.Many2many(
        "credit.control.dossier",
        string="Dossiers",
        default=lambda self: self._default_dossier_ids(),
    )
    collector_id = fields.Many2one(
        "res.users",
        string="New Collector",
        domain=lambda self: [
            ("groups_id", "in", self.env.ref("credit_control_base.group_credit_control_collector").ids)
        ],
        help="Leave empty to put the dossiers back in the unassigned pool.",
    )
    dossier_count = fields.Integer(compute="_compute_dossier_count", string="Dossiers to Move")

    @api.model
    def _default_dossier_ids(self):
        if self.env.context.get("active_model") == "credit.control.dossier":
            return [fields.Command.set(self.env.context.get("active_ids", []))]
        return []

    @api.depends("from_collector_id", "dossier_ids")
    def _compute_dossier_count(self):
        for wizard in self:
            wizard.dossier_count = len(wizard._get_dossiers())

    def _get_dossiers(self):
        self.ensure_one()
        dossiers = self.dossier_ids._origin
        if self.from_collector_id:
            dossiers |= self.env["credit.control.dossier"].search(
                [("collector_id", "=", self.from_collector_id._origin.id)]
            )
        return dossiers

    def action_apply(self):
        self.ensure_one()
        dossiers = self._get_dossiers()
        if not dossiers:
            raise UserError(_("Select dossiers or a collector whose portfolio to move."))
        dossiers.write({"collector_id": self.collector_id.id})
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "%(count)s dossiers assigned to %(collector)s.",
                    count=len(dossiers),
                    collector=self.collector_id.name or _("nobody"),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
