"""Reading a submitted file into raw sheets, and finding each sheet's table.

Spreadsheets are read with calamine (fast) as raw cell values: numbers stay
numbers and text stays text, so the validator can tell a credit code typed as
text ('012…') from one Excel stored as a number (digits lost beyond 15). Cells
that Excel saved as formula errors come back empty from calamine, so the sheet
XML of .xlsx/.xlsm files is scanned for them separately. Every failure to read
is one Chinese line (UserError), never a traceback.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import math
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path, PurePosixPath
from types import NoneType

import numpy as np
import pandas as pd
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from . import contract
from .contract import Column, Sheet
from .errors import UserError

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
CSV_SUFFIXES = {".csv"}
MAX_UNZIPPED_BYTES = 1 << 30  # refuse zip bombs before calamine inflates them in memory
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_SSML = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ERROR_CELL = re.compile(rb"""\bt\s*=\s*["']e["']""")


@dataclass
class RawWorkbook:
    """All sheets of a file as raw grids: grid.iloc[i, j] is Excel cell (row i+1, column j+1)."""
    path: Path
    sheets: dict[str, pd.DataFrame]
    # sheet name -> {(excel row, 0-based column): '#REF!'}
    error_cells: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    sha256: str | None = None  # of the file's bytes, so they are read once
    clean: bool = False        # every cell is already clean() (the calamine reader's grids)


@dataclass
class Table:
    """The contract table found in one sheet."""
    sheet_name: str                      # as written in the file
    sheet: Sheet
    header_row: int | None               # Excel row number; None when no header row was found
    columns: dict[str, int] = field(default_factory=dict)        # canonical column -> 0-based index
    extra_columns: dict[int, str] = field(default_factory=dict)  # 0-based index -> header as written
    duplicate_headers: list[tuple[str, str]] = field(default_factory=list)  # (canonical, as written)
    error_cells: dict[tuple[int, int], str] = field(default_factory=dict)
    # The non-blank data rows, column-wise: their Excel row numbers, and canonical column ->
    # cleaned cell values (object array, None for empty cells) aligned with row_numbers.
    row_numbers: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    data: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def rows(self) -> list[tuple[int, dict[str, object]]]:
        """(Excel row, canonical column -> cleaned value) per data row."""
        names = list(self.data)
        columns = [self.data[n].tolist() for n in names]
        return [(int(r), dict(zip(names, values)))
                for r, *values in zip(self.row_numbers.tolist(), *columns)] if names else \
            [(int(r), {}) for r in self.row_numbers.tolist()]

    def row(self, i: int) -> dict[str, object]:
        """The cleaned values of the i-th data row (0-based position, not the Excel row)."""
        return {name: values[i] for name, values in self.data.items()}

    def column_label(self, index: int) -> str:
        """The column name to show for a 0-based index: canonical, else as written."""
        for name, i in self.columns.items():
            if i == index:
                return name
        return self.extra_columns.get(index) or column_letter(index)


def column_letter(index: int) -> str:
    """0 -> 'A', 27 -> 'AB'."""
    out, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _ref_to_index(ref: str) -> tuple[int, int]:
    """'AB12' -> (12, 27)."""
    m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", ref)
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col - 1


# --- reading files -------------------------------------------------------------------------


def read_workbook(path: str | Path) -> RawWorkbook:
    """Read an .xlsx/.xlsm/.xls or .csv file; UserError (one line) when it cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in EXCEL_SUFFIXES | CSV_SUFFIXES:
        raise UserError(f"{path.name}：不支持的文件类型“{path.suffix or '无扩展名'}”，请报送 .xlsx、.xls 或 .csv 文件")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path.name}：无法读取文件（{exc.strerror}）") from None
    if not data.strip():
        raise UserError(f"{path.name}：文件为空")
    raw = _read_csv(path, data) if suffix in CSV_SUFFIXES else _read_excel(path, data)
    raw.sha256 = hashlib.sha256(data).hexdigest()
    return raw


def _read_excel(path: Path, data: bytes) -> RawWorkbook:
    _sniff_excel(path, data)
    errors: dict[str, dict[tuple[int, int], str]] = {}
    if data.startswith(b"PK"):
        errors = _scan_zip(path, data)
    try:
        return RawWorkbook(path, _calamine_sheets(data), errors, clean=True)
    except Exception:  # noqa: BLE001 - let pandas' reader decide (and name) the failure, as before
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, engine="calamine", dtype=object)
        except Exception as exc:  # calamine raises many kinds; all mean "cannot read this file"
            raise UserError(f"{path.name}：无法读取，文件可能已损坏或不是 Excel 表格（{type(exc).__name__}）") from None
    return RawWorkbook(path, {str(name): grid for name, grid in sheets.items()}, errors)


_TYPE_OF = np.frompyfunc(type, 1, 1)
_IS_SPACE = np.frompyfunc(str.isspace, 1, 1)


def _calamine_sheets(data: bytes) -> dict[str, pd.DataFrame]:
    """Every worksheet as an object grid of clean() cells: what pandas.read_excel(engine="calamine",
    header=None, dtype=object) returns -- whole floats as int, dates as datetime, pandas' default
    NA strings ('NA', 'null', …) missing -- without its per-cell parser, and blank cells None."""
    from pandas._libs.parsers import STR_NA_VALUES
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    is_na_text = np.frompyfunc(frozenset(STR_NA_VALUES).__contains__, 1, 1)
    out: dict[str, pd.DataFrame] = {}
    for meta in book.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet or meta.name in out:
            continue
        rows = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        out[meta.name] = _calamine_grid(rows, is_na_text)
    return out


def _calamine_grid(rows: list[list], is_na_text) -> pd.DataFrame:
    if not rows or not rows[0]:
        return pd.DataFrame()
    grid = np.empty((len(rows), len(rows[0])), dtype=object)
    grid[:] = rows
    flat = grid.reshape(-1)
    kinds = _TYPE_OF(flat)
    texts = np.flatnonzero(kinds == str)
    if len(texts):  # empty cells come as '': they, blanks and NA words are missing
        cells = flat[texts]
        flat[texts[is_na_text(cells).astype(bool) | _IS_SPACE(cells).astype(bool)]] = None
    floats = np.flatnonzero(kinds == float)
    if len(floats):
        values = flat[floats].astype(np.float64)
        flat[floats[np.isnan(values)]] = None
        whole = np.isfinite(values) & (np.floor(values) == values)
        flat[floats[whole]] = [int(v) for v in values[whole].tolist()]
    for i in np.flatnonzero(kinds == date):
        value = flat[i]
        flat[i] = datetime(value.year, value.month, value.day)
    return pd.DataFrame(grid, dtype=object)


def _sniff_excel(path: Path, data: bytes) -> None:
    """Refuse by content what calamine would report obscurely: encrypted, PDF, renamed files."""
    name = path.name
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in data or path.suffix.lower() != ".xls":
            raise UserError(f"{name}：文件设置了打开密码（已加密），请取消密码后另存为 .xlsx 再报送")
        return
    if data.startswith(b"%PDF"):
        raise UserError(f"{name}：这是 PDF 文件，不是 Excel 表格，请报送 .xlsx 文件")
    if not data.startswith(b"PK\x03\x04"):
        raise UserError(f"{name}：不是有效的 Excel 文件（可能只是改了扩展名），请用 Excel 或 WPS 另存为 .xlsx")


def _scan_zip(path: Path, data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """Check an .xlsx package for XML attacks, then collect its formula error cells."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
                raise UserError(f"{path.name}：文件解压后超过1GB，拒绝读取")
            if "xl/workbook.xml" not in zf.namelist():
                raise UserError(f"{path.name}：是压缩文件但不是 Excel 工作簿，请报送 .xlsx 文件")
            for info in infos:
                _refuse_dtd(path, zf, info)
            return {sheet: _error_cells(zf, part) for sheet, part in _sheet_parts(zf).items()}
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError, SafeET.ParseError, DefusedXmlException):
        raise UserError(f"{path.name}：文件已损坏，无法读取（请用 Excel 或 WPS 打开后重新保存）") from None


