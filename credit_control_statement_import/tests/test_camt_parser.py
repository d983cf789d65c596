from pathlib import Path

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path

from .common import DATA

# OCA's own CAMT samples: statements of several entries, an entry of
# several transactions, a camt.054 notification, a statement without entry
OCA_SAMPLES = ("test-camt053", "test-camt053-txdtls", "test-camt054", "test-camt053-no-ntry")


@tagged("post_install", "-at_install")
class TestCamtCompiledParse(TransactionCase):
    """The parser's compiled XPath expressions give exactly what OCA's own
    evaluation gives: every statement, every transaction, every value, in
    the same order."""

    def _both(self, data):
        Parser = self.env["account.statement.import.camt.parser"]
        return (Parser.with_context(credit_camt_compiled=False).parse(data),
                Parser.with_context(credit_camt_compiled=True).parse(data))

    def _assert_same(self, data):
        oca, compiled = self._both(data)
        self.assertEqual(compiled, oca)
        # same order of keys too (the notes are built from them)
        for oca_statement, statement in zip(oca[2], compiled[2], strict=True):
            self.assertEqual(list(statement), list(oca_statement))
            for oca_transaction, transaction in zip(
                    oca_statement["transactions"], statement["transactions"], strict=True):
                self.assertEqual(list(transaction.items()), list(oca_transaction.items()))
        return compiled

    def test_compiled_by_default(self):
        """Without another module redefining OCA's methods, the compiled
        evaluation is the one used."""
        self.assertTrue(self.env["account.statement.import.camt.parser"]._credit_camt_compiled_ok())

    def test_same_as_oca_on_the_test_files(self):
        _currency, _account, statements = self._assert_same((DATA / "camt053_bnp_20260210.xml").read_bytes())
        self.assertEqual(len(statements[0]["transactions"]), 7)

    def test_same_as_oca_on_oca_samples(self):
        for name in OCA_SAMPLES:
            with self.subTest(name=name):
                path = Path("account_statement_import_camt") / "tests" / "samples" / name
                self._assert_same(Path(file_path(str(path))).read_bytes())

    def test_same_as_oca_on_edge_cases(self):
        """Debits, return information, postal addresses, domestic account
        numbers, structured references, several transactions in one entry
        and amounts given only on the entry."""
        text = (DATA / "camt053_bnp_20260210.xml").read_text()
        head, rest = text.split("<Ntry>", 1)
        tail = rest.rsplit("</Ntry>", 1)[1]
        entries = """
<Ntry><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd>
 <BookgDt><DtTm>2026-02-10T10:00:00</DtTm></BookgDt><NtryRef>N1</NtryRef>
 <AddtlNtryInf>RETOUR</AddtlNtryInf>
 <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>RRTN</SubFmlyCd></Fmly></Domn></BkTxCd>
 <NtryDtls>
  <TxDtls><Refs><EndToEndId>E1</EndToEndId><InstrId>I1</InstrId><MsgId>M1</MsgId><TxId>T1</TxId>
   <MndtId>X</MndtId><ChqNb>C1</ChqNb></Refs>
   <AmtDtls><TxAmt><Amt Ccy="EUR">4.00</Amt></TxAmt></AmtDtls>
   <RltdPties><Cdtr><Pty><Nm>SOCIETE A</Nm></Pty></Cdtr>
    <CdtrAcct><Id><Othr><Id>12345</Id></Othr></Id></CdtrAcct></RltdPties>
   <RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf>
   <RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>COMPTE CLOS</AddtlInf><AddtlInf>SUITE</AddtlInf></RtrInf>
  </TxDtls>
  <TxDtls><Amt Ccy="EUR">6.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
   <RltdPties><Cdtr><PstlAdr><StrtNm>RUE A</StrtNm><BldgNb>3</BldgNb><TwnNm>LYON</TwnNm><Ctry>FR</Ctry>
    <AdrLine>L1</AdrLine><AdrLine>L2</AdrLine></PstlAdr></Cdtr></RltdPties>
   <RmtInf><Ustrd>UN</Ustrd><Ustrd>DEUX</Ustrd></RmtInf><AddtlTxInf>INFO</AddtlTxInf>
  </TxDtls>
 </NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">7.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-02-10</Dt></BookgDt>
 <NtryDtls><Btch><PmtInfId>LOT1</PmtInfId></Btch></NtryDtls></Ntry>
<Ntry><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-02-09</Dt></BookgDt>
 <NtryDtls><TxDtls><Refs><AcctSvcrRef>A9</AcctSvcrRef></Refs>
  <RltdPties><Dbtr><Nm>PAYEUR</Nm></Dbtr><DbtrAcct><Id><IBAN>FR7630003012340005012345678</IBAN></Id></DbtrAcct></RltdPties>
 </TxDtls></NtryDtls></Ntry>
"""
        _currency, _account, statements = self._assert_same(f"{head}{entries}{tail}".encode())
        transactions = statements[0]["transactions"]
        self.assertEqual([t["amount"] for t in transactions], [-4.0, 6.0, 7.5, 0])
        self.assertEqual(transactions[1]["payment_ref"], "INFO")

    def test_same_as_oca_translated(self):
        """The notes are written in the reader's language alike (OCA's
        Spanish translations; its French ones are empty)."""
        for lang in ("fr_FR", "es_ES"):
            self.env["res.lang"]._activate_lang(lang)
        for lang, label in (("fr_FR", "Partner Name"), ("es_ES", "Nombre del Socio")):
            with self.subTest(lang=lang):
                self.env = self.env(context=dict(self.env.context, lang=lang))
                _currency, _account, statements = self._assert_same(
                    (DATA / "camt053_bnp_20260210.xml").read_bytes())
                self.assertIn(f"{label} (RltdPties/Nm): ", statements[0]["transactions"][0]["narration"])
