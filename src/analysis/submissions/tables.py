"""Finding the contract table in a raw sheet grid, and raw cells as plain Python values."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import NoneType

import numpy as np
import pandas as pd

from analysis.submissions import contract
from analysis.submissions.cellref import column_letter
from analysis.submissions.contract import Column, Sheet


@dataclass
class Table:
    """The contract table found in one sheet."""

    sheet_name: str  # as written in the file
    sheet: Sheet
    header_row: int | None  # Excel row number; None when no header row was found
    columns: dict[str, int] = field(default_factory=dict)  # canonical column -> 0-based index
    extra_columns: dict[int, str] = field(default_factory=dict)  # 0-based index -> header as written
    duplicate_headers: list[tuple[str, str]] = field(default_factory=list)  # (canonical, as written)
    error_cells: dict[tuple[int, int], str] = field(default_factory=dict)
    merged_cells: dict[tuple[int, int], str] = field(default_factory=dict)  # see RawWorkbook.merged_cells
    # The non-blank data rows, column-wise: their Excel row numbers, and canonical column ->
    # cleaned cell values (object array, None for empty cells) aligned with row_numbers.
    row_numbers: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    data: dict[str, np.ndarray] = field(default_factory=dict)
    extra_data: dict[int, np.ndarray] = field(default_factory=dict)  # the same for extra_columns, by index

    @property
    def rows(self) -> list[tuple[int, dict[str, object]]]:
        """(Excel row, canonical column -> cleaned value) per data row."""
        names = list(self.data)
        columns = [self.data[n].tolist() for n in names]
        return (
            [
                (int(r), dict(zip(names, values, strict=True)))
                for r, *values in zip(self.row_numbers.tolist(), *columns, strict=True)
            ]
            if names
            else [(int(r), {}) for r in self.row_numbers.tolist()]
        )

    def row(self, i: int) -> dict[str, object]:
        """The cleaned values of the i-th data row (0-based position, not the Excel row)."""
        return {name: values[i] for name, values in self.data.items()}

    def column_label(self, index: int) -> str:
        """The column name to show for a 0-based index: canonical, else as written."""
        for name, i in self.columns.items():
            if i == index:
                return name
        return self.extra_columns.get(index) or column_letter(index)


# Elementwise over object arrays (always called with an array: typed so, not as the scalar case)
TYPE_OF: Callable[[np.ndarray], np.ndarray] = np.frompyfunc(type, 1, 1)
IS_SPACE: Callable[[np.ndarray], np.ndarray] = np.frompyfunc(str.isspace, 1, 1)


def clean(value: object) -> object:
    """A raw cell as a plain Python value; empty cells (NaN, '', spaces) are None."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, str) and not value.strip():
        return None
    return value


_HEADER_CACHE: dict[tuple, Column | None] = {}


def _match_header(sheet: Sheet, value: object) -> Column | None:
    """contract.match_header, remembered for the contract's own sheets (headers repeat in every file)."""
    if contract.SHEETS_BY_NAME.get(sheet.name) is not sheet or not isinstance(value, str):
        return contract.match_header(sheet, value)
    key = (sheet.name, value)
    if key not in _HEADER_CACHE:
        if len(_HEADER_CACHE) > 100_000:
            _HEADER_CACHE.clear()
        _HEADER_CACHE[key] = contract.match_header(sheet, value)
    return _HEADER_CACHE[key]


def _header_matches(sheet: Sheet, values: list[object]) -> int:
    return len({c.name for v in values if v is not None and (c := _match_header(sheet, v)) is not None})


def find_header_row(grid: pd.DataFrame, sheet: Sheet) -> int | None:
    """0-based index of the row (among the first few) that names most contract columns."""
    best, best_count = None, 0
    head = _cells(grid)[: contract.HEADER_SEARCH_ROWS]
    for i, values in enumerate(head.tolist()):
        count = _header_matches(sheet, [clean(v) for v in values])
        if count > best_count:
            best, best_count = i, count
        if count == len(sheet.columns):  # every column named: no later row can name more
            break
    return best


