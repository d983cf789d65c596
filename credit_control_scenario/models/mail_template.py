import logging

from lxml import html
from markupsafe import Markup

from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools import safe_eval

_logger = logging.getLogger(__name__)

ACTION_MODEL = "credit.control.action"


def render_qweb_compiled_once(renderer, template_src, model, res_ids, add_context=None, options=None):
    """Render a QWeb body on the reminders ``res_ids`` from a body compiled
    once. Odoo parses and compiles an inline QWeb body again for every
    record, which was most of the time of a nightly run (about 20 ms a
    reminder).

    Return None where Odoo's own ``_render_template_qweb`` must render, with
    its checks: other models than the reminders, fewer than two records, a
    body with nothing to evaluate (Odoo renders it without evaluating
    anything), and above all a restricted renderer, whose expressions Odoo
    checks against its whitelist. Only a renderer Odoo itself renders without
    restriction takes this path: the body was written by a template editor
    (checked when it was stored) or the user is one.

    :param renderer: the ``mail.render.mixin`` record(s) rendering
    """
    if model != ACTION_MODEL or len(res_ids) < 2 or not template_src:
        return None
    # the very condition of mail.render.mixin._render_template_qweb
    restricted = (
        not renderer._unrestricted_rendering
        and not renderer.env.is_admin()
        and not renderer.env.user.has_group("mail.group_mail_template_editor")
    )
    if restricted or not renderer._has_unsafe_expression_template_qweb(template_src, model):
        return None
    variables = renderer._render_eval_context()
    variables.update(add_context or {})
    template = html.fragment_fromstring(template_src, create_parent="div")
    ir_qweb = renderer.env["ir.qweb"].with_context(**(options or {}))
    functions = def_name = None
    results = {}
    for record in renderer.env[model].browse(res_ids):
        values = dict(variables, object=record)
        record_qweb = ir_qweb._prepare_environment(values)
        # as ir.qweb._render does before rendering
        safe_eval.check_values(values)
        try:
            if functions is None:
                functions, def_name = record_qweb._compile(template)
            rendered = Markup("".join(functions[def_name](record_qweb, values)))
        except Exception as error:
            _logger.info("Failed to render template: %s", template_src, exc_info=True)
            raise UserError(_("Failed to render the content of the reminders: %s", error)) from error
        # without the <div> wrapped around the fragment to parse it
        results[record.id] = rendered[5:-6]
    return results


class MailTemplate(models.Model):
    _inherit = "mail.template"

    @api.model
    def _render_template_qweb(self, template_src, model, res_ids, add_context=None, options=None):
        """Override of mail: the reminders of a run are rendered from a body
        compiled once (see ``render_qweb_compiled_once``); any other
        rendering keeps Odoo's path, with its checks."""
        rendered = render_qweb_compiled_once(self, template_src, model, res_ids, add_context, options)
        if rendered is None:
            return super()._render_template_qweb(template_src, model, res_ids, add_context=add_context,
                                                 options=options)
        return rendered
