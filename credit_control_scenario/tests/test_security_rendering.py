from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ScenarioCommon

# What a credit manager without template-editor rights tried to store.
SET_PARAM = (
    "<p t-if=\"object.env['ir.config_parameter'].sudo().set_param('credit_control.pwned', 'yes')\">"
    "Dear customer</p>"
)
LEAK_LOGIN = '<p>PWNED <t t-out="object.env.user.login"/></p>'
# What a collector tried to store in a reminder (stored XSS, fetches by the PDF engine).
HOSTILE_CONTENT = (
    "<p>Kept text</p>"
    "<script>alert('xss')</script>"
    '<iframe src="https://evil.example/frame"></iframe>'
    '<img src="http://evil.example/track.png"/>'
    '<img src="https://evil.example/track2.png" srcset="https://evil.example/big.png 2x"/>'
    '<img src="//evil.example/relative-scheme.png"/>'
    '<img src="file:///etc/passwd"/>'
    '<p style="background-image: url(http://evil.example/bg.png); color: red">Styled</p>'
    '<a href="javascript:alert(1)">click</a>'
    '<a href="file:///etc/passwd">local</a>'
    '<img src="/web/image/res.company/1/logo" alt="logo"/>'
)


@tagged("post_install", "-at_install")
class TestSecurityRendering(ScenarioCommon):
    """User-written reminder content follows Odoo's rendering rules
    (mail.render.mixin): with template editing restricted, only template
    editors store dynamic content, translations included; what a reminder
    keeps and prints is sanitized."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.editor_group = cls.env.ref("mail.group_mail_template_editor")
        # "Restrict template editing": internal users are no template editors
        cls.env["ir.config_parameter"].set_param("mail.restrict.template.rendering", True)
        (cls.credit_manager | cls.collector_a).groups_id -= cls.editor_group
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["credit_control_scenario"], ["fr_FR"], overwrite=True)

    def _letters(self, *customers):
        """Formal notices waiting for validation, for customers ``(name,
        values)`` 50 days late, in the order given."""
        partners = self.env["res.partner"]
        for name, values in customers:
            partner = self._customer(name, street="12 rue de la Gare", zip="69002", city="Lyon", **values)
            self._create_invoice(partner, 1000.0, due=date(2026, 3, 1))
            self._dossier(partner).collector_id = self.collector_a
            partners |= partner
        actions = self._run(date(2026, 4, 20)).action_ids
        self.assertEqual(actions.mapped("state"), ["to_validate"] * len(customers))
        self.assertEqual(actions.step_id, self.step_notice)
        return [actions.filtered(lambda a, p=partner: a.partner_id == p) for partner in partners]

    def _letter(self, name="Transports Girard", **values):
        return self._letters((name, values))[0]

    def _letter_html(self, action):
        return self.env["ir.actions.report"]._render_qweb_html(
            "credit_control_scenario.report_credit_letter", action.ids
        )[0].decode()

    def test_sanity_restricted(self):
        self.assertFalse(self.credit_manager.has_group("mail.group_mail_template_editor"))
        self.assertFalse(self.collector_a.has_group("mail.group_mail_template_editor"))

    def test_non_editor_cannot_store_code(self):
        step = self.step_notice.with_user(self.credit_manager)
        for fname, payload in [
            ("letter_body", SET_PARAM),
            ("call_script", SET_PARAM),
            ("letter_body", LEAK_LOGIN),
            ("sms_body", "{{ object.env['ir.config_parameter'].sudo().set_param('credit_control.pwned', 'yes') }}"),
        ]:
            with self.subTest(field=fname, payload=payload):
                with self.assertRaises(AccessError) as caught:
                    step.write({fname: payload})
                self.assertIn("dynamic content", str(caught.exception))
                self.assertIn(self.step_notice._fields[fname].string, str(caught.exception))
        self.assertNotIn("PWNED", self.step_notice.letter_body)
        # the engine (superuser here) then renders and sends the letter: nothing ran
        action = self._letter()
        with freeze_time("2026-04-20"):
            action.action_validate()
        self.assertIn("formal notice", action.content)
        self.assertFalse(self.env["ir.config_parameter"].get_param("credit_control.pwned"))

    def test_non_editor_cannot_store_code_in_a_translation(self):
        step = self.step_notice.with_user(self.credit_manager)
        with self.subTest("update_field_translations"), self.assertRaises(AccessError) as caught:
            step.update_field_translations("letter_body", {"fr_FR": LEAK_LOGIN})
        # checked (and told) in the language updated
        self.assertIn("contenu dynamique", str(caught.exception))
        with self.subTest("write in French"), self.assertRaises(AccessError) as caught:
            step.with_context(lang="fr_FR").write({"letter_body": SET_PARAM})
        self.assertIn("contenu dynamique", str(caught.exception))
        self.assertIn("mettons en demeure", self.step_notice.with_context(lang="fr_FR").letter_body)
        action = self._letter("Quincaillerie Bernard", lang="fr_FR")
        with freeze_time("2026-04-20"):
            action.action_validate()
        self.assertIn("mettons en demeure", action.content)
        self.assertNotIn("PWNED", action.content)
        self.assertNotIn(f">{self.env.user.login}<", action.content)
        self.assertFalse(self.env["ir.config_parameter"].get_param("credit_control.pwned"))

    def test_non_editor_keeps_static_content_and_settings(self):
        """Static text needs no editor right; a collector (no editor either)
        validates a letter an editor wrote with placeholders."""
        self.step_first.with_user(self.credit_manager).write({
            "call_script": "<p>Ask for the <b>accountant</b>.</p>",
            "sms_body": "Your invoices are overdue.",
        })
        self.step_first.with_user(self.credit_manager).with_context(lang="fr_FR").write({
            "call_script": "<p>Demander le <b>comptable</b>.</p>",
        })
        self.assertEqual(self.step_first.with_context(lang="fr_FR").call_script, "<p>Demander le <b>comptable</b>.</p>")
        # the settings of a step whose letter an editor wrote with placeholders
        self.assertIn("t-out", self.step_notice.letter_body)
        self.step_notice.with_user(self.credit_manager).write({
            "min_amount": 50.0, "name": "Formal notice (registered)", "letter_body": self.step_notice.letter_body,
        })
        self.assertEqual(self.step_notice.min_amount, 50.0)
        action = self._letter()
        with freeze_time("2026-04-20"):
            action.with_user(self.collector_a).action_validate()
        self.assertIn("1,000.00", action.content, "the editor's placeholder is rendered for the collector")

    def test_step_content_is_sanitized_as_mail_templates(self):
        """Static content needs no editor right, but no script either: the
        letters and call scripts are sanitized as mail templates' bodies
        (QWeb directives kept)."""
        self.step_first.with_user(self.credit_manager).write({
            "call_script": '<p onclick="alert(1)">Call<script>alert(2)</script><img src="x" onerror="alert(3)"/></p>',
        })
        self.assertNotIn("alert", self.step_first.call_script)
        self.assertIn("Call", self.step_first.call_script)
        self.assertIn('t-out="format_amount(object.amount, object.currency_id)"', self.step_notice.letter_body)

    def test_non_editor_duplicates_a_scenario(self):
        """The content editors wrote, copied as it is, translations included:
        a credit manager duplicates the shipped scenario."""
        copy = self.scenario.with_user(self.credit_manager).copy()
        notice = copy.step_ids.filtered(lambda step: step.formal_notice and step.book_penalties)
        self.assertEqual(notice.letter_body, self.step_notice.letter_body)
        self.assertIn("t-out", notice.letter_body)
        self.assertEqual(
            notice.with_context(lang="fr_FR").letter_body, self.step_notice.with_context(lang="fr_FR").letter_body,
        )
        with self.assertRaises(AccessError):
            self.step_notice.with_user(self.credit_manager).copy({"letter_body": SET_PARAM})
        with self.assertRaises(AccessError):
            notice.with_user(self.credit_manager).update_field_translations("letter_body", {"fr_FR": LEAK_LOGIN})

    def test_editor_writes_dynamic_content(self):
        self.credit_manager.groups_id |= self.editor_group
        self.step_notice.with_user(self.credit_manager).write({
            "letter_body": '<p>Please pay <t t-out="format_amount(object.amount, object.currency_id)"/> '
                           'to <t t-out="object.company_id.name"/>.</p>',
        })
        self.step_notice.with_user(self.credit_manager).update_field_translations("letter_body", {
            "fr_FR": '<p>Merci de payer <t t-out="format_amount(object.amount, object.currency_id)"/>.</p>',
        })
        english, french = self._letters(("Smith Ltd", {}), ("Quincaillerie Bernard", {"lang": "fr_FR"}))
        with freeze_time("2026-04-20"):
            (english | french).with_user(self.collector_a).action_validate()
        self.assertIn("Please pay", english.content)
        self.assertIn("1,000.00", english.content)
        self.assertIn(self.company.name, english.content)
        self.assertIn("Merci de payer", french.content)

    def test_collector_content_is_sanitized(self):
        action = self._letter()
        action.with_user(self.collector_a).write({"content": HOSTILE_CONTENT})
        content = action.content
        for forbidden in ("<script", "<iframe", "evil.example", "file:", "javascript:"):
            self.assertNotIn(forbidden, content)
        self.assertIn("Kept text", content)
        self.assertIn("Styled", content)
        self.assertIn("color", content, "harmless style is kept")
        self.assertIn('src="/web/image/res.company/1/logo"', content, "images of the server itself are kept")
        # created with hostile content: the same
        copy = self.Action.create({
            "dossier_id": action.dossier_id.id,
            "company_id": action.company_id.id,
            "scenario_id": action.scenario_id.id,
            "step_id": action.step_id.id,
            "channel": "letter",
            "content": HOSTILE_CONTENT,
        })
        self.assertNotIn("evil.example", copy.content)
        self.assertNotIn("<script", copy.content)

    def test_printed_letter_fetches_nothing(self):
        """Whatever the reminder keeps (an e-mail snapshot written by the
        engine, a body an editor wrote), the letter prints it sanitized:
        wkhtmltopdf fetches no remote or local file."""
        self.step_notice.letter_body = (
            '<p>Formal notice</p><img src="https://evil.example/from-template.png"/>'
            '<iframe src="file:///etc/passwd"></iframe>'
        )
        action = self._letter()
        with freeze_time("2026-04-20"):
            action.action_validate()
        self.assertIn("Formal notice", action.content)
        self.assertNotIn("evil.example", action.content)
        self.assertNotIn("<iframe", action.content)
        # kept as is by the engine (as the e-mails are), printed sanitized
        action._credit_write_each("content", {action.id: HOSTILE_CONTENT}, "text")
        html = self._letter_html(action)
        self.assertIn("Kept text", html)
        for forbidden in ("evil.example", "file:", "<script>alert", "javascript:"):
            self.assertNotIn(forbidden, html)

    def test_sms_text_is_not_html(self):
        """An SMS is text: a customer name holding HTML is kept as text in
        the reminder, not as markup."""
        self.step_first.write({"channel": "sms", "sms_body": "{{ object.partner_id.name }}: invoices overdue."})
        name = '<img src="x" onerror="alert(1)">'
        customer = self._customer("Fleuriste", mobile="06 12 34 56 78", country_id=self.env.ref("base.fr").id)
        customer.name = name
        self._create_invoice(customer, 300.0, due=date(2026, 3, 1))
        action = self._run(date(2026, 3, 10)).action_ids
        self.assertRecordValues(action, [{"channel": "sms", "state": "sent"}])
        self.assertEqual(action.sms_id.body, f"{name}: invoices overdue.")
        self.assertNotIn("<img", action.content)
        self.assertIn("&lt;img", action.content)

    def test_batch_of_letters_equals_single_rendering(self):
        """The letters of a batch are rendered from a body compiled once: the
        result is the very one of Odoo's rendering letter by letter."""
        self.step_notice.letter_body = (
            '<p>Dear <t t-out="object.partner_id.name"/>, please pay '
            '<t t-out="format_amount(object.amount, object.currency_id)"/>.</p>'
        )
        actions = self.Action.concat(*self._letters(("Garage Dupont", {}), ("Boulangerie Petit", {})))
        step = self.step_notice.with_user(self.collector_a)
        batch = step._render_field("letter_body", actions.ids)
        singles = {action.id: step._render_field("letter_body", action.ids)[action.id] for action in actions}
        self.assertEqual(batch, singles)
        self.assertIn("Dear Garage Dupont, please pay", batch[actions[0].id])
        self.assertIn("Boulangerie Petit", batch[actions[1].id])
