"""Plain text for values the pages show: money in its currency, platform codes in words.

Used by views, forms and the template filters alike (`dashboard.templatetags.storedesk`
registers `money` and `humanize` on top of these), so nothing outside the templates
imports a template tag module.

    format_money("1234.5", "EUR")      "€1,234.50"
    humanize_code("partially_paid")   "Partially paid"
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

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
