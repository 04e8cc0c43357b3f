"""Value kinds (text / int / float / bool / date): how a column's values go into the store and come back out.
The one text form of a value that digests and widened columns use on every backend is `canonical.canon`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.store.canonical import EXACT_FLOAT as EXACT_FLOAT  # re-exported: the one text form lives there
from analysis.store.canonical import canon as canon

_WIDEN = {frozenset({"int", "float"}): "float", frozenset({"int", "bool"}): "int"}


def widen(old: str, new: str) -> str:
    """The kind of a column that held `old` values and now receives `new` ones (anything mixed: text)."""
    if old == new:
        return old
    return _WIDEN.get(frozenset({old, new}), "text")


def kind_of(series: pd.Series) -> str:
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


def to_db(series: pd.Series, kind: str) -> list:
    """Python values the store keeps as they are; missing values become None."""
    if kind == "date":
        return dates_to_db(pd.to_datetime(series, errors="coerce").to_numpy())
    elif kind == "bool" and not pd.api.types.is_bool_dtype(series):
        series = series.map(lambda v: v if missing(v) else bool(v))
    elif kind == "text" and not pd.api.types.is_string_dtype(series):
        series = series.map(lambda v: v if missing(v) else str(v))
    elif kind == "float":
        series = series.astype("float64")
    # to_numpy(object, na_value=None) yields Python scalars (int, float, str, bool) and None.
    # pandas-stubs leave None out of the types of na_value, which pandas accepts (hence the ignore)
    return series.to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[call-overload]


def dates_to_db(stamps: np.ndarray) -> list:
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


def missing(value) -> bool:
    """None, NaN, NaT, NA: the common cases decided before pandas is asked (this runs per cell)."""
    if value is None:
        return True
    kind = type(value)
    if kind is float:
        return value != value
    if kind in (str, int, bool):
        return False
    return bool(pd.isna(value))


def from_db(values: pd.Series, kind: str) -> pd.Series:
    """A column read from the store, with the dtype of its kind."""
    if kind == "int":
        return values.astype("Int64")
    if kind == "float":
        return values.astype("float64")
    if kind == "bool":
        return values.map(lambda v: pd.NA if v is None else bool(v)).astype("boolean")
    if kind == "date":
        return pd.to_datetime(values, format="ISO8601")
    return values.astype("str")


def month_text(series: pd.Series) -> pd.Series:
    """年月 as 'YYYY-MM' text whatever the reader handed over (text, Period, datetime)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime("%Y-%m")
    return series.map(lambda v: v if missing(v) else str(v)[:7])


def coerce(values: list, kind: str) -> list:
    """Values of a column converted to the kind the store keeps it as (a column widened before these arrived):
    numbers of a text column become their `canon` text, bools of an int column 0/1, ints of a float column
    floats. Values that already fit are passed on."""
    if kind == "text":
        return [v if v is None or type(v) is str else canon(v) for v in values]
    if kind == "float":
        return [float(v) if type(v) in (int, bool) else v for v in values]
    if kind == "int":
        return [int(v) if type(v) is bool else v for v in values]
    return values
