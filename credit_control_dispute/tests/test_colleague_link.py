import re
from datetime import date, timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, tagged

from odoo.addons.credit_control_base.tests.common import load_french

from .common import CreditDisputeCommon

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class CreditColleagueLinkCommon(CreditDisputeCommon, HttpCase):
    """A dispute of collector A on the first invoice (1 000), with a delivery
    note as evidence, and a warehouse colleague without an Odoo account."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dispute = cls.Dispute._credit_create_dispute(cls.dossier, cls.invoice_1, cls.reason_quality)
        cls.dispute.user_id = cls.collector_a
        cls.delivery_note = cls._attachment(cls, "bon_de_livraison.pdf", PDF)
        cls.dispute.evidence_ids = cls.delivery_note
        cls.other_dispute = cls.Dispute._credit_create_dispute(cls.dossier, cls.invoice_2, cls.reason_quality)
        cls.colleague = cls.env["res.partner"].create({
            "name": "Jules Entrepôt", "email": "jules@entrepot.example", "lang": "en_US",
        })

    def _send_link(self, dispute=None, user=None, days=14):
        dispute = dispute or self.dispute
        user = user or self.collector_a
        wizard = Form(self.env["credit.control.dispute.link.wizard"].with_user(user).with_context(
            default_dispute_id=dispute.id,
        ))
        wizard.partner_id = self.colleague
        wizard.message = "Was the order delivered complete?"
        wizard.validity_days = days
        wizard.save().action_send()
        return dispute.colleague_link_ids[:1]

    def _url(self, link, dispute=None, token=None):
        dispute = dispute or link.dispute_id
        token = link._credit_token() if token is None else token
        return f"/credit/dispute/{dispute.id}/answer/{link.id}?access_token={token}"

    def _csrf(self, link):
        """The CSRF token of the answer form, as the colleague's browser gets it."""
        page = self.url_open(self._url(link))
        self.assertEqual(page.status_code, 200, page.text[:500])
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def _answer(self, link, data, files=None, token=None, url=None, csrf=None):
        data = {
            "csrf_token": csrf or self._csrf(link),
            "access_token": link._credit_token() if token is None else token,
            **data,
        }
        return self.url_open(url or f"/credit/dispute/{link.dispute_id.id}/answer/{link.id}", data=data,
                             files=files, allow_redirects=False)


