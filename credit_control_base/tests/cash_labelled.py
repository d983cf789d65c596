"""A labelled French bank statement for the cash application: customers,
their invoices and incoming bank lines printed the way French banks print
them, each line with its ground truth (the invoices it pays, or none).

Deterministic for a seed. Used by the Odoo test ``test_cash_labelled`` (a
small seed, asserts no wrong automatic reconciliation) and by the benchmark
``setup/bench/bench_cash_labelled.py`` (several seeds, a table per class).

Each case is a dict: ``cls`` (the class of line, see CLASSES), ``line`` (the
account.bank.statement.line), ``expected`` (ids of the invoices it pays),
``kind`` ("pay", "duplicate": a payment of an invoice already paid, to
review; "none": pays none of our invoices), ``informative`` (the line
carries enough to be matched: a reference or who paid) and ``day`` (1 or
2: day 2 is matched in a later run).
"""
import random
import unicodedata
from collections import defaultdict
from datetime import date

from odoo import Command

# class: (weight, description)
CLASSES = {
    "reference": (20, "invoice number and payer's name, exact amount"),
    "reference_noisy": (5, "invoice number written with spaces, dashes, O for 0"),
    "reference_partner": (5, "invoice number, customer set on the line by a bank rule"),
    "other_customer_ref": (3, "payer quotes another customer's invoice number (typo)"),
    "supplier_refund": (3, "a supplier's refund quoting its own invoice number"),
    "paid_reference": (3, "memo names an invoice already paid, an open twin has the amount"),
    "twin_stale": (3, "day 1: amount only, two twins; day 2: exact payment of one"),
    "multi_ref": (6, "several invoice numbers in one memo, amount = their sum"),
    "multi_ref_subset": (2, "several numbers quoted, amount = some of them"),
    "truncated_name": (8, "no reference; payer name abbreviated or cut by the bank"),
    "iban_only": (5, "no reference, no name; the payer's IBAN"),
    "amount_partner": (5, "no reference; customer set on the line"),
    "cheque": (6, "cheque deposit"),
    "direct_debit_batch": (3, "one SEPA direct debit batch for several customers"),
    "partial": (5, "down payment quoting the invoice"),
    "international_fee": (4, "foreign transfer, bank fees deducted"),
    "unrelated": (6, "tax refund, interest, social charges"),
    "duplicate": (3, "the same transfer received twice"),
}

TRADES = ["Boulangerie", "Garage", "Transports", "Menuiserie", "Pharmacie", "Cabinet", "Imprimerie", "Fromagerie",
          "Plomberie", "Electricite", "Hotel", "Restaurant", "Librairie", "Quincaillerie", "Atelier", "Brasserie",
          "Charcuterie", "Boucherie", "Pressing", "Fleuriste", "Couverture", "Carrosserie", "Maconnerie", "Optique"]
NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
         "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
         "Girard", "Andre", "Mercier", "Dupont", "Lambert", "Bonnet", "Francois", "Martinez", "Legrand", "Garnier",
         "Faure", "Rousseau", "Blanc", "Guerin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin"]
TOWNS = ["Lyon", "Nantes", "Rennes", "Lille", "Dijon", "Tours", "Brest", "Metz", "Nancy", "Pau"]
SUPPLIERS = ["Fournitures Bureau Pro", "Cartonnages du Centre", "Energie Services Ouest", "Location Materiel 2000"]
UNRELATED = [
    "VIR SEPA RECU /DE DGFIP /MOTIF REMBOURSEMENT CREDIT TVA {ref}",
    "INTERETS CREDITEURS {ref}",
    "VIR SEPA RECU /DE URSSAF /MOTIF REGULARISATION {ref}",
    "VIR SEPA RECU /DE AXA FRANCE IARD /MOTIF INDEMNITE SINISTRE {ref}",
    "REMBOURSEMENT PRET RESTITUTION {ref}",
]


def ascii_upper(text):
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()


def french_iban(rng):
    """A valid French IBAN (check digits computed), printed with spaces or not."""
    bban = "".join(str(rng.randrange(10)) for _i in range(23))
    numeric = "".join(str(int(c, 36)) for c in bban + "FR00")
    check = 98 - int(numeric) % 97
    return f"FR{check:02d}{bban}"


