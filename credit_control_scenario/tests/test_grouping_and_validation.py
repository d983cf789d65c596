from datetime import date

from freezegun import freeze_time
from lxml import html

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.credit_control_base.tests.common import load_french

from .common import ScenarioCommon


@tagged("post_install", "-at_install")
class TestGroupingAndValidation(ScenarioCommon):

    def test_per_customer_groups_invoices(self):
        customer = self._customer("Cave Moreau")
        first, second = self._create_invoices([
            {"partner": customer, "amount": 100.0, "due": date(2026, 3, 1)},
            {"partner": customer, "amount": 250.0, "due": date(2026, 2, 10)},
        ])
        run = self._run(date(2026, 3, 10))
        self.assertRecordValues(run.action_ids, [{
            "partner_id": customer.id, "step_id": self.step_second.id, "amount": 350.0, "state": "sent",
        }])
        action = run.action_ids
        self.assertEqual(action.move_ids, first | second)
        # each invoice records its own step: the first is at its first reminder
        self.assertEqual(
            {line.move_id: line.step_id for line in action.line_ids},
            {first: self.step_first, second: self.step_second},
        )
        mail = self.env["mail.mail"].search([("model", "=", action._name), ("res_id", "=", action.id)])
        self.assertEqual(mail.recipient_ids, customer)
        self.assertIn(first.name, mail.body_html)
        self.assertIn(second.name, mail.body_html)
        self.assertEqual(action.content, mail.body_html, "the content sent is kept")
        self.assertIn("Reminder sent", self._dossier(customer).message_ids[0].body)

    def test_per_invoice_one_reminder_each(self):
        self.scenario.grouping = "per_invoice"
        customer = self._customer("Cave Moreau")
        invoices = self._create_invoices([
            {"partner": customer, "amount": 100.0, "due": date(2026, 3, 1)},
            {"partner": customer, "amount": 250.0, "due": date(2026, 2, 10)},
        ])
        run = self._run(date(2026, 3, 10))
        self.assertEqual(len(run.action_ids), 2)
        self.assertEqual(
            {action.move_ids: action.step_id for action in run.action_ids},
            {invoices[0]: self.step_first, invoices[1]: self.step_second},
        )

    def test_dunning_contact_receives_it(self):
        """The 'Dunning Address' contact, before an invoice address, an
        archived one never; else the first invoice address."""
        customer, other = self._customer("SARL Lefort"), self._customer("SAS Morin")
        Partner = self.env["res.partner"]
        Partner.create([
            {"name": "Factures Lefort", "parent_id": customer.id, "type": "invoice", "email": "f@lefort.fr"},
            {"name": "Ancien", "parent_id": customer.id, "type": "dunning", "email": "a@lefort.fr", "active": False},
        ])
        accountant = Partner.create({
            "name": "Compta Lefort", "parent_id": customer.id, "type": "dunning", "email": "compta@lefort.fr",
        })
        billing = Partner.create([
            {"name": f"Factures Morin {i}", "parent_id": other.id, "type": "invoice", "email": f"f{i}@morin.fr"}
            for i in range(2)
        ])
        self._create_invoice(customer, 400.0, due=date(2026, 3, 1))
        self._create_invoice(other, 400.0, due=date(2026, 3, 1))
        actions = self._run(date(2026, 3, 10)).action_ids
        self.assertEqual({a.partner_id: a.contact_id for a in actions}, {customer: accountant, other: billing[0]})

    def test_validation_queue_letter_and_penalties(self):
        self.company.write({"credit_control_ecb_rate": 2.15, "credit_control_interest_margin": 10.0})
        customer = self._customer("Transports Girard", street="12 rue de la Gare", zip="69002", city="Lyon")
        invoice = self._create_invoice(customer, 1000.0, due=date(2026, 3, 1))
        run = self._run(date(2026, 4, 20))  # 50 days late: formal notice
        action = run.action_ids
        self.assertRecordValues(action, [{"step_id": self.step_notice.id, "state": "to_validate", "channel": "letter"}])
        self.assertEqual(run.to_validate_count, 1)
        self.assertFalse(action.letter_attachment_id, "nothing goes out before validation")
        with self.subTest("validate"):
            action.with_user(self.collector_a).check_access("write")
            with freeze_time("2026-04-20"):
                action.with_user(self.collector_a).action_validate()
            self.assertEqual(action.state, "sent")
            self.assertTrue(action.letter_attachment_id)
            self.assertIn("formal notice", action.content)
            self.assertIn("1,000.00", action.content)
        with self.subTest("penalties"):
            penalty = action.penalty_move_id
            self.assertRecordValues(penalty, [
                {"state": "draft", "move_type": "out_invoice", "partner_id": customer.id},
            ])
            # 40 € indemnity + 1000 × 12.15 % × 50 / 365 = 16.64 €
            self.assertEqual(
                sorted(penalty.invoice_line_ids.mapped("price_unit")), [16.64, 40.0],
            )
            self.assertIn(invoice.name, penalty.invoice_line_ids[0].name)

    def test_letter_is_a_real_pdf(self):
        customer = self._customer("Transports Girard", street="12 rue de la Gare", zip="69002", city="Lyon")
        self._create_invoice(customer, 1000.0, due=date(2026, 3, 1))
        action = self._run(date(2026, 4, 20)).action_ids
        action.with_context(force_report_rendering=True).action_validate()
        self.assertEqual(action.letter_attachment_id.raw[:4], b"%PDF")


