"""Reading a submitted file into raw sheets.

Spreadsheets are read with calamine (fast) as raw cell values: numbers stay
numbers and text stays text, so the validator can tell a credit code typed as
text ('012…') from one Excel stored as a number (digits lost beyond 15). Only
empty or blank cells are empty: words such as 'NA' stay text.

Before calamine reads an .xlsx/.xlsm, its zip is scanned (xlsx_scan): hostile or
oversized files are refused, and cells calamine reads as empty although they are
not are collected as error_cells. CSV files are read by csvfile; finding the table
in a sheet is in tables. Every failure to read is one Chinese line (UserError),
never a traceback.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import UserError, visible
from analysis.submissions import contract
from analysis.submissions.cellref import column_letter

# Still importable from here, as before these moved to the modules above.
from analysis.submissions.cellref import ref_to_index as _ref_to_index  # noqa: F401
from analysis.submissions.csvfile import (
    decode_text,  # noqa: F401
    read_csv,
)
from analysis.submissions.limits import Limits, too_large_file, too_many_rows
from analysis.submissions.limits import current as current_limits
from analysis.submissions.tables import (  # noqa: F401
    IS_SPACE,
    TYPE_OF,
    Table,
    cell_text,
    clean,
    clean_array,
    find_header_row,
    locate_table,
)
from analysis.submissions.xlsx_scan import _cell_problems, _cell_problems_in_order, scan_zip, sniff_excel  # noqa: F401

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
CSV_SUFFIXES = {".csv"}


@dataclass
class RawWorkbook:
    """All sheets of a file as raw grids: grid.iloc[i, j] is Excel cell (row i+1, column j+1)."""

    path: Path
    sheets: dict[str, pd.DataFrame]
    # sheet name -> {(excel row, 0-based column): '#REF!'}
    error_cells: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    sha256: str | None = None  # of the file's bytes, so they are read once
    clean: bool = False  # every cell is already clean() (the calamine reader's grids)
    # sheet name -> {(excel row, 0-based column): 'C2'}: cells of a merged range, given its first cell's value
    merged_cells: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)


# --- reading files -------------------------------------------------------------------------


def read_workbook(path: str | Path, limits: Limits | None = None) -> RawWorkbook:
    """Read an .xlsx/.xlsm/.xls or .csv file; UserError (one line, control characters of the file's name and
    content escaped) when it cannot be read, or when it passes a limit (limits.py) before it is read."""
    path = Path(path)
    try:
        return _read_workbook(path, limits or current_limits())
    except UserError as err:
        raise UserError(visible(str(err))) from None


def _read_workbook(path: Path, limits: Limits) -> RawWorkbook:
    suffix = path.suffix.lower()
    if suffix not in EXCEL_SUFFIXES | CSV_SUFFIXES:
        raise UserError(f"{path.name}：不支持的文件类型“{path.suffix or '无扩展名'}”，请报送 .xlsx、.xls 或 .csv 文件")
    try:
        size = path.stat().st_size
        if size > limits.file_bytes:
            raise too_large_file(path.name, size, limits.file_bytes)
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path.name}：无法读取文件（{exc.strerror}）") from None
    if not data.strip():
        raise UserError(f"{path.name}：文件为空")
    raw = RawWorkbook(path, read_csv(path, data, limits)) if suffix in CSV_SUFFIXES else _read_excel(path, data, limits)
    raw.sha256 = hashlib.sha256(data).hexdigest()
    return raw


def wanted_sheet(name: str) -> bool:
    """A sheet the contract reads (a data sheet or 填报说明); others are never inflated nor read."""
    return contract.sheet_for(name) is not None or contract.normalise_sheet_name(name) == _INSTRUCTIONS


_INSTRUCTIONS = contract.normalise_sheet_name(contract.INSTRUCTIONS_SHEET)


def _read_excel(path: Path, data: bytes, limits: Limits) -> RawWorkbook:
    sniff_excel(path, data)
    errors: dict[str, dict[tuple[int, int], str]] = {}
    merges: dict[str, list[tuple[int, int, int, int]]] = {}
    if data.startswith(b"PK"):
        errors, merges = scan_zip(path, data, limits, wanted_sheet)
    try:
        sheets, merged = {}, {}
        for name, grid in _calamine_sheets(data, path.name, limits).items():
            sheets[name], filled = _fill_merged(grid, merges.get(name, []))
            if filled:
                merged[name] = filled
        return RawWorkbook(path, sheets, errors, clean=True, merged_cells=merged)
    except Exception as exc:  # noqa: BLE001 - calamine raises many kinds; pandas' reader gets a second try
        failure = exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = pd.ExcelFile(io.BytesIO(data), engine="calamine")
            names = [n for n in book.sheet_names if wanted_sheet(str(n))]
            read = pd.read_excel(book, sheet_name=names, header=None, dtype=object, na_filter=False)
    except Exception:  # noqa: BLE001 - the first failure says more (it may name the sheet)
        raise _unreadable(path.name, failure) from None
    sheets = {str(name): grid for name, grid in read.items()}
    for name, grid in sheets.items():
        _check_grid(path.name, name, grid.shape, limits)
    return RawWorkbook(path, sheets, errors)


class _SheetUnreadable(Exception):
    def __init__(self, sheet: str, cause: Exception):
        super().__init__(sheet)
        self.sheet, self.cause = sheet, cause


def _unreadable(file_name: str, exc: Exception) -> UserError:
    """One Chinese line for a file calamine cannot read (its English error text is not shown)."""
    cause = exc.cause if isinstance(exc, _SheetUnreadable) else exc
    if "password" in str(cause).lower():
        return UserError(f"{file_name}：文件设置了打开密码（已加密），请取消密码后另存为 .xlsx 再报送")
    if isinstance(exc, _SheetUnreadable):
        return UserError(f"{file_name}：工作表“{exc.sheet}”无法读取，文件已损坏（请用 Excel 或 WPS 打开后重新保存）")
    return UserError(f"{file_name}：文件已损坏或不是 Excel 表格，无法读取（请用 Excel 或 WPS 打开后重新保存）")


def _calamine_sheets(data: bytes, file_name: str, limits: Limits) -> dict[str, pd.DataFrame]:
    """Every worksheet the contract reads (wanted_sheet) as an object grid of clean() cells: what
    pandas.read_excel(engine="calamine", header=None, dtype=object, na_filter=False) returns -- whole
    floats as int, dates as datetime -- without its per-cell parser, and blank cells None. Words such as
    'NA' or 'null' stay text. Other worksheets are listed by name with an empty grid, never read."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    out: dict[str, pd.DataFrame] = {}
    for meta in book.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet or meta.name in out:
            continue
        if not wanted_sheet(meta.name):
            out[meta.name] = pd.DataFrame()
            continue
        try:
            sheet = book.get_sheet_by_name(meta.name)
            _check_grid(file_name, meta.name, (sheet.height, sheet.width), limits)  # an .xls is not scanned before
            rows = sheet.to_python(skip_empty_area=False)
        except UserError:
            raise
        except Exception as exc:  # noqa: BLE001 - any calamine error: this sheet cannot be read
            raise _SheetUnreadable(meta.name, exc) from exc
        out[meta.name] = _calamine_grid(rows)
    return out


