import base64
from datetime import date
from pathlib import Path

from odoo.addons.credit_control_base.tests.common import CreditControlCommon

DATA = Path(__file__).parent / "data"
COMPANY_IBAN = "FR7630004000031234567890143"
CAMT_FILE = "camt053_bnp_20260210.xml"


class StatementImportCommon(CreditControlCommon):
    """A company whose bank journal holds the account of the CAMT.053 file
    of tests/data (BNP, 10 February 2026), its customers with their IBANs,
    and the invoices the file's transfers pay."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"credit_cash_tolerance": 5.0, "credit_cash_auto_threshold": 90,
                           "credit_cash_writeoff_account_id": False})
        cls._enable_cash_application()
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.bank_journal.bank_acc_number = COMPANY_IBAN
        cls.martin = cls._create_customer("Boulangerie Martin", bank_ids=[
            (0, 0, {"acc_number": "FR76 1027 8060 3100 0204 5670 132"})])
        cls.dupont = cls._create_customer("Garage Dupont et Fils", bank_ids=[
            (0, 0, {"acc_number": "FR7630003012340005012345678"})])
        cls.alpes = cls._create_customer("Hôtel des Alpes", bank_ids=[
            (0, 0, {"acc_number": "FR7617806000140412345678934"})])
        specs = [(cls.martin, 1200.0), (cls.dupont, 1000.0), (cls.dupont, 1450.0), (cls.alpes, 830.5),
                 (cls.martin, 640.0), (cls.dupont, 300.0), (cls.dupont, 300.0)]
        cls.invoices = cls._create_invoices([
            {"partner": partner, "amount": amount, "date": date(2026, 1, 5 + rank), "due": date(2026, 2, 5)}
            for rank, (partner, amount) in enumerate(specs)
        ])

    @classmethod
    def _data(cls, name):
        return (DATA / name).read_bytes()

    @classmethod
    def _camt(cls, name=CAMT_FILE, replace=()):
        """The bytes of a CAMT file of tests/data, in the company's currency
        (the accounting test fixture is not in euros), with ``replace``
        (pairs of strings) applied."""
        text = (DATA / name).read_text().replace('Ccy="EUR"', f'Ccy="{cls.company.currency_id.name}"')
        text = text.replace("<Ccy>EUR</Ccy>", f"<Ccy>{cls.company.currency_id.name}</Ccy>")
        for old, new in replace:
            text = text.replace(old, new)
        return text.encode()

    def _import(self, content, filename=CAMT_FILE, journal=None):
        """Import ``content`` through OCA's wizard as the accountant does
        from the journal's dashboard; return the wizard and its action."""
        wizard = self.env["account.statement.import"].with_context(
            journal_id=(journal or self.bank_journal).id,
        ).create({"statement_file": base64.b64encode(content), "statement_filename": filename})
        return wizard, wizard.import_file_button()

    def _st_lines(self, journal=None):
        return self.env["account.bank.statement.line"].search([("journal_id", "=", (journal or self.bank_journal).id)])
