from psycopg2 import Error as PsycopgError

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.osv import expression
from odoo.tools import format_date, formatLang
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
    rule_summary = fields.Char(
        compute="_compute_rule_summary",
        string="Rule",
        help="The assignment rule in words, in the user's language.",
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

    @api.depends("rule_domain")
    @api.depends_context("lang")
    def _compute_rule_summary(self):
        for segment in self:
            try:
                domain = segment._parse_rule_domain()
            except ValidationError:
                # an invalid rule cannot be saved; a draft one is shown as typed
                segment.rule_summary = segment.rule_domain
                continue
            if not domain or domain == expression.TRUE_DOMAIN:
                segment.rule_summary = _("Every customer")
            else:
                segment.rule_summary = segment._credit_describe_domain(domain)

    def _credit_describe_domain(self, domain):
        """The normalized ``domain`` on dossiers in words: "Customer > Country
        is set · Open Amount ≥ 10,000.00 €" (the filter editor's wording,
        which Odoo has in JavaScript only)."""
        tree, _end = self._credit_domain_tree(domain, 0)
        return self._credit_describe_node(tree, top=True)

    @api.model
    def _credit_domain_tree(self, domain, index):
        token = domain[index]
        if token == expression.NOT_OPERATOR:
            operand, end = self._credit_domain_tree(domain, index + 1)
            return ("!", operand), end
        if token in (expression.AND_OPERATOR, expression.OR_OPERATOR):
            left, end = self._credit_domain_tree(domain, index + 1)
            right, end = self._credit_domain_tree(domain, end)
            return (token, left, right), end
        return ("leaf", token), index + 1

    def _credit_describe_node(self, node, top=False):
        kind = node[0]
        if kind == "leaf":
            return self._credit_describe_leaf(node[1])
        if kind == "!":
            return _("not (%s)", self._credit_describe_node(node[1]))
        # flatten a chain of the same operator: A & (B & C) reads "A · B · C"
        parts, stack = [], [node]
        while stack:
            current = stack.pop(0)
            if current[0] == kind:
                stack[:0] = [current[1], current[2]]
            else:
                parts.append(self._credit_describe_node(current))
        if kind == expression.AND_OPERATOR:
            return " · ".join(parts)
        separator = _("or")
        text = f" {separator} ".join(parts)
        return text if top else f"({text})"

    def _credit_describe_leaf(self, leaf):
        if leaf in (expression.TRUE_LEAF, expression.FALSE_LEAF):
            return _("Every customer") if leaf == expression.TRUE_LEAF else _("No customer")
        path, operator, value = leaf
        model = self.env["credit.control.dossier"]
        labels, field = [], None
        for name in str(path).split("."):
            field = model._fields.get(name)
            if field is None:
                labels.append(name)
                break
            labels.append(field._description_string(self.env))
            if field.relational:
                model = self.env[field.comodel_name]
        label = " › ".join(labels)
        if value is False and operator in ("=", "!="):
            return _("%s is not set", label) if operator == "=" else _("%s is set", label)
        text = self._credit_describe_value(field, value)
        if operator == "=":
            return _("%(field)s: %(value)s", field=label, value=text)
        operators = {
            "!=": "≠", ">": ">", ">=": "≥", "<": "<", "<=": "≤",
            "in": _("is in"), "not in": _("is not in"),
            "like": _("contains"), "ilike": _("contains"),
            "not like": _("does not contain"), "not ilike": _("does not contain"),
            "=like": _("matches"), "=ilike": _("matches"),
            "child_of": _("is in"), "parent_of": _("is a parent of"),
        }
        return _(
            "%(field)s %(operator)s %(value)s", field=label, operator=operators.get(operator, operator), value=text
        )

    def _credit_describe_value(self, field, value):
        if isinstance(value, (list, tuple)):
            return ", ".join(self._credit_describe_value(field, item) for item in value) or "∅"
        if field is None:
            return str(value)
        if field.type in ("many2one", "many2many", "one2many") and isinstance(value, int):
            record = self.env[field.comodel_name].browse(value)
            try:
                return record.display_name if record.exists() else str(value)
            except AccessError:
                return str(value)
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, str(value))
        if field.type == "boolean":
            return _("Yes") if value else _("No")
        if field.type == "monetary" and isinstance(value, (int, float)):
            return formatLang(self.env, value, currency_obj=self.env.company.currency_id)
        if field.type == "float" and isinstance(value, (int, float)):
            return formatLang(self.env, value)
        if field.type == "integer" and isinstance(value, int):
            return formatLang(self.env, value, digits=0)
        if field.type in ("date", "datetime") and value:
            try:
                return format_date(self.env, value)
            except (ValueError, TypeError):
                return str(value)
        return f"“{value}”" if isinstance(value, str) else str(value)

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
