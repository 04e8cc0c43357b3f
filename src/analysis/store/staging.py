"""Preparing submissions for the store, with no store needed (ingest does it in worker processes).

- `PreparedSheet` / `PreparedSubmission`: a submission converted to the values the store keeps, with the
  digest of each unit's rows (`analysis.store.digests`);
- `prepare` (convert a validated submission) and `stage` (write its rows to a scratch SQLite
  file the SQLite backend copies with one INSERT … SELECT per sheet, the PostgreSQL one with COPY).

The layout constants and value kinds it uses are in `analysis.store.layout` and `analysis.store.values`
(re-exported here under their former names).
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from json.encoder import encode_basestring as _json_text  # C-accelerated, keeps non-ASCII as is
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.store.digests import unit_digests
from analysis.store.layout import (
    ISSUED_SHEETS,
    META_COLUMNS,
    MONTH_COLUMN,
    MONTHLY_SHEETS,
    REGISTER_SHEETS,
    ROW_COLUMNS,
    SHEETS,
    UNIT_COLUMN,
)
from analysis.store.values import canon
from analysis.store.values import dates_to_db as _dates_to_db
from analysis.store.values import from_db as _from_db
from analysis.store.values import kind_of as _kind_of
from analysis.store.values import missing as _missing
from analysis.store.values import month_text as _month_text
from analysis.store.values import to_db as _to_db
from analysis.store.values import widen as _widen

__all__ = [
    "ISSUED_SHEETS",
    "META_COLUMNS",
    "MONTHLY_SHEETS",
    "MONTH_COLUMN",
    "REGISTER_SHEETS",
    "SHEETS",
    "UNIT_COLUMN",
    "PreparedSheet",
    "PreparedSubmission",
    "prepare",
    "copy_ready",
    "prepare_checked",
    "stage",
    "_dates_to_db",
    "_from_db",
    "_widen",
]


@dataclass
class PreparedSheet:
    """One sheet of a submission as the values the store keeps (see `prepare`)."""

    name: str
    columns: list[str]  # data columns, in order
    kinds: dict[str, str]  # the kind each data column has in this sheet
    empty: frozenset[str]  # data columns without a value: they say nothing about their kind
    unit_rows: dict[str, int]  # rows per unit
    values: list[list] | None  # column by column: 地区, _sheet, _row, _extra, *data; None once staged
    constants: dict[int, object] = field(default_factory=dict)  # staged: columns (by position) with one value
    digests: dict[str, str] = field(default_factory=dict)  # unit -> digest of its rows (digests.unit_digests)
    copy_rows: bytes | None = None  # the rows as PostgreSQL's COPY text, without their submission id (copy_ready)


@dataclass
class PreparedSubmission:
    """A submission converted for the store, in memory or staged in a file of its own.

    Preparing and staging need no store, so ingest does them in worker processes; the
    store then copies a staged file's rows with one INSERT … SELECT per sheet.
    """

    file_name: str
    sha256: str
    period: str
    units: list[str]
    extra_columns: dict[str, list[str]]
    sheets: list[PreparedSheet]
    stage: Path | None = None  # the SQLite file holding the rows (see `stage`)
    notes: list[str] = field(default_factory=list)  # what the validator resolved for the user (a former name …)
    source: Path | None = None  # the file read (its bytes go into the store's archive)
    archived: bool = False  # its bytes are in the archive already (put there by the worker that read it)


# ---------------------------------------------------------------- preparing submissions


def prepare(submission) -> PreparedSubmission:
    """A validated submission converted to the values the store keeps; needs no store."""
    extra = {s: list(c) for s, c in (submission.extra_columns or {}).items()}
    sheets = [_prepare_sheet(name, df, extra.get(name, [])) for name, df in submission.tables.items() if name in SHEETS]
    units = sorted(set(submission.units) | {u for sheet in sheets for u in sheet.unit_rows})
    return PreparedSubmission(
        submission.file_name,
        submission.sha256,
        submission.period,
        units,
        extra,
        sheets,
        notes=list(getattr(submission, "notes", None) or []),
        source=_path_of(submission),
    )


def _path_of(submission) -> Path | None:
    path = getattr(submission, "path", None)
    return Path(path) if path is not None else None


def _sheet(name: str, columns: list[str], kinds: dict, values: list[list], n: int) -> PreparedSheet:
    """A PreparedSheet of row-aligned `values` (ROW_COLUMNS then `columns`), with its units' digests."""
    units = values[0]
    empty = frozenset(c for c, v in zip(columns, values[len(ROW_COLUMNS) :], strict=True) if v.count(None) == n)
    unit_rows = {u: k for u, k in Counter(units).items() if u is not None}
    digests = unit_digests([*ROW_COLUMNS, *columns], values, units)
    return PreparedSheet(name, columns, kinds, empty, unit_rows, values, digests=digests)


