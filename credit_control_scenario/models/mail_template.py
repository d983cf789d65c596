import logging
from datetime import date, datetime

from lxml import html
from markupsafe import Markup

from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools import safe_eval
from odoo.tools.rendering_tools import parse_inline_template

from odoo.addons.credit_control_base.tools.lang_format import amount_formatter

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
    if not _unrestricted(renderer) or not renderer._has_unsafe_expression_template_qweb(template_src, model):
        return None
    variables = _batch_eval_context(renderer)
    variables.update(add_context or {})
    template = html.fragment_fromstring(template_src, create_parent="div")
    ir_qweb = renderer.env["ir.qweb"].with_context(**(options or {}))
    # as ir.qweb._render does before rendering; what it prepares (values
    # and context) does not depend on the record: prepared once
    batch_qweb = ir_qweb._prepare_environment(variables)
    functions = def_name = None
    results = {}
    for record in renderer.env[model].browse(res_ids):
        values = dict(variables, object=record)
        safe_eval.check_values(values)
        try:
            if functions is None:
                functions, def_name = batch_qweb._compile(template)
            rendered = Markup("".join(functions[def_name](batch_qweb, values)))
        except Exception as error:
            _logger.info("Failed to render template: %s", template_src, exc_info=True)
            raise UserError(_("Failed to render the content of the reminders: %s", error)) from error
        # without the <div> wrapped around the fragment to parse it
        results[record.id] = rendered[5:-6]
    return results


def _batch_eval_context(renderer):
    """Odoo's rendering context (``_render_eval_context``) for one batch,
    its ``format_date`` formatting each distinct date once. The reminders
    of a run show the same due dates over and over, and each call of
    Odoo's function looks the language up again in the registry's caches
    (about 7 % of the composition of a run's e-mails, issue #19). Odoo's
    function formats every date the first time it is met; its result
    depends only on its arguments (date, format, language code) and on the
    renderer's language and time zone, the same for the whole batch.
    Its ``format_amount`` reads each language and currency once for the
    batch (``amount_formatter``: a tenth of the composition), and writes
    every amount as Odoo's function does."""
    variables = renderer._render_eval_context()
    variables["format_date"] = _formatted_once(variables["format_date"])
    variables["format_amount"] = amount_formatter(renderer.env)
    return variables


# Arguments whose equal values format alike (an aware datetime equals
# another one in another time zone: formatted each time).
_PLAIN_TYPES = frozenset((date, str, bool, type(None)))


def _formatted_once(format_function):
    formatted = {}

    def format_once(*args, **kwargs):
        arguments = (*args, *kwargs.values())
        if not all(type(value) in _PLAIN_TYPES or (type(value) is datetime and value.tzinfo is None)
                   for value in arguments):
            return format_function(*args, **kwargs)
        # the type too: False and 0, a date and its string are told apart
        key = (
            tuple((type(value), value) for value in args),
            tuple(sorted((name, type(value), value) for name, value in kwargs.items())),
        )
        if key not in formatted:
            formatted[key] = format_function(*args, **kwargs)
        return formatted[key]

    return format_once


def _unrestricted(renderer):
    """The very condition of mail.render.mixin's renderings: a renderer
    Odoo renders without restriction (its expressions are not checked
    against the whitelist)."""
    return (
        renderer._unrestricted_rendering
        or renderer.env.is_admin()
        or renderer.env.user.has_group("mail.group_mail_template_editor")
    )


def render_inline_compiled_once(renderer, template_txt, model, res_ids, add_context=None):
    """Render an inline template (the subject, sender and reply-to of a
    reminder e-mail) on the reminders ``res_ids`` from expressions compiled
    and checked once. Odoo's ``safe_eval`` compiles each expression and
    checks its opcodes again for every record (a tenth of the composition
    of a run's e-mails); each record is evaluated here as ``safe_eval``
    does it: its values checked, restricted builtins, a copy of the
    variables per expression.

    Return None where Odoo's own ``_render_template_inline_template`` must
    render: other models than the reminders, fewer than two records, a
    template without an expression to evaluate (Odoo's static mode) and a
    restricted renderer (Odoo refuses it or checks it against its
    whitelist), as ``render_qweb_compiled_once``.
    """
    if model != ACTION_MODEL or len(res_ids) < 2 or not template_txt:
        return None
    template_txt = str(template_txt)
    if not _unrestricted(renderer) or not renderer._has_unsafe_expression_template_inline_template(
            template_txt, model):
        return None
    instructions = parse_inline_template(template_txt)
    variables = _batch_eval_context(renderer)
    variables.update(add_context or {})
    results = {}
    try:
        codes = {
            expression: safe_eval.test_expr(expression, safe_eval._SAFE_OPCODES, mode="eval")
            for _string, expression, _default in instructions if expression
        }
        for record in renderer.env[model].browse(res_ids):
            values = dict(variables, object=record)
            safe_eval.check_values(values)
            parts = []
            for string, expression, default in instructions:
                parts.append(string)
                if expression:
                    globals_ = dict(values, __builtins__=dict(safe_eval._BUILTINS))
                    result = safe_eval.unsafe_eval(codes[expression], globals_) or default
                    if result:
                        parts.append(str(result))
            results[record.id] = "".join(parts)
    except Exception as error:
        _logger.info("Failed to render inline_template: \n%s", template_txt, exc_info=True)
        raise UserError(_("Failed to render the content of the reminders: %s", error)) from error
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

    @api.model
    def _render_template_inline_template(self, template_txt, model, res_ids, add_context=None, options=None):
        """Override of mail: the reminders of a run are rendered from
        expressions compiled once (see ``render_inline_compiled_once``); any
        other rendering keeps Odoo's path, with its checks."""
        rendered = render_inline_compiled_once(self, template_txt, model, res_ids, add_context)
        if rendered is None:
            return super()._render_template_inline_template(template_txt, model, res_ids,
                                                            add_context=add_context, options=options)
        return rendered
