import threading
from contextlib import closing
from datetime import date

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestCashConcurrency(TransactionCase):
    """Two workers applying bank lines to the same invoice at once (a
    customer who paid twice, each transfer in another batch): the invoice
    is paid once, the second line is not lost. These tests need data other
    transactions see, so they commit it through their own cursors (on the
    main company) and delete it afterwards."""

    def setUp(self):
        super().setUp()
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            self.settings = company.read(["credit_cash_application", "credit_cash_auto_threshold"])[0]
            company.write({"credit_cash_application": True, "credit_cash_auto_threshold": 90})
            journal = env["account.journal"].search(
                [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
            partner = env["res.partner"].create({"name": "Boulangerie Concurrente", "is_company": True})
            invoices = env["account.move"].with_company(company).create([{
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": date(2026, 2, 1),
                "invoice_date_due": date(2026, 3, 1),
                "invoice_line_ids": [
                    Command.create({"name": name, "quantity": 1, "price_unit": amount, "tax_ids": []}),
                ],
            } for name, amount in (("Pain", 640.0), ("Viennoiseries", 310.0))])
            invoices.action_post()
            # the customer paid the bread twice, and the pastries once
            st_lines = env["account.bank.statement.line"].with_context(credit_cash_no_trigger=True).create([{
                "journal_id": journal.id,
                "date": date(2026, 3, 5),
                "payment_ref": f"VIR SEPA RECU /DE BOULANGERIE CONCURRENTE /MOTIF {invoice.name}",
                "amount": invoice.amount_total,
                "partner_id": partner.id,
            } for invoice in invoices[0] + invoices[0] + invoices[1]])
            self.company_id, self.partner_id = company.id, partner.id
            self.invoice_id, self.second_invoice_id = invoices.ids
            self.st_line_ids = st_lines.ids
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["credit.control.work.batch"].search([("res_model", "=", "credit.control.cash.matcher")]).unlink()
            st_lines = env["account.bank.statement.line"].browse(self.st_line_ids)
            env["credit.control.cash.proposal"].search([("statement_line_id", "in", st_lines.ids)]).unlink()
            st_lines.filtered("is_reconciled").action_undo_reconciliation()
            st_lines.unlink()
            invoices = env["account.move"].browse([self.invoice_id, self.second_invoice_id])
            invoices.button_draft()
            invoices.with_context(force_delete=True).unlink()
            env["credit.control.dossier"].search([("partner_id", "=", self.partner_id)]).unlink()
            env["res.partner"].browse(self.partner_id).unlink()
            env["res.company"].browse(self.company_id).write({
                key: value for key, value in self.settings.items() if key != "id"})
            cr.commit()  # pylint: disable=invalid-commit

    def _enqueue(self, st_line_ids):
        """One batch per bank line, as two workers would each take one."""
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["credit.control.work.batch"]._credit_enqueue(
                env["credit.control.cash.matcher"].browse(), [[line_id] for line_id in st_line_ids], dispatch=False)
            cr.commit()  # pylint: disable=invalid-commit

    def _worker(self):
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        env = api.Environment(cr, SUPERUSER_ID, {})
        return cr, env["credit.control.work.batch"], env["credit.control.cash.matcher"].browse()

    @mute_logger("odoo.sql_db")
    def test_two_workers_apply_to_the_same_invoice(self):
        self._enqueue(self.st_line_ids[:2])
        cr_a, batches_a, job_a = self._worker()
        cr_b, batches_b, job_b = self._worker()
        # worker B's transaction begins before worker A commits
        cr_b.execute("SELECT 1")
        self.assertEqual(batches_a._cron_process_batches(job_a), 1)
        cr_a.commit()

        # B takes the other batch: its snapshot still shows the invoice
        # open, the lock on it tells that A paid it meanwhile; the batch is
        # left for a new transaction, nothing applied twice
        self.assertEqual(batches_b._cron_process_batches(job_b), 0)
        cr_b.commit()
        self.assertEqual(batches_b._credit_pending_size(job_b), 1, "the second line's batch is kept")

        # the next call, in a new transaction, sees the invoice paid
        self.assertEqual(batches_b._cron_process_batches(job_b), 1)
        cr_b.commit()
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoice = env["account.move"].browse(self.invoice_id)
            first, second = env["account.bank.statement.line"].browse(self.st_line_ids[:2])
            self.assertRecordValues(invoice, [{"amount_residual": 0.0, "payment_state": "paid"}])
            receivable = invoice.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
            self.assertEqual(len(receivable.matched_credit_ids), 1, "paid once")
            self.assertTrue(first.is_reconciled)
            self.assertFalse(second.is_reconciled, "the second transfer waits for the collector")
            Proposal = env["credit.control.cash.proposal"]
            self.assertRecordValues(Proposal.search([("statement_line_id", "=", second.id)]), [{"state": "proposed"}])
            batches = env["credit.control.work.batch"].search([("res_model", "=", "credit.control.cash.matcher")])
            self.assertFalse(batches, "the job finished and forgotten")

    def test_two_workers_pay_two_invoices_of_one_customer(self):
        self._enqueue([self.st_line_ids[0], self.st_line_ids[2]])
        cr_a, batches_a, job_a = self._worker()
        cr_b, batches_b, job_b = self._worker()
        cr_b.execute("SELECT 1")
        self.assertEqual(batches_a._cron_process_batches(job_a), 1)
        cr_a.commit()

        # both batches refresh the customer's worklist priority, a row A
        # changed after B's snapshot: B's payment is applied all the same,
        # in this transaction, not redone in a new one
        self.assertEqual(batches_b._cron_process_batches(job_b), 1)
        cr_b.commit()
        # the next call, in a new transaction, sees both batches done
        self.assertEqual(batches_b._cron_process_batches(job_b), 0)
        cr_b.commit()
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoices = env["account.move"].browse([self.invoice_id, self.second_invoice_id])
            self.assertEqual(invoices.mapped("payment_state"), ["paid", "paid"])
            dossier = env["credit.control.dossier"].search([("partner_id", "=", self.partner_id)])
            self.assertEqual(dossier.credit_priority, 0.0, "the customer owes nothing late: off the top of the list")
            batches = env["credit.control.work.batch"].search([("res_model", "=", "credit.control.cash.matcher")])
            self.assertFalse(batches, "the job finished and forgotten")

    @mute_logger("odoo.sql_db")
    def test_worker_refreshes_a_priority_the_other_holds(self):
        self._enqueue([self.st_line_ids[0], self.st_line_ids[2]])
        cr_a, batches_a, job_a = self._worker()
        cr_b, batches_b, job_b = self._worker()
        self.assertEqual(batches_a._cron_process_batches(job_a), 1)
        # A holds the customer's dossier until it commits, a moment later
        # (a worker's batch ending in another thread)
        commit_a = threading.Timer(1.0, cr_a.commit)
        self.addCleanup(commit_a.cancel)
        commit_a.start()

        # B pays the other invoice without waiting for A, and refreshes the
        # priority once A's payment is committed too
        self.assertEqual(batches_b._cron_process_batches(job_b), 1)
        cr_b.commit()
        commit_a.join()
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoices = env["account.move"].browse([self.invoice_id, self.second_invoice_id])
            self.assertEqual(invoices.mapped("payment_state"), ["paid", "paid"])
            dossier = env["credit.control.dossier"].search([("partner_id", "=", self.partner_id)])
            self.assertEqual(dossier.credit_priority, 0.0)
