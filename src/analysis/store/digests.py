"""Content digests: what a part, a submission and the column catalogue held when they were accepted.

A part's digest is computed from the rows as prepared for the store (in the worker that read the file) and
again, at verification, from the rows as stored; they agree whatever the backend and whatever later widened
a column's kind (every value is hashed as its `canonical.canon` text). Columns with no value in a part are left
out, so a column another file adds later (empty in the older rows) changes nothing.

A submission's digest covers its own row and the list of its parts (unit, sheet, period, rows, digest);
`superseded_by` is not in it: the supersede history is derived from the order of the parts and checked as such.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from operator import itemgetter

from analysis.store.canonical import EXACT_FLOAT, canon

DIGEST_VERSION = "1"
_NONE = "\x00"  # a missing value (an empty text is "")
_NONE_BYTES = _NONE.encode()
STORED_TEXT = bytearray  # stored text read as UTF-8 bytes (a BLOB reads as bytes: the two stay apart)
_FLOATS = {float, type(None)}
_PLAIN = {str, int, type(None)}  # kinds whose canon text is str(value) (bool is not int here: canon(True) is "1")


def column_text(values: Sequence, kinds: set[type] | None = None) -> str:
    """The canonical text of one column of a part: each value's canon text, missing ones marked. `kinds`: the
    values' types, when the caller has them already."""
    if kinds is None:
        try:
            return "\x1f".join(values)  # the common case: a text column without gaps
        except TypeError:
            kinds = set(map(type, values))
    # one kind of value (and gaps) is joined at C speed: canon(int) is str(int)
    if kinds <= _PLAIN:
        if type(None) not in kinds:
            return "\x1f".join(map(str, values))
        return "\x1f".join([_NONE if v is None else str(v) for v in values])
    if kinds <= _FLOATS:  # canon(float) inline: the digest's commonest slow case (amounts, ratios)
        return "\x1f".join([
            _NONE if v is None else (str(int(v)) if v.is_integer() and -EXACT_FLOAT < v < EXACT_FLOAT else repr(v))
            for v in values
        ])  # fmt: skip
    if STORED_TEXT in kinds:  # stored text handed over undecoded, among other kinds: decoded, then as above
        return column_text([v.decode("utf-8", "surrogateescape") if type(v) is STORED_TEXT else v for v in values])
    return "\x1f".join([_NONE if v is None else canon(v) for v in values])


def column_bytes(values: Sequence) -> bytes:
    """column_text as UTF-8. Stored text may come as its UTF-8 bytes in a bytearray (`STORED_TEXT`, how the
    SQLite backend reads for digests: neither decoded nor encoded again); a BLOB would come as bytes."""
    if not values or type(values[0]) is str:  # text as str (prepared rows, PostgreSQL)
        return column_text(values).encode("utf-8", "surrogatepass")
    kinds = set(map(type, values))
    if kinds == {STORED_TEXT}:
        return b"\x1f".join(values)
    if kinds == {STORED_TEXT, type(None)}:
        return b"\x1f".join([_NONE_BYTES if v is None else v for v in values])
    return column_text(values, kinds).encode("utf-8", "surrogatepass")


def part_digest(columns: Iterable[tuple[str, Sequence]], n_rows: int) -> str:
    """The digest of a part's rows given column by column (name, values in row order)."""
    digest = hashlib.sha256(f"part{DIGEST_VERSION}|{n_rows}".encode())
    for name, values in sorted(columns, key=lambda item: item[0]):
        if all(v is None for v in values):
            continue
        digest.update(f"\x1d{name}\x1e".encode())
        digest.update(column_bytes(values))
    return digest.hexdigest()


def stored_part_digests(rows: Sequence[Sequence], names: Sequence[str]) -> Iterator[tuple[tuple[int, str], int, str]]:
    """((submission id, unit), rows, digest) of each part among a table's rows as stored: each row its submission
    id, then the columns `names` (the first is the unit), in row order."""
    groups: dict[tuple, list] = {}
    for (sid, unit), run in groupby(rows, key=itemgetter(0, 1)):  # a part's rows were stored together: runs
        groups.setdefault((sid, as_text(unit)), []).extend(run)
    for key, members in groups.items():
        values = list(zip(*members, strict=True))
        yield key, len(members), part_digest(zip(names, values[1:], strict=True), len(members))


def as_text(value):
    """Stored text as str, however the backend handed it over for digesting (see `column_bytes`)."""
    return value.decode("utf-8", "surrogateescape") if type(value) is STORED_TEXT else value


def unit_digests(names: Sequence[str], values: Sequence[list], units: list) -> dict[str, str]:
    """The digest of each unit's rows of one prepared sheet (`values`: the columns `names`, row-aligned;
    `units`: each row's unit)."""
    distinct = set(units) - {None}
    if len(distinct) == 1:
        (unit,) = distinct
        return {unit: part_digest(zip(names, values, strict=True), len(units))}
    rows_of: dict[str, list[int]] = {}
    for index, unit in enumerate(units):
        if unit is not None:
            rows_of.setdefault(unit, []).append(index)
    out = {}
    for unit, rows in rows_of.items():
        picked = ((name, [column[i] for i in rows]) for name, column in zip(names, values, strict=True))
        out[unit] = part_digest(picked, len(rows))
    return out


def submission_digest(row: Sequence, parts: Iterable[Sequence], received_at: str | None = None) -> str:
    """The digest of a submission: its row (id, file_name, sha256, period, units, ingested_at, extra_columns), the
    time it was received when known (a store written before receipts were kept has the same digests) and its parts
    (unit, sheet, period, n_rows, digest), in a fixed order."""
    row = [*row, received_at] if received_at is not None else list(row)
    listed = sorted([str(p[0]), str(p[1]), str(p[2]), int(p[3]), str(p[4])] for p in parts)
    text = json.dumps([DIGEST_VERSION, [str(v) for v in row], listed], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def catalogue_digest(rows: Iterable[Sequence]) -> str:
    """The digest of the column catalogue (sheet, name, kind, position of every data column)."""
    listed = sorted([str(r[0]), str(r[1]), str(r[2]), int(r[3])] for r in rows)
    text = json.dumps([DIGEST_VERSION, listed], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
