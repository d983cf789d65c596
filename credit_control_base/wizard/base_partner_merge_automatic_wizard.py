from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        """Override: the merge moves the journal items of the merged
        partners to the one kept in SQL, without the ORM's write: note
        their open items for the KPIs' table of open items."""
        partners = self.env["res.partner"].browse(partner_ids)
        if dst_partner:
            partners |= dst_partner
        self.env["credit.control.kpi.open"]._kpi_touch_partners(partners)
        return super()._merge(partner_ids, dst_partner, extra_checks)