def _refuse_dtd(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """A DOCTYPE (entity declarations: XXE, billion laughs) has no place in an .xlsx."""
    if not info.filename.endswith((".xml", ".rels", ".vml")):
        return
    with zf.open(info) as fh:
        head = fh.read(65536)
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise UserError(f"{path.name}：文件内含 XML 实体声明（{info.filename}），可能是恶意构造的文件，已拒绝读取")


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part path, from workbook.xml and its relationships."""
    rels = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
    book = SafeET.fromstring(zf.read("xl/workbook.xml"))
    out = {}
    for sheet in book.iter(f"{_SSML}sheet"):
        target = targets.get(sheet.get(f"{_REL_NS}id"), "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        if part in zf.namelist():
            out[sheet.get("name", "")] = part
    return out


def _error_cells(zf: zipfile.ZipFile, part: str) -> dict[tuple[int, int], str]:
    """(Excel row, 0-based column) -> error text for cells saved with t="e"."""
    raw = zf.read(part)
    if (b'"e"' not in raw and b"'e'" not in raw) or not _ERROR_CELL.search(raw):  # fast path: most sheets have none
        return {}
    out: dict[tuple[int, int], str] = {}
    row, col = 0, -1
    for _, elem in SafeET.iterparse(io.BytesIO(raw), events=("end",)):
        tag = elem.tag.rsplit("}", 1)[-1]
        if tag == "c":
            row, col = _cell_position(elem.get("r"), row, col)
            if elem.get("t") == "e":
                value = next((v.text for v in elem if v.tag.endswith("}v") or v.tag == "v"), None)
                out[(row, col)] = value or "#错误"
            elem.clear()
        elif tag == "row":
            elem.clear()
    return out


def _cell_position(ref: str | None, row: int, col: int) -> tuple[int, int]:
    # A cell without r follows the previous one; rows without r are rare enough to ignore.
    return _ref_to_index(ref) if ref else (max(row, 1), col + 1)


def _read_csv(path: Path, data: bytes) -> RawWorkbook:
    sheet = contract.sheet_for_file_stem(path.stem)
    if sheet is None:
        names = "、".join(s.name for s in contract.SHEETS)
        raise UserError(f"{path.name}：无法从文件名识别工作表，CSV 文件名应以表名结尾（{names}），如“新乐市-2023-06-企业名录.csv”")
    text = decode_text(path.name, data)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise UserError(f"{path.name}：CSV 格式错误（{exc}）") from None
    width = max((len(r) for r in rows), default=0)
    grid = pd.DataFrame([[v if v != "" else None for v in r] + [None] * (width - len(r)) for r in rows], dtype=object)
    return RawWorkbook(path, {sheet.name: grid})


def decode_text(file_name: str, data: bytes) -> str:
    """UTF-8 (with or without BOM), else GBK/GB18030, decoded strictly; else one clear line."""
    if data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "gbk", "gb18030")
    furthest = 0
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            furthest = max(furthest, exc.start)
    line = data[:furthest].count(b"\n") + 1
    raise UserError(
        f"{file_name}：第{line}行含有无法识别的字符，文件编码既不是 UTF-8 也不是 GBK/GB18030；"
        "请用 Excel 或 WPS 另存为“CSV UTF-8”格式后重新报送"
    )


# --- finding the table in a sheet --------------------------------------------------------------


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
    head = _cells(grid)[:contract.HEADER_SEARCH_ROWS]
    for i, values in enumerate(head.tolist()):
        count = _header_matches(sheet, [clean(v) for v in values])
        if count > best_count:
            best, best_count = i, count
    return best


def _cells(grid: pd.DataFrame) -> np.ndarray:
    return grid.to_numpy(dtype=object, copy=False)


def locate_table(sheet_name: str, grid: pd.DataFrame, sheet: Sheet,
                 error_cells: dict[tuple[int, int], str] | None = None, clean_grid: bool = False) -> Table:
    """Find the header row, map headers to contract columns, and collect non-empty rows."""
    table = Table(sheet_name, sheet, None, error_cells=dict(error_cells or {}))
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
    body = cells[header + 1:]
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


_PLAIN_TYPES = (str, int, float, bool, datetime, date, time, timedelta, NoneType)


def clean_array(values: np.ndarray) -> np.ndarray:
    """clean() of every cell of a 1-d array, as an object array (None for empty cells)."""
    out = np.array(values, dtype=object, copy=True).reshape(-1)
    if not len(out):
        return out
    kinds = _TYPE_OF(out)
    is_str = kinds == str
    if is_str.any():
        where = np.flatnonzero(is_str)
        texts = out[where]
        blank = (texts == "") | _IS_SPACE(texts).astype(bool)  # not v.strip()
        out[where[blank]] = None
    is_float = np.flatnonzero(kinds == float)
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
