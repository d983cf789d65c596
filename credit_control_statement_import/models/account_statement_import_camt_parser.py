from odoo import models


class AccountStatementImportCamtParser(models.AbstractModel):
    _inherit = "account.statement.import.camt.parser"

    def parse_entry(self, ns, node):
        """Override of `account_statement_import_camt` to give each
        transaction the bank's own reference as its import id: OCA's parser
        gives none, so that the same CAMT file imported twice (by hand, then
        by e-mail, or a statement sent again) would create every line twice.
        The reference of the transaction (TxDtls/Refs/AcctSvcrRef), else of
        the entry (AcctSvcrRef, NtryRef), numbered when an entry holds
        several transactions."""
        details = node.xpath("./ns:NtryDtls/ns:TxDtls", namespaces={"ns": ns})
        entry_ref = self._credit_first_text(ns, node, ["./ns:AcctSvcrRef", "./ns:NtryRef"])
        for index, transaction in enumerate(super().parse_entry(ns, node)):
            if not transaction.get("unique_import_id"):
                ref = details and self._credit_first_text(ns, details[index], ["./ns:Refs/ns:AcctSvcrRef"])
                if ref and ref != entry_ref:
                    transaction["unique_import_id"] = ref
                elif entry_ref:
                    transaction["unique_import_id"] = f"{entry_ref}-{index + 1}" if len(details) > 1 else entry_ref
            yield transaction

    def parse_statement(self, ns, node):
        """Override of `account_statement_import_camt`: a transaction without
        any bank reference is known by the statement's id and its rank in
        it, so that the same statement is still refused a second time."""
        result = super().parse_statement(ns, node)
        if result.get("name"):
            for rank, transaction in enumerate(result.get("transactions", []), start=1):
                transaction.setdefault("unique_import_id", f"{result['name']}/{rank}")
        return result

    def _credit_first_text(self, ns, node, paths):
        for path in paths:
            found = node.xpath(path, namespaces={"ns": ns})
            if found and (found[0].text or "").strip():
                return found[0].text.strip()
        return False
