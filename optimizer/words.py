"""Numbers as people read them in messages: 1 200 000, 2.41x, +20 %."""

from __future__ import annotations

import math
import re


def money(x: float) -> str:
    """An amount with a space between thousands; cents only for small amounts."""
    if x is None or not math.isfinite(x):
        return "-" if x is None or math.isnan(x) else ("inf" if x > 0 else "-inf")
    decimals = 0 if abs(x) >= 100 or x == 0 else 2
    return f"{x:,.{decimals}f}".replace(",", " ")


def count(x: float) -> str:
    """A number of customers, with one decimal below 1 000."""
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:,.0f}".replace(",", " ") if abs(x) >= 1000 else f"{x:,.1f}"


def ratio(x: float) -> str:
    """An LTV:CAC ratio, such as 2.41x."""
    if x is None or math.isnan(x):
        return "-"
    return "inf" if math.isinf(x) else f"{x:.2f}x"


def percent(fraction: float) -> str:
    """A signed percentage, such as +20 %."""
    if fraction is None or not math.isfinite(fraction):
        return "-"
    return f"{fraction * 100:+,.1f} %".replace(",", " ")


def whole(n: int) -> str:
    """A count of things (channels, rows, draws) with a space between thousands: 9 960."""
    return f"{int(n):,}".replace(",", " ")


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters (escape sequences, carriage returns, bidi
    overrides) shown as ``\\x1b``-style escapes, so a channel name cannot move the cursor or recolour
    the screen; new lines and tabs are kept."""
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)
