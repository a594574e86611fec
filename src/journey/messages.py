"""Pieces of one-line error messages: a value cut to a readable length, a list cut with a count.

Error messages quote what the user's file holds (a cell, a column name, the columns of a file).
A file may hold a cell of 80 MB or 5,000 columns; the message must still be one readable line, so
every quoted value goes through :func:`shown` and every list through :func:`listed`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

VALUE_CHARS = 60  # characters of a quoted value kept in a message
LIST_ITEMS = 10  # items of a list kept in a message


def shown(value: Any, limit: int = VALUE_CHARS) -> str:
    """``repr(value)`` cut to about ``limit`` characters, saying how long it was.

    Numpy scalars are shown as Python values (``11.0``, not ``np.float64(11.0)``).
    """
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) == ():
        value = item()
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value):,} characters)"
    text = repr(value)
    if len(text) > limit:
        return f"{text[:limit]}... ({len(text):,} characters)"
    return text


def listed(items: Iterable[Any], limit: int = LIST_ITEMS, quote: bool = True) -> str:
    """``'a', 'b', 'c' ... and 37 more``: at most ``limit`` items, each cut by :func:`shown`
    (``quote=False`` writes text items without quotes)."""
    items = list(items)
    head = [_plain(x) if not quote and isinstance(x, str) else shown(x) for x in items[:limit]]
    more = len(items) - len(head)
    return ", ".join(head) + (f" ... and {more:,} more" if more > 0 else "")


def _plain(text: str) -> str:
    """Text without quotes, control characters escaped, cut like :func:`shown`."""
    cut = repr(text[:VALUE_CHARS])[1:-1]
    return cut if len(text) <= VALUE_CHARS else f"{cut}... ({len(text):,} characters)"