def _cells(grid: pd.DataFrame) -> np.ndarray:
    return grid.to_numpy(dtype=object, copy=False)


def locate_table(
    sheet_name: str,
    grid: pd.DataFrame,
    sheet: Sheet,
    error_cells: dict[tuple[int, int], str] | None = None,
    clean_grid: bool = False,
    merged_cells: dict[tuple[int, int], str] | None = None,
) -> Table:
    """Find the header row, map headers to contract columns, and collect non-empty rows."""
    table = Table(sheet_name, sheet, None, error_cells=dict(error_cells or {}), merged_cells=dict(merged_cells or {}))
    header = find_header_row(grid, sheet)
    if header is None:
        return table
    table.header_row = header + 1
    cells = _cells(grid)
    for j, value in enumerate(cells[header].tolist()):
        _map_header(table, j, clean(value))
    _data_rows(cells, header, table, clean_grid)
    return table


def _map_header(table: Table, index: int, value: object) -> None:
    if value is None:
        return
    column: Column | None = _match_header(table.sheet, value)
    if column is None:
        table.extra_columns[index] = str(value).strip()
    elif column.name in table.columns:
        table.duplicate_headers.append((column.name, str(value).strip()))
    else:
        table.columns[column.name] = index


def _data_rows(cells: np.ndarray, header: int, table: Table, clean_grid: bool) -> None:
    """Fill table.row_numbers and table.data with the non-blank rows below the header."""
    body = cells[header + 1 :]
    numbers = np.arange(header + 2, header + 2 + len(body), dtype=np.int64)
    used = sorted({*table.columns.values(), *table.extra_columns})
    cleaned = {j: body[:, j] if clean_grid else clean_array(body[:, j]) for j in used}
    keep = np.zeros(len(body), dtype=bool)
    for values in cleaned.values():
        keep |= values != None  # noqa: E711 - elementwise on an object array
    error_rows = {r for r, _ in table.error_cells}
    if error_rows:
        keep |= np.isin(numbers, list(error_rows))
    # blank rows (and formatting-only rows below the data) are not rows
    table.row_numbers = numbers[keep]
    table.data = {name: cleaned[j][keep] for name, j in table.columns.items()}
    table.extra_data = {j: cleaned[j][keep] for j in table.extra_columns}


_PLAIN_TYPES = (str, int, float, bool, datetime, date, time, timedelta, NoneType)


def clean_array(values: np.ndarray) -> np.ndarray:
    """clean() of every cell of a 1-d array, as an object array (None for empty cells)."""
    out = np.array(values, dtype=object, copy=True).reshape(-1)
    if not len(out):
        return out
    kinds = TYPE_OF(out)
    is_str = kinds == str  # noqa: E721 - elementwise over an array of types
    if is_str.any():
        where = np.flatnonzero(is_str)
        texts = out[where]
        blank = (texts == "") | IS_SPACE(texts).astype(bool)  # not v.strip()
        out[where[blank]] = None
    is_float = np.flatnonzero(kinds == float)  # noqa: E721 - elementwise over an array of types
    if len(is_float):
        nan = np.isnan(out[is_float].astype(np.float64))
        out[is_float[nan]] = None
    plain = is_str | (kinds == NoneType)
    for kind in _PLAIN_TYPES[1:-1]:
        plain |= kinds == kind
    for i in np.flatnonzero(~plain):  # numpy scalars, pandas Timestamps / NaT, …
        out[i] = clean(out[i])
    return out


def cell_text(value: object) -> str | None:
    """How a raw value is quoted back to the user in a problem message."""
    value = clean(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == time(0) else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (date, time, timedelta)):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    text = str(value).strip()
    return text if len(text) <= 60 else text[:60] + "…"
