from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    credit_sapin_high_risk = fields.Boolean(
        string="Sapin II High Risk",
        compute="_compute_credit_sapin_high_risk",
        search="_search_credit_sapin_high_risk",
        help="The customer is assessed high risk under the loi Sapin II.",
    )

    @api.depends("commercial_partner_id", "company_id")
    def _compute_credit_sapin_high_risk(self):
        # Salespeople read invoices of customers whose dossier they may not see.
        high_risk = {
            (dossier.partner_id.id, dossier.company_id.id)
            for dossier in self.env["credit.control.dossier"].sudo().search([
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("credit_sapin_high_risk", "=", True),
            ])
        }
        for move in self:
            move.credit_sapin_high_risk = move.is_sale_document(include_receipts=True) and (
                (move.commercial_partner_id.id, move.company_id.id) in high_risk
            )

    def _search_credit_sapin_high_risk(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        dossiers = self.env["credit.control.dossier"].sudo().search([("credit_sapin_high_risk", "=", True)])
        domain = [
            ("move_type", "in", ("out_invoice", "out_refund", "out_receipt")),
            ("commercial_partner_id", "in", dossiers.partner_id.ids),
            ("company_id", "in", dossiers.company_id.ids),
        ]
        ids = self.search(domain).ids
        return [("id", "in" if (operator == "=") == value else "not in", ids)]
