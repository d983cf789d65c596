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


def _loaded_terms(module):
    """What Odoo loads from the module's fr.po: its PoFileReader merges the
    .pot first, so an entry missing from the .pot is dropped and the
    occurrences are the .pot's: ``{(occurrence, msgid)}`` translated."""
    from odoo.tools.translate import PoFileReader  # noqa: PLC0415

    loaded = set()
    for row in PoFileReader(str(ROOT / module / "i18n" / "fr.po")):
        if not row["value"].strip() and row["src"] not in SAME_IN_FRENCH:
            continue
        # a Python string is translated by its text, whatever its file
        where = "code" if row["type"] == "code" else f"{row['type']}:{row['name']}:{row['module']}.{row['imd_name']}"
        loaded.add((where, row["src"]))
    return loaded


def test_every_term_is_loaded_in_french(cr, module):
    """Each term is translated where it shows: a view's term through that
    view, a field's label through that field, a menu through that menu, a
    Python string through its file, as Odoo loads fr.po (merged with the
    .pot). A term present in fr.po under another occurrence only, or
    missing from the .pot, shows in English on a French screen."""
    from odoo.tools.translate import trans_export  # noqa: PLC0415

    buffer = io.BytesIO()
    trans_export(None, [module], buffer, "po", cr)
    loaded = _loaded_terms(module)
    missing = []
    for entry in polib.pofile(buffer.getvalue().decode()):
        for occurrence, _line in entry.occurrences:
            kind, _sep, rest = occurrence.partition(":")
            if kind in ("model", "model_terms"):
                name, _sep, xmlid = rest.rpartition(":")
                where = f"{kind}:{name}:{xmlid}"
            elif kind == "code":
                where = "code"
            else:
                continue
            if (where, entry.msgid) not in loaded:
                missing.append(f"{occurrence} {entry.msgid[:60]!r}")
    assert not missing, (f"{module}: {len(missing)} terms not loaded in French (add the occurrence to the entry "
                         f"in fr.po and the .pot): {missing[:15]}")
