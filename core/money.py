"""Swiss money: Decimal CHF, rounded to the 5-centime coin where Swiss practice does."""

from decimal import ROUND_HALF_UP, Decimal

FIVE_CENTIMES = Decimal("0.05")
CENT = Decimal("0.01")
APOSTROPHE = "'"


def round_to_5_centimes(amount: Decimal) -> Decimal:
    """Round half up to CHF 0.05, e.g. 6.175 → 6.20 and 6.124 → 6.10."""
    return ((Decimal(amount) / FIVE_CENTIMES).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            * FIVE_CENTIMES).quantize(CENT)


def format_chf(amount: Decimal | None, *, currency: str = "CHF") -> str:
    """``CHF 1'234.50``: apostrophe thousands, two decimals, minus before the digits."""
    if amount is None:
        return ""
    value = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, cents = f"{abs(value):.2f}".split(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{currency} {sign}{APOSTROPHE.join(groups)}.{cents}"
