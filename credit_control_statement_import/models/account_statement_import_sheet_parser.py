import hashlib
from collections import Counter

from odoo import api, models


class AccountStatementImportSheetParser(models.TransientModel):
    _inherit = "account.statement.import.sheet.parser"

    @api.model
    def parse(self, data_file, mapping, filename):
        """Override of `account_statement_import_sheet_file` to give each
        transaction of a file without a transaction id column (what French
        banks export) an import id made of what it says: date, amount,
        label, and its rank among identical lines of the file. OCA's parser
        gives none, so that the same export imported again, or two exports
        of overlapping periods, would create their common lines twice."""
        currency_code, account_number, statements = super().parse(data_file, mapping, filename)
        for statement in statements:
            seen = Counter()
            for transaction in statement.get("transactions", []):
                if transaction.get("unique_import_id"):
                    continue
                when = transaction["date"]
                key = "|".join([
                    when.date().isoformat() if hasattr(when, "date") else str(when),
                    f"{float(transaction['amount']):.6f}",
                    " ".join((transaction.get("payment_ref") or "").split()),
                ])
                seen[key] += 1
                digest = hashlib.sha256(key.encode()).hexdigest()[:20]
                transaction["unique_import_id"] = f"sheet-{digest}-{seen[key]}"
        return currency_code, account_number, statements
