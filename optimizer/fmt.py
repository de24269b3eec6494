"""Number formatting shared by messages and reports (no I/O)."""

from __future__ import annotations

import math

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "BRL": "R$"}


def money(value: float | None, currency: str = "USD", decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "unlimited"
    symbol = SYMBOLS.get(currency.upper())
    body = f"{abs(value):,.{decimals}f}"
    sign = "-" if value < 0 and float(body.replace(",", "")) != 0 else ""  # never "-$0"
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{body} {currency}"


def num(value: float | None, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    text = f"{value:,.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text[1:].replace(",", "")) == 0 else text


def signed_money(value: float, currency: str = "USD", decimals: int = 0) -> str:
    """"+$316,663", "-$5,000", "$0"."""
    text = money(value, currency, decimals)
    return text if text.startswith("-") or float(value) == 0 or text.strip("$0,.") == "" \
        else "+" + text


def signed_num(value: float, decimals: int = 1) -> str:
    text = num(value, decimals)
    return text if text.startswith("-") or float(text.replace(",", "")) == 0 else "+" + text


def ratio(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.2f}"


def pct(value: float | None, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{100 * value:.{decimals}f}%"


def plain(value: float) -> str:
    """A limit as a user would write it: 3.0, 2.5, 0.38, 250,000."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value == int(value) else f"{value:.4g}"


def channel_input(what: str, value: float | None, currency: str = "USD") -> str:
    """A channel input as planners write it: CPL $45.00, CLV $9,000, lead-to-close 3.50%."""
    if what == "cpl":
        return money(value, currency, 2)
    if what == "clv":
        return money(value, currency)
    return pct(value, 2)


def possessive(name: str) -> str:
    """"PPC's", "Social Media Ads'"."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"
