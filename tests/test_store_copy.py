"""Rows handed to PostgreSQL as COPY text (staging.copy_ready, made in ingest's workers): every value reads back
as the value itself, whatever it holds (tabs, newlines, backslashes, a text that spells COPY's NULL), and as what
values.coerce would make of it in a column a later file widened."""

from __future__ import annotations

import math

import psycopg
import pytest

from analysis.store.postgres_backend import PostgresBackend
from analysis.store.staging import PreparedSheet, PreparedSubmission, _copy_rows, copy_ready
from analysis.store.values import canon, coerce

TEXTS = ["甲乙", "a\tb", "第一行\n第二行", "回车\r", "反斜杠\\", "\\N", "", None, "\\\\t"]
INTS = [1, -30, 10**15, None, 0, 7, 8, 9, 10]
FLOATS = [0.1, 13.0, 1e300, None, -2.5, 1 / 3, 2.0**60, 5e-324, 123456.789]
BOOLS = [True, False, None, True, True, False, False, True, None]


def _load(url: str, types: list[str], columns: list[list]) -> list[tuple]:
    """COPY the row-aligned `columns` into a new table of `types` through the backend; the rows read back."""
    backend = PostgresBackend(url)
    names = ["submission_id", *(f"c{i}" for i in range(len(types)))]
    with psycopg.connect(url, autocommit=True) as conn:
        declared = ", ".join(f"c{i} {t}" for i, t in enumerate(types))
        conn.execute(f"CREATE TABLE t (submission_id INTEGER, {declared}, rowid BIGSERIAL)")
        backend.insert_copy(conn, 41, "t", names, _copy_rows(columns))
        backend.insert_copy(conn, 42, "t", names, _copy_rows([column[:2] for column in columns]))
        return conn.execute(f"SELECT {', '.join(names)} FROM t ORDER BY rowid").fetchall()


def test_each_value_reads_back_as_itself(postgres_url):
    rows = _load(postgres_url, ["TEXT", "BIGINT", "DOUBLE PRECISION", "BOOLEAN"], [TEXTS, INTS, FLOATS, BOOLS])
    assert len(rows) == len(TEXTS) + 2
    assert [r[0] for r in rows] == [41] * len(TEXTS) + [42, 42]  # each line carries its submission id
    assert [r[1] for r in rows[: len(TEXTS)]] == TEXTS
    assert [r[2] for r in rows[: len(TEXTS)]] == INTS
    assert [r[3] for r in rows[: len(TEXTS)]] == FLOATS  # exactly: the shortest form of a double reads back as it
    assert [r[4] for r in rows[: len(TEXTS)]] == BOOLS
    assert rows[-2][1:] == (TEXTS[0], INTS[0], FLOATS[0], BOOLS[0])


def test_a_widened_column_reads_what_coerce_would_store(postgres_url):
    numbers = [13, 2.5, None, 10**15, 1e300]
    rows = _load(postgres_url, ["TEXT", "BIGINT", "DOUBLE PRECISION"], [numbers, BOOLS[:5], INTS[:5]])
    assert [r[1] for r in rows[:5]] == coerce(numbers, "text") == ["13", "2.5", None, str(10**15), canon(1e300)]
    assert [r[2] for r in rows[:5]] == coerce(BOOLS[:5], "int") == [1, 0, None, 1, 1]
    floats = [r[3] for r in rows[:5]]
    assert floats == coerce(INTS[:5], "float") and all(v is None or isinstance(v, float) for v in floats)


def test_copy_ready_keeps_the_digests_and_drops_the_rows():
    sheet = PreparedSheet("集群名录", ["集群名称"], {"集群名称": "text"}, frozenset(), {"新乐市": 2},
                          [["新乐市", "新乐市"], ["集群名录", "集群名录"], [2, 3], [None, None], ["甲", "乙\t丙"]],
                          digests={"新乐市": "d"})  # fmt: skip
    prepared = PreparedSubmission("f.xlsx", "sha", "2025-09", ["新乐市"], {}, [sheet])
    ready = copy_ready(prepared).sheets[0]
    assert ready.values is None and ready.digests == {"新乐市": "d"} and ready.unit_rows == {"新乐市": 2}
    assert ready.copy_rows == "新乐市\t集群名录\t2\t\\N\t甲\n新乐市\t集群名录\t3\t\\N\t乙\\t丙".encode()


@pytest.mark.parametrize("value", [math.inf, -math.inf])
def test_an_infinite_float_reads_back(postgres_url, value):
    assert _load(postgres_url, ["DOUBLE PRECISION"], [[value]])[0][1] == value
