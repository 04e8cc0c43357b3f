"""Reading a submitted file into raw sheets, and finding each sheet's table.

Spreadsheets are read with calamine (fast) as raw cell values: numbers stay
numbers and text stays text, so the validator can tell a credit code typed as
text ('012…') from one Excel stored as a number (digits lost beyond 15). Only
empty or blank cells are empty: words such as 'NA' stay text.

Before calamine reads an .xlsx/.xlsm, its zip is scanned (byte searches first,
a parse only where they find something): DOCTYPEs are refused, so is a sheet
whose used range calamine could not allocate (a stray cell at XFD1048576), and
cells calamine reads as empty although they are not -- formula errors, formulas
saved without a result -- are collected as error_cells. Every failure to read is
one Chinese line (UserError), never a traceback.
"""
from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import html
import io
import itertools
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

from analysis.submissions import contract
from analysis.submissions.contract import Column, Sheet
from analysis.errors import UserError

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
CSV_SUFFIXES = {".csv"}
MAX_UNZIPPED_BYTES = 1 << 30  # refuse zip bombs before calamine inflates them in memory
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# OLE streams of an encrypted .xlsx (an encrypted .xls is told by calamine's "password" error)
_ENCRYPTION_MARKERS = tuple(name.encode("utf-16-le") for name in ("EncryptedPackage", "EncryptionInfo"))
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
    # sheet name -> {(excel row, 0-based column): 'C2'}: cells of a merged range, given its first cell's value
    merged_cells: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)


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
    return int(m.group(2)), _column_index(m.group(1))


def _column_index(letters: str) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col - 1


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
    merges: dict[str, list[tuple[int, int, int, int]]] = {}
    if data.startswith(b"PK"):
        errors, merges = _scan_zip(path, data)
    try:
        sheets, merged = {}, {}
        for name, grid in _calamine_sheets(data).items():
            sheets[name], filled = _fill_merged(grid, merges.get(name, []))
            if filled:
                merged[name] = filled
        return RawWorkbook(path, sheets, errors, clean=True, merged_cells=merged)
    except Exception as exc:  # noqa: BLE001 - calamine raises many kinds; pandas' reader gets a second try
        failure = exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, engine="calamine",
                                   dtype=object, na_filter=False)
    except Exception:  # noqa: BLE001 - the first failure says more (it may name the sheet)
        raise _unreadable(path.name, failure) from None
    return RawWorkbook(path, {str(name): grid for name, grid in sheets.items()}, errors)


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


_TYPE_OF = np.frompyfunc(type, 1, 1)
_IS_SPACE = np.frompyfunc(str.isspace, 1, 1)


def _calamine_sheets(data: bytes) -> dict[str, pd.DataFrame]:
    """Every worksheet as an object grid of clean() cells: what pandas.read_excel(engine="calamine",
    header=None, dtype=object, na_filter=False) returns -- whole floats as int, dates as datetime --
    without its per-cell parser, and blank cells None. Words such as 'NA' or 'null' stay text."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    out: dict[str, pd.DataFrame] = {}
    for meta in book.sheets_metadata:
        if meta.typ != SheetTypeEnum.WorkSheet or meta.name in out:
            continue
        try:
            rows = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001 - any calamine error: this sheet cannot be read
            raise _SheetUnreadable(meta.name, exc) from exc
        out[meta.name] = _calamine_grid(rows)
    return out


def _calamine_grid(rows: list[list]) -> pd.DataFrame:
    if not rows or not rows[0]:
        return pd.DataFrame()
    grid = np.empty((len(rows), len(rows[0])), dtype=object)
    grid[:] = rows
    flat = grid.reshape(-1)
    kinds = _TYPE_OF(flat)
    texts = np.flatnonzero(kinds == str)
    if len(texts):  # empty cells come as '': they and blank text are missing
        cells = flat[texts]
        flat[texts[(cells == "") | _IS_SPACE(cells).astype(bool)]] = None
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
    """Refuse by content what calamine would report obscurely: encrypted, PDF, renamed files.
    An .xls renamed .xlsx (or the reverse) is read as what it is: calamine goes by content."""
    name = path.name
    if data.startswith(_OLE_MAGIC):
        if any(marker in data for marker in _ENCRYPTION_MARKERS):
            raise UserError(f"{name}：文件设置了打开密码（已加密），请取消密码后另存为 .xlsx 再报送")
        return
    if data.startswith(b"%PDF"):
        raise UserError(f"{name}：这是 PDF 文件，不是 Excel 表格，请报送 .xlsx 文件")
    if not data.startswith(b"PK\x03\x04"):
        raise UserError(f"{name}：不是有效的 Excel 文件（可能只是改了扩展名），请用 Excel 或 WPS 另存为 .xlsx")


def _scan_zip(path: Path, data: bytes) -> tuple[dict[str, dict[tuple[int, int], str]], dict[str, list]]:
    """Check an .xlsx package for XML attacks and oversized sheets, then collect, per sheet, the
    cells calamine would read as empty although they are not (formula errors, uncomputed
    formulas) and the merged ranges."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
                raise UserError(f"{path.name}：文件解压后超过1GB，拒绝读取")
            if "xl/workbook.xml" not in zf.namelist():
                raise UserError(f"{path.name}：是压缩文件但不是 Excel 工作簿，请报送 .xlsx 文件")
            for info in infos:
                _refuse_dtd(path, zf, info)
            errors, merges = {}, {}
            for sheet, part in _sheet_parts(zf).items():
                raw = _read_part(zf, part)
                errors[sheet] = _scan_sheet(path.name, sheet, raw)
                merges[sheet] = _merged_ranges(raw)
            return errors, merges
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError, SafeET.ParseError, DefusedXmlException):
        raise UserError(f"{path.name}：文件已损坏，无法读取（请用 Excel 或 WPS 打开后重新保存）") from None


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    """A part's bytes, inflated in steps: zf.read() inflates a part whose stated size is a lie
    (a zip bomb) in one go before it finds out."""
    with zf.open(name) as fh:
        return b"".join(iter(functools.partial(fh.read, 1 << 22), b""))


