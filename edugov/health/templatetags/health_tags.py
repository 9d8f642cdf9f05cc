"""Number formatting for health pages: rates and changes, with "—" where there is no value."""

from __future__ import annotations

import math
from typing import Any

from django import template

register = template.Library()


def _missing(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


@register.filter
def rate(value: Any, decimals: int = 1) -> str:
    """A rate or mean to ``decimals`` places; "—" when there is no value (denominator 0)."""
    if _missing(value):
        return "—"
    return f"{float(value):.{int(decimals)}f}"


@register.filter
def signed(value: Any) -> str:
    """A change from last year: +3.0 / −2.5 / 0.0; blank when there is nothing to compare."""
    if _missing(value):
        return ""
    number = float(value)
    return f"+{number:.1f}" if number > 0 else f"−{-number:.1f}" if number < 0 else "0.0"


@register.filter
def lookup(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, ())
