import io
import re

import xlsxwriter

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..tools.lang_format import reader_lang

STATEMENT_REPORT = "credit_control_base.credit_control_dossier_report_statement"
STATEMENT_TEMPLATE = "credit_control_base.credit_control_dossier_mail_template_statement"
# Who prints a statement: whoever reads a dossier's amounts (the dossier's
# MONEY_GROUPS, not imported: this mixin is loaded before the dossier).
PRINT_GROUP = "credit_control_base.group_credit_control_info"
SEND_GROUP = "credit_control_base.group_credit_control_collector"
# Characters Excel refuses in a sheet name, and its length limit.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31


class CreditControlDossierStatement(models.AbstractModel):
    """The statement of account ("relevé de compte") of a customer: its open
    instalments and unapplied credits as the dossier, the letters and the
    portal count them, as a PDF, a spreadsheet or an e-mail. Inherited by
    ``credit.control.dossier``."""

    _name = "credit.control.dossier.statement"
    _description = "Customer Statement of Account"

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_credit_statement_pdf(self):
        """One PDF, one statement per customer."""
        self._credit_check_statement_access()
        # no document layout to choose first: the statement carries its own letterhead
        return self.env.ref(STATEMENT_REPORT).report_action(self, config=False)

    def action_credit_statement_xlsx(self):
        """One spreadsheet, one sheet per customer, downloaded from the
        statement controller (which checks the access again)."""
        self._credit_check_statement_access()
        return {
            "type": "ir.actions.act_url",
            "url": f"/credit_control/statement/xlsx?dossier_ids={','.join(str(id_) for id_ in self.ids)}",
            "target": "download",
        }

    def action_credit_statement_send(self):
        """Odoo's mail composer with the statement template: one e-mail per
        customer, each with its own statement PDF attached."""
        self._credit_check_statement_access(send=True)
        template = self.env.ref(STATEMENT_TEMPLATE)
        single = len(self) == 1
        return {
            "name": _("Send Statement by E-mail"),
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment" if single else "mass_mail",
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "force_email": True,
            },
        }

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_check_statement_access(self, send=False):
        """Only credit-control users print or send a statement, and only of
        the dossiers they may read; what they may not read of the accounting
        (payments, other contacts' items) is then read under sudo."""
        if self.env.su:
            return
        group = SEND_GROUP if send else PRINT_GROUP
        if not self.env.user.has_group(group):
            raise AccessError(_("Only credit-control users can print or send a statement of account."))
        self.check_access("read")

    def _credit_statement_lang(self):
        """The language of the customer's statement: its dunning contact's,
        else its own (``reader_lang``)."""
        self.ensure_one()
        return reader_lang(self.env, self.dunning_contact_id.lang, self.partner_id.lang)

    def _credit_statement_values(self, as_of=None):
        """What the statement of each dossier of ``self`` shows, as
        ``{dossier id: values}``. Every amount is an open item of the one
        definition (``account.move._credit_instalments``, the dossier's
        ``_credit_unapplied_credits``), as the letters and the portal show
        them: a partly paid instalment for what is left to pay, the
        payments of the customer's contacts counted for the customer.

        ``values``: ``date``; ``lines`` (one per open instalment: ``name``,
        ``date``, ``due_date``, ``days_late`` (0 while not due),
        ``overdue``, ``original`` and ``amount`` (left to pay) in
        ``currency``); ``credits`` (``name``, ``date``, ``amount`` as a
        positive amount, ``currency``); ``totals`` per currency (``due``:
        the open instalments, ``overdue``, ``credits``, ``balance``: due
        less credits).
        """
        as_of = as_of or fields.Date.context_today(self)
        result = {}
        for dossier in self:
            lines = []
            for item in dossier._credit_open_invoices()._credit_instalments(as_of):
                lines.append({
                    "name": item["move"].name,
                    "date": item["move"].invoice_date or item["move"].date,
                    "due_date": item["due_date"],
                    "days_late": item["days_late"] if item["overdue"] else 0,
                    "overdue": item["overdue"],
                    # the instalment as invoiced, in the currency of what is left to pay
                    "original": item["line"].amount_currency
                    if item["currency"] == item["line"].currency_id else item["line"].balance,
                    "amount": item["amount"],
                    "currency": item["currency"],
                })
            credits = [{
                "name": item["move"].name,
                "date": item["due_date"],
                "amount": item["amount"],
                "currency": item["currency"],
            } for item in dossier._credit_unapplied_credits()]
            currencies = self.env["res.currency"]
            for row in lines + credits:
                currencies |= row["currency"]
            totals = []
            # the company currency first
            company_currency = dossier.currency_id
            for currency in currencies.sorted(lambda c, first=company_currency: (c != first, c.name)):
                due = sum(row["amount"] for row in lines if row["currency"] == currency)
                credit = sum(row["amount"] for row in credits if row["currency"] == currency)
                totals.append({
                    "currency": currency,
                    "due": currency.round(due),
                    "overdue": currency.round(
                        sum(row["amount"] for row in lines if row["currency"] == currency and row["overdue"])
                    ),
                    "credits": currency.round(credit),
                    "balance": currency.round(due - credit),
                })
            result[dossier.id] = {"date": as_of, "lines": lines, "credits": credits, "totals": totals}
        return result

    def _credit_statement_filename(self, extension):
        if len(self) == 1:
            name = _("Statement - %(customer)s", customer=self.partner_id.name)
        else:
            name = _("Statements")
        return f"{name.replace('/', '_')}.{extension}"

    def _credit_statement_xlsx(self, as_of=None):
        """The statements of ``self`` as one XLSX file (bytes), one sheet per
        customer, each in the customer's language."""
        self._credit_check_statement_access()
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        styles = {
            "workbook": workbook,
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "head": workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True}),
            "date": workbook.add_format({"num_format": "dd/mm/yyyy"}),
            "bold": workbook.add_format({"bold": True}),
        }
        used_names = set()
        for dossier in self:
            in_lang = dossier.with_context(lang=dossier._credit_statement_lang())
            values = in_lang.sudo()._credit_statement_values(as_of)[dossier.id]
            sheet = workbook.add_worksheet(self._credit_sheet_name(dossier.partner_id.name, used_names))
            in_lang._credit_statement_sheet(sheet, values, styles)
        workbook.close()
        return output.getvalue()

    @api.model
    def _credit_sheet_name(self, name, used_names):
        base = SHEET_NAME_FORBIDDEN.sub(" ", name or "").strip()[:SHEET_NAME_MAX] or "Sheet"
        candidate, index = base, 1
        while candidate.lower() in used_names:
            index += 1
            suffix = f" ({index})"
            candidate = base[:SHEET_NAME_MAX - len(suffix)] + suffix
        used_names.add(candidate.lower())
        return candidate

    def _credit_statement_sheet(self, sheet, values, styles):
        """Write the statement ``values`` of this dossier on ``sheet``."""
        self.ensure_one()
        money = {}

        def money_format(currency):
            if currency not in money:
                decimals = "0" * currency.decimal_places
                number = f"#,##0.{decimals}" if decimals else "#,##0"
                money[currency] = styles["workbook"].add_format({"num_format": number})
            return money[currency]

        sheet.write(0, 0, _("Statement of Account"), styles["title"])
        sheet.write(1, 0, self.company_id.name)
        sheet.write(2, 0, _("Customer"), styles["bold"])
        sheet.write(2, 1, self.partner_id.name)
        sheet.write(3, 0, _("Date"), styles["bold"])
        sheet.write_datetime(3, 1, fields.Datetime.to_datetime(values["date"]), styles["date"])
        headers = [
            _("Number"), _("Date"), _("Due Date"), _("Days Late"), _("Original Amount"), _("Amount Due"),
            _("Currency"),
        ]
        row = 5
        sheet.write_row(row, 0, headers, styles["head"])
        for line in values["lines"]:
            row += 1
            fmt = money_format(line["currency"])
            sheet.write(row, 0, line["name"])
            sheet.write_datetime(row, 1, fields.Datetime.to_datetime(line["date"]), styles["date"])
            sheet.write_datetime(row, 2, fields.Datetime.to_datetime(line["due_date"]), styles["date"])
            sheet.write_number(row, 3, line["days_late"])
            sheet.write_number(row, 4, line["original"], fmt)
            sheet.write_number(row, 5, line["amount"], fmt)
            sheet.write(row, 6, line["currency"].name)
        if values["credits"]:
            row += 2
            sheet.write(row, 0, _("Unapplied Credits"), styles["bold"])
            for credit in values["credits"]:
                row += 1
                sheet.write(row, 0, credit["name"])
                sheet.write_datetime(row, 1, fields.Datetime.to_datetime(credit["date"]), styles["date"])
                sheet.write_number(row, 5, -credit["amount"], money_format(credit["currency"]))
                sheet.write(row, 6, credit["currency"].name)
        row += 1
        for total in values["totals"]:
            fmt = money_format(total["currency"])
            for label, key, sign in (
                (_("Open Instalments"), "due", 1), (_("Unapplied Credits"), "credits", -1),
                (_("Total Due"), "balance", 1), (_("Total Overdue"), "overdue", 1),
            ):
                if key == "credits" and not total["credits"]:
                    continue
                row += 1
                sheet.write(row, 4, label, styles["bold"])
                sheet.write_number(row, 5, sign * total[key], fmt)
                sheet.write(row, 6, total["currency"].name)
        sheet.set_column(0, 0, 22)
        sheet.set_column(1, 2, 12)
        sheet.set_column(3, 3, 10)
        sheet.set_column(4, 5, 16)
        sheet.set_column(6, 6, 9)
