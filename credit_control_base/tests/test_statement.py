import io
from datetime import date

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..tools.pdf_text import extract_pdf_text
from .common import CreditControlCommon

STATEMENT_REPORT = "credit_control_base.credit_control_dossier_report_statement"


class StatementCommon(CreditControlCommon):
    """A customer who owes a partly paid invoice and an invoice in two
    instalments (one overdue, one not due), has paid another one in full and
    whose contact paid 50 not matched yet; a second customer owes one
    invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Menuiserie Aubert", ref="C-042", email="compta@aubert.example")
        cls.contact = cls.env["res.partner"].create({"name": "Paul Aubert", "parent_id": cls.customer.id})
        cls.other = cls._create_customer("Boulangerie Marchand", email="contact@marchand.example")
        term = cls._create_instalment_term([(30, 15), (70, 75)])
        cls.partly_paid = cls._create_invoice(cls.customer, 1000.0, due=date(2026, 4, 30))
        cls.paid = cls._create_invoice(cls.customer, 500.0, due=date(2026, 4, 10))
        cls.instalments = cls._create_invoices([{
            "partner": cls.customer, "amount": 2000.0, "date": date(2026, 4, 1), "payment_term": term,
        }])
        cls.other_invoice = cls._create_invoice(cls.other, 250.0, due=date(2026, 3, 31))
        cls._pay(cls.partly_paid, amount=400.0, payment_date=date(2026, 5, 2))
        cls._pay(cls.paid, payment_date=date(2026, 5, 2))
        cls._receive_unapplied(cls.contact, 50.0, date(2026, 5, 10))
        cls.dossier = cls.env["credit.control.dossier"].search([
            ("partner_id", "=", cls.customer.id), ("company_id", "=", cls.company.id),
        ])
        cls.other_dossier = cls.env["credit.control.dossier"].search([
            ("partner_id", "=", cls.other.id), ("company_id", "=", cls.company.id),
        ])

    def _pdf_text(self, dossiers):
        pdf, report_type = self.env["ir.actions.report"].with_context(
            force_report_rendering=True
        )._render_qweb_pdf(STATEMENT_REPORT, dossiers.ids)
        self.assertEqual(report_type, "pdf")
        result = extract_pdf_text(pdf)
        self.assertEqual(result.state, "done", result.message)
        return " ".join(result.text.split()), result

    def _xlsx(self, dossiers):
        return openpyxl.load_workbook(io.BytesIO(dossiers._credit_statement_xlsx()))


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestStatement(StatementCommon):
    """The statement of account claims what the customer owes and nothing
    else: the open instalments as the dossier, the letters and the portal
    count them (failed before: no statement at all)."""

    def test_statement_values(self):
        values = self.dossier._credit_statement_values()[self.dossier.id]
        self.assertEqual(
            [(line["name"], line["due_date"], line["days_late"], line["original"], line["amount"])
             for line in values["lines"]],
            [
                (self.instalments.name, date(2026, 4, 16), 29, 600.0, 600.0),
                (self.partly_paid.name, date(2026, 4, 30), 15, 1000.0, 600.0),
                (self.instalments.name, date(2026, 6, 15), 0, 1400.0, 1400.0),
            ],
        )
        self.assertEqual([(c["name"], c["amount"]) for c in values["credits"]], [(self._payment_name(), 50.0)])
        self.assertEqual(
            [(t["currency"], t["due"], t["overdue"], t["credits"], t["balance"]) for t in values["totals"]],
            [(self.company.currency_id, 2600.0, 1200.0, 50.0, 2550.0)],
        )
        # the same figures as the dossier
        self.assertRecordValues(self.dossier, [{"open_amount": 2550.0, "overdue_amount": 1200.0}])

    def _payment_name(self):
        return self.env["account.payment"].search([("partner_id", "=", self.contact.id)]).move_id.name

    def test_pdf_claims_only_open_instalments(self):
        text, result = self._pdf_text(self.dossier)
        self.assertEqual(result.pages, 1)
        for expected in (
            "Statement of Account", self.company.name, "Menuiserie Aubert", "C-042",
            self.partly_paid.name, self.instalments.name, self._payment_name(),
            "1,000.00", "600.00", "1,400.00", "Total due", "2,550.00", "Total overdue", "1,200.00",
            "Unapplied credits", "50.00",
        ):
            self.assertIn(expected, text)
        # the invoice paid in full, what was paid on the other and the other customer's are not claimed
        self.assertNotIn(self.paid.name, text)
        self.assertNotIn("$ 400.00", text)
        self.assertNotIn(self.other_invoice.name, text)
        self.assertNotIn("Boulangerie", text)

    def test_pdf_in_the_customer_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["credit_control_base"], ["fr_FR"], overwrite=True)
        self.customer.lang = "fr_FR"
        text, _result = self._pdf_text(self.dossier)
        self.assertIn("Relevé de compte", text)
        self.assertIn("Total dû", text)
        for french in ("Facture", "Échéance", "Montant dû", "Jours de retard", "Montant initial", "Au 15/05/2026"):
            self.assertIn(french, text)
        self.assertNotIn("Amount Due", text)
        self.assertNotIn("As of", text)
        self.assertIn("2 550,00", text.replace("\u202f", " "))

    def test_xlsx_read_back(self):
        workbook = self._xlsx(self.dossier)
        self.assertEqual(workbook.sheetnames, ["Menuiserie Aubert"])
        rows = [row for row in workbook.active.iter_rows(values_only=True) if any(cell is not None for cell in row)]
        self.assertEqual(rows[0][0], "Statement of Account")
        header = rows.index(("Number", "Date", "Due Date", "Days Late", "Original Amount", "Amount Due", "Currency"))
        lines = [(row[0], row[2].date(), row[3], row[4], row[5], row[6]) for row in rows[header + 1:header + 4]]
        self.assertEqual(lines, [
            (self.instalments.name, date(2026, 4, 16), 29, 600.0, 600.0, "USD"),
            (self.partly_paid.name, date(2026, 4, 30), 15, 1000.0, 600.0, "USD"),
            (self.instalments.name, date(2026, 6, 15), 0, 1400.0, 1400.0, "USD"),
        ])
        totals = {row[4]: row[5] for row in rows if row[4] in ("Total Due", "Total Overdue", "Unapplied Credits")}
        self.assertEqual(totals, {"Total Due": 2550.0, "Total Overdue": 1200.0, "Unapplied Credits": -50.0})
        names = [row[0] for row in rows]
        self.assertNotIn(self.paid.name, names)
        self.assertIn(self._payment_name(), names)

    def test_bulk_two_customers(self):
        dossiers = self.dossier | self.other_dossier
        text, result = self._pdf_text(dossiers)
        self.assertEqual(result.pages, 2, "one statement per customer")
        self.assertIn("Menuiserie Aubert", text)
        self.assertIn("Boulangerie Marchand", text)
        self.assertIn(self.other_invoice.name, text)
        self.assertIn("250.00", text)
        workbook = self._xlsx(dossiers)
        self.assertEqual(sorted(workbook.sheetnames), ["Boulangerie Marchand", "Menuiserie Aubert"])
        action = dossiers.action_credit_statement_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn(f"dossier_ids={dossiers[0].id},{dossiers[1].id}", action["url"])
        self.assertEqual(dossiers.action_credit_statement_pdf()["type"], "ir.actions.report")

    def test_send_by_email(self):
        action = self.dossier.action_credit_statement_send()
        self.assertEqual(action["res_model"], "mail.compose.message")
        composer = self.env["mail.compose.message"].with_context(**action["context"]).create({})
        self.assertIn("statement of account", composer.subject)
        self.assertEqual(composer.partner_ids, self.customer)
        self.assertEqual(len(composer.attachment_ids), 1)
        # (the test server renders the report's HTML instead of running wkhtmltopdf)
        self.assertTrue(composer.attachment_ids.name.startswith("Statement - Menuiserie Aubert."))
        composer.action_send_mail()
        message = self.dossier.message_ids[:1]
        self.assertEqual(len(message.attachment_ids), 1)
        self.assertIn("Menuiserie Aubert", message.attachment_ids.name)

    def test_send_by_email_bulk(self):
        dossiers = self.dossier | self.other_dossier
        action = dossiers.action_credit_statement_send()
        composer = self.env["mail.compose.message"].with_context(**action["context"]).create({})
        self.assertEqual(composer.composition_mode, "mass_mail")
        composer.auto_delete = False
        composer.action_send_mail()
        for dossier in dossiers:
            mail = self.env["mail.mail"].search([("model", "=", dossier._name), ("res_id", "=", dossier.id)])
            self.assertEqual(len(mail), 1)
            self.assertIn(f"Statement - {dossier.partner_id.name}.", mail.attachment_ids.name)

    def test_only_credit_users(self):
        user = new_test_user(self.env, login="clerk", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.dossier.with_user(user).action_credit_statement_pdf()
        with self.assertRaises(AccessError):
            self.env["ir.actions.report"].with_user(user)._render_qweb_pdf(STATEMENT_REPORT, self.dossier.ids)
        with self.assertRaises(AccessError):
            self.dossier.with_user(user)._credit_statement_xlsx()
        info = new_test_user(
            self.env, login="salesman", groups="base.group_user,credit_control_base.group_credit_control_info"
        )
        self.customer.user_id = info
        with self.assertRaises(AccessError):
            self.dossier.with_user(info).action_credit_statement_send()
        self.dossier.collector_id = self.collector_a
        self.assertEqual(self.dossier.with_user(self.collector_a).action_credit_statement_send()["type"],
                         "ir.actions.act_window")
        workbook = self._xlsx(self.dossier.with_user(self.collector_a))
        self.assertEqual(workbook.sheetnames, ["Menuiserie Aubert"])
