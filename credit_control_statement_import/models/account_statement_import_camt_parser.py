from lxml import etree

from odoo import models

from odoo.addons.account_statement_import_camt.models import account_statement_import_camt_parser as oca_camt

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
COMPILED_METHODS = ("add_value_from_node", "parse_amount")


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

    def _credit_camt_compiled_ok(self):
        """Whether the compiled twins may replace OCA's methods: no module
        between this one and OCA's redefines them (one that inherits this
        module's calls them through ``super()`` and is not affected)."""
        mro = type(self).__mro__
        below = mro[mro.index(AccountStatementImportCamtParser) + 1:]
        for name in COMPILED_METHODS:
            for cls in below:
                if name in vars(cls):
                    if cls is not oca_camt.AccountStatementImportCamtParser:
                        return False
                    break
        return True
