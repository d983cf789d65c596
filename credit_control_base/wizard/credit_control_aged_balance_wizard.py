import base64
import io

import xlsxwriter

from odoo import _, fields, models
from odoo.tools import format_date
from odoo.tools.misc import get_lang

from ..tools.lang_format import elide

GROUP_FIELDS = {"partner": "partner_id", "segment": "segment_id", "collector": "collector_id"}


class CreditControlAgedBalanceWizard(models.TransientModel):
    """Aged balance as of a date: explore it (pivot, list), print it (PDF)
    or export it (XLSX)."""

    _name = "credit.control.aged.balance.wizard"
    _description = "Aged Balance as of a Date"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    as_of = fields.Date(
        string="As of",
        required=True,
        default=fields.Date.context_today,
        help="Only the invoices, payments and reconciliations dated up to this date count.",
    )
    group_by = fields.Selection(
        [("partner", "Customer"), ("segment", "Segment"), ("collector", "Collector")],
        string="Group by",
        required=True,
        default="partner",
    )
    show_details = fields.Boolean(string="Invoice Details", help="List the open items under each group.")

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_open(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "credit_control_base.credit_control_aged_balance_action"
        )
        action["name"] = _("Aged Balance as of %s", format_date(self.env, self.as_of))
        action["domain"] = [("company_id", "=", self.company_id.id)]
        action["context"] = {
            "credit_as_of": fields.Date.to_string(self.as_of),
            "pivot_row_groupby": [GROUP_FIELDS[self.group_by]],
            "pivot_column_groupby": ["aging_bucket"],
            "pivot_measures": ["residual"],
        }
        return action

    def action_print_pdf(self):
        return self.env.ref("credit_control_base.credit_control_aged_balance_report").report_action(self)

    def action_export_xlsx(self):
        self.ensure_one()
        attachment = self.env["ir.attachment"].create({
            "name": _("Aged balance %s.xlsx", fields.Date.to_string(self.as_of)),
            "datas": base64.b64encode(self._credit_xlsx()),
            "res_model": self._name,
            "res_id": self.id,
            "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        })
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_report(self):
        return self.env["credit.control.aged.balance"].with_company(self.company_id).with_context(
            credit_as_of=fields.Date.to_string(self.as_of)
        )

    def _credit_columns(self):
        """[(field name, label)] of the amount columns."""
        Report = self._credit_report()
        labels = dict(self.env["credit.control.kpi"].with_company(self.company_id)._kpi_bucket_labels())
        keys = ["not_due", "b1", "b2", "b3", "b4", "b5"]
        columns = [(fname, labels[key]) for key, fname in zip(keys, Report._credit_bucket_fields(), strict=True)]
        return [*columns, ("residual", _("Total")), ("provision_amount", _("Provision"))]

    def _credit_groups(self):
        """Rows of the report: ``[{name, amounts: {field: value}, items}]``
        (items only with the details), then the total row."""
        self.ensure_one()
        Report = self._credit_report()
        fnames = [fname for fname, _label in self._credit_columns()]
        group_field = GROUP_FIELDS[self.group_by]
        domain = [("company_id", "=", self.company_id.id)]
        groups = Report._read_group(domain, [group_field], [f"{fname}:sum" for fname in fnames])
        items = {}
        if self.show_details:
            items = Report.search(domain, order="partner_id, date_maturity, id").grouped(group_field)
        rows = [{
            "name": key.display_name or _("None"),
            "amounts": dict(zip(fnames, amounts, strict=True)),
            "items": items.get(key, Report),
        } for key, *amounts in groups]
        rows.sort(key=lambda row: row["name"])
        total = {fname: sum(row["amounts"][fname] for row in rows) for fname in fnames}
        return rows, total

    def _credit_xlsx_date_format(self):
        """The user's date format (strftime) as an Excel number format."""
        pattern = get_lang(self.env).date_format or "%m/%d/%Y"
        for directive, excel in (("%d", "dd"), ("%m", "mm"), ("%Y", "yyyy"), ("%y", "yy"), ("%b", "mmm"),
                                 ("%B", "mmmm"), ("%a", "ddd"), ("%A", "dddd"), ("%e", "d")):
            pattern = pattern.replace(directive, excel)
        return pattern

    def _credit_xlsx(self):
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(_("Aged Balance"))
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        money_bold = workbook.add_format({"num_format": "#,##0.00", "bold": True})
        # a real date cell, shown in the user's order (dd/mm/yyyy in French)
        day = workbook.add_format({"num_format": self._credit_xlsx_date_format()})
        columns = self._credit_columns()
        title = _("Aged balance of %(company)s as of %(date)s (%(currency)s)",
                  company=self.company_id.name, date=format_date(self.env, self.as_of),
                  currency=self.currency_id.name)
        sheet.write(0, 0, elide(self.env, title, self.company_id.name), bold)
        header = [dict(self._fields["group_by"]._description_selection(self.env))[self.group_by],
                  _("Document"), _("Due Date"), *[label for _fname, label in columns]]
        for col, label in enumerate(header):
            sheet.write(2, col, label, bold)
        row_index = 3
        rows, total = self._credit_groups()
        for row in rows:
            sheet.write(row_index, 0, row["name"], bold if self.show_details else None)
            for col, (fname, _label) in enumerate(columns, start=3):
                sheet.write_number(row_index, col, row["amounts"][fname], money_bold if self.show_details else money)
            row_index += 1
            for item in row["items"]:
                sheet.write(row_index, 1, item.move_id.name or "")
                if item.date_maturity:
                    sheet.write_datetime(row_index, 2, fields.Datetime.to_datetime(item.date_maturity), day)
                for col, (fname, _label) in enumerate(columns, start=3):
                    sheet.write_number(row_index, col, item[fname], money)
                row_index += 1
        sheet.write(row_index, 0, _("Total"), bold)
        for col, (fname, _label) in enumerate(columns, start=3):
            sheet.write_number(row_index, col, total[fname], money_bold)
        sheet.set_column(0, 0, 35)
        sheet.set_column(1, 2, 14)
        sheet.set_column(3, 3 + len(columns), 14)
        workbook.close()
        return output.getvalue()
