"""A1 cell references: column letters and (Excel row, 0-based column) positions."""

from __future__ import annotations

import re


def column_letter(index: int) -> str:
    """0 -> 'A', 27 -> 'AB'."""
    out, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def ref_to_index(ref: str) -> tuple[int, int]:
    """'AB12' -> (12, 27)."""
    m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", ref)
    if not m:
        raise ValueError(ref)
    return int(m.group(2)), column_index(m.group(1))


def column_index(letters: str) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col - 1