@tagged("post_install", "-at_install")
class TestColleagueLink(CreditColleagueLinkCommon):
    """The owner asks a colleague; the colleague answers once, without a login."""

    def test_wizard_sends_the_link_by_email_not_in_the_chatter(self):
        link = self._send_link()
        self.assertRecordValues(link, [{"partner_id": self.colleague.id, "state": "sent"}])
        self.assertAlmostEqual(link.expiry_date, fields.Datetime.now() + timedelta(days=14),
                               delta=timedelta(minutes=5))
        mail = self.env["mail.mail"].search([("recipient_ids", "in", self.colleague.ids)])
        self.assertEqual(len(mail), 1)
        self.assertIn(self._url(link).replace("&", "&amp;"), mail.body_html)
        self.assertIn(self.dispute.name, mail.subject)
        # the token is in the e-mail only: whoever reads the dispute does not get it
        token = link._credit_token()
        self.assertFalse(self.env["mail.message"].search([("body", "ilike", token)]) - mail.mail_message_id)
        self.assertIn("Jules Entrepôt", self.dispute.message_ids[0].body)

    def test_only_who_may_change_the_dispute_sends_or_revokes(self):
        salesperson = self._create_credit_user("sales_rep", "credit_control_base.group_credit_control_info")
        self.customer.user_id = salesperson
        with self.assertRaises(AccessError):
            self._send_link(user=self.collector_b)
        link = self._send_link()
        # the salesperson sees the links of its customer's disputes, cannot revoke them
        self.assertEqual(self.env["credit.control.dispute.link"].with_user(salesperson).search([]), link)
        with self.assertRaises(AccessError):
            link.with_user(salesperson).action_revoke()
        with self.assertRaises(AccessError):
            link.with_user(self.collector_a).write({"state": "sent", "expiry_date": fields.Datetime.now()})
        url = link.with_user(self.collector_a).action_copy_url()["url"]
        self.assertTrue(url.endswith(self._url(link)))
        with self.assertRaises(AccessError):
            link.with_user(salesperson).action_copy_url()
        link.with_user(self.collector_a).action_revoke()
        self.assertEqual(link.state, "revoked")
        with self.assertRaises(UserError):
            link.with_user(self.collector_a).action_copy_url()

    def test_page_shows_the_dispute_invoices_and_evidence(self):
        link = self._send_link()
        response = self.url_open(self._url(link))
        self.assertEqual(response.status_code, 200)
        for text in (self.dispute.name, self.invoice_1.name, "Was the order delivered complete?",
                     "bon_de_livraison.pdf", "1,000.00"):
            self.assertIn(text, response.text)
        self.assertNotIn(self.invoice_2.name, response.text)
        evidence = f"/credit/dispute/{self.dispute.id}/answer/{link.id}/evidence/{self.delivery_note.id}"
        download = self.url_open(f"{evidence}?access_token={link._credit_token()}")
        self.assertEqual(download.status_code, 200)
        self.assertEqual(download.content, PDF)
        # a file not in this dispute's evidence, even with the right token
        other = self._attachment("private.pdf", PDF)
        other_url = f"/credit/dispute/{self.dispute.id}/answer/{link.id}/evidence/{other.id}"
        self.assertEqual(self.url_open(f"{other_url}?access_token={link._credit_token()}").status_code, 404)
        self.assertEqual(self.url_open(f"{evidence}?access_token=1.abc").status_code, 404)

    def test_answer_lands_in_the_chatter_and_tells_the_owner(self):
        link = self._send_link()
        messages = self.dispute.message_ids
        csrf = self._csrf(link)
        response = self._answer(link, {
            "comment": "Livré incomplet : 2 cartons manquants.", "resolution": "credit_note", "amount": "200,50",
        }, files=[("attachments", ("photo.pdf", PDF, "application/pdf"))])
        self.assertEqual(response.status_code, 200, response.text[:500])
        self.assertIn("Thank you", response.text)
        self.assertRecordValues(link, [{
            "state": "answered", "answer_resolution": "credit_note", "answer_amount": 200.5,
            "answer_comment": "Livré incomplet : 2 cartons manquants.",
        }])
        message = self.dispute.message_ids - messages
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.colleague)
        self.assertIn("Answered by Jules Entrepôt via link", message.body)
        self.assertIn("2 cartons manquants", message.body)
        self.assertEqual(message.attachment_ids.mapped("name"), ["photo.pdf"])
        self.assertEqual(message.attachment_ids.res_id, self.dispute.id)
        activity = self.dispute.activity_ids
        self.assertEqual(activity.user_id, self.collector_a)
        self.assertIn("Jules Entrepôt", activity.summary)
        # the same form posted again: refused, nothing saved
        again = self._answer(link, {"comment": "Encore", "resolution": "reject"}, csrf=csrf)
        self.assertEqual(again.status_code, 403)
        self.assertEqual(self.dispute.message_ids - messages, message)
        self.assertEqual(link.answer_resolution, "credit_note")
        # the page still opens, without the form
        page = self.url_open(self._url(link))
        self.assertIn("already used", page.text)
        self.assertNotIn('name="comment"', page.text)

    def test_tampered_foreign_expired_and_revoked_links(self):
        link = self._send_link()
        token = link._credit_token()
        expiry, signature = token.split(".")
        flipped = f"{signature[:-1]}{'0' if signature[-1] != '0' else '1'}"
        for bad in ("", signature, f"{expiry}.{flipped}", f"{int(expiry) + 86400}.{signature}"):
            self.assertEqual(self.url_open(self._url(link, token=bad)).status_code, 404, bad)
        self.assertEqual(self.url_open(f"/credit/dispute/{self.dispute.id}/answer/{link.id}").status_code, 404)
        # this link's token on another dispute, on another link, on nothing
        self.assertEqual(self.url_open(self._url(link, dispute=self.other_dispute)).status_code, 404)
        other_link = self._send_link(dispute=self.other_dispute)
        self.assertEqual(self.url_open(
            f"/credit/dispute/{self.other_dispute.id}/answer/{other_link.id}?access_token={token}"
        ).status_code, 404)
        self.assertEqual(self.url_open(
            f"/credit/dispute/{self.dispute.id}/answer/999999999?access_token={token}"
        ).status_code, 404)
        # an answer sent to another dispute's URL with this token saves nothing
        messages = self.Dispute.search([]).message_ids
        response = self._answer(link, {"comment": "Hop", "resolution": "reject"},
                                url=f"/credit/dispute/{self.other_dispute.id}/answer/{link.id}")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.Dispute.search([]).message_ids, messages)
        self.assertEqual(link.state, "sent")

        # expired: a page that says so, without the dispute
        csrf = self._csrf(link)
        link.sudo().expiry_date = fields.Datetime.now() - timedelta(minutes=1)
        response = self.url_open(self._url(link))
        self.assertEqual(response.status_code, 403)
        self.assertIn("This link has expired", response.text)
        self.assertNotIn(self.invoice_1.name, response.text)
        response = self._answer(link, {"comment": "Trop tard"}, csrf=csrf)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(link.state, "sent")

        # revoked: nothing at all, nothing saved
        link = self._send_link()
        self.assertEqual(self.url_open(self._url(link)).status_code, 200)
        csrf = self._csrf(link)
        link.with_user(self.collector_a).action_revoke()
        self.assertEqual(self.url_open(self._url(link)).status_code, 404)
        messages = self.dispute.message_ids
        response = self._answer(link, {"comment": "Révoqué", "resolution": "reject"}, csrf=csrf)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.dispute.message_ids, messages)
        self.assertFalse(link.answer_date)

    def test_form_without_csrf_token_is_refused(self):
        link = self._send_link()
        self.url_open(self._url(link))
        data = {"access_token": link._credit_token(), "comment": "Sans jeton", "resolution": "reject"}
        response = self.url_open(f"/credit/dispute/{self.dispute.id}/answer/{link.id}", data=data)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(link.state, "sent")

    def test_attachment_and_amount_limits(self):
        link = self._send_link()
        attachments = self.env["ir.attachment"].sudo().search_count([])
        script = [("attachments", ("script.pdf", b"#!/bin/sh\nrm -rf /", "application/pdf"))]
        six = [("attachments", (f"p{i}.pdf", PDF, "application/pdf")) for i in range(6)]
        cases = [
            ({"comment": "Voir fichier"}, script, "Attach PDF, PNG or JPEG files."),
            ({"comment": "Trop de fichiers"}, six, "Attach 5 files at most."),
            ({"resolution": "credit_note", "amount": "1000.01"}, None, "cannot exceed the disputed amount"),
            ({"resolution": "credit_note", "amount": "deux cents"}, None, "Give the amount"),
            ({"resolution": "discount"}, None, "Choose one of the proposed resolutions."),
            ({}, None, "Write an answer or propose a resolution."),
        ]
        for data, files, error in cases:
            with self.subTest(error=error):
                response = self._answer(link, data, files=files)
                self.assertEqual(response.status_code, 400)
                self.assertIn(error, response.text)
                self.assertEqual(link.state, "sent")
        self.assertEqual(self.env["ir.attachment"].sudo().search_count([]), attachments)
        self.assertFalse(self.dispute.activity_ids)

    def test_settled_dispute_takes_no_answer(self):
        link = self._send_link()
        self.dispute.action_reject()
        response = self._answer(link, {"comment": "Trop tard", "resolution": "justified"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(link.state, "sent")

    def test_links_follow_the_company_rules(self):
        company_2 = self.setup_other_company(name="Martin Suisse")["company"]
        invoice = self._create_invoices([{
            "partner": self.customer, "amount": 300.0, "date": date(2026, 1, 5), "due": date(2026, 2, 4),
            "company": company_2,
        }])
        dossier_2 = self.env["credit.control.dossier"].search([
            ("partner_id", "=", self.customer.id), ("company_id", "=", company_2.id),
        ])
        dispute_2 = self.Dispute.with_company(company_2)._credit_create_dispute(
            dossier_2, invoice, self.reason_quality,
        )
        link_2 = self._send_link(dispute=dispute_2, user=self.env.user)
        link = self._send_link()
        self.assertEqual(link_2.company_id, company_2)
        self.credit_manager.company_ids |= company_2
        Link = self.env["credit.control.dispute.link"].with_user(self.credit_manager)
        self.assertEqual(Link.with_context(allowed_company_ids=self.company.ids).search([]), link)
        both = [self.company.id, company_2.id]
        self.assertEqual(Link.with_context(allowed_company_ids=both).search([]), link | link_2)
        with self.assertRaises(AccessError):
            link_2.with_user(self.collector_a).read(["state"])


@tagged("post_install", "-at_install")
class TestColleagueLinkTourFrench(CreditColleagueLinkCommon):
    """The colleague's page in Chromium, in French."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env)
        cls.colleague.lang = "fr_FR"

    def test_colleague_answers_in_french(self):
        link = self._send_link()
        self.start_tour(self._url(link), "credit_control_dispute_colleague_fr_tour")
        self.assertRecordValues(link, [{
            "state": "answered", "answer_resolution": "credit_note", "answer_amount": 150.0,
        }])
        self.assertEqual(self.dispute.message_ids[0].author_id, self.colleague)
        self.assertIn("Il manquait deux cartons", self.dispute.message_ids[0].body)

    def test_page_reads_in_french(self):
        """Every label of the colleague's page in French: the view's own
        terms (loaded through this view) and the proposed resolutions (the
        answer field's labels, not the English constant)."""
        page = self.url_open(self._url(self._send_link()))
        self.assertEqual(page.status_code, 200)
        text = re.sub(r"\s+", " ", page.text)
        for french in ('<dt class="col-sm-4">Motif</dt>', "<h5>Factures</h5>", "<h5>Pièces justificatives</h5>",
                       ">Avoir</label>", ">Justifié, sans avoir</label>", ">Rejeter la réclamation</label>"):
            self.assertIn(french, text)
        for english in (">Reason<", ">Invoices<", ">Evidence<", ">Credit note<", ">Reject the claim<"):
            self.assertNotIn(english, text)
