from email.message import EmailMessage

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CAMT_FILE, StatementImportCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-02-11")
class TestMailAlias(StatementImportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias_domain = cls.env["mail.alias.domain"].create({"name": "credit-control.example"})
        cls.company.alias_domain_id = cls.alias_domain
        cls.bank_journal.write({"alias_name": "releves-bnp", "alias_domain_id": cls.alias_domain.id})
        cls.bank_sender = cls.env["res.partner"].create({
            "name": "BNP Paribas Relevés", "email": "releves@bnpparibas.example"})
        cls.bank_journal.message_subscribe(partner_ids=cls.bank_sender.ids)

    def _email(self, attachments, sender="BNP Paribas Relevés <releves@bnpparibas.example>", message_id="1"):
        """An e-mail as the bank sends it: a short French text and the
        statement file attached."""
        message = EmailMessage()
        message["From"] = sender
        message["To"] = "releves-bnp@credit-control.example"
        message["Subject"] = "Relevé de compte CAMT.053 du 10/02/2026 - compte 00031234567"
        message["Date"] = "Wed, 11 Feb 2026 06:31:00 +0100"
        message["Message-Id"] = f"<camt053-20260210-{message_id}@bnpparibas.example>"
        message.set_content("Bonjour,\n\nVeuillez trouver ci-joint votre relevé de compte au format CAMT.053.\n\n"
                            "BNP Paribas - Service Relevés\n")
        for filename, content, *charset in attachments:
            if isinstance(content, str):  # sent as text/xml
                message.add_attachment(content, subtype="xml", charset=charset[0], filename=filename)
            else:
                message.add_attachment(content, maintype="application", subtype="xml", filename=filename)
        return message.as_bytes()

    def _notes(self):
        return self.bank_journal.message_ids.filtered(lambda m: m.message_type == "notification").mapped("body")

    def test_alias_of_a_bank_journal(self):
        """The alias of a bank journal delivers to the journal itself, from
        its followers only."""
        alias = self.bank_journal.alias_id
        self.assertRecordValues(alias, [{
            "alias_name": "releves-bnp",
            "alias_model_id": self.env["ir.model"]._get_id("account.journal"),
            "alias_force_thread_id": self.bank_journal.id,
            "alias_contact": "followers",
        }])
        self.assertEqual(self.bank_journal.alias_email, "releves-bnp@credit-control.example")

    def test_email_with_camt053_is_imported_and_matched(self):
        self.env["mail.thread"].message_process(False, self._email([(CAMT_FILE, self._camt())]))
        lines = self._st_lines()
        self.assertEqual(len(lines), 7)
        proposals = self.env["credit.control.cash.proposal"].search([("statement_line_id", "in", lines.ids)])
        self.assertEqual(sorted(proposals.mapped("state")), ["proposed"] + ["reconciled"] * 4)
        email = self.bank_journal.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(email.attachment_ids.mapped("name"), [CAMT_FILE], "the journal keeps the e-mail and its file")
        self.assertIn(f"Statement file {CAMT_FILE} imported (2026021000001). 7 bank lines imported: 4 matched "
                      "automatically, 1 to review.", self._notes()[0])

    def test_email_with_camt053_as_text_in_latin1(self):
        """A bank that sends the file as text/xml in ISO-8859-1: the mail
        gateway hands it over decoded, it is imported in the encoding it
        declares."""
        text = self._camt().decode().replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace(
            "VIR SEPA REGLEMENT FACTURES", "VIR SEPA RÈGLEMENT FACTURES")
        self.env["mail.thread"].message_process(False, self._email([(CAMT_FILE, text, "iso-8859-1")]))
        lines = self._st_lines().sorted("sequence")
        self.assertEqual(len(lines), 7)
        self.assertIn("VIR SEPA RÈGLEMENT FACTURES INV/2026/00002", lines[1].payment_ref)

    @mute_logger("odoo.addons.account_statement_import_camt.models.account_statement_import")
    def test_email_refused_files_leave_nothing(self):
        """The same statement sent twice, then a file cut off: each e-mail
        is kept with a note saying why, nothing is duplicated nor half
        imported."""
        content = self._camt()
        mail_thread = self.env["mail.thread"]
        mail_thread.message_process(False, self._email([(CAMT_FILE, content)], message_id="a"))
        mail_thread.message_process(False, self._email([(CAMT_FILE, content)], message_id="b"))
        truncated = content[:content.index(b"20260210FR0003")]
        mail_thread.message_process(False, self._email([("releve_coupe.xml", truncated)], message_id="c"))
        self.assertEqual(len(self._st_lines()), 7)
        self.assertEqual(len(self.bank_journal.message_ids.filtered(lambda m: m.message_type == "email")), 3)
        notes = self._notes()
        self.assertIn("Statement file releve_coupe.xml not imported:", notes[0])
        self.assertIn("is not a well-formed XML file", notes[0])
        self.assertIn(f"Statement file {CAMT_FILE} not imported:", notes[1])
        self.assertIn("was already imported", notes[1])

    @mute_logger("odoo.addons.mail.models.mail_thread")
    def test_email_from_a_stranger_is_not_imported(self):
        """A statement decides which invoices are paid: only the journal's
        followers (the bank) may send one."""
        self.env["mail.thread"].message_process(False, self._email(
            [(CAMT_FILE, self._camt())], sender="Someone <someone@elsewhere.example>"))
        self.assertFalse(self._st_lines())
