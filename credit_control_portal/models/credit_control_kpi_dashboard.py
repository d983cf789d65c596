from odoo import _, models


class CreditControlKpiDashboard(models.TransientModel):
    _inherit = "credit.control.kpi.dashboard"

    def _credit_onboarding_steps(self):
        """Override: customers pay their statement online once the
        company's Stripe provider is enabled (or in test mode); another
        provider, such as a wire transfer, is not Stripe."""
        steps = super()._credit_onboarding_steps()
        providers = self.env["payment.provider"].sudo().search_count([
            ("company_id", "=", self.company_id.id), ("code", "=", "stripe"), ("state", "in", ("enabled", "test")),
        ], limit=1)
        steps.append({
            "key": "payment",
            "name": _("Connect Stripe"),
            "description": _("Customers pay their statement online from the portal and the reminders' links."),
            "done": bool(providers),
            "action_xmlid": "payment.action_payment_provider",
        })
        return steps
