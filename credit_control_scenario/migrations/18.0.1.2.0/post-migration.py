"""The three reminder templates ship a leaner body (issue #19, target 5):
the open instalments read once per reminder instead of twice, the table's
spacing and alignment given by ``cellpadding``/``align`` instead of a style
on every cell, which Odoo's sanitizer parses one by one when the e-mail is
stored. The e-mail looks the same and says the same.

Their records are ``noupdate``: an update keeps a database's copy, because a
user may have edited it. As Odoo does for such data, a template is brought
up to date only where the database still holds, in every language, the
body this module shipped before (the md5 of each value below); an edited
template is left as its user made it, and works as before. The English
body is written from the data file through the ORM, as its loading writes
it; the other languages are emptied, and the update's translation loading,
which runs after this script, fills them from ``i18n/``.
"""
import hashlib
import logging

from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL, file_open

_logger = logging.getLogger(__name__)

DATA_FILE = "credit_control_scenario/data/mail_template_data.xml"
# The bodies shipped from 8a93cfa (2 Dec. 2026) to 18.0.1.1.0, as stored.
PREVIOUS_BODIES = {
    "mail_template_courtesy": {
        "en_US": "36aa21e58876252d7dbc83ac954bd521", "fr_FR": "731cb0df912b78728fd7087fffa2721d",
    },
    "mail_template_first_reminder": {
        "en_US": "bc11dfefbd381235c96b59d8424b2fec", "fr_FR": "0ee30ffde510b11eb85b7dd88a51b7d1",
    },
    "mail_template_second_reminder": {
        "en_US": "9d8c6ef56e66e9b67765794b49529020", "fr_FR": "2585036f025ffaa048bcfcacff5fc98e",
    },
}


def _shipped_bodies():
    """{xml id: body} of the data file, serialized as Odoo's XML loading
    serializes a ``type="html"`` field."""
    with file_open(DATA_FILE, "rb") as data:
        tree = etree.parse(data)
    return {
        name: "".join(etree.tostring(node, method="html", encoding="unicode")
                      for node in tree.xpath("//record[@id=$id]/field[@name='body_html']", id=name)[0])
        for name in PREVIOUS_BODIES
    }


def _untouched(bodies, previous):
    return bool(bodies) and all(
        lang in previous and hashlib.md5((value or "").encode()).hexdigest() == previous[lang]
        for lang, value in bodies.items()
    )


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    shipped = _shipped_bodies()
    for name, previous in PREVIOUS_BODIES.items():
        template = env.ref(f"credit_control_scenario.{name}", raise_if_not_found=False)
        if not template:
            continue
        [(bodies,)] = env.execute_query(SQL("SELECT body_html FROM mail_template WHERE id = %s", template.id))
        if not _untouched(bodies, previous):
            _logger.info("Reminder template %s edited in this database: kept as it is", name)
            continue
        env.execute_query(SQL("UPDATE mail_template SET body_html = NULL WHERE id = %s", template.id))
        template.invalidate_recordset(["body_html"])
        template.with_context(lang="en_US").body_html = shipped[name]
        _logger.info("Reminder template %s updated to the body shipped with this version", name)
