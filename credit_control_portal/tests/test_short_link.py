from urllib.parse import urlsplit

from odoo.tests import tagged

from .common import CreditPortalCommon

DAY = 86400
# Crockford's base32: no I, L, O, U
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@tagged("post_install", "-at_install")
class TestStatementShortLink(CreditPortalCommon):
    """The statement link of a letter is short enough to be typed: /cc/ and
    a code of a dozen characters that opens the statement as the long
    signed link does, with the same expiry and revocation. Failed before:
    letters printed the 120-character signed URL, and /cc/ did not exist."""

    def _path(self, code):
        return f"/cc/{code}"

    def test_short_link_opens_the_statement(self):
        url = self.dossier._credit_statement_short_url()
        path = urlsplit(url).path
        self.assertLess(len(path), 40)
        self.assertRegex(path, rf"^/cc/[{ALPHABET}]+$")
        self.assertNotIn("access_token", url)
        response = self.url_open(path, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        location = response.headers["Location"]
        self.assertIn(f"/my/credit/{self.dossier.id}?access_token=", location)
        token = location.split("access_token=")[1]
        self.assertEqual(self.dossier._credit_check_statement_token(token), "valid")
        # valid until the end of the day the long link would expire
        expiry = int(token.split(".")[0])
        days = self.company.credit_portal_link_days
        self.assertLessEqual(self.dossier._credit_now() + days * DAY, expiry)
        self.assertLess(expiry, self.dossier._credit_now() + (days + 1) * DAY + 1)
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.invoice_1.name, page.text)

    def test_short_link_as_a_person_types_it(self):
        code = self.dossier._credit_statement_short_code(self.dossier._credit_now() + 3 * DAY)
        typed = code.lower().replace("0", "o").replace("1", "l")
        typed = f"{typed[:4]}-{typed[4:]}"
        response = self.url_open(self._path(typed), allow_redirects=False)
        self.assertEqual(response.status_code, 303)

    def test_expired_revoked_and_tampered_short_links(self):
        expired = self.dossier._credit_statement_short_code(self.dossier._credit_now() - 2 * DAY)
        response = self.url_open(self._path(expired))
        self.assertEqual(response.status_code, 403)
        self.assertIn("This link has expired", response.text)
        self.assertNotIn(self.invoice_1.name, response.text)

        code = self.dossier._credit_statement_short_code(self.dossier._credit_now() + 3 * DAY)
        self.assertEqual(self.url_open(self._path(code), allow_redirects=False).status_code, 303)
        last = ALPHABET[(ALPHABET.index(code[-1]) + 1) % 32]
        for bad in (code[:-1] + last, code[:-1], code + "7", "0" + code[1:], "X", "ZZZZZZZZZZZZZZZZZZZZZZZZ"):
            with self.subTest(bad=bad):
                self.assertEqual(self.url_open(self._path(bad), allow_redirects=False).status_code, 404)
        # the signature of one customer's link opens no other customer's statement
        other_code = self.other_dossier._credit_statement_short_code(self.dossier._credit_now() + 3 * DAY)
        forged = other_code[:-12] + code[-12:]
        self.assertNotEqual(forged, code)
        self.assertEqual(self.url_open(self._path(forged), allow_redirects=False).status_code, 404)

        self.dossier.with_user(self.credit_manager).action_revoke_statement_links()
        self.assertEqual(self.url_open(self._path(code), allow_redirects=False).status_code, 404)
