from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

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
        customer = self._customer("SARL Lefort")
        accountant = self.env["res.partner"].create({
            "name": "Compta Lefort", "parent_id": customer.id, "type": "dunning", "email": "compta@lefort.fr",
        })
        self._create_invoice(customer, 400.0, due=date(2026, 3, 1))
        action = self._run(date(2026, 3, 10)).action_ids
        self.assertEqual(action.contact_id, accountant)

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