@tagged("post_install", "-at_install")
class TestLanguages(ScenarioCommon):
    """Each customer is reminded in its own language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["credit_control_scenario"], ["fr_FR"], overwrite=True)

    def test_french_and_english_customers(self):
        french = self._customer("Quincaillerie Bernard", lang="fr_FR")
        english = self._customer("Smith Ltd", lang="en_US")
        for customer in (french, english):
            self._create_invoice(customer, 700.0, due=date(2026, 3, 1))
        run = self._run(date(2026, 3, 10))
        mails = {
            action.partner_id: self.env["mail.mail"].search([("model", "=", action._name), ("res_id", "=", action.id)])
            for action in run.action_ids
        }
        self.assertEqual(mails[french].subject, f"{self.company.name} : relance de paiement")
        self.assertIn("Sauf erreur de notre part", mails[french].body_html)
        self.assertEqual(mails[english].subject, f"{self.company.name}: payment reminder")
        self.assertIn("Unless we are mistaken", mails[english].body_html)

    def test_french_letter(self):
        french = self._customer("Quincaillerie Bernard", lang="fr_FR")
        self._create_invoice(french, 700.0, due=date(2026, 3, 1))
        action = self._run(date(2026, 4, 20)).action_ids
        with freeze_time("2026-04-20"):
            action.action_validate()
        self.assertIn("mettons en demeure", action.content)
        html = self.env["ir.actions.report"]._render_qweb_html(
            "credit_control_scenario.report_credit_letter", action.ids
        )[0].decode()
        self.assertIn("Lettre recommandée avec accusé de réception", html)
        self.assertIn("Indemnité forfaitaire pour frais de recouvrement", html)


@tagged("post_install", "-at_install")
class TestBatchRendering(ScenarioCommon):
    """The reminders of a run are rendered from a body compiled once: the
    result is the very one of Odoo's rendering record by record."""

    def test_batch_rendering_equals_single_rendering(self):
        customers = [self._customer(name) for name in ("Garage Dupont", "Boulangerie Petit", "Atelier Roux")]
        for index, customer in enumerate(customers):
            self._create_invoice(customer, 300.0 + index, due=date(2026, 3, 1))
        # one frozen instant: the statement links in the bodies carry an expiry
        with freeze_time(date(2026, 3, 10)):
            run = self.env["credit.control.scenario.run"]._credit_run(companies=self.company)
            actions = run.action_ids
            self.assertEqual(len(actions), 3)
            template = self.step_first.mail_template_id
            batch = template._render_field("body_html", actions.ids)
            singles = {action.id: template._render_field("body_html", action.ids)[action.id] for action in actions}
        for action in actions:
            single = singles[action.id]
            self.assertEqual(batch[action.id], single)
            self.assertIn(action.partner_id.name, batch[action.id])
            self.assertIn(action.move_ids.name, batch[action.id])
        self.assertEqual(len(set(batch.values())), 3)

    def test_batch_inline_rendering_equals_single_rendering(self):
        """The sender and reply-to (inline templates with code) come out of
        the expressions compiled once as out of Odoo's rendering record by
        record; an expression that fails says so."""
        collector = self.env["res.users"].create({
            "name": "Claire Recouvrement", "login": "claire.batch", "email": "claire@example.fr",
        })
        customers = [self._customer(name) for name in ("Garage Dupont", "Boulangerie Petit")]
        for index, customer in enumerate(customers):
            self._create_invoice(customer, 300.0 + index, due=date(2026, 3, 1))
        with freeze_time(date(2026, 3, 10)):
            actions = self.env["credit.control.scenario.run"]._credit_run(companies=self.company).action_ids
        actions[0].user_id = collector
        template = self.step_first.mail_template_id
        for fname in ("email_from", "reply_to"):
            batch = template._render_field(fname, actions.ids)
            singles = {action.id: template._render_field(fname, action.ids)[action.id] for action in actions}
            self.assertEqual(batch, singles)
        self.assertIn("claire@example.fr", template._render_field("reply_to", actions.ids)[actions[0].id])
        with self.assertRaises(UserError):
            template._render_template_inline_template("{{ object.no_such_field or 1 }}", actions._name, actions.ids)

    def _reminders_in_two_languages(self, amounts):
        """The reminders of a run on 10 March 2026 for two French customers
        and an English one, an invoice of ``amounts[i]`` due on 1 March
        each."""
        load_french(self.env)
        customers = [self._customer("Garage Dupont", lang="fr_FR"), self._customer("Atelier Roux", lang="en_US"),
                     self._customer("Boulangerie Petit", lang="fr_FR")]
        for customer, amount in zip(customers, amounts, strict=True):
            self._create_invoice(customer, amount, due=date(2026, 3, 1))
        with freeze_time(date(2026, 3, 10)):
            return self.env["credit.control.scenario.run"]._credit_run(companies=self.company).action_ids

    def _assert_batch_renders_as_singles(self, template, actions):
        """The template's subject and body rendered for all ``actions`` at
        once equal each rendered alone, in English and in French."""
        for lang in ("en_US", "fr_FR"):
            localized = template.with_context(lang=lang)
            for fname in ("body_html", "subject"):
                batch = localized._render_field(fname, actions.ids)
                singles = {action.id: localized._render_field(fname, action.ids)[action.id] for action in actions}
                self.assertEqual(batch, singles)

    def test_batch_formats_dates_as_single_rendering(self):
        """Each distinct date is formatted once per batch: the same date in
        another format or another language code comes out as Odoo formats
        it record by record, in English and in French."""
        actions = self._reminders_in_two_languages([300.0, 300.0, 300.0])
        template = self.env["mail.template"].create({
            "name": "Dates",
            "model_id": self.env["ir.model"]._get_id(actions._name),
            "subject": "{{ format_date(object.date) }} / "
                       "{{ format_date(object.date, lang_code=object.partner_id.lang) }}",
            "body_html": """<div>
                <p t-out="format_date(object.date)"/>
                <p t-out="format_date(object.date, 'EEEE d MMMM y')"/>
                <p t-out="format_date(object.date, lang_code=object.partner_id.lang)"/>
                <p t-out="format_date(object.date, 'EEEE d MMMM y', object.partner_id.lang)"/>
                <p t-out="format_date(False)"/>
                <p t-out="format_date(object.create_date)"/>
                <p t-out="format_date(str(object.date))"/>
                <p t-foreach="object.move_ids._credit_instalments(object.date)" t-as="item"
                   t-out="format_date(item['due_date'], lang_code=object.partner_id.lang)"/>
            </div>""",
        })
        self._assert_batch_renders_as_singles(template, actions)
        body = template.with_context(lang="en_US")._render_field("body_html", actions.ids)
        english = actions.filtered(lambda a: a.partner_id.lang == "en_US")
        french = actions - english
        self.assertIn("Tuesday 10 March 2026", body[english.id])
        for action in french:
            self.assertIn("Tuesday 10 March 2026", body[action.id])
            self.assertIn("mardi 10 mars 2026", body[action.id])

    def test_batch_formats_amounts_as_single_rendering(self):
        """The amounts of a batch (each language and currency read once)
        come out as Odoo formats them record by record: in English and in
        French, in another language code, negative and grouped."""
        actions = self._reminders_in_two_languages([1234.5, 1235.5, 1236.5])
        template = self.env["mail.template"].create({
            "name": "Amounts",
            "model_id": self.env["ir.model"]._get_id(actions._name),
            "subject": "{{ format_amount(object.amount, object.currency_id) }}",
            "body_html": """<div>
                <p t-out="format_amount(object.amount, object.currency_id)"/>
                <p t-out="format_amount(-object.amount * 1000, object.currency_id)"/>
                <p t-out="format_amount(object.amount, object.currency_id, object.partner_id.lang)"/>
                <p t-foreach="object.move_ids._credit_instalments(object.date)" t-as="item"
                   t-out="format_amount(item['amount'], item['currency'], lang_code=object.partner_id.lang)"/>
            </div>""",
        })
        self._assert_batch_renders_as_singles(template, actions)
        body = template.with_context(lang="en_US")._render_field("body_html", actions.ids)
        english = actions.filtered(lambda a: a.partner_id.lang == "en_US")
        self.assertIn("-\N{ZERO WIDTH NO-BREAK SPACE}1,235,500.00", body[english.id])
        for action in actions - english:
            self.assertRegex(body[action.id], "1\N{NO-BREAK SPACE}23[46],50")

    def test_hostile_values_are_escaped_and_sanitized(self):
        """A customer named with markup, and a template that writes a field
        holding raw HTML: the e-mails composed in batch are the ones
        composed one by one, the name is escaped, and the stored message
        keeps neither script nor event handler (Odoo's sanitizer of
        ``mail.message.body`` runs on every composed body)."""
        hostile = ['<script>alert("name")</script>', '<img src=x onerror=alert(1)>']
        customers = [self._customer(f"Client {index}") for index in range(4)]
        for index, customer in enumerate(customers):
            customer.name = f"{hostile[index % 2]} {index}"
            self._create_invoice(customer, 300.0 + index, due=date(2026, 3, 1))
        with freeze_time(date(2026, 3, 10)):
            actions = self.env["credit.control.scenario.run"]._credit_run(companies=self.company).action_ids
        mails = self.env["mail.mail"].search([("model", "=", actions._name), ("res_id", "in", actions.ids)])
        self.assertEqual(len(mails), 4)
        # raw HTML where a template outputs it unescaped (an Html field)
        self.env.cr.execute(
            "UPDATE res_partner SET comment = %s WHERE id = ANY(%s)",
            ['<p>Note<img src="x" onerror="alert(2)"><script>alert(3)</script></p>', [c.id for c in customers]],
        )
        self.env.invalidate_all()
        template = self.env["mail.template"].create({
            "name": "Hostile",
            "model_id": self.env["ir.model"]._get_id(actions._name),
            "subject": "Relance {{ object.partner_id.name }}",
            "email_from": "{{ object.company_id.email_formatted }}",
            "partner_to": "{{ object.contact_id.id }}",
            "body_html": """<div><p>Bonjour <t t-out="object.partner_id.name"/>,</p>
                <div t-out="object.partner_id.comment"/>
                <a t-att-href="'javascript:alert(4)'">lien</a></div>""",
        })
        mails.write({"credit_template_id": template.id})
        for mail in mails:
            mail._credit_compose()
        self.env.invalidate_all()
        one_by_one = {m.res_id: (m.subject, m.body_html, m.body, m.email_from, m.reply_to, m.recipient_ids.ids)
                      for m in mails}
        mails.write({"credit_template_id": template.id, "body_html": "", "body": "", "subject": "Relance"})
        mails._credit_compose()
        self.env.invalidate_all()
        batch = {m.res_id: (m.subject, m.body_html, m.body, m.email_from, m.reply_to, m.recipient_ids.ids)
                 for m in mails}
        self.assertEqual(batch, one_by_one)
        for mail in mails:
            self.assertIn("&lt;", mail.body_html)
            self.assertNotIn("<script>alert(\"name\")", mail.body_html)
            self.assertNotIn("<img src=x onerror", mail.body_html)
            # the sanitized message: no script, event handler or javascript: link
            message = html.fromstring(f"<div>{mail.body}</div>")
            self.assertFalse(message.xpath("//script"))
            self.assertFalse([name for element in message.iter() for name in element.attrib if name.startswith("on")])
            self.assertFalse(message.xpath("//@*[contains(., 'javascript')]"))
            self.assertEqual(message.xpath("//p/img/@src"), ["x"])
            self.assertIn("Note", mail.body)
            self.assertEqual(mail.recipient_ids, self.env["credit.control.action"].browse(mail.res_id).contact_id)
