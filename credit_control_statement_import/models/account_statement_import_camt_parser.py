from lxml import etree

from odoo import models
from odoo.tools.translate import get_translation

from odoo.addons.account_statement_import_camt.models import account_statement_import_camt_parser as oca_camt
from odoo.addons.credit_control_base.tools.overrides import next_definition_is

# The XPath expressions of OCA's parser, compiled once per namespace and
# expression: ``node.xpath(text)`` compiles its expression again at each
# call, about ten times the cost of evaluating it, and OCA's parser makes
# some fifty such calls per transaction (a quarter of a 10,000-line
# import). The compiled objects evaluate the same expressions with the same
# XPath engine, so they find the same nodes; lxml serialises the use of one
# compiled object across threads.
_COMPILED = {}

# OCA's methods replaced by their compiled twins below (each is OCA's own
# code path otherwise, see ``_credit_camt_compiled_ok``)
COMPILED_METHODS = ("add_value_from_node", "parse_amount", "parse_transaction_details")

# The notes OCA's parser writes from a transaction's details, in its order:
# (expression, label, path shown, separator of several values). Its
# "Proprietary" return reason reads the code (Cd), as OCA's does.
DETAIL_NOTES = (
    ("./ns:RmtInf/ns:Ustrd", "Unstructured Reference", "RmtInf/Ustrd", " "),
    ("./ns:RmtInf/ns:Strd/ns:CdtrRefInf/ns:Ref", "Structured Reference", "RmtInf/Strd/CdtrRefInf/Ref", " "),
    ("./ns:AddtlTxInf", "Additional Transaction Information", "AddtlTxInf", " "),
    ("./ns:RtrInf/ns:Rsn/ns:Cd", "Return Reason Code", "RtrInf/Rsn/Cd", None),
    ("./ns:RtrInf/ns:Rsn/ns:Cd", "Return Reason Code (Proprietary)", "RtrInf/Rsn/Prtry", None),
    ("./ns:RtrInf/ns:AddtlInf", "Return Reason Additional Information", "RtrInf/AddtlInf", " "),
    ("./ns:Refs/ns:MsgId", "Msg Id", "Refs/MsgId", None),
    ("./ns:Refs/ns:AcctSvcrRef", "Account Servicer Reference", "Refs/AcctSvcrRef", None),
    ("./ns:Refs/ns:EndToEndId", "End To End Id", "Refs/EndToEndId", None),
    ("./ns:Refs/ns:InstrId", "Instructed Id", "Refs/InstrId", None),
    ("./ns:Refs/ns:TxId", "Transaction Identification", "Refs/TxId", None),
    ("./ns:Refs/ns:MntId", "Mandate Id", "Refs/MntId", None),
    ("./ns:Refs/ns:ChqNb", "Cheque Number", "Refs/ChqNb", None),
)
POSTAL_ADDRESS = "|".join(f"./ns:PstlAdr/ns:{tag}" for tag in (
    "StrtNm", "BldgNb", "BldgNm", "PstBx", "PstCd", "TwnNm", "TwnLctnNm", "DstrctNm", "CtrySubDvsn", "Ctry", "AdrLine"))


