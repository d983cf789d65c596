import base64
import codecs
import logging
import os
import re

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.account_statement_import_base.models import account_journal as oca_journal
from odoo.addons.credit_control_base.tools.overrides import next_definition_is

_logger = logging.getLogger(__name__)

# The attachments of an e-mail, or the files of a folder, that are read as
# bank statements (CAMT.053 in XML or zipped, OFX, CSV/XLSX): a logo or a
# PDF copy of the statement beside the file is left alone.
STATEMENT_EXTENSIONS = (".xml", ".053", ".camt", ".zip", ".ofx", ".qfx", ".csv", ".txt", ".xlsx", ".xls")
FOLDER_DONE = "done"
FOLDER_ERROR = "error"


def _declared_encoding(text):
    """The encoding an XML file declares in its first line, else UTF-8."""
    match = re.match(r"""\s*<\?xml[^>]*encoding=["']([\w.-]+)["']""", text)
    try:
        return codecs.lookup(match.group(1)).name if match else "utf-8"
    except LookupError:
        return "utf-8"


class AccountJournal(models.Model):
    _inherit = "account.journal"

    credit_import_folder = fields.Char(
        string="Statement Folder",
        groups="base.group_system",
        help="Folder on the Odoo server where statement files of this bank journal are dropped (for example by an "
        "SFTP job): a scheduled action imports each file and matches its lines, then moves it to the done/ "
        "sub-folder, or to error/ with the reason beside it. Empty: no folder is watched.",
    )

    # ------------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------------

    @api.constrains("credit_import_folder", "type")
    def _check_credit_import_folder(self):
        for journal in self.sudo().filtered("credit_import_folder"):
            if journal.type != "bank":
                raise ValidationError(_("Only a bank journal imports statements from a folder."))
            if not os.path.isabs(journal.credit_import_folder):
                raise ValidationError(_("The statement folder must be an absolute path on the Odoo server."))

    # ------------------------------------------------------------------
    # MAIL GATEWAY
    # ------------------------------------------------------------------

    def _alias_get_creation_values(self):
        """Override of `account`: the alias of a bank journal delivers to the
        journal itself (its chatter keeps every e-mail), which imports the
        statement files attached, instead of creating a journal entry.
        Only the journal's followers may send to it (the bank's address,
        added as a follower): a statement decides which invoices are paid."""
        values = super()._alias_get_creation_values()
        if self.type == "bank":
            if not self.alias_id or self.alias_id.alias_model_id.model != self._name:
                values["alias_contact"] = "followers"
            values.update({
                "alias_model_id": self.env["ir.model"]._get_id(self._name),
                "alias_force_thread_id": self.id or False,
                "alias_defaults": "{}",
            })
            if self.id:
                # account names the aliases of sale and purchase journals only
                values["alias_name"] = self.alias_name
        return values

    def message_update(self, msg_dict, update_vals=None):
        """Override of `mail`: an e-mail received on the alias of a bank
        journal imports the statement files it carries, each on its own
        (one refused leaves the others), and matches their lines."""
        result = super().message_update(msg_dict, update_vals=update_vals)
        for journal in self.filtered(lambda j: j.type == "bank"):
            files = [(attachment.fname, attachment.content) for attachment in msg_dict.get("attachments") or []
                     if (attachment.fname or "").lower().endswith(STATEMENT_EXTENSIONS)]
            if not files:
                journal._message_log(body=_("This e-mail carries no bank statement file (%(extensions)s): nothing "
                                            "was imported.", extensions=", ".join(STATEMENT_EXTENSIONS)))
            for name, content in files:
                # a text part (text/xml, text/csv) comes decoded
                data = content.encode(_declared_encoding(content)) if isinstance(content, str) else content
                journal._credit_import_statement_file(name, data)
        return result

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _statement_line_import_speeddict(self):
        """Override of `account_statement_import_base`: the same look-up of
        the partners' bank accounts, read without the display name of every
        partner that its ``search_read`` computes and the look-up does not
        use (a second or more for some thousands of accounts). OCA's method
        runs instead when a module between this one and OCA's redefines it
        (``_credit_speeddict_ok``)."""
        if not self._credit_speeddict_ok():
            return super()._statement_line_import_speeddict()
        self.ensure_one()
        banks = self.env["res.partner.bank"].search_fetch(
            [("company_id", "in", (False, self.company_id.id))], ["acc_number", "partner_id"])
        # in the search's order, as OCA's: the last of two accounts with
        # the same number wins
        return {"account_number": {
            self._sanitize_bank_account_number(bank.acc_number): {
                "partner_id": bank.partner_id.id, "partner_bank_id": bank.id}
            for bank in banks
        }}

    def _credit_speeddict_ok(self):
        """Whether no module between this one and OCA's base importer
        redefines ``_statement_line_import_speeddict`` (one above this
        module reaches OCA's through this override's super())."""
        return next_definition_is(self, AccountJournal, "_statement_line_import_speeddict", oca_journal.AccountJournal)

    def _credit_import_statement_file(self, filename, content):
        """Import one statement file into this bank journal with OCA's
        importers, then match its lines; log the outcome on the journal.
        A refused or malformed file leaves nothing behind (savepoint).

        :return: (the import wizard, None), or (None, the reason) when the
            file was refused
        """
        self.ensure_one()
        wizard = self.env["account.statement.import"].with_company(self.company_id).with_context(
            journal_id=self.id).create({
                "statement_file": base64.b64encode(content),
                "statement_filename": filename,
            })
        try:
            with self.env.cr.savepoint():
                result = wizard._import_file()
        except UserError as error:
            self._message_log(body=Markup("%s<br/>%s") % (
                _("Statement file %(file)s not imported:", file=filename), error.args[0]))
            return None, error.args[0]
        statements = self.env["account.bank.statement"].browse(result["statement_ids"])
        self._message_log(body=_("Statement file %(file)s imported (%(statements)s). %(summary)s",
                                 file=filename, statements=", ".join(statements.mapped("name")),
                                 summary=wizard.credit_summary or ""))
        return wizard, None

    # ------------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------------

    @api.model
    def _cron_credit_import_folders(self):
        """Import the next file waiting in the statement folder of a bank
        journal, then report the progress: the cron framework commits each
        file and calls again while files remain. A file is moved to done/ or
        error/ only once its transaction is committed, so that a file is
        never moved without its import (nor imported twice: a file left in
        place is refused as already imported)."""
        pending = []
        for journal in self.sudo().search([("type", "=", "bank"), ("credit_import_folder", "!=", False)]):
            folder = journal.credit_import_folder
            if not os.path.isdir(folder):
                _logger.warning("Statement folder %s of journal %s does not exist", folder, journal.display_name)
                continue
            pending += [(journal, os.path.join(folder, name)) for name in sorted(os.listdir(folder))
                        if name.lower().endswith(STATEMENT_EXTENSIONS) and not name.startswith(".")
                        and os.path.isfile(os.path.join(folder, name))]
        if pending:
            journal, path = pending[0]
            journal._credit_import_folder_file(path)
        self.env["ir.cron"]._notify_progress(done=min(len(pending), 1), remaining=max(len(pending) - 1, 0))
        return True

    def _credit_import_folder_file(self, path):
        self.ensure_one()
        with open(path, "rb") as statement_file:
            content = statement_file.read()
        name = os.path.basename(path)
        wizard, error = self._credit_import_statement_file(name, content)
        target = os.path.join(os.path.dirname(path), FOLDER_ERROR if error else FOLDER_DONE)

        def move():
            try:
                os.makedirs(target, exist_ok=True)
                os.replace(path, os.path.join(target, name))
                if error:
                    with open(os.path.join(target, f"{name}.error.txt"), "w", encoding="utf-8") as reason:
                        reason.write(error)
            except OSError:
                # committed already: the file stays, and is refused as
                # already imported next time
                _logger.exception("Could not move the statement file %s to %s", path, target)

        self.env.cr.postcommit.add(move)
        return wizard
