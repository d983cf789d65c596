from psycopg2 import Error as PsycopgError

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools.safe_eval import safe_eval


class CreditControlSegment(models.Model):
    """A family of customers collected the same way (key accounts, public
    sector, small businesses...). Dossiers get the first segment, in sequence
    order, whose rule they match, unless a user set their segment by hand."""

    _name = "credit.control.segment"
    _description = "Customer Segment"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the segment between companies.",
    )
    color = fields.Integer()
    description = fields.Text(translate=True)
    rule_domain = fields.Char(
        string="Assignment Rule",
        default="[]",
        required=True,
        help="Customers matching this rule are put in this segment, unless a "
        "user chose their segment by hand. The first matching segment in the "
        "list order wins; an empty rule matches every customer.",
    )
    dossier_ids = fields.One2many("credit.control.dossier", "segment_id", string="Dossiers")
    dossier_count = fields.Integer(compute="_compute_dossier_count", string="Customers")

    # ------------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------------

    def _compute_dossier_count(self):
        counts = dict(
            self.env["credit.control.dossier"]._read_group(
                [("segment_id", "in", self.ids)], ["segment_id"], ["__count"]
            )
        )
        for segment in self:
            segment.dossier_count = counts.get(segment, 0)

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------

    @api.constrains("rule_domain")
    def _check_rule_domain(self):
        for segment in self:
            domain = segment._parse_rule_domain()
            try:
                with self.env.cr.savepoint():
                    # Running the query checks field names, operators and
                    # values against the real model.
                    self.env["credit.control.dossier"].search(domain, limit=1)
            except (ValueError, TypeError, KeyError, PsycopgError) as error:
                raise segment._rule_domain_error(error) from error

    def _parse_rule_domain(self):
        """Return the rule as a normalized domain on credit.control.dossier."""
        self.ensure_one()
        try:
            domain = safe_eval(self.rule_domain or "[]")
            return expression.normalize_domain(domain)
        except (ValueError, SyntaxError, NameError, TypeError, AssertionError) as error:
            raise self._rule_domain_error(error) from error

    def _rule_domain_error(self, error):
        return ValidationError(
            _(
                "The assignment rule of segment %(segment)s is not a valid "
                "filter on customer dossiers: %(error)s",
                segment=self.name,
                error=error,
            )
        )

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_assign_segments(self):
        """Recompute the segment of every dossier that was not set by hand."""
        self.env["credit.control.dossier"].search([("segment_manual", "=", False)])._assign_segments()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("Segments recomputed."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_open_dossiers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_control_base.credit_control_dossier_action"
        )
        action["domain"] = [("segment_id", "=", self.id)]
        action["context"] = {"default_segment_id": self.id}
        return action
