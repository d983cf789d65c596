import base64
import io
import logging
import zipfile

from lxml import etree

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from odoo.addons.credit_control_base.models.credit_control_cash_matcher import BACKGROUND_LIMIT

from ..tools.bank_line_sql import BankLineSqlWriter

_logger = logging.getLogger(__name__)

# From how many lines a statement file is written in bulk SQL (when it is
# safe: see BankLineSqlWriter.unsafe_reason); 0 turns it off.
SQL_MIN_LINES_PARAM = "credit_control_statement_import.sql_min_lines"
SQL_MIN_LINES_DEFAULT = 200


def _credit_is_sheet(file_data):
    """Whether a statement file is a spreadsheet (CSV, TXT, XLS, XLSX)
    rather than a CAMT (XML, or zipped XML files) or an OFX file."""
    head = file_data[:256].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") or head.upper().startswith(b"OFXHEADER"):
        return False
    if file_data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(file_data)) as archive:
                return "xl/workbook.xml" in archive.namelist()
        except zipfile.BadZipFile:
            return False
    return True


class AccountStatementImport(models.TransientModel):
    _inherit = "account.statement.import"

    credit_summary = fields.Char(string="Import Result", readonly=True)
    credit_proposal_ids = fields.Many2many(
        "credit.control.cash.proposal", string="Cash Proposals", readonly=True,
    )

    # ------------------------------------------------------------------
    # IMPORT
    # ------------------------------------------------------------------

    def _import_file(self):
        """Override of `account_statement_import_file` to refuse a file
        imported before or malformed before anything is created, and to
        match the new bank lines with open invoices at once (the statement
        line hook would only trigger the cron)."""
        self.ensure_one()
        file_data = base64.b64decode(self.statement_file)
        self._credit_check_not_imported(file_data)
        self._credit_check_well_formed(file_data)
        result = super(AccountStatementImport, self.with_context(credit_cash_no_trigger=True))._import_file()
        statements = self.env["account.bank.statement"].browse(result["statement_ids"])
        self._credit_match_imported(statements.line_ids)
        return result

    def _parse_file(self, data_file):
        """Override of `account_statement_import_sheet_file`: the sheet
        mapping (the journal's default one) reads spreadsheets only, so that
        a CAMT or OFX file of the same journal (by hand, by e-mail or from
        the folder) still goes to its own parser instead of being refused as
        a bad CSV file."""
        if self.sheet_mapping_id and not _credit_is_sheet(data_file):
            mapping = self.sheet_mapping_id
            self.sheet_mapping_id = False
            try:
                return super()._parse_file(data_file)
            finally:
                self.sheet_mapping_id = mapping
        return super()._parse_file(data_file)

    def _create_bank_statements(self, stmts_vals, result):
        """Override of `account_statement_import_file`: a large statement
        of the simple case (one bank journal in the company's currency, no
        analytic distribution model nor fiscal position, only what the
        parsers give) is written in bulk SQL by `BankLineSqlWriter`, which
        writes what the ORM writes; any other goes through the ORM."""
        writer = self._credit_sql_writer(stmts_vals)
        if not writer:
            return super()._create_bank_statements(stmts_vals, result)
        Line = self.env["account.bank.statement.line"]
        import_ids = [vals["unique_import_id"] for st_vals in stmts_vals for vals in st_vals["transactions"]
                      if vals.get("unique_import_id")]
        # OCA's check, for all the lines at once: an import id is unique
        # across companies (SQL constraint), hence read as superuser
        known = set(Line.sudo().search([("unique_import_id", "in", import_ids)]).mapped("unique_import_id"))
        to_write, ignored = [], 0
        for parsed in stmts_vals:
            # a copy: the ORM gets the statements as parsed if the writer
            # gives up
            st_vals = dict(parsed)
            lines = []
            for vals in st_vals["transactions"]:
                if vals.get("unique_import_id") in known:
                    ignored += 1
                    if "balance_start" in st_vals:
                        st_vals["balance_start"] += float(vals["amount"])
                else:
                    lines.append(vals)
            if lines:
                if not lines[0].get("sequence"):
                    lines = [dict(vals, sequence=seq) for seq, vals in enumerate(lines, start=1)]
                to_write.append(dict(st_vals, transactions=lines))
        if not to_write:
            return False
        statements = writer.write_statements(to_write)
        if statements is None:
            _logger.info("Entries of journal %s numbered meanwhile by another transaction: statement imported "
                         "through the ORM", writer.journal.display_name)
            return super()._create_bank_statements(stmts_vals, result)
        written = sum(len(st_vals["transactions"]) for st_vals in to_write)
        _logger.info("Statement file %s: %s lines written in bulk SQL", self.statement_filename, written)
        result["statement_ids"].extend(statements.ids)
        # how many lines took the bulk path (for the benchmark and the tests)
        result["credit_sql_lines"] = result.get("credit_sql_lines", 0) + written
        if ignored == 1:
            result["notifications"].append(_("1 transaction had already been imported and was ignored."))
        elif ignored:
            result["notifications"].append(_(
                "%(count)s transactions had already been imported and were ignored.", count=ignored))
        return None

    def _credit_sql_writer(self, stmts_vals):
        """The bulk SQL writer of these statements when they are worth it
        (at least the lines of the setting) and it writes exactly what the
        ORM would, else None."""
        count = sum(len(st_vals["transactions"]) for st_vals in stmts_vals)
        threshold = int(self.env["ir.config_parameter"].sudo().get_param(
            SQL_MIN_LINES_PARAM, SQL_MIN_LINES_DEFAULT) or 0)
        journal_ids = {st_vals.get("journal_id") for st_vals in stmts_vals}
        if not threshold or count < threshold or len(journal_ids) != 1 or None in journal_ids:
            return None
        # the rights the ORM would check, as the writer checks none
        for model in ("account.bank.statement", "account.bank.statement.line", "account.move"):
            if not self.env[model].has_access("create"):
                return None
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            return None
        writer = BankLineSqlWriter(self.env["account.journal"].browse(journal_ids.pop()))
        reason = writer.unsafe_reason(stmts_vals)
        if reason:
            _logger.info("Statement of %s lines imported through the ORM: %s", count, reason)
            return None
        return writer

    def _credit_check_not_imported(self, file_data):
        """Refuse a file whose exact content was imported before (the
        statement it created still exists), whatever its name."""
        checksum = self.env["ir.attachment"]._compute_checksum(file_data)
        # The import's own attachment, read as superuser: an accountant may
        # not read every attachment, and only the statement's name is shown.
        attachment_sudo = self.env["ir.attachment"].sudo().search([
            ("res_model", "=", "account.bank.statement"),
            ("checksum", "=", checksum),
            ("company_id", "in", self.env.companies.ids),
        ], limit=1, order="id desc")
        statement = attachment_sudo and self.env["account.bank.statement"].browse(attachment_sudo.res_id).exists()
        if statement:
            raise UserError(_(
                "This file (%(file)s) was already imported on %(date)s: it is the file of the bank statement "
                "%(statement)s. Nothing was imported again.",
                file=self.statement_filename or attachment_sudo.name,
                date=format_date(self.env, attachment_sudo.create_date),
                statement=statement.sudo().name or statement.id,
            ))

    def _credit_check_well_formed(self, file_data):
        """Refuse an XML file (CAMT, OFX 2) that is not well-formed: OCA's
        CAMT parser recovers what it can read, so that a file cut off during
        its transfer would import its first lines only, silently."""
        head = file_data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
        if not head.startswith(b"<"):
            return
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        try:
            etree.fromstring(file_data, parser=parser)
        except etree.XMLSyntaxError as error:
            try:
                # the same second chance as OCA's parser: a bank known to
                # declare one encoding and use another
                etree.fromstring(file_data.decode("iso-8859-15").encode(), parser=parser)
            except (etree.XMLSyntaxError, ValueError):
                raise UserError(_(
                    "%(file)s is not a well-formed XML file (%(error)s): it was probably cut off during its "
                    "transfer. Nothing was imported: ask the bank for the file again.",
                    file=self.statement_filename or _("The file"), error=error,
                )) from error

    # ------------------------------------------------------------------
    # MATCHING
    # ------------------------------------------------------------------

    def _credit_match_imported(self, st_lines):
        """Match the imported receipts of the companies that chose automatic
        cash application, in this request (up to BACKGROUND_LIMIT lines,
        else by the cron), and keep the result for the accountant."""
        # found by one query: reading the amount and company of each line
        # costs a second for a large statement
        found = set(st_lines.search([
            ("id", "in", st_lines.ids), ("amount", ">", 0), ("company_id.credit_cash_application", "=", True),
        ]).ids) if st_lines else set()
        receipts = st_lines.browse([line_id for line_id in st_lines.ids if line_id in found])
        Proposal = self.env["credit.control.cash.proposal"]
        summary = _("%(count)s bank lines imported.", count=len(st_lines))
        proposals = Proposal
        cron = self.env.ref("credit_control_base.ir_cron_credit_control_cash_match")
        if len(receipts) > BACKGROUND_LIMIT:
            cron.sudo()._trigger()
            summary = _("%(count)s bank lines imported; their matching with open invoices runs in the background: "
                        "the proposals appear in Cash Application as they are found.", count=len(st_lines))
        elif receipts:
            # As the cron would a moment later, as superuser: the company
            # chose automatic cash application, and the accountant who
            # imports the statement needs no credit-control right for it.
            matcher_sudo = self.env["credit.control.cash.matcher"].sudo()
            try:
                with self.env.cr.savepoint():
                    proposals |= matcher_sudo._credit_run_by_company(receipts)
            except Exception:  # pylint: disable=broad-except
                # the matching must never lose the import: the cron retries
                _logger.exception("Matching the imported bank lines failed; left to the cron")
                cron.sudo()._trigger()
                proposals = Proposal
            reconciled = proposals.filtered(lambda p: p.state == "reconciled")
            summary = _(
                "%(count)s bank lines imported: %(reconciled)s matched automatically, %(review)s to review.",
                count=len(st_lines), reconciled=len(reconciled), review=len(proposals - reconciled),
            )
        self.write({"credit_summary": summary, "credit_proposal_ids": [fields.Command.set(proposals.ids)]})
        return proposals

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def import_file_button(self):
        """Override of `account_statement_import_file`: the accountant sees
        first what the import matched (n matched automatically, n to
        review), then the proposals to review, else what OCA's import
        shows (the statements)."""
        action = super().import_file_button()
        if not self.credit_summary:
            return action
        # OCA's own notice (lines of the file imported before and ignored)
        # is kept in ours, which replaces it
        notices = ""
        if action.get("tag") == "display_notification":
            notices = action["params"].get("message") or ""
            action = action["params"]["next"]
        # the proposals this import made, whatever the user's rights on them
        to_review = self.sudo().credit_proposal_ids.filtered(lambda p: p.state == "proposed")
        next_action = action
        if to_review and self.env["credit.control.cash.proposal"].has_access("read"):
            next_action = {
                "type": "ir.actions.act_window",
                "name": _("Cash Application"),
                "res_model": "credit.control.cash.proposal",
                "views": [(False, "list"), (False, "form")],
                "domain": [("id", "in", to_review.ids)],
            }
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "sticky": bool(to_review),
                "message": "\n\n".join(filter(None, [self.credit_summary, notices])),
                "next": next_action,
            },
        }
