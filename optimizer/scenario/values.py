"""Parsing of single input values: money, rates, ratios, counts and relative changes.

Each parser returns the parsed value or raises `BadValue` whose text says what was expected
and, where a likely intent is visible, suggests it ("did you mean 0.05?").
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
from dataclasses import dataclass


class BadValue(ValueError):
    """A single value could not be used; the message is written for the user."""


@dataclass(frozen=True)
class Relative:
    """A relative change written as "+25%" or "-10%": multiply the inherited value by `factor`."""

    factor: float
    text: str

    def apply(self, base: float) -> float:
        return base * self.factor


_MONEY = re.compile(r"^\s*([$€£])?\s*([0-9][0-9,_]*(?:\.[0-9]+)?|\.[0-9]+)\s*([kKmM])?\s*$")
_PERCENT = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*%\s*$")
_RELATIVE = re.compile(r"^\s*([+-])\s*([0-9]*\.?[0-9]+)\s*%\s*$")
_NUMBER = re.compile(r"^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$")


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """' (did you mean 'x'?)' for the closest choice, or '' when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        if word.lower() in lowered:
            close = [lowered[word.lower()]]
    return f"; did you mean '{close[0]}'?" if close else ""


def _finite(value: float, what: str) -> float:
    if math.isnan(value):
        raise BadValue(f"{what} is NaN; give a number")
    if math.isinf(value):
        raise BadValue(f"{what} is infinite; give a finite number (or null for no limit)")
    return value


def number(raw: object, what: str = "value") -> float:
    """A plain finite number; numeric strings (as read from CSV) are accepted."""
    if isinstance(raw, bool):
        raise BadValue(f"expected a number, got {show(raw)}")
    if isinstance(raw, (int, float)):
        return _finite(_float(raw, what), what)
    if isinstance(raw, str):
        text = raw.strip()
        if text.lower() in {"nan", "+nan", "-nan"}:
            raise BadValue(f"{what} is NaN; give a number")
        if _NUMBER.match(text):
            return _finite(float(text), what)
    raise BadValue(f"expected a number, got {show(raw)}")


def _float(raw: int | float, what: str) -> float:
    try:
        return float(raw)
    except OverflowError:  # an integer literal of more than 308 digits
        digits = int(abs(int(raw)).bit_length() * 0.30103) + 1
        raise BadValue(f"{what} has about {digits} digits, too large for a number; give a "
                       "finite number (or null for no limit)") from None


MAX_AMOUNT = 1e15  # the largest amount (and count) a scenario may hold: a million billion
MIN_POSITIVE = 1e-6  # the smallest nonzero amount where one must be above 0 (a CPL, a budget)
MAX_RATIO = 1e6  # the largest ratio or multiplier (CLV:CPA floors, cpl_multiplier)


def in_range(value: float, what: str, raw: object, *, positive: bool = False) -> float:
    """`value` within what the planner computes with exactly: at most MAX_AMOUNT, and at
    least MIN_POSITIVE when it must be above 0 (the solver's numbers stay well inside its
    1e20 'infinity', whatever the inputs)."""
    if abs(value) > MAX_AMOUNT:
        raise BadValue(f"{what} is {show(raw)}, above {MAX_AMOUNT:.0e} (a million billion), "
                       "the largest amount chanopt plans with; give amounts in whole "
                       "currency units (or every amount in thousands, alike)")
    if positive and 0 < value < MIN_POSITIVE:
        raise BadValue(f"{what} is {show(raw)}, below {MIN_POSITIVE:g}, the smallest amount "
                       "chanopt plans with; give amounts in whole currency units")
    return value


def money(raw: object, what: str = "amount", *, positive: bool = False) -> float:
    """An amount of money: 20000, "20,000", "$20k", "1.5M". Never negative or NaN."""
    if isinstance(raw, str) and not _NUMBER.match(raw.strip()):
        match = _MONEY.match(raw)
        if not match:
            if raw.strip().startswith("-"):
                fix = "give an amount above 0" if positive else "use 0 for none"
                raise BadValue(f"{what} is {show(raw)}; money cannot be negative ({fix})")
            raise BadValue(f"expected an amount such as 20000 or \"$20k\", got {show(raw)}")
        value = float(match.group(2).replace(",", "").replace("_", ""))
        suffix = (match.group(3) or "").lower()
        value *= {"": 1.0, "k": 1e3, "m": 1e6}[suffix]
    else:
        value = number(raw, what)
    if value < 0:
        fix = "give an amount above 0" if positive else "use 0 for none"
        raise BadValue(f"{what} is {show(raw)}; money cannot be negative ({fix})")
    if positive and value == 0:
        raise BadValue(f"{what} is 0; it must be greater than 0")
    return in_range(value, what, raw, positive=positive)


def rate(raw: object, what: str = "rate") -> float:
    """A fraction in [0, 1]: 0.05 or "5%". A value above 1 gets a did-you-mean."""
    if isinstance(raw, str) and _PERCENT.match(raw):
        value = float(_PERCENT.match(raw).group(1)) / 100.0  # type: ignore[union-attr]
        if value > 1:
            raise BadValue(f"{what} is {show(raw)}, above 100%; a rate is a share of leads")
        return value
    value = number(raw, what)
    if value < 0:
        raise BadValue(f"{what} is {show(raw)}; a rate cannot be negative")
    if value > 1:
        hint = f"; did you mean {short(value / 100)}?" if value <= 100 else ""
        raise BadValue(f"{what} is {show(raw)}, above 1; rates are fractions (0.05) "
                       f"or percent strings (\"5%\"){hint}")
    return value


