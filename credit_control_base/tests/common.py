from datetime import date

from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


def load_french(env):
    """French active, with the French terms of every installed credit-control
    module loaded (a test database has the languages, not the modules' .po)."""
    env["res.lang"]._activate_lang("fr_FR")
    modules = env["ir.module.module"].search([("name", "=like", "credit_control_%"), ("state", "=", "installed")])
    env["ir.module.module"]._load_module_terms(modules.mapped("name"), ["fr_FR"], overwrite=True)


class CreditControlCommon(AccountTestInvoicingCommon):
    """Shared fixture of the credit-control modules: collectors, a manager
    and helpers that build customers, invoices with a known due date and
    payments. Dates are explicit so that tests freeze time around them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        # The accountant of the account fixture runs the credit control too.
        cls.env.user.groups_id |= cls.env.ref("credit_control_base.group_credit_control_manager")
        collector = "credit_control_base.group_credit_control_collector"
        cls.collector_a = cls._create_credit_user("collector_a", collector)
        cls.collector_b = cls._create_credit_user("collector_b", collector)
        cls.credit_manager = cls._create_credit_user(
            "credit_manager", "credit_control_base.group_credit_control_manager"
        )
        # Segments of the demo data would take part in the assignment.
        cls.env["credit.control.segment"].search([]).action_archive()

    @classmethod
    def _create_credit_user(cls, login, group_xmlid, company=None):
        company = company or cls.company
        return new_test_user(
            cls.env,
            login=login,
            name=login.replace("_", " ").title(),
            groups=f"base.group_user,{group_xmlid}",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    @classmethod
    def _create_customer(cls, name, **values):
        return cls.env["res.partner"].create({"name": name, "is_company": True, **values})

    @classmethod
    def _create_invoices(cls, specs, post=True):
        """Create customer invoices in one batch. Each spec is a dict with
        ``partner``, ``amount`` (untaxed, no tax), ``date`` and ``due`` (or
        ``payment_term``), optionally ``currency``, ``company`` and
        ``move_type``."""
        moves = cls.env["account.move"].create([cls._invoice_values(spec) for spec in specs])
        if post:
            moves.action_post()
        return moves

    @classmethod
    def _invoice_values(cls, spec):
        company = spec.get("company", cls.company)
        values = {
            "move_type": spec.get("move_type", "out_invoice"),
            "partner_id": spec["partner"].id,
            "company_id": company.id,
            "invoice_date": spec.get("date", date(2026, 1, 1)),
            "currency_id": spec.get("currency", company.currency_id).id,
            "invoice_line_ids": [Command.create({
                "name": spec.get("label", "Consulting"),
                "quantity": 1,
                "price_unit": spec["amount"],
                "tax_ids": [],
            })],
        }
        if spec.get("payment_term"):
            values["invoice_payment_term_id"] = spec["payment_term"].id
        else:
            values["invoice_date_due"] = spec.get("due", values["invoice_date"])
        return values

    @classmethod
    def _create_invoice(cls, partner, amount, due, invoice_date=None, **spec):
        return cls._create_invoices([{
            "partner": partner, "amount": amount, "due": due,
            "date": invoice_date or min(due, date(2026, 1, 1)), **spec,
        }])

    @classmethod
    def _pay(cls, invoices, amount=None, payment_date=None):
        """Register one customer payment on ``invoices`` (full by default)."""
        wizard = cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoices.ids
        ).create({
            "payment_date": payment_date or fields.Date.today(),
            **({"amount": amount} if amount is not None else {}),
            "group_payment": True,
        })
        return wizard._create_payments()

    def _dossier(self, partner, company=None):
        return self.env["credit.control.dossier"].search([
            ("partner_id", "=", partner.id),
            ("company_id", "=", (company or self.company).id),
        ])

    @classmethod
    def _create_instalment_term(cls, shares, name="Instalments"):
        """A payment term of several instalments: ``shares`` is a list of
        ``(percent, days after the invoice date)``, percents adding up to 100."""
        return cls.env["account.payment.term"].create({
            "name": name,
            "line_ids": [
                Command.create({"value": "percent", "value_amount": percent, "nb_days": days})
                for percent, days in shares
            ],
        })

    @classmethod
    def _enable_cash_application(cls, company=None):
        """Turn on automatic cash application (off for a new company): the
        statement import hook and the cron then match ``company``'s bank
        lines."""
        (company or cls.company).credit_cash_application = True

    @classmethod
    def _receive_unapplied(cls, partner, amount, payment_date=None, currency=None):
        """A customer payment posted but matched with no invoice yet (an
        unapplied credit), paid by ``partner`` (a customer or one of its
        contacts)."""
        payment = cls.env["account.payment"].create({
            "payment_type": "inbound",
            "partner_type": "customer",
            "partner_id": partner.id,
            "amount": amount,
            "date": payment_date or fields.Date.today(),
            "journal_id": cls.company_data["default_journal_bank"].id,
            **({"currency_id": currency.id} if currency else {}),
        })
        payment.action_post()
        return payment
