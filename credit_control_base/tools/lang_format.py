"""Numbers, percentages and names in the reader's language, for the texts
the modules build themselves (chatter, names, titles, messages): Odoo's
widgets format fields, not the strings we compose."""

import ast
import re

from odoo.tools import float_round, format_amount, formatLang, get_lang

from odoo.addons.base.models.res_lang import intersperse

# A name starting with one of these takes the elided "d'" / "qu'" in French
# (an h is treated as mute: "d'Hélène", "d'Hôtel de Ville").
ELIDING_INITIALS = "aeiouyhàâäéèêëîïôöùûüœæ"
ELIDABLE_WORDS = {"de": "d'", "que": "qu'"}


def format_number(env, value, digits=2):
    """``value`` with the decimal and thousands separators of the lang of
    ``env`` ("25,0", "10 000,00" in French)."""
    return formatLang(env, value, digits=digits)


def format_amounts(env, amounts, currency):
    """``formatLang(env, amount, currency_obj=currency)`` of each of
    ``amounts``, the language and the currency read once for all (a note
    per applied bank line: formatLang per amount resolved them each time)."""
    lang = env["res.lang"].browse(get_lang(env).id)
    digits, symbol, after = currency.decimal_places, currency.symbol, currency.position == "after"
    texts = []
    for amount in amounts:
        text = lang.format(f"%.{digits}f", float_round(amount, precision_digits=digits, rounding_method="HALF-EVEN"),
                           grouping=True)
        if symbol:
            text = f"{text}\N{NO-BREAK SPACE}{symbol}" if after else f"{symbol}\N{NO-BREAK SPACE}{text}"
        texts.append(text)
    return texts


def format_percent(env, value, digits=2):
    """A percentage as the lang of ``env`` writes it: "12,15 %" in French
    (a no-break space before the sign), "12.15%" in English."""
    number = formatLang(env, value, digits=digits)
    if (env.lang or "").startswith("fr"):
        return f"{number}\N{NO-BREAK SPACE}%"
    return f"{number}%"


def elide(env, text, *names):
    """French elision before the names put in ``text``: "de Atelier Durand"
    becomes "d'Atelier Durand", "que Hélène" "qu'Hélène". Only where one of
    ``names`` follows the word, so that the fixed words of the sentence are
    left as the translator wrote them; other languages are left alone."""
    if not (env.lang or "").startswith("fr") or not text:
        return text
    for name in {name for name in names if name and name[0].lower() in ELIDING_INITIALS}:
        text = re.sub(
            rf"\b(de|De|que|Que) (?={re.escape(name)})",
            lambda match: ELIDABLE_WORDS[match.group(1).lower()].capitalize()
            if match.group(1)[0].isupper() else ELIDABLE_WORDS[match.group(1)],
            text,
        )
    return text


def reader_lang(env, *codes):
    """The language to write in for a reader whose languages are ``codes``
    in order of preference (a contact's, then its company's): the first
    one installed. A partner may keep the code of a language no longer
    active (an import, a language archived since): the text is then in the
    user's language, else in the first language installed."""
    installed = {code for code, _name in env["res.lang"].get_installed()}
    for code in codes:
        if code in installed:
            return code
    return env.lang if env.lang in installed else next(iter(sorted(installed)), "en_US")


def amount_formatter(env):
    """A function formatting amounts as ``odoo.tools.format_amount(env,
    amount, currency, lang_code)`` does (the ``format_amount`` of mail
    templates), for a batch of texts formatted in ``env``: the reminder
    e-mails of a run. Odoo's function looks the language up in the
    registry's caches and parses its grouping again, and reads the
    currency's rounding, symbol and position, at every amount (a tenth of
    the composition of a run's e-mails, issue #19); here each language and
    currency is read once, then each amount is rounded, grouped and placed
    by the same steps (``float_round``, ``intersperse``, the same
    separators and spaces). A currency that is not one ``res.currency``
    record, or a language Odoo would refuse, is left to Odoo's function."""
    langs, currencies = {}, {}

    def lang_values(lang_code):
        if lang_code not in langs:
            data = get_lang(env, lang_code)
            langs[lang_code] = data.id and (
                ast.literal_eval(data.grouping), data.thousands_sep or "", data.decimal_point,
            )
        return langs[lang_code]

    def currency_values(currency):
        if currency.id not in currencies:
            symbol = currency.symbol or ""
            before = currency.position == "before"
            currencies[currency.id] = (
                f"%.{currency.decimal_places}f",
                currency.rounding,
                f"{symbol}\N{NO-BREAK SPACE}" if before else "",
                "" if before else f"\N{NO-BREAK SPACE}{symbol}",
            )
        return currencies[currency.id]

    def format_amount_once(amount, currency, lang_code=False):
        lang = lang_values(lang_code)
        if not lang or getattr(currency, "_name", None) != "res.currency" or len(currency) != 1:
            return format_amount(env, amount, currency, lang_code)
        grouping, thousands_sep, decimal_point = lang
        fmt, rounding, pre, post = currency_values(currency)
        parts = (fmt % float_round(amount, precision_rounding=rounding)).split(".")
        parts[0] = intersperse(parts[0], grouping, thousands_sep)[0]
        number = decimal_point.join(parts).replace(" ", "\N{NO-BREAK SPACE}").replace(
            "-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
        return f"{pre}{number}{post}"

    return format_amount_once