def _prepare_sheet(name: str, df: pd.DataFrame, extra: list[str]) -> PreparedSheet:
    if df.columns.has_duplicates:  # a sheet's own 地区 column and the derived 地区 coincide: keep one
        df = df.loc[:, ~df.columns.duplicated(keep="last")]
    columns = [c for c in df.columns if c not in META_COLUMNS and c not in extra]
    n = len(df)
    units = _to_db(df[UNIT_COLUMN], "text")
    values = [
        units,
        _to_db(df["_sheet"], "text") if "_sheet" in df else [None] * n,
        _to_db(df["_row"], "int") if "_row" in df else [None] * n,
        _extra_json(df, [c for c in extra if c in df.columns]),
    ]
    kinds = {}
    for col in columns:
        kinds[col] = "text" if col == MONTH_COLUMN else _kind_of(df[col])
        values.append(_to_db(_month_text(df[col]) if col == MONTH_COLUMN else df[col], kinds[col]))
    return _sheet(name, columns, kinds, values, n)


def prepare_checked(checked) -> PreparedSubmission:
    """prepare() of a CheckedSubmission (submissions.checked): the same values, straight from the checked
    columns of Python values instead of through typed DataFrames."""
    extra = {s: list(c) for s, c in (checked.extra_columns or {}).items()}
    sheets = [_prepare_checked_sheet(table) for name, table in checked.tables.items() if name in SHEETS]
    units = sorted(set(checked.units) | {u for sheet in sheets for u in sheet.unit_rows})
    return PreparedSubmission(
        checked.file_name,
        checked.sha256,
        checked.period,
        units,
        extra,
        sheets,
        notes=list(checked.notes or []),
        source=_path_of(checked),
    )


def _prepare_checked_sheet(table) -> PreparedSheet:
    n = len(table.row_numbers)
    columns = [c for c in table.columns if c not in META_COLUMNS]
    units = _plain_to_db(table.columns[UNIT_COLUMN], "text")
    extras = {
        name: [v if v is None or type(v) is str else (None if _missing(v) else v) for v in cells.tolist()]
        for name, cells in table.extras.items()
    }
    values = [units, [table.sheet_name] * n, table.row_numbers.astype(np.int64).tolist(), _json_rows(extras, n)]
    kinds = {c: "text" if c == MONTH_COLUMN else table.kinds[c] for c in columns}
    for col in columns:
        cells = table.columns[col]
        if col == MONTH_COLUMN:
            cells = [v if _missing(v) else str(v)[:7] for v in cells.tolist()]
        values.append(_plain_to_db(cells, kinds[col]))
    return _sheet(table.name, columns, kinds, values, n)


def _plain_to_db(cells, kind: str) -> list:
    """_to_db of a column of Python values (what a typed Series of them converts to). The validator's values
    already have their kind's type: each comprehension passes those on and converts anything else."""
    cells = cells.tolist() if isinstance(cells, np.ndarray) else list(cells)
    if kind == "text":
        return [v if type(v) is str else (None if _missing(v) else str(v)) for v in cells]
    if kind == "int":
        return [v if v is None or type(v) is int else (None if _missing(v) else int(v)) for v in cells]
    if kind == "float":
        return [v if v is None or (type(v) is float and v == v) else (None if _missing(v) else float(v)) for v in cells]
    if kind == "bool":
        return [v if v is None or type(v) is bool else (None if _missing(v) else bool(v)) for v in cells]
    if all(v is None or type(v) is date for v in cells):  # what the validator gives: dates, never times
        return [None if v is None else v.isoformat() for v in cells]
    return _to_db(pd.Series(cells, dtype=object), "date")


