import re

from freezegun import freeze_time

from odoo.tests import tagged

from .common import StatementImportCommon

# Queries per imported bank line, beyond the fixed cost of an import: the
# journal entry Odoo makes of each line (about 6 here for an unknown payer,
# about 15 on the benchmark's data where the payer is found by its IBAN). A
# hook matching or refreshing line by line would add its own on top.
QUERIES_PER_LINE = 12


@tagged("post_install", "-at_install")
@freeze_time("2026-02-11")
class TestImportQueries(StatementImportCommon):
    def _camt_of(self, size):
        """A CAMT.053 of ``size`` receipts nobody can be matched with (an
        unknown payer quoting no invoice, amounts no invoice has): what the
        import and its one matching run cost, without reconciliations."""
        text = self._camt().decode()
        head, rest = text.split("<Ntry>", 1)
        entry = "<Ntry>" + rest.split("</Ntry>", 1)[0] + "</Ntry>"
        tail = rest.rsplit("</Ntry>", 1)[1]
        entry = entry.replace("FR7610278060310002045670132", "FR7630001007941234567890185")
        entry = entry.replace("BOULANGERIE MARTIN SARL", "SOCIETE INCONNUE").replace("INV/2026/00001", "DIVERS")
        entries = [
            re.sub(r"1200\.00", f"{5000 + rank}.00", entry.replace("20260210FR0001", f"Q{size}-{rank:04d}"))
            for rank in range(size)
        ]
        head = head.replace("<Id>2026021000001</Id>", f"<Id>Q{size}</Id>")
        return (head + "\n".join(entries) + tail).encode()

    def test_queries_per_line_bounded(self):
        """Importing a statement costs a bounded number of queries per line,
        no more for 40 lines than for 10: the lines are created in one batch
        and matched once per import, never line by line."""
        counts = {}
        for size in (10, 40):
            content = self._camt_of(size)
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            wizard, _action = self._import(content, filename=f"camt053_{size}.xml")
            self.env.flush_all()
            counts[size] = self.env.cr.sql_log_count - before
            self.assertEqual(wizard.credit_summary,
                             f"{size} bank lines imported: 0 matched automatically, 0 to review.")
        per_line = (counts[40] - counts[10]) / 30
        self.assertLessEqual(per_line, QUERIES_PER_LINE, f"queries: {counts}")
        self.assertLessEqual(per_line, counts[10] / 10, f"the cost per line grows with the statement: {counts}")
