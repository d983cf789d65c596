from urllib.parse import urlencode

from markupsafe import Markup

from odoo import _, fields, models

from odoo.addons.payment import utils as payment_utils


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    credit_dossier_id = fields.Many2one(
        "credit.control.dossier",
        string="Credit Dossier",
        readonly=True,
        index="btree_not_null",
        help="The collection file of the customer who paid from the portal statement.",
    )
    credit_autopay_charge_id = fields.Many2one(
        "credit.control.autopay.charge",
        string="Autopay Charge",
        readonly=True,
        index="btree_not_null",
        help="The instalment this transaction charged automatically, on the customer's autopay consent.",
    )
    credit_autopay_setup = fields.Boolean(
        string="Saved for Autopay",
        readonly=True,
        help="The customer saved this payment method from its statement to be charged automatically, "
        "the autopay consent given: once saved, its customer is on autopay with it.",
    )

    def _post_process(self):
        """Override: the collector learns on the dossier that the customer
        paid from the portal, and on which invoices; a payment method saved
        from the statement for autopay puts the customer on autopay."""
        result = super()._post_process()
        self._credit_autopay_opt_in_saved()
        for tx in self.filtered(lambda t: t.state == "done" and t.credit_dossier_id and t.payment_id):
            dossier = tx.credit_dossier_id
            message = _(
                "Charged by autopay: %(amount)s on %(invoices)s (transaction %(reference)s, payment %(payment)s)."
            ) if tx.credit_autopay_charge_id else _(
                "Paid online from the portal: %(amount)s on %(invoices)s (transaction %(reference)s, "
                "payment %(payment)s)."
            )
            body = Markup("<p>%s</p>") % Markup(message) % {
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

    def _credit_receipt_token(self):
        """A token proving the browser that paid: signed over the id and the
        reference of the transaction."""
        self.ensure_one()
        return payment_utils.generate_access_token(self.id, self.reference)

    def _credit_check_receipt_token(self, token):
        self.ensure_one()
        return bool(token) and payment_utils.check_access_token(token, self.id, self.reference)

    def _credit_receipt_path(self, statement_token=None):
        """Where the customer lands after paying from the statement: the
        confirmation and receipt of this transaction."""
        self.ensure_one()
        params = {"tx_id": self.id, "tx_token": self._credit_receipt_token()}
        if statement_token:
            params["access_token"] = statement_token
        return f"/my/credit/{self.credit_dossier_id.id}/receipt?{urlencode(params)}"

    def _credit_autopay_opt_in_saved(self):
        """The methods saved for autopay (a validation with its consent,
        signed for the customer's dossier): the customer is on autopay with
        the token Stripe's answer created, as if chosen on the statement."""
        for tx in self.filtered(lambda t: t.credit_autopay_setup and t.state == "done" and t.token_id):
            dossier_sudo = tx.credit_dossier_id.sudo()
            if dossier_sudo.autopay_token_id == tx.token_id:
                continue
            # the consent kept in the language the customer read it in
            lang = dossier_sudo._credit_statement_lang() if tx.partner_id == dossier_sudo.partner_id \
                else tx.partner_id.lang
            dossier_sudo.with_context(lang=lang)._credit_autopay_opt_in(tx.token_id, author=tx.partner_id)
