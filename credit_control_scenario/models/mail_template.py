import logging

from lxml import html
from markupsafe import Markup

from odoo import _, api, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

ACTION_MODEL = "credit.control.action"


class MailTemplate(models.Model):
    _inherit = "mail.template"

    @api.model
    def _render_template_qweb(self, template_src, model, res_ids, add_context=None, options=None):
        """Override: the reminders of a run are rendered from a body compiled
        once. Odoo parses and compiles an inline QWeb body again for every
        record, which was most of the time of a nightly run (about 20 ms a
        reminder). Rendering restricted to template editors keeps Odoo's
        path, with its checks."""
        if (
            model != ACTION_MODEL or len(res_ids) < 2 or not template_src
            or not self._has_unsafe_expression_template_qweb(template_src, model)
            or self._credit_rendering_restricted()
        ):
            return super()._render_template_qweb(template_src, model, res_ids, add_context=add_context,
                                                 options=options)
        variables = self._render_eval_context()
        variables.update(add_context or {})
        template = html.fragment_fromstring(template_src, create_parent="div")
        ir_qweb = self.env["ir.qweb"].with_context(**(options or {}))
        functions = def_name = None
        results = {}
        for record in self.env[model].browse(res_ids):
            values = dict(variables, object=record)
            record_qweb = ir_qweb._prepare_environment(values)
            try:
                if functions is None:
                    functions, def_name = record_qweb._compile(template)
                rendered = Markup("".join(functions[def_name](record_qweb, values)))
            except Exception as error:
                _logger.info("Failed to render template: %s", template_src, exc_info=True)
                raise UserError(_("Failed to render the reminder e-mail: %s", error)) from error
            # without the <div> wrapped around the fragment to parse it
            results[record.id] = rendered[5:-6]
        return results

    def _credit_rendering_restricted(self):
        return (
            not self._unrestricted_rendering
            and not self.env.is_admin()
            and not self.env.user.has_group("mail.group_mail_template_editor")
        )
