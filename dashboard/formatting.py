"""Plain text for values the pages show: money in its currency, platform codes in words.

Used by views, forms and the template filters alike (`dashboard.templatetags.storedesk`
registers `money` and `humanize` on top of these), so nothing outside the templates
imports a template tag module.

    format_money("1234.5", "EUR")      "€1,234.50"
    humanize_code("partially_paid")   "Partially paid"
    web_url("javascript:alert(1)")     ""   (a store's URL, only if http or https)
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache
from urllib.parse import urlsplit

from babel.numbers import get_currency_precision, get_currency_symbol

# Money is shown in one locale for everyone: the console's language is English.
MONEY_LOCALE = "en_US"


@lru_cache(maxsize=256)
def _currency_format(currency: str) -> tuple[str, int, bool]:
    """(symbol, decimal digits, symbol is the code) of a currency in MONEY_LOCALE, from Babel.

    In en_US a currency is written "¤#,##0.00": the symbol first, no space, the
    currency's own number of decimals. Formatting with these is what
    `babel.numbers.format_currency` does for this locale, many times faster.
    """
    symbol = get_currency_symbol(currency, locale=MONEY_LOCALE)
    return symbol, get_currency_precision(currency), symbol == currency


def format_money(amount, currency: str | None) -> str:
    """`amount` (a decimal string from the API, a Decimal or a number) in its currency."""
    if amount is None or amount == "":
        return "—"
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    if not value.is_finite():
        return str(amount)
    currency = (currency or "").upper()
    if not currency:
        return f"{value:,.2f}"
    try:
        symbol, digits, is_code = _currency_format(currency)
    except (ValueError, KeyError):
        return f"{currency}\u00a0{value:,.2f}"
    number = f"{abs(value):,.{digits}f}"
    # No symbol in this locale ("THB"): a space after the code reads better.
    text = f"{symbol}\u00a0{number}" if is_code else f"{symbol}{number}"
    return f"-{text}" if value < 0 else text


def humanize_code(value) -> str:
    """A platform code in words: "partially_paid" -> "Partially paid", nothing -> "—"."""
    text = str(value or "").replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else "—"


# What a link built from a store's data may point to. Anything else a store (or whoever
# wrote to it: a carrier integration, a customer) puts in a URL field is shown as text:
# `javascript:` runs script when clicked (the CSP stops inline script, but no page should
# depend on that alone), `data:` opens attacker HTML, `//host` and `/path` lead elsewhere
# than the field says.
_WEB_SCHEMES = ("http", "https")


def web_url(value) -> str:
    """`value` when it is an absolute http or https URL with a host, else ""."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    # Browsers drop tabs and line breaks inside a URL ("java\tscript:"); refuse any
    # whitespace or control character rather than guess how each one reads it.
    if not text or len(text) > 2000 or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return ""
    if parts.scheme.lower() not in _WEB_SCHEMES or not parts.netloc or not parts.hostname:
        return ""
    return text
