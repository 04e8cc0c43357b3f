"""The one text form of a stored value, the same on every backend: what a digest hashes and what a column widened
to text holds. Kept apart from `values` (pandas, numpy) so that a process that only digests starts in milliseconds
(`digest_apart`)."""

from __future__ import annotations

import math
from datetime import date

EXACT_FLOAT = 2**53  # whole floats below this are exactly their integer


def canon(value) -> str:
    """The text of a stored value: what a digest hashes and what a column widened to text holds.

    The same on every backend and for every kind a value may be stored as: 13, 13.0 (an int column widened to
    float), '13' (widened to text) and True/1 give '13' and '1'; other floats their shortest exact form."""
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return "1" if value else "0"
    if kind is int:
        return str(value)
    if kind is float:
        if value.is_integer() and abs(value) < EXACT_FLOAT:
            return str(int(value))
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)