class AccountStatementImportCamtParser(models.AbstractModel):
    _inherit = "account.statement.import.camt.parser"

    def parse(self, data):
        """Override of `account_statement_import_camt` to evaluate its
        XPath expressions compiled (see ``_COMPILED``), unless another
        module changed one of the methods that evaluate them or the
        context says ``credit_camt_compiled=False`` (OCA's own evaluation,
        which ``TestCamtCompiledParse`` compares with this one)."""
        parser = self
        if "credit_camt_compiled" not in self.env.context:
            parser = self.with_context(credit_camt_compiled=self._credit_camt_compiled_ok())
        return super(AccountStatementImportCamtParser, parser).parse(data)

    def add_value_from_node(self, ns, node, xpath_str, obj, attr_name, join_str=None):
        """Override of `account_statement_import_camt`: the same search,
        through compiled expressions (see ``parse``)."""
        if not self.env.context.get("credit_camt_compiled"):
            return super().add_value_from_node(ns, node, xpath_str, obj, attr_name, join_str=join_str)
        for expression in xpath_str if isinstance(xpath_str, list | tuple) else [xpath_str]:
            found = self._credit_xpath(ns, expression)(node)
            if found:
                if isinstance(found[0], str):
                    obj[attr_name] = found[0]
                elif join_str is None:
                    obj[attr_name] = found[0].text
                else:
                    obj[attr_name] = join_str.join([element.text for element in found])
                break

    def parse_amount(self, ns, node):
        """Override of `account_statement_import_camt`: the same amount,
        signed by the node's credit/debit indicator or its entry's, read
        through compiled expressions (see ``parse``)."""
        if not self.env.context.get("credit_camt_compiled"):
            return super().parse_amount(ns, node)
        if node is None:
            return 0.0
        xpath = self._credit_xpath
        sign_node = xpath(ns, "ns:CdtDbtInd")(node) or xpath(ns, "../../ns:CdtDbtInd")(node)
        sign = -1 if sign_node and sign_node[0].text == "DBIT" else 1
        amount_node = xpath(ns, "ns:Amt")(node) or xpath(ns, "./ns:AmtDtls/ns:TxAmt/ns:Amt")(node)
        return sign * float(amount_node[0].text) if amount_node else 0.0

    def parse_transaction_details(self, ns, node, transaction):
        """Override of `account_statement_import_camt`: the same values and
        notes from a transaction's details (TxDtls), in the same order,
        every expression compiled (see ``parse``)."""
        if not self.env.context.get("credit_camt_compiled"):
            return super().parse_transaction_details(ns, node, transaction)
        add, xpath, label = self.add_value_from_node, self._credit_xpath, self._credit_camt_label
        notes = transaction["narration"]
        add(ns, node, ["./ns:RmtInf/ns:Ustrd|./ns:RtrInf/ns:AddtlInf", "./ns:AddtlNtryInf", "./ns:Refs/ns:InstrId"],
            transaction, "payment_ref", join_str="\n")
        for expression, source, shown, separator in DETAIL_NOTES:
            add(ns, node, [expression], notes, f"{label(source)} ({shown})", join_str=separator)
        add(ns, node, ["./ns:AddtlTxInf"], transaction, "payment_ref", join_str="\n")
        add(ns, node, ["./ns:RmtInf/ns:Strd/ns:CdtrRefInf/ns:Ref", "./ns:Refs/ns:EndToEndId",
                       "./ns:Ntry/ns:AcctSvcrRef"], transaction, "ref")
        amount = self.parse_amount(ns, node)
        if amount != 0.0:
            transaction["amount"] = amount
        # the other party: the debtor of a credit, else the creditor
        credit_debit = xpath(ns, "../../ns:CdtDbtInd")(node)
        party = "Cdtr" if credit_debit and credit_debit[0].text != "CRDT" else "Dbtr"
        party_node = xpath(ns, f"./ns:RltdPties/ns:{party}")(node)
        if party_node:
            name_node = xpath(ns, f"./ns:RltdPties/ns:{party}/ns:Nm |./ns:RltdPties/ns:{party}/ns:Pty/ns:Nm")(node)
            if name_node:
                transaction["partner_name"] = name_node[0].text
            else:
                add(ns, party_node[0], "./ns:PstlAdr/ns:AdrLine", transaction, "partner_name")
            add(ns, party_node[0], POSTAL_ADDRESS, notes, f"{label('Postal Address')} (PstlAdr)", join_str=" | ")
        account_node = xpath(ns, f"./ns:RltdPties/ns:{party}Acct/ns:Id")(node)
        if account_node:
            iban_node = xpath(ns, "./ns:IBAN")(account_node[0])
            if iban_node:
                transaction["account_number"] = iban_node[0].text
            else:
                add(ns, account_node[0], "./ns:Othr/ns:Id", transaction, "account_number")

    def parse_entry(self, ns, node):
        """Override of `account_statement_import_camt` to give each
        transaction the bank's own reference as its import id: OCA's parser
        gives none, so that the same CAMT file imported twice (by hand, then
        by e-mail, or a statement sent again) would create every line twice.
        The reference of the transaction (TxDtls/Refs/AcctSvcrRef), else of
        the entry (AcctSvcrRef, NtryRef), numbered when an entry holds
        several transactions."""
        details = self._credit_xpath(ns, "./ns:NtryDtls/ns:TxDtls")(node)
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
            found = self._credit_xpath(ns, path)(node)
            if found and (found[0].text or "").strip():
                return found[0].text.strip()
        return False

    def _credit_xpath(self, ns, expression):
        """``expression`` compiled for the namespace ``ns`` (see ``_COMPILED``)."""
        compiled = _COMPILED.get((ns, expression))
        if compiled is None:
            compiled = _COMPILED[ns, expression] = etree.XPath(expression, namespaces={"ns": ns})
        return compiled

    def _credit_camt_label(self, source):
        """``source`` translated as OCA's parser translates its own labels
        (``env._`` would look the term up in this module's translations)."""
        return get_translation("account_statement_import_camt", self.env.lang or "en_US", source, ())

    def _credit_camt_compiled_ok(self):
        """Whether the compiled twins may replace OCA's methods: no module
        between this one and OCA's redefines them (one that inherits this
        module's calls them through ``super()`` and is not affected)."""
        return all(
            next_definition_is(self, AccountStatementImportCamtParser, name, oca_camt.AccountStatementImportCamtParser)
            for name in COMPILED_METHODS
        )