class LabelledStatement:
    """Build the customers, invoices and bank lines of one seed."""

    def __init__(self, env, company, journal, seed, customers=20, lines=60, day=date(2026, 2, 10)):
        self.env, self.company, self.journal = env, company, journal
        self.rng = random.Random(seed)
        self.seed = seed
        self.customer_count, self.line_count, self.day = customers, lines, day
        self.specs = []  # invoices to create: dict(partner, amount, paid)
        self.cases = []

    # ------------------------------------------------------------------
    # PEOPLE
    # ------------------------------------------------------------------

    def _customers(self):
        rng, names, seen = self.rng, [], set()
        while len(names) < self.customer_count:
            trade, name = rng.choice(TRADES), rng.choice(NAMES)
            style = rng.randrange(6)
            full = [f"{trade} {name}", f"{name} et Fils", f"Ets {name} {trade}", f"{trade} {name} SARL",
                    f"{name} {trade} {rng.choice(TOWNS)}", f"SAS {trade} du {name}"][style]
            if full not in seen:
                seen.add(full)
                names.append(full)
        partners = self.env["res.partner"].create([
            {"name": f"{name}", "is_company": True, "customer_rank": 1, "company_id": False} for name in names
        ])
        ibans = {}
        bank_values = []
        for partner in partners:
            if rng.random() < 0.6:
                ibans[partner.id] = french_iban(rng)
                bank_values.append({"partner_id": partner.id, "acc_number": ibans[partner.id]})
        self.env["res.partner.bank"].create(bank_values)
        suppliers = self.env["res.partner"].create([
            {"name": name, "is_company": True, "supplier_rank": 1} for name in SUPPLIERS
        ])
        return partners, ibans, suppliers

    def _payer_text(self, partner, mode=None):
        """The payer's name as the bank prints it: whole, abbreviated or cut."""
        name = ascii_upper(partner.name)
        mode = mode or self.rng.choice(["whole", "whole", "ste", "ets", "cut"])
        if mode == "ste":
            name = "STE " + name
        elif mode == "ets" and not name.startswith("ETS"):
            name = "ETS " + name
        if mode == "cut" or len(name) > 32:
            name = name[:self.rng.randint(18, 32)]
        return name.strip()

    # ------------------------------------------------------------------
    # PLAN
    # ------------------------------------------------------------------

    def _invoice(self, partner, amount=None, paid=False):
        amount = amount if amount is not None else round(self.rng.uniform(40, 6000), 2)
        self.specs.append({"partner": partner, "amount": amount, "paid": paid})
        return len(self.specs) - 1

    def build(self):
        """Create everything; return the cases."""
        rng = self.rng
        partners, ibans, suppliers = self._customers()
        for partner in partners:  # what every customer owes besides: the haystack
            for _i in range(rng.randint(2, 4)):
                self._invoice(partner)
        classes = list(CLASSES)
        weights = [CLASSES[c][0] for c in classes]
        plans = []
        while len(plans) < self.line_count:
            # every class at least once, even on a small seed, then by weight
            cls = classes[len(plans)] if len(plans) < len(classes) else rng.choices(classes, weights)[0]
            partner = rng.choice(partners)
            plan = {"cls": cls, "partner": partner, "day": 1}
            if cls == "iban_only":
                with_iban = [p for p in partners if p.id in ibans]
                plan["partner"] = partner = rng.choice(with_iban)
            if cls in ("reference", "reference_noisy", "reference_partner", "truncated_name", "iban_only",
                       "amount_partner", "cheque", "partial", "international_fee", "duplicate"):
                plan["invoices"] = [self._invoice(partner)]
            elif cls == "other_customer_ref":
                other = rng.choice([p for p in partners if p != partner])
                plan["invoices"] = [self._invoice(partner)]
                plan["quoted"] = [self._invoice(other)]
            elif cls == "supplier_refund":
                plan["quoted"] = [self._invoice(partner)]
                plan["supplier"] = rng.choice(suppliers)
            elif cls == "paid_reference":
                amount = round(rng.uniform(40, 3000), 2)
                plan["quoted"] = [self._invoice(partner, amount, paid=True)]
                plan["twin"] = self._invoice(partner, amount)
            elif cls == "twin_stale":
                amount = round(rng.uniform(40, 3000), 2)
                plan["invoices"] = [self._invoice(partner, amount), self._invoice(partner, amount)]
            elif cls in ("multi_ref", "multi_ref_subset"):
                plan["invoices"] = [self._invoice(partner) for _i in range(rng.randint(2, 4))]
                if cls == "multi_ref_subset":
                    plan["quoted"] = [self._invoice(partner)]
            elif cls == "direct_debit_batch":
                plan["invoices"] = [self._invoice(p) for p in rng.sample(partners, min(len(partners), 4))]
            plans.append(plan)
        invoices = self._create_invoices()
        for plan in plans:
            self._render(plan, invoices, ibans)
        self._create_lines()
        return self.cases

    def _create_invoices(self):
        Move = self.env["account.move"]
        moves = Move.create([{
            "move_type": "out_invoice",
            "partner_id": spec["partner"].id,
            "company_id": self.company.id,
            "invoice_date": date(2026, 1, self.rng.randint(2, 28)),
            "invoice_date_due": date(2026, 2, self.rng.randint(1, 28)),
            "invoice_line_ids": [Command.create({
                "name": "Prestations", "quantity": 1, "price_unit": spec["amount"], "tax_ids": [],
            })],
        } for spec in self.specs])
        moves.action_post()
        paid = Move.browse([move.id for move, spec in zip(moves, self.specs, strict=True) if spec["paid"]])
        if paid:
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=paid.ids,
            ).create({"payment_date": date(2026, 1, 31), "group_payment": False})._create_payments()
        return list(moves)

    # ------------------------------------------------------------------
    # LABELS
    # ------------------------------------------------------------------

    def _ref(self):
        return f"{self.rng.randrange(10**11, 10**12)}"

    def _noisy(self, name):
        return self.rng.choice([
            lambda n: n.replace("/", " "), lambda n: n.replace("/", "-"), lambda n: n.replace("/", "").lower(),
            lambda n: n.replace("0", "O", 2), lambda n: n.replace("/", " ").replace("0", "O", 1),
        ])(name)

    def _transfer(self, payer, memo):
        return f"VIR SEPA RECU /DE {payer} /MOTIF {memo} /REF {self._ref()}"

    def _render(self, plan, invoices, ibans):
        """The bank line of ``plan`` and its ground truth."""
        moves = [invoices[i] for i in plan.get("invoices", ())]
        line = {
            "cls": plan["cls"], "plan": plan, "moves": moves, "invoices": invoices, "ibans": ibans,
            "partner": plan["partner"], "quoted": [invoices[i] for i in plan.get("quoted", ())],
            "total": round(sum(move.amount_residual for move in moves), 2),
            "expected": {move.id for move in moves}, "kind": "pay", "informative": True,
            "payer": self._payer_text(plan["partner"]), "name": moves[0].name if moves else "",
        }
        line["values"] = {"amount": line["total"]}
        if self.rng.random() < 0.3:
            line["values"]["partner_name"] = line["payer"]
        getattr(self, f"_label_{plan['cls']}")(line)
        self._case(line["cls"], line["values"], line["expected"], line["kind"], line["informative"], plan["day"])

    def _label_reference(self, line):
        memo = self.rng.choice(["FACT ", "FACTURE ", "REGLEMENT ", ""]) + line["name"]
        line["values"]["payment_ref"] = self._transfer(line["payer"], memo)

    def _label_reference_noisy(self, line):
        line["values"]["payment_ref"] = self._transfer(line["payer"], "FACT " + self._noisy(line["name"]))

    def _label_reference_partner(self, line):
        line["values"].update(payment_ref=f"VIREMENT {line['name']} {line['payer']}", partner_id=line["partner"].id)

    def _label_other_customer_ref(self, line):
        line["values"]["payment_ref"] = self._transfer(line["payer"], f"FACT {line['quoted'][0].name}")

    def _label_supplier_refund(self, line):
        quoted = line["quoted"][0]
        supplier = ascii_upper(line["plan"]["supplier"].name)
        # half of them for the very amount of our invoice of that number
        amount = quoted.amount_residual if self.rng.random() < 0.5 else round(
            self.rng.uniform(20, quoted.amount_residual), 2)
        line["values"] = {"amount": amount, "payment_ref": self._transfer(supplier, f"REMBT AVOIR {quoted.name}")}
        line.update(expected=set(), kind="none")

    def _label_paid_reference(self, line):
        quoted = line["quoted"][0]
        line["values"] = {"amount": quoted.amount_total,
                          "payment_ref": self._transfer(line["payer"], f"FACT {quoted.name}")}
        if self.rng.random() < 0.5:
            line["values"]["partner_id"] = line["partner"].id
        line.update(expected=set(), kind="duplicate")

    def _label_twin_stale(self, line):
        # day 1: the newer twin paid without reference; day 2: the older one, exactly
        older, newer = line["moves"]
        partner, payer = line["partner"], line["payer"]
        self._case("twin_stale_day1", {"amount": newer.amount_residual, "partner_id": partner.id,
                                       "payment_ref": f"VIREMENT {payer}"}, {newer.id}, "pay", False, 1)
        line["values"] = {"amount": older.amount_residual, "partner_id": partner.id,
                          "payment_ref": f"VIREMENT {payer} {older.name}"}
        line.update(expected={older.id}, cls="twin_stale_day2")
        line["plan"]["day"] = 2

    def _label_multi_ref(self, line):
        moves = line["moves"]
        numbers = [move.sequence_number for move in moves + line["quoted"]]
        self.rng.shuffle(numbers)
        prefix = moves[0].sequence_prefix
        if self.rng.random() < 0.5:
            memo = "FACTURES " + prefix.replace("/", " ") + " ".join(f"{n:05d}" for n in numbers)
        else:
            memo = "FACT " + " + ".join(f"{prefix}{n:05d}" for n in numbers)
        line["values"]["payment_ref"] = self._transfer(line["payer"], memo)

    _label_multi_ref_subset = _label_multi_ref

    def _label_truncated_name(self, line):
        payer = self._payer_text(line["partner"], self.rng.choice(["ste", "ets", "cut"]))
        memo = self.rng.choice(["REGLEMENT", "PAIEMENT FACTURES", "VIREMENT"])
        line["values"]["payment_ref"] = self._transfer(payer, memo)
        line["values"].pop("partner_name", None)

    def _label_iban_only(self, line):
        iban = line["ibans"][line["partner"].id]
        if self.rng.random() < 0.5:
            iban = " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
        line["values"].update(payment_ref=f"VIR SEPA RECU /MOTIF PAIEMENT /REF {self._ref()}", account_number=iban)
        line["values"].pop("partner_name", None)

    def _label_amount_partner(self, line):
        line["values"].update(payment_ref=f"VIREMENT {line['payer']}", partner_id=line["partner"].id)

    def _label_cheque(self, line):
        rng = self.rng
        line["values"]["payment_ref"] = f"REMISE CHEQUE N° {rng.randrange(10**6, 10**7)} BORD {rng.randrange(100, 999)}"
        line["values"].pop("partner_name", None)
        if rng.random() < 0.5:
            line["values"]["partner_id"] = line["partner"].id  # typed by the accountant
        else:
            line["informative"] = False

    def _label_direct_debit_batch(self, line):
        label = f"REMISE PRLV SEPA {len(line['moves'])} OPERATIONS ICS FR12ZZZ{self._ref()}"
        line["values"] = {"amount": line["total"], "payment_ref": label}
        line["informative"] = False

    def _label_partial(self, line):
        line["values"].update(amount=round(line["total"] * self.rng.uniform(0.2, 0.7), 2),
                              payment_ref=self._transfer(line["payer"], f"ACOMPTE FACT {line['name']}"))

    def _label_international_fee(self, line):
        line["values"].update(
            amount=round(line["total"] - self.rng.uniform(0.5, 4.9), 2),
            payment_ref=f"VIR INTERNATIONAL RECU /DE {line['payer']} /MOTIF INVOICE {line['name']} /FRAIS 0,00")

    def _label_unrelated(self, line):
        trap = self.rng.choice(line["invoices"])  # sometimes the very amount of an open invoice
        amount = trap.amount_residual if self.rng.random() < 0.5 else round(self.rng.uniform(10, 5000), 2)
        line["values"] = {"amount": amount, "payment_ref": self.rng.choice(UNRELATED).format(ref=self._ref())}
        line.update(expected=set(), kind="none")

    def _label_duplicate(self, line):
        line["values"]["payment_ref"] = self._transfer(line["payer"], f"FACT {line['name']}")
        self._case("reference", dict(line["values"]), set(line["expected"]), "pay", True, 1)
        line.update(expected=set(), kind="duplicate")

    def _case(self, cls, values, expected, kind, informative, day):
        self.cases.append({"cls": cls, "values": values, "expected": expected, "kind": kind,
                           "informative": informative and kind == "pay", "day": day})

    def _create_lines(self):
        # a few debits as a real statement has them: never matched
        for label in ("FRAIS TENUE DE COMPTE", "PRLV SEPA EDF PRO", "COMMISSION INTERVENTION"):
            self._case("unrelated_debit", {"amount": -round(self.rng.uniform(5, 300), 2), "payment_ref": label},
                       set(), "none", False, 1)
        lines = self.env["account.bank.statement.line"].with_context(credit_cash_no_trigger=True).create([{
            "journal_id": self.journal.id,
            "date": self.day if case["day"] == 1 else date.fromordinal(self.day.toordinal() + 1),
            **case["values"],
        } for case in self.cases])
        for case, line in zip(self.cases, lines, strict=True):
            case["line"] = line


