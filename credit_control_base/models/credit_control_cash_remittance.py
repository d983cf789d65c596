"""Remittance advices (avis de paiement): the invoices and amounts a
customer's transfer pays, read from the text lines of its PDF."""
from odoo import _, api, models

from .credit_control_cash_matcher import CONFIDENCE, parse_amounts, to_cents

# Text lines whose baselines are this close (in points) form one row of a
# table: pdfminer returns each cell of a table as its own line.
ROW_TOLERANCE = 3.0


def group_rows(lines):
    """Rows of text of a page, top to bottom, from pdfminer lines
    ``[page, y, x, text]``; the cells of a row are joined left to right."""
    rows = []
    for page, y, x, text in sorted(lines, key=lambda line: (line[0], -line[1], line[2])):
        if rows and rows[-1]["page"] == page and abs(rows[-1]["y"] - y) <= ROW_TOLERANCE:
            rows[-1]["cells"].append((x, text))
        else:
            rows.append({"page": page, "y": y, "cells": [(x, text)]})
    return ["   ".join(text for _x, text in sorted(row["cells"])) for row in rows]


class CreditControlCashRemittance(models.AbstractModel):
    _name = "credit.control.cash.remittance"
    _description = "Remittance Advice Parser"

    @api.model
    def _credit_parse(self, index, lines, company_id, currency_id=None):
        """Invoices a remittance advice lists, with the amount it gives for
        each (None when the row holds no amount).

        :return: ``[(open items of the invoice, amount or None)]`` in the
            order of the document, each invoice once
        """
        entries, seen = [], set()
        for row in group_rows(lines):
            references = index.find_references(row)
            amounts = parse_amounts(row)
            for position, (line_ids, _ocr, _start, end) in enumerate(references):
                items = [
                    index.items[i] for i in sorted(line_ids)
                    if i in index.items and index.items[i]["company_id"] == company_id
                    and (currency_id is None or index.items[i]["currency_id"] == currency_id)
                    and i not in seen
                ]
                if not items:
                    continue
                seen.update(item["id"] for item in items)
                limit = references[position + 1][2] if position + 1 < len(references) else len(row)
                after = [value for start, _stop, value in amounts if end <= start < limit]
                if after:
                    amount = after[-1]
                elif len(references) == 1 and amounts:
                    amount = amounts[-1][2]  # letter style: "we pay 1 200,00 EUR for invoice ..."
                else:
                    amount = None
                entries.append((items, amount))
        return entries

    @api.model
    def _credit_match_remittance(self, entries, source):
        """Split the transfer ``source`` across the invoices of a remittance
        advice: a match in the matcher's format."""
        digits = source["digits"]
        allocations, extra, names = [], {}, []
        for items, amount in entries:
            due = sum(to_cents(item["residual"], digits) for item in items)
            wanted = due if amount is None else min(to_cents(amount, digits), due)
            names.append(items[0]["name"])
            for item in sorted(items, key=lambda i: (str(i["due"]), i["id"])):
                share = min(wanted, to_cents(item["residual"], digits))
                if share <= 0:
                    continue
                allocations.append([item["id"], share])
                extra[item["id"]] = {"remittance_amount": amount}
                wanted -= share
        total = sum(share for _line_id, share in allocations)
        received = to_cents(source["amount"], digits)
        if total == received:
            level = "remittance"
            explanation = _("The remittance advice lists %(names)s, adding up to the amount received.",
                            names=", ".join(names))
        else:
            level = "remittance_mismatch"
            explanation = _(
                "The remittance advice lists %(names)s for %(total)s, but %(received)s was received.",
                names=", ".join(names), total=total / 10**digits, received=received / 10**digits,
            )
            # allocate what was received, oldest row first; the rest stays open
            remaining = received
            for allocation in allocations:
                allocation[1] = min(allocation[1], max(remaining, 0))
                remaining -= allocation[1]
            allocations = [allocation for allocation in allocations if allocation[1] > 0]
        return {
            "rule": "remittance",
            "confidence": CONFIDENCE[level],
            "allocations": [(line_id, share / 10**digits) for line_id, share in allocations],
            "writeoff": 0.0,
            "explanation": explanation,
            "line_extra": extra,
        }
