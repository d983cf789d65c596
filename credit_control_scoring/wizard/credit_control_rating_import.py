import base64
import csv
import datetime
import io
import re

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# Columns of the file (first row), case-insensitive; customer is a VAT
# number or an internal reference.
COLUMNS = ["customer", "agency", "grade", "score", "covered_limit", "date"]
REQUIRED = ["customer", "agency", "date"]


class CreditControlRatingImport(models.TransientModel):
    """Import external ratings from a CSV or XLSX file. Every row is checked
    first; if any row is wrong, nothing is imported and the report lists
    each bad row with its reason: a half-imported file would be harder to
    fix than a file imported again."""

    _name = "credit.control.rating.import"
    _description = "Import External Ratings"

    file = fields.Binary(required=True)
    filename = fields.Char()
    state = fields.Selection([("draft", "Draft"), ("error", "Errors"), ("done", "Done")], default="draft")
    report = fields.Text(readonly=True)
    imported_count = fields.Integer(readonly=True)

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_import(self):
        self.ensure_one()
        rows = self._credit_read_rows()
        vals_list, errors = self._credit_validate_rows(rows)
        if errors:
            self.write({"state": "error", "imported_count": 0, "report": "\n".join(errors)})
        else:
            ratings = self.env["credit.control.rating"].create(vals_list)
            self.write({
                "state": "done",
                "imported_count": len(ratings),
                "report": _("%s ratings imported.", len(ratings)),
            })
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _credit_read_rows(self):
        """Return the data rows as ``(row number, {column: value})``."""
        content = base64.b64decode(self.file or b"")
        name = (self.filename or "").lower()
        if name.endswith(".xlsx"):
            table = self._credit_read_xlsx(content)
        else:
            table = self._credit_read_csv(content)
        if not table:
            raise UserError(_("The file is empty."))
        header = [str(cell or "").strip().lower().replace(" ", "_") for cell in table[0]]
        missing = [column for column in REQUIRED if column not in header]
        if missing:
            raise UserError(_("Missing columns: %(missing)s. Expected: %(expected)s.",
                              missing=", ".join(missing), expected=", ".join(COLUMNS)))
        return [
            (number, dict(zip(header, row, strict=False)))
            for number, row in enumerate(table[1:], start=2)
            if any(cell not in (None, "") for cell in row)
        ]

    def _credit_read_csv(self, content):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("latin-1")
        try:
            dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return list(csv.reader(io.StringIO(text), dialect))

    def _credit_read_xlsx(self, content):
        import openpyxl  # noqa: PLC0415 (only needed for spreadsheets)

        try:
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # noqa: BLE001 (any parse error means a bad file)
            raise UserError(_("This is not a readable XLSX file: %s", error)) from error
        return [list(row) for row in workbook.active.iter_rows(values_only=True)]

    def _credit_validate_rows(self, rows):
        """Return ``(values to create, errors)``: all rows are checked with a
        few queries for the whole file."""
        keys = {self._credit_normalize(values.get("customer")) for _n, values in rows} - {""}
        customers = self._credit_match_customers(keys)
        grades = {
            (grade.agency.lower(), grade.code.lower()): grade
            for grade in self.env["credit.control.rating.grade"].search([])
        }
        agencies = {agency for agency, _code in grades}
        vals_list, errors, dossiers_to_create = [], [], {}
        for number, values in rows:
            key = self._credit_normalize(values.get("customer"))
            agency = str(values.get("agency") or "").strip()
            grade_code = str(values.get("grade") or "").strip()
            problems = []
            partners = customers.get(key, [])
            if not key:
                problems.append(_("no customer"))
            elif not partners:
                problems.append(_("unknown customer %s", key))
            elif len(partners) > 1:
                problems.append(_("several customers match %s", key))
            if not agency:
                problems.append(_("no agency"))
            grade = grades.get((agency.lower(), grade_code.lower())) if grade_code else None
            if grade_code and agency and not grade:
                problems.append(_("unknown grade %(grade)s for %(agency)s", grade=grade_code, agency=agency))
            elif not grade_code and agency.lower() in agencies:
                problems.append(_("no grade"))
            rating_date = self._credit_parse_date(values.get("date"))
            if not rating_date:
                problems.append(_("invalid date %s", values.get("date") or ""))
            numbers = {}
            for column in ("score", "covered_limit"):
                numbers[column] = self._credit_parse_number(values.get(column))
                if numbers[column] is None:
                    problems.append(_("invalid number in %(column)s: %(value)s",
                                      column=column, value=values.get(column)))
            if problems:
                errors.append(_("Row %(row)s: %(problems)s", row=number, problems="; ".join(problems)))
                continue
            partner = partners[0]
            dossiers_to_create.setdefault(partner.id, partner)
            vals_list.append({
                "partner": partner,
                "agency": grade.agency if grade else agency,
                "grade_id": grade.id if grade else False,
                "score": numbers["score"],
                "covered_limit": numbers["covered_limit"],
                "rating_date": rating_date,
                "source": "import",
            })
        if errors:
            return [], errors
        dossiers = self._credit_get_dossiers(list(dossiers_to_create.values()))
        for vals in vals_list:
            vals["dossier_id"] = dossiers[vals.pop("partner").id].id
        return vals_list, []

    def _credit_normalize(self, value):
        return re.sub(r"\s+", "", str(value or "")).upper()

    def _credit_match_customers(self, keys):
        """Return ``{key: [companies]}`` matching keys on VAT or reference,
        ignoring spaces and case (VAT numbers are often typed with spaces)."""
        if not keys:
            return {}
        self.env["res.partner"].flush_model(["vat", "ref", "parent_id"])
        rows = self.env.execute_query(SQL(
            """
            SELECT id FROM res_partner
             WHERE parent_id IS NULL
               AND (UPPER(REGEXP_REPLACE(vat, '\\s', '', 'g')) = ANY(%(keys)s)
                    OR UPPER(REGEXP_REPLACE(ref, '\\s', '', 'g')) = ANY(%(keys)s))
            """,
            keys=list(keys),
        ))
        # search() applies the access rules (multi-company partners)
        partners = self.env["res.partner"].search([("id", "in", [row[0] for row in rows])], order="id")
        matches = {}
        for partner in partners:
            for value in {self._credit_normalize(partner.vat), self._credit_normalize(partner.ref)} & keys:
                matches.setdefault(value, []).append(partner)
        return matches

    def _credit_get_dossiers(self, partners):
        Dossier = self.env["credit.control.dossier"]
        company = self.env.company
        existing = {
            dossier.partner_id.id: dossier
            for dossier in Dossier.search([("partner_id", "in", [p.id for p in partners]),
                                           ("company_id", "=", company.id)])
        }
        missing = [p for p in partners if p.id not in existing]
        if missing:
            for dossier in Dossier.create([{"partner_id": p.id, "company_id": company.id} for p in missing]):
                existing[dossier.partner_id.id] = dossier
        return existing

    def _credit_parse_date(self, value):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value or "").strip()
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        return None

    def _credit_parse_number(self, value):
        if value in (None, ""):
            return 0.0
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return float(str(value).replace("\u00a0", "").replace(" ", "").replace(",", "."))
        except ValueError:
            return None