def _check_grid(file_name: str, sheet: str, shape: tuple[int, int], limits: Limits) -> None:
    """The rows limit on a sheet's used range, before its cells are converted: what bounds an .xls (not
    streamed before calamine reads it; the format itself holds at most 65,536 rows of 256 columns)."""
    if shape[0] > limits.rows:
        raise too_many_rows(file_name, sheet, limits.rows, shape[0])


def _calamine_grid(rows: list[list]) -> pd.DataFrame:
    if not rows or not rows[0]:
        return pd.DataFrame()
    grid = np.empty((len(rows), len(rows[0])), dtype=object)
    grid[:] = rows
    flat = grid.reshape(-1)
    kinds = TYPE_OF(flat)
    is_text, is_float = kinds == str, kinds == float  # noqa: E721 - elementwise over an array of types
    texts = np.flatnonzero(is_text)
    if len(texts):  # empty cells come as '': they and blank text are missing
        cells = flat[texts]
        flat[texts[(cells == "") | IS_SPACE(cells).astype(bool)]] = None
    floats = np.flatnonzero(is_float)
    if len(floats):
        values = flat[floats].astype(np.float64)
        flat[floats[np.isnan(values)]] = None
        whole = np.isfinite(values) & (np.floor(values) == values)
        exact = whole & (np.abs(values) < 2.0**62)  # within int64: converted in one go
        flat[floats[exact]] = values[exact].astype(np.int64).tolist()
        flat[floats[whole & ~exact]] = [int(v) for v in values[whole & ~exact].tolist()]
    rest = np.flatnonzero(~(is_text | is_float))  # None, bool, date, datetime, time …
    days = rest[kinds[rest] == date]
    if len(days):
        as_datetime = {d: datetime(d.year, d.month, d.day) for d in set(flat[days].tolist())}
        flat[days] = [as_datetime[d] for d in flat[days].tolist()]
    return pd.DataFrame(grid, dtype=object)


def _fill_merged(
    grid: pd.DataFrame, ranges: list[tuple[int, int, int, int]]
) -> tuple[pd.DataFrame, dict[tuple[int, int], str]]:
    """The grid with every cell of a merged range given its first cell's value, as Excel shows
    it (a 所属地区 merged over the rows of one county belongs to each of them), and the cells filled."""
    if not ranges or grid.empty:
        return grid, {}
    cells = grid.to_numpy(dtype=object, copy=True)
    height, width = cells.shape
    filled = {}
    for r1, c1, r2, c2 in ranges:
        if r1 > height or c1 >= width or cells[r1 - 1, c1] is None:
            continue
        anchor, value = f"{column_letter(c1)}{r1}", cells[r1 - 1, c1]
        for r in range(r1, min(r2, height) + 1):
            for c in range(c1, min(c2, width - 1) + 1):
                if (r, c) != (r1, c1) and cells[r - 1, c] is None:
                    cells[r - 1, c] = value
                    filled[(r, c)] = anchor
    return (pd.DataFrame(cells, dtype=object) if filled else grid), filled