def run_matching(env, company, cases):
    """Match the lines as the cron would: day 1, day 2, then the next run."""
    Matcher = env["credit.control.cash.matcher"]
    for day in (1, 2):
        lines = env["account.bank.statement.line"].browse(
            [case["line"].id for case in cases if case["day"] == day])
        Matcher._credit_run(companies=company, statement_lines=lines)
    Matcher._credit_run(companies=company, statement_lines=env["account.bank.statement.line"].browse(
        [case["line"].id for case in cases]))


def evaluate(env, cases):
    """Outcome of every line against its ground truth, counted per class:
    {class: {lines, informative, auto_correct, auto_wrong, suggested_correct, missed}}."""
    Proposal = env["credit.control.cash.proposal"]
    proposals = Proposal.search([("statement_line_id", "in", [case["line"].id for case in cases]),
                                 ("state", "in", ("proposed", "reconciled"))])
    by_line = {proposal.statement_line_id.id: proposal for proposal in proposals}
    table = defaultdict(lambda: dict.fromkeys(
        ("lines", "informative", "auto_correct", "auto_wrong", "suggested_correct", "missed", "left_alone",
         "auto_informative"), 0))
    wrong = []
    for case in cases:
        row = table[case["cls"]]
        row["lines"] += 1
        row["informative"] += case["informative"]
        proposal = by_line.get(case["line"].id)
        moves = set(proposal.line_ids.move_line_id.move_id.ids) if proposal else set()
        right = case["kind"] == "pay" and moves == case["expected"] or (
            case["kind"] == "duplicate" and proposal and proposal.rule == "duplicate")
        if proposal and proposal.state == "reconciled" and proposal.automatic:
            if right:
                row["auto_correct"] += 1
                row["auto_informative"] += case["informative"]
            else:
                row["auto_wrong"] += 1
                wrong.append((case["cls"], case["line"].payment_ref, proposal.explanation))
        elif right:
            row["suggested_correct"] += 1
        elif case["kind"] != "none":
            row["missed"] += 1
        else:
            row["left_alone"] += 1
    return dict(table), wrong


def automatic_rate(table):
    """Share of the informative paying lines reconciled automatically and rightly."""
    total = totals(table)
    return total["auto_informative"] / max(total["informative"], 1)


def totals(table):
    total = dict.fromkeys(next(iter(table.values())), 0)
    for row in table.values():
        for key, value in row.items():
            total[key] += value
    return total


def format_table(table):
    columns = ("lines", "informative", "auto_correct", "auto_wrong", "suggested_correct", "missed", "left_alone")
    header = f"{'class':<22}" + "".join(f"{c:>18}" for c in columns)
    rows = [header, "-" * len(header)]
    for cls in sorted(table):
        rows.append(f"{cls:<22}" + "".join(f"{table[cls][c]:>18}" for c in columns))
    total = totals(table)
    rows.append("-" * len(header))
    rows.append(f"{'total':<22}" + "".join(f"{total[c]:>18}" for c in columns))
    informative_auto = total["auto_informative"]
    rows.append(f"automatic rate: {informative_auto}/{total['informative']} informative paying lines "
                f"({100 * informative_auto / max(total['informative'], 1):.1f} %), "
                f"automatic-wrong: {total['auto_wrong']}")
    return "\n".join(rows)
