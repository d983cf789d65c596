"""Who may do what, model by model: the access matrix of the suite.

The table below is the reference (the README's Security section mirrors it):
for each role, the operations its access rights allow on each model, ``r``
read, ``w`` write, ``c`` create, ``u`` unlink, ``-`` refused. Record rules
narrow them further (portfolio, own customers, company): the record-level
tests are in each module's ``test_access.py``, and below for base.

Roles (each user also has the groups its group implies):

- ``internal``: an internal user without any credit or accounting group
- ``info``: Credit Info (a sales rep following their customers)
- ``collector``: Credit Collector
- ``manager``: Credit Manager
- ``billing``: Invoicing's Billing group (account.group_account_invoice), no credit group
- ``cash``: an internal user with the Cash Application right only
- ``portal``: a portal user (the customer)
"""

from datetime import date
from xmlrpc.client import Fault

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import CreditControlCommon

ROLES = ("internal", "info", "collector", "manager", "billing", "cash", "portal")
ROLE_GROUPS = {
    "internal": "base.group_user",
    "info": "base.group_user,credit_control_base.group_credit_control_info",
    "collector": "base.group_user,credit_control_base.group_credit_control_collector",
    "manager": "base.group_user,credit_control_base.group_credit_control_manager",
    "billing": "base.group_user,account.group_account_invoice",
    "cash": "base.group_user,credit_control_base.group_credit_control_cash_application",
    "portal": "base.group_portal",
}

