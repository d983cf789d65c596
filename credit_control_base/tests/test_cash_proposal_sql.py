"""Cash proposals created in bulk (issue 19, ``tools/proposal_sql``): from the
same values, the adapter writes every column of the proposals, their lines
and their chatter (creation note, follower) that the ORM's create writes;
the matching creates its proposals through it as superuser."""
from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from ..tools import proposal_sql
from .test_cash_matching import CashCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-02-15")
class TestProposalSql(CashCommon):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("Menuiserie Lefebvre")
        cls.invoices = cls._create_invoices([
            {"partner": cls.customer, "amount": 250.0, "due": date(2026, 1, 31)},
            {"partner": cls.customer, "amount": 120.0, "due": date(2026, 1, 20)},
        ])
        cls.items = cls.invoices.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        cls.st_lines = (
            cls._bank_line(250.0, f"VIR {cls.invoices[0].name}", partner=cls.customer)
            | cls._bank_line(369.996, "VIREMENT FACTURES")
            | cls._bank_line(80.0, "VIR DOUBLON")
        )
        payment = cls.env["account.payment"].create({
            "payment_type": "inbound", "partner_type": "customer", "partner_id": cls.customer.id,
            "amount": 120.0, "journal_id": cls.bank_journal.id, "date": date(2026, 2, 12),
        })
        payment.action_post()
        cls.payment_item = payment.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable")

    def _vals_list(self):
        """Values as the matcher gives them: one invoice, two invoices with
        remittance amounts and an amount to round, a duplicate without
        invoices nor partner, a customer payment."""
        currency = self.company.currency_id.id
        base = {"company_id": self.company.id, "currency_id": currency, "date": date(2026, 2, 10),
                "payer_confirmed": True}
        return [
            {**base, "statement_line_id": self.st_lines[0].id, "source_line_id": None, "label": "VIR",
             "partner_id": self.customer.id, "amount": 250.0, "writeoff_amount": 0.0, "rule": "reference",
             "confidence": 100, "explanation": "Invoice numbers found in the label.",
             "line_ids": [Command.create({"move_line_id": self.items[0].id, "amount": 250.0})]},
            {**base, "statement_line_id": self.st_lines[1].id, "source_line_id": None, "label": "FACTURES",
             "partner_id": self.customer.id, "amount": 369.996, "writeoff_amount": 0.004, "rule": "remittance",
             "confidence": 95, "explanation": "The remittance advice lists them.",
             "line_ids": [
                 Command.create({"move_line_id": self.items[1].id, "amount": 119.996, "remittance_amount": 120.0}),
                 Command.create({"move_line_id": self.items[0].id, "amount": 250.0, "remittance_amount": None}),
             ]},
            {**base, "statement_line_id": self.st_lines[2].id, "source_line_id": None, "label": "DOUBLON",
             "partner_id": None, "amount": 80.0, "writeoff_amount": 0.0, "rule": "duplicate", "confidence": 20,
             "explanation": "Probably a duplicate payment.", "payer_confirmed": False, "line_ids": []},
            {**base, "statement_line_id": None, "source_line_id": self.payment_item.id, "label": "PAY",
             "partner_id": self.customer.id, "amount": 120.0, "writeoff_amount": 0.0, "rule": "amount",
             "confidence": 90, "explanation": "The customer's only open invoice of this amount.",
             "line_ids": [Command.create({"move_line_id": self.items[1].id, "amount": 120.0})]},
        ]

    def _rows(self, proposals):
        """Every column of the rows written for ``proposals``, their ids
        replaced by what they are (two creations give other ids)."""
        self.env.flush_all()
        source = {}
        result = {}
        for row in self.env.execute_query_dict(SQL(
                "SELECT * FROM credit_control_cash_proposal WHERE id = ANY(%s) ORDER BY id", proposals.ids)):
            source[row.pop("id")] = (row["statement_line_id"], row["source_line_id"])
            result.setdefault("proposals", []).append(row)
        result["lines"] = sorted(
            ({**row, "id": None, "proposal_id": source[row["proposal_id"]]} for row in self.env.execute_query_dict(SQL(
                "SELECT * FROM credit_control_cash_proposal_line WHERE proposal_id = ANY(%s)", proposals.ids))),
            key=lambda row: (str(row["proposal_id"]), row["move_line_id"]))
        messages = self.env.execute_query_dict(SQL(
            "SELECT * FROM mail_message WHERE model = %s AND res_id = ANY(%s) ORDER BY id",
            proposals._name, proposals.ids))
        self.assertEqual(len({message["message_id"] for message in messages}), min(len(messages), 1),
                         "one message id for the batch of creation notes, as _message_log_batch gives")
        result["messages"] = [{**message, "id": None, "res_id": source[message["res_id"]], "message_id": None}
                              for message in messages]
        result["followers"] = sorted(
            ({**row, "id": None, "res_id": source[row["res_id"]]} for row in self.env.execute_query_dict(SQL(
                "SELECT * FROM mail_followers WHERE res_model = %s AND res_id = ANY(%s)",
                proposals._name, proposals.ids))),
            key=lambda row: str(row["res_id"]))
        return result

    def _both_ways(self, env):
        """The rows of the same proposals created by the ORM, then by the
        adapter (each undone afterwards)."""
        rows = {}
        for way in ("orm", "sql"):
            savepoint = env.cr.savepoint()
            if way == "orm":
                proposals = env["credit.control.cash.proposal"].create(self._vals_list())
            else:
                self.assertFalse(proposal_sql._created_by_orm(env, self._vals_list()), "the bulk path is taken")
                proposals = proposal_sql.create(env, self._vals_list())
            self.assertEqual(proposals.mapped("statement_line_id"), self.st_lines)
            rows[way] = self._rows(proposals)
            savepoint.close(rollback=True)
            env.invalidate_all()
        return rows

    def test_adapter_writes_what_the_orm_writes(self):
        # the chatter as in production (the fixture disables it)
        env = self.env(su=True, context={key: value for key, value in self.env.context.items() if key not in (
            "tracking_disable", "mail_create_nolog", "mail_create_nosubscribe", "mail_notrack")})
        rows = self._both_ways(env)
        self.assertEqual(len(rows["orm"]["proposals"]), 4)
        self.assertEqual(len(rows["orm"]["lines"]), 4)
        self.assertEqual(len(rows["orm"]["messages"]), 4, "the creation note of each proposal")
        self.assertEqual(len(rows["orm"]["followers"]), 4, "the user who created them follows them")
        for part in ("proposals", "lines", "messages", "followers"):
            with self.subTest(part=part):
                self.assertEqual(rows["sql"][part], rows["orm"][part])

    def test_chatter_context_honoured(self):
        """Without tracking (the tests' fixture, imports that disable it),
        neither way writes chatter; the proposals and lines are the same."""
        rows = self._both_ways(self.env(su=True))
        self.assertFalse(rows["orm"]["messages"] or rows["orm"]["followers"])
        self.assertEqual(rows["sql"], rows["orm"])

    def test_orm_path_outside_superuser(self):
        """Matched by a user (Match Now), the ORM creates the proposals,
        with its checks of rights and record rules."""
        self.assertTrue(proposal_sql._created_by_orm(self.env, self._vals_list()))
        self.assertTrue(proposal_sql._created_by_orm(
            self.env(su=True, context=dict(self.env.context, default_state="rejected")), self._vals_list()))

    def test_matching_creates_its_proposals_in_bulk(self):
        """The cron's matching (as superuser) gives the proposals the ORM
        gives, their invoices and amounts included."""
        matcher = self.Matcher.sudo()
        results = {}
        for way in ("orm", "sql"):
            savepoint = self.env.cr.savepoint()
            if way == "orm":
                proposals = matcher.with_user(self.env.user)._credit_run(
                    companies=self.company, statement_lines=self.st_lines, auto=False)
            else:
                proposals = matcher._credit_run(companies=self.company, statement_lines=self.st_lines, auto=False)
            results[way] = self._rows(proposals)
            savepoint.close(rollback=True)
            self.env.invalidate_all()
        self.assertTrue(results["sql"]["lines"])
        for part in ("proposals", "lines"):
            self.assertEqual(results["sql"][part], results["orm"][part])
