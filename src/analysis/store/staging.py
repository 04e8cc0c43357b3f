"""Preparing submissions for the store, with no store needed (ingest does it in worker processes).

- the store's layout constants (sheets, meta columns), shared with `analysis.store.history`;
- `PreparedSheet` / `PreparedSubmission`: a submission converted to the values SQLite stores;
- value kinds (text/int/float/bool/date) and their conversion to and from SQLite values;
- `prepare` (convert a validated submission) and `stage` (write its rows to a scratch SQLite
  file the store then copies with one INSERT … SELECT per sheet).

This module does not import `analysis.store.history`; history imports it.
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

REGISTER_SHEETS = ("集群名录", "企业名录", "资质认定", "企业年度财务")
MONTHLY_SHEETS = ("集群月度", "指标填报", "情况说明")
ISSUED_SHEETS = ("目标分解",)  # every current part up to the period counts: later issues add, not replace
SHEETS = REGISTER_SHEETS + MONTHLY_SHEETS + ISSUED_SHEETS
MONTH_COLUMN = "年月"
UNIT_COLUMN = "地区"
META_COLUMNS = ("submission_id", UNIT_COLUMN, "_sheet", "_row", "_extra")


@dataclass
class PreparedSheet:
    """One sheet of a submission as the values SQLite stores (see `prepare`)."""

    name: str
    columns: list[str]  # data columns, in order
    kinds: dict[str, str]  # the kind each data column has in this sheet
    empty: frozenset[str]  # data columns without a value: they say nothing about their kind
    unit_rows: dict[str, int]  # rows per unit
    values: list[list] | None  # column by column: 地区, _sheet, _row, _extra, *data; None once staged
    constants: dict[int, object] = field(default_factory=dict)  # staged: columns (by position) with one value


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


# ---------------------------------------------------------------- value kinds

_WIDEN = {frozenset({"int", "float"}): "float", frozenset({"int", "bool"}): "int"}


def _widen(old: str, new: str) -> str:
    if old == new:
        return old
    return _WIDEN.get(frozenset({old, new}), "text")


def _kind_of(series: pd.Series) -> str:
    """The store kind of a column, from its dtype (or its values when object)."""
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    return {
        "integer": "int",
        "floating": "float",
        "mixed-integer-float": "float",
        "decimal": "float",
        "boolean": "bool",
        "date": "date",
        "datetime": "date",
        "datetime64": "date",
    }.get(inferred, "text")


def _to_db(series: pd.Series, kind: str) -> list:
    """Python values SQLite stores as-is; missing values become NULL."""
    if kind == "date":
        return _dates_to_db(pd.to_datetime(series, errors="coerce").to_numpy())
    elif kind == "bool" and not pd.api.types.is_bool_dtype(series):
        series = series.map(lambda v: v if _missing(v) else bool(v))
    elif kind == "text" and not pd.api.types.is_string_dtype(series):
        series = series.map(lambda v: v if _missing(v) else str(v))
    elif kind == "float":
        series = series.astype("float64")
    # to_numpy(object, na_value=None) yields Python scalars (int, float, str, bool) and None.
    # pandas-stubs leave None out of the types of na_value, which pandas accepts (hence the ignore)
    return series.to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[call-overload]


def _dates_to_db(stamps: np.ndarray) -> list:
    """'YYYY-MM-DD' text, or 'YYYY-MM-DD HH:MM:SS' for the whole column when any value has a time."""
    present = ~np.isnat(stamps)
    days = stamps.astype("datetime64[D]")
    timed = bool((stamps[present] != days[present]).any())
    text = np.datetime_as_string(stamps.astype("datetime64[s]") if timed else days, unit="s" if timed else "D")
    out = text.astype(object)
    if timed:
        out = np.array([t.replace("T", " ") for t in text.tolist()], dtype=object)
    out[~present] = None
    return out.tolist()


def _missing(value) -> bool:
    """None, NaN, NaT, NA: the common cases decided before pandas is asked (this runs per cell)."""
    if value is None:
        return True
    kind = type(value)
    if kind is float:
        return value != value
    if kind in (str, int, bool):
        return False
    return bool(pd.isna(value))


def _from_db(values: pd.Series, kind: str) -> pd.Series:
    if kind == "int":
        return values.astype("Int64")
    if kind == "float":
        return values.astype("float64")
    if kind == "bool":
        return values.map(lambda v: pd.NA if v is None else bool(v)).astype("boolean")
    if kind == "date":
        return pd.to_datetime(values, format="ISO8601")
    return values.astype("str")


def _month_text(series: pd.Series) -> pd.Series:
    """年月 as 'YYYY-MM' text whatever the reader handed over (text, Period, datetime)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime("%Y-%m")
    return series.map(lambda v: v if _missing(v) else str(v)[:7])


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
    )


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
    empty = frozenset(c for c, v in zip(columns, values[len(META_COLUMNS) - 1 :], strict=True) if v.count(None) == n)
    unit_rows = {u: k for u, k in Counter(units).items() if u is not None}
    return PreparedSheet(name, columns, kinds, empty, unit_rows, values)


def prepare_checked(checked) -> PreparedSubmission:
    """prepare() of a CheckedSubmission (submissions.checked): the same values, straight from the checked
    columns of Python values instead of through typed DataFrames."""
    extra = {s: list(c) for s, c in (checked.extra_columns or {}).items()}
    sheets = [_prepare_checked_sheet(table) for name, table in checked.tables.items() if name in SHEETS]
    units = sorted(set(checked.units) | {u for sheet in sheets for u in sheet.unit_rows})
    return PreparedSubmission(
        checked.file_name, checked.sha256, checked.period, units, extra, sheets, notes=list(checked.notes or [])
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
    empty = frozenset(c for c, v in zip(columns, values[len(META_COLUMNS) - 1 :], strict=True) if v.count(None) == n)
    unit_rows = {u: k for u, k in Counter(units).items() if u is not None}
    return PreparedSheet(table.name, columns, kinds, empty, unit_rows, values)


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
            assert values is not None  # a prepared submission is staged once
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