def fraction(raw: object, what: str = "value", *, upper: float | None = None) -> float:
    """A non-negative fraction such as max_change (0.2 or "20%"). Above 1 (a change of more
    than 100%) it must be written as a percent: a bare 30 could mean 30% or 3,000%."""
    if isinstance(raw, str) and _PERCENT.match(raw):
        value = float(_PERCENT.match(raw).group(1)) / 100.0  # type: ignore[union-attr]
    else:
        value = number(raw, what)
        if value > 1 and upper is None:
            raise BadValue(f"{what} is {show(raw)}: did you mean {short(value)}% "
                           f"({short(value / 100)})? Write \"{short(value * 100)}%\" if you "
                           "mean it")
    if value < 0:
        raise BadValue(f"{what} is {show(raw)}; it cannot be negative")
    if upper is not None and value > upper:
        hint = f"; did you mean {short(value / 100)}?" if value <= 100 else ""
        raise BadValue(f"{what} is {show(raw)}, above {short(upper)}{hint}")
    return value


def ratio(raw: object, what: str = "ratio") -> float:
    """A non-negative ratio such as a CLV:CPA floor (3 or "3:1")."""
    if isinstance(raw, str) and re.match(r"^\s*[0-9.]+\s*:\s*1\s*$", raw):
        raw = raw.split(":")[0]
    value = number(raw, what)
    if value < 0:
        raise BadValue(f"{what} is {show(raw)}; it cannot be negative")
    if value > MAX_RATIO:
        raise BadValue(f"{what} is {show(raw)}, above {MAX_RATIO:.0e}, the largest ratio "
                       "chanopt plans with")
    return value


def count(raw: object, what: str = "count") -> float:
    """A non-negative quantity such as a capacity of leads (fractional values allowed)."""
    value = number(raw, what) if not isinstance(raw, str) else money(raw, what)
    if value < 0:
        raise BadValue(f"{what} is {show(raw)}; it cannot be negative")
    return in_range(value, what, raw)


def relative(raw: object) -> Relative | None:
    """A relative change ("+25%", "-10%"), or None when `raw` is not written as one."""
    if isinstance(raw, str):
        match = _RELATIVE.match(raw)
        if match:
            pct = float(match.group(2)) / 100.0
            sign = 1.0 if match.group(1) == "+" else -1.0
            return Relative(1.0 + sign * pct, raw.strip())
    return None


def boolean(raw: object, what: str = "value") -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in {"true", "yes", "1", "false", "no", "0"}:
        return raw.strip().lower() in {"true", "yes", "1"}
    raise BadValue(f"{what} must be true or false, got {show(raw)}")


def text(raw: object, what: str = "value") -> str:
    """Free text; YAML numbers and dates (period: 2027-01-01) are taken as written."""
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    if isinstance(raw, (datetime.date, datetime.datetime)):
        return raw.isoformat()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return str(raw)
    raise BadValue(f"{what} must be a non-empty text, got {show(raw)}")


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
MAX_NAME_CHARS = 200


def label(raw: object, what: str = "name") -> str:
    """A name shown in tables, reports and file cells (a channel, group, period, scenario):
    text without control or direction-changing characters, at most MAX_NAME_CHARS long."""
    value = text(raw, what)
    bad = _CONTROL.search(value)
    if bad:
        raise BadValue(f"{what} {short_text(value)} holds a control character "
                       f"(U+{ord(bad.group()):04X}); names are shown in tables and reports, "
                       "so write them without tabs, line breaks or invisible characters")
    if len(value) > MAX_NAME_CHARS:
        raise BadValue(f"{what} {short_text(value)} is {len(value):,} characters long; keep "
                       f"names under {MAX_NAME_CHARS}")
    return value


def listing(names: list[str] | tuple[str, ...], most: int = 8, quote: bool = False) -> str:
    """'a, b, c' for a few names, 'a, b, ... and 292 more' for many (messages stay short);
    `quote` quotes each (names that hold commas)."""
    shown = ", ".join(short_text(n, 40) if quote else short_text(n, 40).strip("'")
                      for n in names[:most])
    return shown + (f" and {len(names) - most:,} more" if len(names) > most else "")


def short(value: float) -> str:
    return f"{value:.6g}"


def show(raw: object) -> str:
    """A value for a message: a number in short form, anything else quoted and cut short
    (a message never reproduces more than an excerpt of what a file holds)."""
    if isinstance(raw, str):
        return short_text(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        try:
            return short(float(raw))
        except OverflowError:
            return "a number too large to show"
    if isinstance(raw, (list, tuple)):
        return f"a list of {len(raw)}"
    if isinstance(raw, dict):
        return f"a mapping with {len(raw)} key{'s' if len(raw) != 1 else ''}"
    return short_text(repr(raw))


def short_text(text: str, most: int = 40) -> str:
    """A value quoted for a message, cut to `most` characters ("=SUM(B2:B9)", "'abc…'")."""
    shown = text if len(text) <= most else text[: most - 1] + "…"
    return repr(shown)