# The prolog of an XML part: BOM, declaration, comments, processing instructions, whitespace.
_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.DOTALL)
_UTF16_STARTS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"<\x00", b"\x00<")


def _refuse_dtd(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """A DOCTYPE (entity declarations: XXE, billion laughs) has no place in an .xlsx. It can
    only stand in the prolog, so every part is read up to its first element, however far that is
    (a long comment may come first), whatever the part is named, in UTF-8 or UTF-16."""
    with zf.open(info) as fh:
        head = fh.read(4096)
        while True:
            text = _as_utf8(head) if head.startswith(_UTF16_STARTS) else head
            end = _PROLOG.match(text).end()
            rest = text[end:end + 9]
            unfinished = len(rest) < 9 or rest.startswith((b"<?", b"<!--"))
            if not unfinished or not (more := fh.read(max(len(head), 65536))):
                break
            head += more
    if rest.startswith(b"<!") and not rest.startswith(b"<!--"):
        raise UserError(f"{path.name}：文件内含 XML 实体声明（{info.filename}），可能是恶意构造的文件，已拒绝读取")


def _as_utf8(data: bytes) -> bytes:
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else \
        "utf-16-le" if data.startswith(b"<\x00") else "utf-16-be"
    return data[:len(data) // 2 * 2].decode(encoding, errors="replace").encode("utf-8")


def _local(tag: str) -> str:
    """'{namespace}sheet' -> 'sheet': transitional and Strict Open XML use different namespaces."""
    return tag.rsplit("}", 1)[-1]


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part path, from workbook.xml and its relationships."""
    rels = SafeET.fromstring(_read_part(zf, "xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter() if _local(r.tag) == "Relationship"}
    book = SafeET.fromstring(_read_part(zf, "xl/workbook.xml"))
    names = set(zf.namelist())
    out = {}
    for sheet in book.iter():
        if _local(sheet.tag) != "sheet":
            continue
        rel = next((v for k, v in sheet.attrib.items() if k.startswith("{") and _local(k) == "id"), None)
        target = targets.get(rel, "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        if part in names:
            out[sheet.get("name", "")] = part
    return out


def _scan_sheet(file_name: str, sheet: str, raw: bytes) -> dict[tuple[int, int], str]:
    """Refuse an oversized sheet; return its problem cells (see _cell_problems)."""
    prefix = _tag_prefix(raw)
    _check_area(file_name, sheet, raw, prefix)
    if _may_have_error_cells(raw) or _may_have_uncomputed_formulas(raw, prefix):
        return _cell_problems(raw, prefix)
    return {}


_MERGE = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?ref\s*=\s*["']([A-Za-z]{1,3}[0-9]{1,7}):([A-Za-z]{1,3}[0-9]{1,7})["']""")


def _merged_ranges(raw: bytes) -> list[tuple[int, int, int, int]]:
    """(first row, first column, last row, last column) of each merged range: Excel rows, 0-based columns.
    <mergeCells> follows <sheetData>: only the tail is searched (this runs on every sheet)."""
    tail = max(raw.rfind(b"sheetData>"), 0)
    if raw.find(b"mergeCell", tail) < 0:
        return []
    out = []
    for first, last in _MERGE.findall(raw, tail):
        (r1, c1), (r2, c2) = _ref_to_index(first.decode()), _ref_to_index(last.decode())
        out.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
    return out


def _fill_merged(grid: pd.DataFrame, ranges: list[tuple[int, int, int, int]]
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


def _tag_prefix(raw: bytes) -> bytes:
    """b'x:' when the sheet's elements are written <x:c>, <x:v>, … (some generators do), else b''."""
    m = re.search(rb"<([A-Za-z_][\w.-]*:)?worksheet\b", raw)
    return (m.group(1) or b"") if m else b""


# --- the area calamine would allocate -------------------------------------------------------

MAX_CELLS = 10_000_000  # rows x columns of a sheet's used range; the largest real files have ~2.6 million
_MAX_ROW, _MAX_COL = 1_048_576, 16_384
_REF = re.compile(rb"([A-Za-z]{1,3})([0-9]{1,7})")
_REF_ATTR = re.compile(rb"""\sr\s*=\s*["']([^"']*)["']""")


def _check_area(file_name: str, sheet: str, raw: bytes, p: bytes) -> None:
    """Refuse a sheet whose used range (first cell to the farthest value cell) is too large:
    calamine allocates all of it, and a stray cell at XFD1048576 makes it abort the process.
    Cheap: the farthest row is that of the last value cell (rows are stored in order), and a
    regex looks for a value cell beyond the columns the limit allows for that many rows."""
    last = _last_value_cell(file_name, sheet, raw, p)
    if last is None:
        return
    rows, cols, far = last
    allowed = max(cols, min(_MAX_COL, MAX_CELLS // rows))
    wide = _wide_cell(raw, p, allowed)
    if wide:
        far = wide.group(1).decode("ascii", "replace")
        cols = _checked_ref(file_name, sheet, far)[1] + 1
    if rows > _MAX_ROW or rows * cols > MAX_CELLS:
        raise UserError(f"{file_name}：工作表“{sheet}”的数据区域过大（最远的单元格是 {far}）："
                        "请删除表格右侧和下方多余的内容后重新报送")


def _last_value_cell(file_name: str, sheet: str, raw: bytes, p: bytes) -> tuple[int, int, str] | None:
    """(Excel row, column count, reference) of the last cell holding a value, or None."""
    end = raw.rfind(b"</" + p + b"sheetData>")
    i = _rfind_any(raw, (b"<" + p + b"v>", b"<" + p + b"is>"), end)
    if end < 0 or i < 0:
        return None
    start = _rfind_any(raw, (b"<" + p + b"c ", b"<" + p + b"c>"), i)
    if start < 0:  # not a cell: calamine will say the sheet is broken
        return None
    ref = _REF_ATTR.search(raw, start, raw.find(b">", start) + 1)
    if ref:
        text = ref.group(1).decode("ascii", "replace")
        row, col = _checked_ref(file_name, sheet, text)
        return row, col + 1, text
    return _positional_extent(raw, p, start, end)


def _rfind_any(raw: bytes, needles: tuple[bytes, ...], end: int) -> int:
    """The last position before end of any of the needles; the tail first, as one is usually there."""
    window = 1 << 16
    while True:
        low = max(0, end - window)
        found = max(raw.rfind(needle, low, end) for needle in needles)
        if found >= 0 or low == 0:
            return found
        window <<= 4


def _positional_extent(raw: bytes, p: bytes, cell: int, end: int) -> tuple[int, int, str]:
    """The extent of a sheet written without r attributes (cells and rows counted in order)."""
    row_tag, cell_tag = b"<" + p + b"row", b"<" + p + b"c"
    row_start = max(raw.rfind(row_tag, 0, cell), 0)
    row_ref = _REF_ATTR.search(raw, row_start, raw.find(b">", row_start) + 1)
    body = raw.find(b"sheetData", 0, end)
    rows = int(row_ref.group(1)) if row_ref else max(raw.count(row_tag, body, cell), 1)
    cols = raw.count(cell_tag, row_start, cell) + 1
    if rows <= _MAX_ROW and rows * cols <= MAX_CELLS:  # the last row is narrow: is another one wide?
        cols = max(map(bytes.count, raw[body:end].split(row_tag), itertools.repeat(cell_tag)))
    return rows, cols, column_letter(min(cols, _MAX_COL + 1) - 1) + str(rows)


# A cell reference with at least 2 or 3 letters: rare, so a quick first look for _beyond_column.
_LONG_REFS = {n: re.compile(rb""" r=["'][A-Za-z]{%d}""" % n) for n in (2, 3)}


def _wide_cell(raw: bytes, p: bytes, allowed: int) -> re.Match[bytes] | None:
    """The first value cell past the allowed number of columns, if any."""
    letters = len(column_letter(allowed - 1))
    start = 0
    if letters > 1:
        hint = _LONG_REFS[letters].search(raw)
        if hint is None:
            return None
        start = hint.start()
    return _beyond_column(allowed, p).search(raw, start)


@functools.lru_cache(maxsize=64)
def _beyond_column(allowed: int, p: bytes) -> re.Pattern[bytes]:
    """A regex for a value cell whose column is past the allowed count (or past XFD, or is not a
    column at all): letters longer than the last allowed column's, or as long and greater.
    Cells without a value (formatting only) do not count: calamine leaves them out too."""
    last = column_letter(allowed - 1)
    options = [b"[A-Za-z]{%d,}" % (len(last) + 1)]
    for i, ch in enumerate(last):
        if ch != "Z":
            same = b"".join(b"[%s%s]" % (c.encode(), c.lower().encode()) for c in last[:i])
            higher = chr(ord(ch) + 1)
            above = b"[%s-Z%s-z]" % (higher.encode(), higher.lower().encode())
            options.append(same + above + b"[A-Za-z]" * (len(last) - i - 1))
    value = rb"""["'][^>]*(?<!/)>\s*(?:<P:f\b[^>]*(?:/>|>[^<]*</P:f>)\s*)?<P:(?:v|is)>""".replace(b"P:", p)
    return re.compile(rb""" r=["']((?:""" + b"|".join(options) + rb""")[0-9]*)""" + value)


def _checked_ref(file_name: str, sheet: str, ref: str) -> tuple[int, int]:
    """'AB12' -> (12, 27); a reference Excel cannot have (ZZZZ1, A0, XFE1, A1048577) is refused."""
    m = _REF.fullmatch(ref.encode("ascii", "replace"))
    row, col = (int(m.group(2)), _column_index(m.group(1).decode())) if m else (0, _MAX_COL)
    if not (1 <= row <= _MAX_ROW and col < _MAX_COL):
        _refuse_ref(file_name, sheet, ref)
    return row, col


def _refuse_ref(file_name: str, sheet: str, ref: str) -> None:
    shown = ref if len(ref) <= 20 else ref[:20] + "…"
    raise UserError(f"{file_name}：工作表“{sheet}”中有无效的单元格位置“{shown}”，文件已损坏，无法读取"
                    "（请用 Excel 或 WPS 打开后重新保存）")


# --- cells calamine reads as empty --------------------------------------------------------------


def _may_have_error_cells(raw: bytes) -> bool:
    # most sheets have none; "'" is a one-byte search, so the single-quoted form costs nothing
    quoted = b'"e"' in raw or (b"'" in raw and b"'e'" in raw)
    return quoted and _ERROR_CELL.search(raw) is not None


@functools.lru_cache(maxsize=8)
def _uncomputed_formula(p: bytes) -> re.Pattern[bytes]:
    """A cell holding a formula and no value, or an empty one -- unless of type str: that is a
    computed "" (Excel writes <c t="str"><f>IF(A2="","",A2)</f><v></v></c>).
    Groups: the cell's attributes, the formula."""
    return re.compile(rb"""<P:c\b(?![^>]*\bt\s*=\s*["']str["'])([^>]*)(?<!/)>\s*<P:f\b[^>]*(?:/>|>([^<]*)</P:f>)"""
                      rb"""\s*(?:<P:v\s*/>|<P:v>\s*</P:v>)?\s*</P:c>""".replace(b"P:", p))


@functools.lru_cache(maxsize=8)
def _error_cell(p: bytes) -> re.Pattern[bytes]:
    """A cell saved with t="e". Groups: the cell's attributes, the error ('#REF!')."""
    return re.compile(rb"""<P:c\b([^>]*\bt\s*=\s*["']e["'][^>]*)>\s*(?:<P:f\b[^>]*(?:/>|>[^<]*</P:f>)\s*)?"""
                      rb"""(?:<P:v>([^<]*)</P:v>)?""".replace(b"P:", p))


def _may_have_uncomputed_formulas(raw: bytes, p: bytes) -> bool:
    """Formulas saved without a result (by programs that do not compute them) read as empty.
    Every formula group has an element with text, so no b'</f>' means no formula at all; and
    a cell ends right after its formula or an empty value (unless the XML is indented)."""
    if b"</" + p + b"f>" not in raw:
        return False
    ends = (b"f></" + p + b"c>", b"/></" + p + b"c>", b"<" + p + b"v></" + p + b"v>")
    return any(end in raw for end in ends) and _uncomputed_formula(p).search(raw) is not None


def _cell_problems(raw: bytes, p: bytes) -> dict[tuple[int, int], str]:
    """(Excel row, 0-based column) -> the error text of cells saved with t="e" ('#REF!'), or
    '=' + formula for formulas saved without a result ('=D2+E2'). Found by regex, each by its r
    attribute; a sheet whose cells lack it is parsed to count them in order."""
    out: dict[tuple[int, int], str] = {}
    for pattern, error in ((_uncomputed_formula(p), False), (_error_cell(p), True)):  # an error cell wins
        for m in pattern.finditer(raw):
            ref = _REF_ATTR.search(m.group(1))
            if ref is None:
                return _cell_problems_in_order(raw)
            text = html.unescape(m.group(2).decode("utf-8", "replace")) if m.group(2) else ""
            out[_ref_to_index(ref.group(1).decode("ascii", "replace"))] = (text or "#错误") if error else "=" + text
    return out


def _cell_problems_in_order(raw: bytes) -> dict[tuple[int, int], str]:
    """_cell_problems for sheets whose rows or cells have no r attribute: each follows the previous."""
    out: dict[tuple[int, int], str] = {}
    row, col = 0, -1
    for event, elem in SafeET.iterparse(io.BytesIO(raw), events=("start", "end")):
        tag = _local(elem.tag)
        if event == "start":
            if tag == "row":
                ref = elem.get("r")
                row, col = (int(ref) if ref else row + 1), -1
            continue
        if tag == "c":
            ref = elem.get("r")
            row, col = _ref_to_index(ref) if ref else (max(row, 1), col + 1)
            problem = _cell_problem(elem)
            if problem:
                out[(row, col)] = problem
            elem.clear()
        elif tag == "row":
            elem.clear()
    return out


def _cell_problem(cell) -> str | None:
    parts = {_local(child.tag): child.text or "" for child in cell}
    if cell.get("t") == "e":
        return parts.get("v") or "#错误"
    if "f" in parts and not parts.get("v") and "is" not in parts and cell.get("t") != "str":
        return "=" + parts["f"]
    return None


def _read_csv(path: Path, data: bytes) -> RawWorkbook:
    sheet = contract.sheet_for_file_stem(path.stem)
    if sheet is None:
        names = "、".join(s.name for s in contract.SHEETS)
        raise UserError(f"{path.name}：无法从文件名识别工作表，CSV 文件名应以表名结尾（{names}），如“新乐市-2023-06-企业名录.csv”")
    if data.startswith((b"PK\x03\x04", _OLE_MAGIC)):
        kind = ".xlsx" if data.startswith(b"PK") else ".xls"
        raise UserError(f"{path.name}：这是 Excel 文件（{kind}），扩展名却是 .csv；请把扩展名改为 {kind} 后重新报送")
    text = decode_text(path.name, data)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise UserError(f"{path.name}：CSV 格式错误（{exc}）") from None
    width = max((len(r) for r in rows), default=0)
    # only empty cells are empty: words such as 'NA' stay text, as in the Excel reader
    grid = pd.DataFrame([[v if v != "" else None for v in r] + [None] * (width - len(r)) for r in rows], dtype=object)
    _refuse_other_separator(path.name, text, grid, sheet)
    return RawWorkbook(path, {sheet.name: grid})


def _refuse_other_separator(file_name: str, text: str, grid: pd.DataFrame, sheet: Sheet) -> None:
    """A CSV saved with ';' or tabs has its whole header in one cell: say why no header is found."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    separator = "制表符" if "\t" in first else "分号（;）" if ";" in first else None
    if separator and find_header_row(grid, sheet) is None:
        raise UserError(f"{file_name}：没有找到表头行，分隔符似乎是{separator}，CSV 应以逗号分隔；"
                        "请用 Excel 或 WPS 另存为“CSV UTF-8（逗号分隔）”后重新报送")


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
                 error_cells: dict[tuple[int, int], str] | None = None, clean_grid: bool = False,
                 merged_cells: dict[tuple[int, int], str] | None = None) -> Table:
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
    table.extra_data = {j: cleaned[j][keep] for j in table.extra_columns}


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
