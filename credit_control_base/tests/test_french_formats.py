import re
from datetime import date

from lxml import etree

from odoo.exceptions import ValidationError
from odoo.modules.module import get_module_path
from odoo.tests import tagged
from odoo.tools import format_amount, formatLang

from ..tools.lang_format import amount_formatter, elide, format_percent
from .common import CreditControlCommon, load_french

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class FrenchCommon(CreditControlCommon):
    """French loaded with the terms of every credit-control module."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env)
        cls.env_fr = cls.env(context=dict(cls.env.context, lang="fr_FR"))


@tagged("post_install", "-at_install")
class TestFrenchFormats(FrenchCommon):
    def test_elision_before_a_vowel(self):
        self.assertEqual(
            elide(self.env_fr, "La limite de crédit de Atelier Durand SAS", "Atelier Durand SAS"),
            "La limite de crédit d'Atelier Durand SAS",
        )
        # the fixed words of the sentence and other languages are left alone
        self.assertEqual(elide(self.env_fr, "Relevé de compte de Bolt", "Bolt"), "Relevé de compte de Bolt")
        self.assertEqual(elide(self.env, "credit limit de Atelier", "Atelier"), "credit limit de Atelier")
        self.assertEqual(format_percent(self.env_fr, 12.148), "12,15\N{NO-BREAK SPACE}%")

    def test_negative_limit_message_elides(self):
        customer = self._create_customer("Atelier Durand SAS")
        with self.assertRaises(ValidationError) as caught:
            customer.with_context(lang="fr_FR").credit_limit = -1
        self.assertIn("d'Atelier Durand SAS", str(caught.exception))
        self.assertNotIn("de Atelier", str(caught.exception))

    def test_aged_balance_title_in_french(self):
        wizard = self.env_fr["credit.control.aged.balance.wizard"].create({"as_of": date(2026, 12, 2)})
        name = wizard.action_open()["name"]
        self.assertIn("02/12/2026", name)
        self.assertFalse(ISO_DATE.search(name), name)

    def test_segment_rule_summary(self):
        france = self.env.ref("base.fr")
        segment = self.env["credit.control.segment"].create({
            "name": "Grands comptes français",
            "rule_domain": f"[('partner_id.country_id', '=', {france.id}), ('open_amount', '>=', 10000), "
            "('max_days_overdue', '>', 60)]",
        })
        summary = segment.with_context(lang="fr_FR").rule_summary
        self.assertIn("France", summary)
        self.assertIn(formatLang(self.env_fr, 10000, currency_obj=self.company.currency_id), summary)
        self.assertIn("≥", summary)
        self.assertIn(" · ", summary)
        for code in ("open_amount", "partner_id", "max_days_overdue", "[(", str(france.id)):
            self.assertNotIn(code, summary)
        everyone = self.env["credit.control.segment"].create({"name": "Tous", "rule_domain": "[]"})
        self.assertEqual(everyone.rule_summary, "Every customer")
        either = self.env["credit.control.segment"].create({
            "name": "Either",
            "rule_domain": "['|', ('partner_id.country_id', '=', False), ('max_days_overdue', '>', 90)]",
        })
        self.assertIn(" or ", either.rule_summary)
        self.assertIn("is not set", either.rule_summary)
        # the list shows the summary, not the code
        arch = etree.fromstring(self.env["credit.control.segment"].get_view(view_type="list")["arch"])
        self.assertTrue(arch.xpath("//field[@name='rule_summary'][not(@column_invisible)]"))
        self.assertFalse(arch.xpath("//field[@name='rule_domain'][not(@column_invisible)]"))

    def test_document_kind_is_labelled(self):
        field = self.env_fr["credit.control.document"].fields_get(["kind"])["kind"]
        self.assertEqual(field["type"], "selection")
        labels = dict(field["selection"])
        self.assertEqual(labels["remittance"], "Avis de paiement")

    def test_one_french_term_for_the_collector(self):
        """'chargé de recouvrement' everywhere, never a synonym."""
        synonyms = re.compile(r"collecteur|recouvreur|gestionnaire|agent de recouvrement", re.IGNORECASE)
        modules = self.env["ir.module.module"].search([
            ("name", "=like", "credit_control_%"), ("state", "=", "installed"),
        ])
        for module in modules.mapped("name"):
            with open(f"{get_module_path(module)}/i18n/fr.po", encoding="utf-8") as po:
                text = po.read()
            for msgstr in re.findall(r'^msgstr ((?:".*"\n?)+)', text, re.MULTILINE):
                translated = "".join(re.findall(r'"(.*)"', msgstr))
                self.assertFalse(synonyms.search(translated), f"{module}: {translated}")

    def test_amounts_formatted_as_odoo_formats_them(self):
        """The batch formatter of the reminder e-mails writes every amount
        as Odoo's ``format_amount``: separators, grouping, rounding, the
        symbol before or after, negative amounts, in French and English and
        for another language code, a currency without decimals."""
        currencies = self.env["res.currency"].with_context(active_test=False).search(
            [("name", "in", ("EUR", "USD", "JPY", "KWD"))])
        self.assertEqual(len(currencies), 4)
        self.assertEqual(set(currencies.mapped("position")), {"before", "after"})
        amounts = [0, 0.0, 5, -0.004, 0.005, 0.125, 2.675, 999.995, -1234.5, 1234567.891, -98765432.1, 1e9, True]
        for lang in ("en_US", "fr_FR"):
            env = self.env(context=dict(self.env.context, lang=lang))
            formatter = amount_formatter(env)
            for lang_code in (False, "fr_FR", "en_US", "xx_XX"):
                for currency in currencies:
                    for amount in amounts:
                        with self.subTest(lang=lang, lang_code=lang_code, currency=currency.name, amount=amount):
                            self.assertEqual(formatter(amount, currency, lang_code),
                                             format_amount(env, amount, currency, lang_code))
        euro = currencies.filtered(lambda c: c.name == "EUR")
        self.assertEqual(amount_formatter(self.env_fr)(-1234.5, euro),
                         "-\N{ZERO WIDTH NO-BREAK SPACE}1\N{NO-BREAK SPACE}234,50\N{NO-BREAK SPACE}€")

    def test_monetary_fields_show_their_currency(self):
        """Every amount of a credit-control view comes with its currency:
        a monetary field needs its currency field in the same (sub)view, a
        float amount must not pretend to be one."""
        problems = []
        # ours only: beside OCA's account_credit_control (the coexistence
        # suite), its credit.control.* models are not this suite's to check
        models_ours = self.env["ir.model"].search([("model", "=like", "credit.control.%")]).filtered(
            lambda m: any(module.startswith("credit_control_") for module in (m.modules or "").split(", "))
        )
        for model_name in models_ours.mapped("model"):
            Model = self.env[model_name]
            if Model._abstract:
                continue
            views = self.env["ir.ui.view"].search([("model", "=", model_name), ("mode", "=", "primary"),
                                                   ("type", "in", ("form", "list", "kanban"))])
            for view in views:
                arch = etree.fromstring(Model.get_view(view.id, view.type)["arch"])
                problems += self._credit_missing_currencies(Model, arch, f"{view.xml_id or view.name}")
        self.assertFalse(problems, "\n".join(problems))

    def _credit_missing_currencies(self, Model, node, where):
        problems = []
        present = set()
        for field_node in self._credit_own_fields(node):
            present.add(field_node.get("name"))
        for field_node in self._credit_own_fields(node):
            name = field_node.get("name")
            field = Model._fields.get(name)
            if field is None:
                continue
            if field.type in ("one2many", "many2many"):
                for sub in field_node:
                    if sub.tag in ("list", "form", "kanban"):
                        problems += self._credit_missing_currencies(
                            self.env[field.comodel_name], sub, f"{where} > {name}")
                continue
            widget = field_node.get("widget")
            if field.type == "monetary" and widget not in ("statinfo", "percentage", "float", "integer"):
                currency = (field_node.get("options") and re.search(
                    r"currency_field['\"]\s*:\s*['\"](\w+)", field_node.get("options")))
                currency = currency.group(1) if currency else field.get_currency_field(Model)
                if currency not in present:
                    problems.append(f"{where}: {Model._name}.{name} without {currency}")
            elif field.type == "float" and re.search(r"amount|limit|threshold|tolerance", name) and (
                    "usage" not in name and "rate" not in name and "days" not in name):
                problems.append(f"{where}: {Model._name}.{name} is a float amount without a currency")
        return problems

    def _credit_own_fields(self, node):
        """The field nodes of ``node``, not those of its x2many sub-views."""
        for child in node.iterchildren():
            if child.tag == "field":
                yield child
                continue
            if child.tag in ("list", "form", "kanban") and child is not node:
                continue
            yield from self._credit_own_fields(child)