def stage(prepared: PreparedSubmission, path: Path) -> PreparedSubmission:
    """Write a prepared submission's rows into a new SQLite file `path`; the copy returned
    carries no rows, only the file (cheap to hand from a worker process to the writer).
    地区, _sheet and _extra usually hold one value for the whole sheet: those are kept
    as constants instead of being written row by row."""
    conn = sqlite3.connect(path, isolation_level=None)
    sheets = []
    try:
        conn.execute("PRAGMA journal_mode = OFF")  # a scratch file: no journal, no fsync
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        for index, sheet in enumerate(prepared.sheets):
            values = sheet.values
            assert values is not None, "a sheet is staged once"
            constants = {pos: values[pos][0] for pos in _USUALLY_CONSTANT if _one_value(values[pos])}
            staged = [pos for pos in range(len(values)) if pos not in constants]
            conn.execute(f"CREATE TABLE {_stage_table(index)} ({', '.join(f'c{pos}' for pos in staged)})")
            conn.executemany(
                f"INSERT INTO {_stage_table(index)} VALUES ({','.join('?' * len(staged))})",
                zip(*(values[pos] for pos in staged), strict=True),
            )
            sheets.append(replace(sheet, values=None, constants=constants))
        conn.execute("COMMIT")
    finally:
        conn.close()
    return replace(prepared, sheets=sheets, stage=Path(path))


def copy_ready(prepared: PreparedSubmission) -> PreparedSubmission:
    """The rows of every sheet as the text PostgreSQL's COPY reads, made where the file was read (a worker), so the
    writer sends them as they are instead of formatting row by row; the copy returned carries no other rows.

    Each value is written as its `values.canon` text, which the column reads back as the same value whatever kind
    it is stored as (a text, float or int column a later file widened: as `values.coerce` would convert it)."""
    sheets = []
    for sheet in prepared.sheets:
        assert sheet.values is not None, "rows are made ready once"
        sheets.append(replace(sheet, values=None, copy_rows=_copy_rows(sheet.values)))
    return replace(prepared, sheets=sheets)


def _copy_rows(values: list[list]) -> bytes:
    """COPY text of row-aligned columns: a line per row (no newline after the last), values separated by tabs."""
    columns = [_copy_column(column) for column in values]
    return "\n".join(map("\t".join, zip(*columns, strict=True))).encode("utf-8")


_COPY_NULL = "\\N"
_COPY_SPECIAL = ("\\", "\t", "\n", "\r")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_column(values: list) -> list[str]:
    kinds = set(map(type, values))
    gaps = type(None) in kinds
    if kinds <= {int, type(None)}:  # canon(int) is str(int), and needs no escape
        return [_COPY_NULL if v is None else str(v) for v in values] if gaps else list(map(str, values))
    texts: list[str | None] = values if kinds == {str} else [None if v is None else canon(v) for v in values]
    present = [v for v in texts if v is not None]
    if any(special in "".join(present) for special in _COPY_SPECIAL):
        present = [v.translate(_COPY_ESCAPES) for v in present]
    if not gaps:
        return present
    filled = iter(present)
    return [_COPY_NULL if v is None else next(filled) for v in texts]


# Positions in PreparedSheet.values (META_COLUMNS without submission_id) of 地区, _sheet, _extra.
_USUALLY_CONSTANT = tuple(META_COLUMNS.index(name) - 1 for name in (UNIT_COLUMN, "_sheet", "_extra"))


def _one_value(values: list) -> bool:
    return bool(values) and values.count(values[0]) == len(values)


def _stage_table(index: int) -> str:
    return f"sheet{index}"


# ---------------------------------------------------------------- the _extra column


def _extra_json(df: pd.DataFrame, extra: list[str]) -> list:
    """Per row, the JSON object of the extra columns' values: json.dumps(ensure_ascii=False)
    of {column: value}, written column by column (a json.dumps per row is slow for big sheets)."""
    return _json_rows({name: df[name].astype(object).where(df[name].notna(), None).tolist() for name in extra}, len(df))


def _json_rows(columns: dict[str, list], n: int) -> list:
    """_extra_json of columns of Python values (None where missing)."""
    if not columns:
        return [None] * n
    pairs = []
    for name, values in columns.items():
        key = _json_text(name)
        pairs.append([f"{key}: {_json_scalar(v)}" for v in values])
    return ["{" + ", ".join(row) + "}" for row in zip(*pairs, strict=True)]


def _json_scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return _json_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return json.dumps(value)
    return _json_text(str(value))
