"""Every term of our modules has a French translation: the terms Odoo
exports from the installed modules (fields, selections, menus, views,
templates, mail templates, Python and JavaScript strings) are all in the
module's i18n/fr.po with a non-empty msgstr. Runs in-process on the
database setup/test just installed every module in (CC_TEST_DB)."""
import io
import pathlib

import polib
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Terms that are the same in both languages.
SAME_IN_FRENCH = {"INV/2026/00001", "YourCompany", "Date", "Total", "Mitchell Admin", "Marc Demo"}


@pytest.fixture(scope="module")
def cr(odoo_registry):
    with odoo_registry.cursor() as cursor:
        yield cursor
        cursor.rollback()


def test_every_term_has_a_french_translation(cr, module):
    from odoo.tools.translate import trans_export  # noqa: PLC0415

    buffer = io.BytesIO()
    trans_export(None, [module], buffer, "po", cr)
    exported = polib.pofile(buffer.getvalue().decode())
    french = {entry.msgid: entry.msgstr for entry in polib.pofile(str(ROOT / module / "i18n" / "fr.po"))
              if not entry.obsolete}
    missing = [entry.msgid for entry in exported if entry.msgid not in french]
    empty = [msgid for msgid, msgstr in french.items()
             if not msgstr.strip() and msgid in {e.msgid for e in exported} and msgid not in SAME_IN_FRENCH]
    assert not missing, f"{module}: {len(missing)} terms missing in fr.po (export the .pot again): {missing[:10]}"
    assert not empty, f"{module}: {len(empty)} terms not translated in fr.po: {empty[:10]}"
