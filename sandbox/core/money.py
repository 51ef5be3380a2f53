"""Money as orders are built: integer cents while computing, `Decimal` with two places when stored."""

from decimal import Decimal

ZERO = Decimal("0.00")


def cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def split_tax(store, amount: int) -> tuple[int, int]:
    """(excl, tax) in cents of a price in cents as the store shows it: tax included, or added on top."""
    rate = float(store.tax_rate)
    if store.prices_include_tax:
        excl = round(amount / (1 + rate))
        return excl, amount - excl
    return amount, round(amount * rate)