# fmt: off
# model                                      internal info    collector manager billing cash    portal
MATRIX = {
    # credit_control_base: customer data
    "credit.control.dossier":                ("----", "r---", "rwc-", "rwcu", "----", "----", "----"),
    "credit.control.document":               ("----", "r---", "rwc-", "rwcu", "----", "----", "----"),
    "credit.control.aged.balance":           ("----", "----", "r---", "r---", "----", "----", "----"),
    "credit.control.cash.proposal":          ("----", "----", "r---", "rwcu", "r---", "rwc-", "----"),
    "credit.control.cash.proposal.line":     ("----", "----", "r---", "rwcu", "r---", "rwc-", "----"),
    # credit_control_base: configuration
    "credit.control.segment":                ("r---", "r---", "r---", "rwcu", "r---", "r---", "----"),
    "credit.control.provision.rate":         ("r---", "r---", "r---", "rwcu", "r---", "r---", "----"),
    # credit_control_base: wizards and dashboard
    "credit.control.portfolio.reassign":     ("----", "----", "----", "rwcu", "----", "----", "----"),
    "credit.control.hold.wizard":            ("----", "----", "rwcu", "rwcu", "----", "----", "----"),
    "credit.control.cash.remittance.wizard": ("----", "----", "----", "rwcu", "----", "rwcu", "----"),
    "credit.control.aged.balance.wizard":    ("----", "----", "rwcu", "rwcu", "----", "----", "----"),
    "credit.control.provision.move":         ("----", "----", "----", "rwcu", "----", "----", "----"),
    "credit.control.kpi.dashboard":          ("----", "----", "----", "rwcu", "----", "----", "----"),
    "credit.control.kpi.dashboard.line":     ("----", "----", "----", "rwcu", "----", "----", "----"),
    "credit.control.kpi.dashboard.month":    ("----", "----", "----", "rwcu", "----", "----", "----"),
    "credit.control.kpi.dashboard.week":     ("----", "----", "----", "rwcu", "----", "----", "----"),
    "credit.control.kpi.dashboard.onboarding": ("----", "----", "----", "rwcu", "----", "----", "----"),
    "credit.control.work.batch":             ("----", "----", "----", "r---", "----", "----", "----"),
    # the daily receivables behind the CEI, written by the posting and reconciliation hooks only
    "credit.control.kpi.balance":            ("----", "----", "----", "r---", "----", "----", "----"),
    # the DSO's credit sales per customer and day, written by the posting hooks only
    "credit.control.kpi.sales":              ("----", "----", "----", "r---", "----", "----", "----"),
    # the forecast's payment delays per customer and day, written by the reconciliation hooks only
    "credit.control.kpi.delay":              ("----", "----", "----", "r---", "----", "----", "----"),
    # their sums of the year per customer, written by the nightly refresh only
    "credit.control.kpi.delay.year":         ("----", "----", "----", "r---", "----", "----", "----"),
    "credit.control.kpi.open":               ("----", "----", "----", "r---", "----", "----", "----"),
    # each customer's figures kept for the day, written by the nightly refresh and the KPI tables' hooks only
    "credit.control.kpi.kept":               ("----", "----", "----", "r---", "----", "----", "----"),
    "credit.control.kpi.kept.customer":      ("----", "----", "----", "r---", "----", "----", "----"),
    "credit.control.kpi.kept.month":         ("----", "----", "----", "r---", "----", "----", "----"),
    "credit.control.kpi.kept.stale":         ("----", "----", "----", "r---", "----", "----", "----"),
    # Invoicing's entries: read through the suite's rights, writes stay Billing's
    "account.move":                          ("----", "r---", "r---", "r---", "rwcu", "----", "r---"),
    "account.move.line":                     ("----", "r---", "r---", "r---", "rwcu", "----", "r---"),
    # credit_control_scenario
    "credit.control.scenario":               ("r---", "r---", "r---", "rwcu", "r---", "r---", "----"),
    "credit.control.scenario.step":          ("r---", "r---", "r---", "rwcu", "r---", "r---", "----"),
    "credit.control.action":                 ("----", "r---", "rwc-", "rwcu", "----", "----", "----"),
    "credit.control.action.line":            ("----", "r---", "rwc-", "rwcu", "----", "----", "----"),
    "credit.control.scenario.run":           ("----", "----", "r---", "rwcu", "----", "----", "----"),
    "credit.control.effectiveness.report":   ("----", "----", "r---", "r---", "----", "----", "----"),
    "credit.control.call.outcome":           ("----", "----", "rwcu", "rwcu", "----", "----", "----"),
    "credit.control.simulation":             ("----", "----", "rwcu", "rwcu", "----", "----", "----"),
    "credit.control.simulation.line":        ("----", "----", "rwcu", "rwcu", "----", "----", "----"),
    "credit.control.oca.import":             ("----", "----", "----", "rwcu", "----", "----", "----"),
    # credit_control_scoring
    "credit.control.score.factor":           ("----", "r---", "r---", "r---", "----", "----", "----"),
    "credit.control.rating":                 ("----", "----", "r---", "rwcu", "----", "----", "----"),
    "credit.control.sapin.assessment":       ("----", "----", "r---", "rwcu", "----", "----", "----"),
    "credit.control.alert":                  ("----", "----", "rw--", "rwcu", "----", "----", "----"),
    "credit.control.rating.grade":           ("r---", "r---", "r---", "rwcu", "r---", "r---", "----"),
    "credit.control.sapin.country":          ("r---", "r---", "r---", "rwcu", "r---", "r---", "----"),
    "credit.control.risk.policy":            ("r---", "r---", "r---", "rwcu", "r---", "r---", "----"),
    "credit.control.rating.import":          ("----", "----", "----", "rwcu", "----", "----", "----"),
    "credit.control.kpi.prediction":         ("----", "----", "----", "r---", "----", "----", "----"),
    # credit_control_dispute
    "credit.control.dispute":                ("----", "r---", "rwc-", "rwcu", "----", "----", "----"),
    "credit.control.promise":                ("----", "r---", "rwc-", "rwcu", "----", "----", "----"),
    "credit.control.payment.plan":           ("----", "r---", "rwc-", "rwcu", "----", "----", "----"),
    "credit.control.dispute.reason":         ("r---", "r---", "r---", "rwcu", "r---", "r---", "----"),
    "credit.control.dispute.wizard":         ("----", "----", "rwcu", "rwcu", "----", "----", "----"),
    # links sent to colleagues: created and revoked through the dispute's
    # actions once its write access is checked, never written directly
    "credit.control.dispute.link":           ("----", "r---", "r---", "r--u", "----", "----", "----"),
    "credit.control.dispute.link.wizard":    ("----", "----", "rwc-", "rwc-", "----", "----", "----"),
    # credit_control_portal: written by the autopay engine only
    "credit.control.autopay.charge":         ("----", "r---", "r---", "r---", "----", "----", "----"),
    # credit_control_einvoice_fr: the platform's lifecycle statuses, and
    # their import by a collector
    "credit.control.einvoice.status":        ("----", "r---", "rwc-", "rwcu", "----", "----", "----"),
    "credit.control.einvoice.import":        ("----", "----", "rwcu", "rwcu", "----", "----", "----"),
}

