from markupsafe import Markup

from odoo import _, fields, models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    credit_dossier_id = fields.Many2one(
        "credit.control.dossier",
        string="Credit Dossier",
        readonly=True,
        index="btree_not_null",
        help="The collection file of the customer who paid from the portal statement.",
    )

    def _post_process(self):
        """Override: the collector learns on the dossier that the customer
        paid from the portal, and on which invoices."""
        result = super()._post_process()
        for tx in self.filtered(lambda t: t.state == "done" and t.credit_dossier_id and t.payment_id):
            dossier = tx.credit_dossier_id
            body = Markup("<p>%s</p>") % Markup(_(
                "Paid online from the portal: %(amount)s on %(invoices)s (transaction %(reference)s, "
                "payment %(payment)s)."
            )) % {
                "amount": tx.currency_id.format(tx.amount),
                "invoices": ", ".join(tx.invoice_ids.mapped("name")),
                "reference": tx.reference,
                "payment": tx.payment_id._get_html_link(),
            }
            dossier.sudo().message_post(
                body=body,
                partner_ids=dossier.collector_id.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
            )
        return result
