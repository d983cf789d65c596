from odoo import _, http
from odoo.exceptions import ValidationError
from odoo.http import request

from .portal import CreditStatementPortal

# How long the customer has to save its method once the consent is ticked.
AUTOPAY_SETUP_SECONDS = 3600


class CreditAutopaySetupPortal(CreditStatementPortal):
    """Saving a new card or SEPA mandate for autopay from the statement,
    also without a portal account (the signed link of a reminder), where
    Odoo's own page of payment methods asks for a login.

    The statement link (or the login) is checked first; the page then
    carries a token signed for this dossier only, and the transaction is a
    validation of Odoo's payment framework (a Stripe SetupIntent made by
    payment_stripe) for the customer of the dossier, whatever the browser
    sends. Once the provider confirms it, the token it creates puts the
    customer on autopay (``payment.transaction._post_process``)."""

    @http.route("/my/credit/<int:dossier_id>/autopay/new", type="http", auth="public", methods=["POST"],
                website=True, sitemap=False)
    def portal_credit_autopay_new(self, dossier_id, access_token=None, **post):
        dossier_sudo, response = self._credit_access(dossier_id, access_token)
        if response:
            return response
        if not post.get("autopay_consent"):
            return self._credit_render_statement(
                dossier_sudo, access_token, error=_("Tick the box to agree to the automatic payment."), status=400,
            )
        providers_sudo, methods_sudo = self._credit_autopay_setup_options(dossier_sudo)
        if not methods_sudo:
            return self._credit_render_statement(
                dossier_sudo, access_token, status=400,
                error=_("No payment method can be saved online for now: contact us."),
            )
        expiry = dossier_sudo._credit_now() + AUTOPAY_SETUP_SECONDS
        values = {
            "page_name": "credit_statement",
            "dossier": dossier_sudo,
            "company": dossier_sudo.company_id,
            "autopay_consent": dossier_sudo._credit_autopay_consent_text(),
            "token_query": f"?access_token={access_token}" if access_token else "",
            # payment.form, in validation mode
            "mode": "validation",
            "allow_token_selection": False,
            "allow_token_deletion": False,
            "submit_button_label": _("Save and pay automatically"),
            "partner_id": self._credit_payer(dossier_sudo).id,
            "providers_sudo": providers_sudo,
            "payment_methods_sudo": methods_sudo,
            "tokens_sudo": request.env["payment.token"],
            "availability_report": {},
            "transaction_route": f"/my/credit/{dossier_sudo.id}/autopay/transaction",
            "landing_route": self._credit_statement_path(dossier_sudo, access_token, message="autopay"),
            "access_token": dossier_sudo._credit_autopay_setup_token(expiry),
        }
        return request.render("credit_control_portal.portal_credit_autopay_setup", values)

    @http.route("/my/credit/<int:dossier_id>/autopay/transaction", type="json", auth="public")
    def portal_credit_autopay_transaction(self, dossier_id, access_token=None, **kwargs):
        """The validation transaction of the method being saved, for the
        dossier whose setup token the page carries: refused, with nothing
        created, for any other token, an expired one, or a provider or
        method not offered on that page."""
        dossier_sudo = request.env["credit.control.dossier"].sudo().browse(dossier_id).exists()
        if not dossier_sudo or not dossier_sudo._credit_check_autopay_setup_token(access_token):
            raise ValidationError(_("This page is not valid any more: go back to your statement."))
        self._validate_transaction_kwargs(kwargs)
        providers_sudo, methods_sudo = self._credit_autopay_setup_options(dossier_sudo)
        provider_id, method_id = kwargs.get("provider_id"), kwargs.get("payment_method_id")
        if kwargs.get("flow") not in ("direct", "redirect") or provider_id not in providers_sudo.ids \
                or method_id not in methods_sudo.filtered(lambda m: provider_id in m.provider_ids.ids).ids:
            raise ValidationError(_("Choose one of the payment methods of the page."))
        landing_route = kwargs.get("landing_route") or ""
        if not landing_route.startswith(f"/my/credit/{dossier_sudo.id}"):
            landing_route = f"/my/credit/{dossier_sudo.id}"
        tx_sudo = self._create_transaction(
            provider_id=provider_id,
            payment_method_id=method_id,
            token_id=None,
            amount=None,
            currency_id=None,
            # the customer of the signed dossier, never one the browser names
            partner_id=self._credit_payer(dossier_sudo).id,
            flow=kwargs["flow"],
            tokenization_requested=True,
            landing_route=landing_route,
            is_validation=True,
            custom_create_values={"credit_dossier_id": dossier_sudo.id, "credit_autopay_setup": True},
        )
        return tx_sudo._get_processing_values()

    # ------------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------------

    def _credit_autopay_setup_options(self, dossier_sudo):
        """The providers of the dossier's company that save a method for
        later charges, and their payment methods that can be saved (a card,
        a SEPA Direct Debit mandate where the provider offers it)."""
        partner = self._credit_payer(dossier_sudo)
        providers_sudo = request.env["payment.provider"].sudo()._get_compatible_providers(
            dossier_sudo.company_id.id, partner.id, 0.0, force_tokenization=True, is_validation=True,
        )
        methods_sudo = request.env["payment.method"].sudo()._get_compatible_payment_methods(
            providers_sudo.ids, partner.id, force_tokenization=True,
        )
        return providers_sudo, methods_sudo

    def _credit_statement_values(self, dossier, access_token, **extra):
        values = super()._credit_statement_values(dossier, access_token, **extra)
        values["autopay_can_save"] = not dossier.autopay_token_id and bool(
            self._credit_autopay_setup_options(dossier)[1]
        )
        return values