# The PDF reports of the suite and who may print them (read access to the
# report's model; record rules then decide which records).
REPORTS = {
    "credit_control_base.credit_control_aged_balance_report":      {"collector", "manager"},
    "credit_control_scenario.credit_control_action_report_letter": {"info", "collector", "manager"},
    "credit_control_base.credit_control_dossier_report_statement": {"info", "collector", "manager"},
}
# fmt: on

OPERATIONS = {"r": "read", "w": "write", "c": "create", "u": "unlink"}

# What the dossier shows of the money: only to the credit roles (core hides
# res.partner's credit and credit_limit from users without accounting rights).
DOSSIER_MONEY_FIELDS = [
    "open_amount", "overdue_amount", "unapplied_amount", "amount_not_due", "amount_1_30", "amount_31_60",
    "amount_61_90", "amount_91_120", "amount_120_plus", "credit_limit", "exposure", "limit_usage", "limit_breached",
]


def _role_users(env):
    return {
        role: new_test_user(env, login=f"matrix_{role}", name=f"Matrix {role.title()}", groups=groups)
        for role, groups in ROLE_GROUPS.items()
    }


@tagged("post_install", "-at_install")
class TestAccessMatrix(CreditControlCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = _role_users(cls.env)

    def test_matrix_covers_every_model_of_the_suite(self):
        # the models our modules define (OCA's credit control, when installed
        # beside the suite, has credit.control.* models of its own)
        ours = self.env["ir.model.data"].search([("model", "=", "ir.model"), ("module", "=like", "credit_control_%")])
        models = [name for name in self.env["ir.model"].browse(ours.mapped("res_id")).mapped("model")
                  if name.startswith("credit.control.")]
        concrete = {name for name in models if not self.env[name]._abstract}
        self.assertFalse(concrete - set(MATRIX), "models of the suite missing from the access matrix")

    def test_access_rights_per_role(self):
        for model, row in MATRIX.items():
            if model not in self.env:
                continue  # a module of the suite that is not installed
            for role, allowed in zip(ROLES, row, strict=True):
                for letter, operation in OPERATIONS.items():
                    expected = letter in allowed
                    with self.subTest(model=model, role=role, operation=operation):
                        granted = self.env[model].with_user(self.users[role]).has_access(operation)
                        self.assertEqual(granted, expected)

    def test_reports_per_role(self):
        reports = self.env["ir.model.data"].search([
            ("module", "=like", "credit_control_%"), ("model", "=", "ir.actions.report"),
        ])
        self.assertEqual(set(reports.mapped(lambda data: f"{data.module}.{data.name}")) - set(REPORTS), set(),
                         "reports of the suite missing from the access matrix")
        for xmlid, roles in REPORTS.items():
            report = self.env.ref(xmlid, raise_if_not_found=False)
            if not report:
                continue
            for role in ROLES:
                with self.subTest(report=xmlid, role=role):
                    self.assertEqual(self.env[report.model].with_user(self.users[role]).has_access("read"),
                                     role in roles)

    def test_roles_ladder_implies_no_accounting_right(self):
        billing = self.env.ref("account.group_account_invoice")
        readonly = self.env.ref("account.group_account_readonly")
        info = self.env.ref("credit_control_base.group_credit_control_info")
        for xmlid in ("group_credit_control_info", "group_credit_control_collector", "group_credit_control_manager"):
            group = self.env.ref(f"credit_control_base.{xmlid}")
            with self.subTest(group=xmlid):
                self.assertFalse(group.trans_implied_ids & (billing | readonly))
                self.assertIn(info, group | group.trans_implied_ids)
        collector = self.users["collector"]
        self.assertFalse(collector.has_group("account.group_account_invoice"))
        # a collector can neither invoice nor register a payment
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(collector).create({
                "move_type": "out_invoice", "partner_id": self.partner_a.id,
            })
        with self.assertRaises(AccessError):
            self.env["account.payment"].with_user(collector).create({
                "payment_type": "inbound", "partner_type": "customer",
                "partner_id": self.partner_a.id, "amount": 10.0,
            })

    def test_dossier_money_fields_follow_the_credit_roles(self):
        Dossier = self.env["credit.control.dossier"]
        # every amount of base's dossier, including those added later
        amounts = [name for name, field in Dossier._fields.items()
                   if field.type == "monetary" and field._module == "credit_control_base"]
        for fname in {*DOSSIER_MONEY_FIELDS, *amounts}:
            with self.subTest(field=fname):
                self.assertEqual(Dossier._fields[fname].groups, "credit_control_base.group_credit_control_info")
        customer = self._create_customer("Client Auditeur")
        self._create_invoice(customer, 100.0, due=date(2026, 1, 31))
        dossier = self._dossier(customer)
        # Someone given read access to the dossiers by another group (here an
        # auditor's group) still does not read the money without Credit Info.
        auditors = self.env["res.groups"].create({
            "name": "Dossier auditors",
            "model_access": [Command.create({
                "name": "dossier auditors",
                "model_id": self.env.ref("credit_control_base.model_credit_control_dossier").id,
                "perm_read": True,
            })],
        })
        auditor = new_test_user(self.env, login="auditor", groups="base.group_user")
        auditor.groups_id |= auditors
        self.assertEqual(dossier.with_user(auditor).read(["name"])[0]["name"], "Client Auditeur")
        for fname in ("open_amount", "overdue_amount", "credit_limit", "exposure"):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                dossier.with_user(auditor).read([fname])
        # the amounts are not in the views the auditor gets
        arch = dossier.with_user(auditor).get_views([(False, "form"), (False, "list")])["views"]
        for view in arch.values():
            self.assertNotIn('name="open_amount"', view["arch"])

    def test_views_load_for_every_credit_role(self):
        customer = self._create_customer("Client Vues", user_id=self.users["info"].id)
        self._create_invoice(customer, 100.0, due=date(2026, 1, 31))
        dossier = self._dossier(customer)
        dossier.collector_id = self.users["collector"]
        for role in ("info", "collector", "manager"):
            Dossier = self.env["credit.control.dossier"].with_user(self.users[role])
            with self.subTest(role=role):
                views = Dossier.get_views([(False, "kanban"), (False, "list"), (False, "form"), (False, "search")])
                for view in views["views"].values():
                    self.assertTrue(view["arch"])
                self.assertIn('name="open_amount"', views["views"]["list"]["arch"])
                # what the web client reads to open the list and the form:
                # the fields of each arch, not those of its sub-views
                for view_type in ("list", "kanban", "form"):
                    arch = etree.fromstring(views["views"][view_type]["arch"])
                    fnames = {node.get("name") for node in arch.xpath("//field[not(ancestor::field)]")}
                    values = Dossier.browse(dossier.id).web_read({fname: {} for fname in fnames})
                    if "open_amount" in fnames:
                        self.assertEqual(values[0]["open_amount"], 100.0)
                records = Dossier.web_search_read([("id", "=", dossier.id)], {"open_amount": {}, "name": {}})
                self.assertEqual(records["records"][0]["open_amount"], 100.0)

    def test_every_window_of_the_suite_opens_for_every_role(self):
        """Each window action of the suite, opened as each role that may read
        its model: its views load and what the web client reads of the
        first records (the fields of the list, kanban and form) is readable."""
        customer = self._create_customer("Client Fenetres", user_id=self.users["info"].id)
        self._create_invoice(customer, 100.0, due=date(2026, 1, 31))
        self._dossier(customer).collector_id = self.users["collector"]
        data = self.env["ir.model.data"].search([
            ("module", "=like", "credit_control_%"), ("model", "=", "ir.actions.act_window"),
        ])
        actions = self.env["ir.actions.act_window"].browse(data.mapped("res_id"))
        for role in ("info", "collector", "manager", "billing", "cash"):
            for action in actions:
                Model = self.env[action.res_model].with_user(self.users[role])
                if not Model.has_access("read") or action.target == "new":
                    continue
                modes = [mode for mode in action.view_mode.split(",") if mode in ("list", "kanban", "form")]
                with self.subTest(role=role, action=action.xml_id):
                    views = Model.get_views([
                        (action.view_id.id if action.view_id.type == mode else False, mode) for mode in modes
                    ] + [(action.search_view_id.id, "search")])
                    records = Model.search([], limit=3)
                    for mode in modes:
                        arch = etree.fromstring(views["views"][mode]["arch"])
                        fnames = {node.get("name") for node in arch.xpath("//field[not(ancestor::field)]")}
                        if records:
                            records.web_read({fname: {} for fname in fnames})

    def test_internal_user_and_portal_see_no_credit_data(self):
        customer = self._create_customer("Client Vendeur")
        self._create_invoice(customer, 100.0, due=date(2026, 1, 31))
        dossier = self._dossier(customer)
        for role in ("internal", "portal", "billing"):
            user = self.users[role]
            customer.user_id = user if role != "portal" else False
            with self.subTest(role=role), self.assertRaises(AccessError):
                dossier.with_user(user).read(["name"])
        # the Credit Control menu is not shown to them
        root = self.env.ref("credit_control_base.credit_control_menu_root")
        for role in ("internal", "billing"):
            with self.subTest(role=role):
                visible = self.env["ir.ui.menu"].with_user(self.users[role])._visible_menu_ids()
                self.assertNotIn(root.id, visible)
        for role in ("info", "collector", "manager", "cash"):
            with self.subTest(role=role):
                visible = self.env["ir.ui.menu"].with_user(self.users[role])._visible_menu_ids()
                self.assertIn(root.id, visible)


@tagged("post_install", "-at_install")
class TestPortfolioRecords(CreditControlCommon):
    """Record rules: a collector reads the invoices, documents, proposals and
    aged balance of their portfolio and of the unassigned pool, never those
    of another collector; Credit Info those of the customers they are the
    salesperson of; accountants every invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = _role_users(cls.env)
        cls.customer_a = cls._create_customer("Portefeuille A")
        cls.customer_b = cls._create_customer("Portefeuille B", user_id=cls.users["info"].id)
        cls.customer_free = cls._create_customer("Sans Collecteur")
        cls.invoice_a = cls._create_invoice(cls.customer_a, 100.0, due=date(2026, 1, 31))
        cls.invoice_b = cls._create_invoice(cls.customer_b, 200.0, due=date(2026, 1, 31))
        cls.invoice_free = cls._create_invoice(cls.customer_free, 300.0, due=date(2026, 1, 31))
        cls.vendor_bill = cls.init_invoice("in_invoice", partner=cls.customer_free, amounts=[50.0], post=True)
        Dossier = cls.env["credit.control.dossier"]
        cls.dossier_a = Dossier.search([("partner_id", "=", cls.customer_a.id)])
        cls.dossier_b = Dossier.search([("partner_id", "=", cls.customer_b.id)])
        cls.dossier_free = Dossier.search([("partner_id", "=", cls.customer_free.id)])
        cls.dossier_a.collector_id = cls.collector_a
        cls.dossier_b.collector_id = cls.collector_b
        cls.invoices = cls.invoice_a | cls.invoice_b | cls.invoice_free

    def _visible(self, user, records):
        return records.with_user(user).search([("id", "in", records.ids)]).with_user(self.env.user)

    def test_collector_reads_the_invoices_of_their_portfolio_only(self):
        collector = self.collector_a
        self.assertFalse(collector.has_group("account.group_account_invoice"))
        self.assertEqual(self._visible(collector, self.invoices | self.vendor_bill), self.invoice_a | self.invoice_free)
        lines = self.invoices.line_ids
        self.assertEqual(self._visible(collector, lines), (self.invoice_a | self.invoice_free).line_ids)
        # the invoice of their portfolio opens in the invoice form and the
        # list of Invoices to Collect: what the web client reads of them
        invoice = self.invoice_a.with_user(collector)
        views = invoice.with_context(default_move_type="out_invoice").get_views([
            (self.env.ref("account.view_move_form").id, "form"),
            (self.env.ref("credit_control_base.account_move_view_list_credit_control").id, "list"),
        ])
        for view_type in ("form", "list"):
            arch = etree.fromstring(views["views"][view_type]["arch"])
            fnames = {node.get("name") for node in arch.xpath("//field[not(ancestor::field)]")}
            values = invoice.web_read({fname: {} for fname in fnames})
            self.assertEqual(values[0]["name"], self.invoice_a.name)
        values = invoice.web_read({"amount_total": {}, "invoice_line_ids": {"fields": {"price_subtotal": {}}}})
        self.assertEqual(values[0]["amount_total"], 100.0)
        with self.assertRaises(AccessError):
            self.invoice_b.with_user(collector).read(["name"])
        with self.assertRaises(AccessError):
            self.invoice_b.line_ids.with_user(collector).read(["name"])
        with self.assertRaises(AccessError):
            self.vendor_bill.with_user(collector).read(["name"])
        # reading is all: no invoicing
        with self.assertRaises(AccessError):
            invoice.write({"ref": "changed"})
        with self.assertRaises(AccessError):
            invoice.button_draft()

    def test_collector_prints_the_invoices_of_their_portfolio_only(self):
        Report = self.env["ir.actions.report"].with_user(self.collector_a)
        html, _format = Report._render_qweb_html("account.report_invoice", self.invoice_a.ids)
        self.assertIn(self.invoice_a.name, html.decode())
        with self.assertRaises(AccessError):
            Report._render_qweb_html("account.report_invoice", self.invoice_b.ids)

    def test_credit_info_reads_own_customers_only_and_changes_nothing(self):
        info = self.users["info"]
        Dossier = self.env["credit.control.dossier"]
        self.assertEqual(self._visible(info, self.dossier_a | self.dossier_b | self.dossier_free), self.dossier_b)
        self.assertEqual(self._visible(info, self.invoices), self.invoice_b)
        dossier = self.dossier_b.with_user(info)
        self.assertEqual(dossier.read(["open_amount"])[0]["open_amount"], 200.0)
        with self.assertRaises(AccessError):
            dossier.write({"collector_id": info.id})
        with self.assertRaises(AccessError):
            Dossier.with_user(info).create({"partner_id": self._create_customer("Nouveau").id})
        with self.assertRaises(AccessError):
            self.dossier_a.with_user(info).read(["name"])
        # they take part in the collection through the chatter
        dossier.message_post(body="Le client attend un avoir.", message_type="comment")

    def test_accountants_see_every_invoice_even_when_collecting(self):
        collector_accountant = self._create_credit_user(
            "collector_accountant", "credit_control_base.group_credit_control_collector"
        )
        self.assertEqual(self._visible(collector_accountant, self.invoices), self.invoice_free)
        collector_accountant.groups_id |= self.env.ref("account.group_account_invoice")
        self.assertEqual(self._visible(collector_accountant, self.invoices | self.vendor_bill),
                         self.invoices | self.vendor_bill)
        readonly = self._create_credit_user("collector_auditor", "credit_control_base.group_credit_control_collector")
        readonly.groups_id |= self.env.ref("account.group_account_readonly")
        self.assertEqual(self._visible(readonly, self.invoices | self.vendor_bill), self.invoices | self.vendor_bill)
        self.assertEqual(self._visible(self.users["billing"], self.invoices | self.vendor_bill),
                         self.invoices | self.vendor_bill)

    def test_documents_follow_the_portfolio(self):
        Document = self.env["credit.control.document"]
        documents = Document.create([{
            "name": f"Courrier {dossier.name}",
            "dossier_id": dossier.id,
            "company_id": self.company.id,
            "attachment_id": self.env["ir.attachment"].create({"name": "courrier.txt", "raw": b"Relance"}).id,
        } for dossier in (self.dossier_a, self.dossier_b, self.dossier_free)])
        self.assertEqual(self._visible(self.collector_a, documents).dossier_id, self.dossier_a | self.dossier_free)
        self.assertEqual(self._visible(self.users["info"], documents).dossier_id, self.dossier_b)
        with self.assertRaises(AccessError):
            documents.filtered(lambda d: d.dossier_id == self.dossier_b).with_user(self.collector_a).read(["name"])

    def test_aged_balance_follows_the_portfolio(self):
        Aged = self.env["credit.control.aged.balance"]
        ours = Aged.search([("move_id", "in", self.invoices.ids)])
        self.assertEqual(ours.move_id, self.invoices)
        self.assertEqual(self._visible(self.collector_a, ours).move_id, self.invoice_a | self.invoice_free)
        with self.assertRaises(AccessError):
            self.env["credit.control.aged.balance"].with_user(self.users["info"]).search([])

    def test_cash_proposals_follow_the_portfolio(self):
        Proposal = self.env["credit.control.cash.proposal"]
        proposals = Proposal.create([{
            "company_id": self.company.id, "partner_id": partner.id, "currency_id": self.company.currency_id.id,
            "amount": 10.0, "label": f"VIR {index}", "rule": "amount",
        } for index, partner in enumerate((self.customer_a, self.customer_b, self.customer_free))] + [{
            "company_id": self.company.id, "currency_id": self.company.currency_id.id,
            "amount": 10.0, "label": "VIR inconnu", "rule": "amount",
        }])
        self.assertEqual(
            self._visible(self.collector_a, proposals),
            proposals.filtered(lambda p: p.partner_id != self.customer_b),
        )
        self.assertEqual(self._visible(self.users["billing"], proposals), proposals)
        self.assertEqual(self._visible(self.users["cash"], proposals), proposals)
        with self.assertRaises(AccessError):
            proposals[:1].with_user(self.collector_a).write({"label": "changed"})
        with self.assertRaises(AccessError):
            proposals[:1].with_user(self.users["billing"]).write({"label": "changed"})
        proposals[:1].with_user(self.users["cash"]).write({"label": "changed"})


@tagged("post_install", "-at_install")
class TestAccessOverRpc(CreditControlCommon, HttpCase):
    """The same rules over XML-RPC, as a script of a collector would call."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_a = cls._create_customer("RPC Portefeuille A")
        cls.customer_b = cls._create_customer("RPC Portefeuille B")
        cls.invoice_a = cls._create_invoice(cls.customer_a, 100.0, due=date(2026, 1, 31))
        cls.invoice_b = cls._create_invoice(cls.customer_b, 200.0, due=date(2026, 1, 31))
        Dossier = cls.env["credit.control.dossier"]
        cls.dossier_a = Dossier.search([("partner_id", "=", cls.customer_a.id)])
        cls.dossier_b = Dossier.search([("partner_id", "=", cls.customer_b.id)])
        cls.dossier_a.collector_id = cls.collector_a
        cls.dossier_b.collector_id = cls.collector_b

    def _execute(self, model, method, *args, **kwargs):
        user = self.collector_a
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs
        )

    def test_collector_outside_portfolio_gets_a_fault(self):
        rows = self._execute("credit.control.dossier", "read", self.dossier_a.ids, ["name", "open_amount"])
        self.assertEqual(rows[0]["open_amount"], 100.0)
        for model, ids in (("credit.control.dossier", self.dossier_b.ids), ("account.move", self.invoice_b.ids)):
            with self.subTest(model=model), self.assertRaises(Fault) as fault:
                self._execute(model, "read", ids, ["name"])
            self.assertEqual(fault.exception.faultCode, 4)  # RPC_FAULT_CODE_ACCESS_ERROR: an AccessError
            self.assertIn("'read' access", fault.exception.faultString)
        with self.assertRaises(Fault):
            self._execute("credit.control.dossier", "write", self.dossier_b.ids, {"collector_id": self.collector_a.id})
        with self.assertRaises(Fault):
            self._execute("account.move", "action_post", self.invoice_a.ids)
        ids = self._execute("account.move", "search", [("id", "in", (self.invoice_a | self.invoice_b).ids)])
        self.assertEqual(ids, self.invoice_a.ids)
