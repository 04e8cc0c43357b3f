"""A part's digest hashes each value's one text form (values.canon): the fast joins of plain columns give exactly
that text, so a store's digests do not depend on which path computed them."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.store.digests import STORED_TEXT, column_bytes, column_text, part_digest
from analysis.store.values import canon

COLUMNS = [
    ["甲", "乙", ""],
    [1, 2, -30, 10**20],
    [1, None, 3],
    ["a", None, "b"],
    ["a", 7, None],
    [True, 1, None],  # bool is not int here: canon(True) is "1", str(True) is "True"
    [1.0, 2.5, None, 1e300],
    [2.0**53, -(2.0**53) + 2, 2.0**53 - 1, -0.0, 0.1, 1e-7, float("inf"), float("-inf"), float("nan")],
    [3.0, 0.5],
    [dt.date(2025, 1, 2), None],
    [None, None],
]


@pytest.mark.parametrize("values", COLUMNS, ids=range(len(COLUMNS)))
def test_every_path_joins_the_canon_text(values):
    assert column_text(values) == "\x1f".join("\x00" if v is None else canon(v) for v in values)


def test_a_column_widened_later_keeps_its_digest():
    as_ints = part_digest([("数量", [13, None, 2])], 3)
    assert part_digest([("数量", [13.0, None, 2.0])], 3) == as_ints  # int widened to float
    assert part_digest([("数量", ["13", None, "2"])], 3) == as_ints  # widened to text
    assert part_digest([("数量", [13, None, 3])], 3) != as_ints


def test_floats_join_as_canon_writes_each_one():
    """column_text's float path against canon() value by value, over whole floats on
    both sides of 2**53 and 1e16, signed zeros, tiny, huge, non-finite and random values, with and without gaps."""
    import random

    rng = random.Random(24)
    edges = [2.0**53, 2.0**53 - 1, -(2.0**53) + 1, 2.0**53 + 2, 1e15, 1e15 + 1, 9999999999999998.0, 1e16, 1e17]
    edges += [-0.0, 0.0, 5e-324, 1e-5, 1e-4, 0.1, 123.0, -7.0, 1e300, float("inf"), float("-inf"), float("nan")]
    randoms = [rng.uniform(-1e6, 1e6) for _ in range(300)] + [float(rng.randint(-(10**17), 10**17)) for _ in range(300)]
    randoms += [round(rng.uniform(0, 1e4), rng.randint(0, 4)) for _ in range(300)]
    for values in (edges, randoms, [*edges, None, *randoms[:50], None], [None], [None, None, 3.0], []):
        assert column_text(values) == "\x1f".join("\x00" if v is None else canon(v) for v in values)
    assert column_text((1.5, None, 2.0)) == "1.5\x1f\x00\x1f2"  # a tuple (a stored part's column) too


def stored(values: list) -> list:
    """A column as the SQLite backend hands it over for digesting: text as its UTF-8 bytes (STORED_TEXT)."""
    return [STORED_TEXT(v.encode()) if type(v) is str else v for v in values]


@pytest.mark.parametrize("values", COLUMNS, ids=range(len(COLUMNS)))
def test_text_read_as_stored_bytes_digests_as_text(values):
    """Whether a backend hands stored text over as str or as its UTF-8 bytes, the column's digest text is the same
    (the SQLite backend reads for digests without decoding)."""
    assert column_bytes(stored(values)) == column_text(values).encode()
    assert part_digest([("列", stored(values))], len(values)) == part_digest([("列", values)], len(values))


def test_a_blob_is_not_taken_for_the_text_it_spells():
    """A value whose type changed from text to BLOB (one byte of a record's header) changes the digest, though
    the bytes are the same: SQLite hands a BLOB over as bytes, stored text as STORED_TEXT."""
    text = [STORED_TEXT(b"abc"), STORED_TEXT("企业".encode())]
    assert column_bytes([b"abc", text[1]]) != column_bytes(text)
    assert column_bytes([text[0], None, text[1]]) == "abc\x1f\x00\x1f企业".encode()


def test_stored_text_that_is_not_utf8_is_a_changed_digest_not_an_error():
    damaged = [STORED_TEXT(b"ab\xff"), STORED_TEXT(b"cd")]
    assert column_bytes(damaged) == b"ab\xff\x1fcd"
    assert column_text([*damaged, 3]) == "ab\udcff\x1fcd\x1f3"  # among other kinds: decoded as it is
