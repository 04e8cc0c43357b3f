"""The pre-scan of an .xlsx/.xlsm package, before calamine reads it.

A file is first told by its content (encrypted, PDF, renamed). Then the zip is scanned (byte
searches first, a parse only where they find something): DOCTYPEs are refused, so is a sheet
whose used range calamine could not allocate (a stray cell at XFD1048576), and cells calamine
reads as empty although they are not -- formula errors, formulas saved without a result -- are
collected, with each sheet's merged ranges. Every refusal is one Chinese line (UserError).
"""

from __future__ import annotations

import codecs
import functools
import html
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from analysis.errors import UserError, visible
from analysis.submissions.cellref import column_index, column_letter, ref_to_index
from analysis.submissions.limits import Limits, too_large_package, too_large_part, too_many_cells, too_many_rows
from analysis.submissions.limits import current as current_limits

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# OLE streams of an encrypted .xlsx (an encrypted .xls is told by calamine's "password" error)
_ENCRYPTION_MARKERS = tuple(name.encode("utf-16-le") for name in ("EncryptedPackage", "EncryptionInfo"))
_ERROR_CELL = re.compile(rb"""\bt\s*=\s*["']e["']""")


def sniff_excel(path: Path, data: bytes) -> None:
    """Refuse by content what calamine would report obscurely: encrypted, PDF, renamed files.
    An .xls renamed .xlsx (or the reverse) is read as what it is: calamine goes by content."""
    name = path.name
    if data.startswith(OLE_MAGIC):
        if any(marker in data for marker in _ENCRYPTION_MARKERS):
            raise UserError(f"{name}：文件设置了打开密码（已加密），请取消密码后另存为 .xlsx 再报送")
        return
    if data.startswith(b"%PDF"):
        raise UserError(f"{name}：这是 PDF 文件，不是 Excel 表格，请报送 .xlsx 文件")
    if not data.startswith(b"PK\x03\x04"):
        raise UserError(f"{name}：不是有效的 Excel 文件（可能只是改了扩展名），请用 Excel 或 WPS 另存为 .xlsx")


def scan_zip(
    path: Path, data: bytes, limits: Limits | None = None, wanted: Callable[[str], bool] | None = None
) -> tuple[dict[str, dict[tuple[int, int], str]], dict[str, list]]:
    """Check an .xlsx package for XML attacks and for its cost, then collect, per sheet, the cells calamine
    would read as empty although they are not (formula errors, uncomputed formulas) and the merged ranges.

    Cost first, from what the package declares (its central directory: each part's and the total unzipped
    size), then while streaming: every part calamine may read is inflated in steps and checked against its
    declared size and CRC (a part whose stated size is a lie is refused without inflating it at once); the
    sheets `wanted` (those the contract knows; every sheet by default) are measured on the way -- rows and
    cells with a value -- and refused as soon as a limit is passed. Sheets not wanted are never inflated
    (calamine is not asked to read them)."""
    limits = limits or current_limits()
    name = path.name
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = _sized_parts(name, zf, data, limits)
            book = [i for i in infos if i.filename in _BOOK_PARTS]  # (a DOCTYPE there is refused as one, first)
            for info in book:
                _refuse_dtd(path, zf, info)
            sheets = _sheet_parts(zf, data)
            skipped = {part for sheet, part in sheets.items() if wanted is not None and not wanted(sheet)}
            read = [i for i in infos if i.filename not in skipped]
            for info in read:
                if info not in book:
                    _refuse_dtd(path, zf, info)
            return _stream_parts(name, data, read, {part: sheet for sheet, part in sheets.items()}, limits)
    except _BROKEN:
        raise UserError(f"{visible(name)}：文件已损坏，无法读取（请用 Excel 或 WPS 打开后重新保存）") from None


_BROKEN = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    ValueError,
    SafeET.ParseError,
    DefusedXmlException,
)


def _sized_parts(name: str, zf: zipfile.ZipFile, data: bytes, limits: Limits) -> list[zipfile.ZipInfo]:
    """The package's parts, refused on the sizes its central directory states (a part, all of them)."""
    infos = [i for i in zf.infolist() if not i.is_dir()]
    total = sum(i.file_size for i in infos)
    if total > limits.unzipped_bytes:
        raise too_large_package(name, total, limits.unzipped_bytes)
    if "xl/workbook.xml" not in zf.namelist():
        raise UserError(f"{visible(name)}：是压缩文件但不是 Excel 工作簿，请报送 .xlsx 文件")
    for info in infos:
        if info.file_size > limits.part_bytes:
            raise too_large_part(name, _part_label(zf, data, info.filename, limits), info.file_size, limits.part_bytes)
    return infos


def _stream_parts(
    name: str, data: bytes, infos: list[zipfile.ZipInfo], sheet_of: dict[str, str], limits: Limits
) -> tuple[dict[str, dict[tuple[int, int], str]], dict[str, list]]:
    """Every part inflated and checked; each sheet's problem cells and merged ranges."""
    meter = _Meter(name, limits)
    errors, merges = {}, {}
    for info in infos:
        sheet = sheet_of.get(info.filename)
        if sheet is None:
            for _ in _part_chunks(data, info):  # verified (size, CRC) without keeping it
                pass
            continue
        raw = meter.sheet(sheet, _part_chunks(data, info))
        errors[sheet] = _scan_sheet(name, sheet, raw, limits)
        merges[sheet] = _merged_ranges(raw)
    return errors, merges


_BOOK_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")


def _part_label(zf: zipfile.ZipFile, data: bytes, part: str, limits: Limits) -> str:
    """How a message names a part: 工作表“企业名录” for a worksheet, when the (small) parts naming the sheets
    can be read; else the part's path in the package."""
    names = set(zf.namelist())
    if all(p in names and zf.getinfo(p).file_size <= limits.part_bytes for p in _BOOK_PARTS):
        try:
            for sheet, sheet_part in _sheet_parts(zf, data).items():
                if sheet_part == part:
                    return f"工作表“{sheet}”"
        except (zipfile.BadZipFile, KeyError, ValueError, SafeET.ParseError, DefusedXmlException):
            pass
    return part


_STEP = 1 << 22  # bytes inflated at a time (4 MB)


def _part_chunks(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's bytes in steps, inflated from the package's own bytes and checked as they come: never more
    than the central directory states, and at the end exactly that size and its CRC. (zipfile stops at the
    stated size but would accept a deflate stream that goes on beyond it, which calamine would inflate.)"""
    if info.flag_bits & 1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise zipfile.BadZipFile(info.filename)  # encrypted or unusual entries: not what Excel or WPS write
    header = data[info.header_offset : info.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(info.filename)
    start = info.header_offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    body = memoryview(data)[start : start + info.compress_size]
    size, crc = 0, 0
    if info.compress_type == zipfile.ZIP_STORED:
        for at in range(0, len(body), _STEP):
            chunk = bytes(body[at : at + _STEP])
            size, crc = size + len(chunk), zlib.crc32(chunk, crc)
            yield chunk
    else:
        inflater, at = zlib.decompressobj(-15), 0
        while not inflater.eof:
            if inflater.unconsumed_tail:
                chunk = inflater.decompress(inflater.unconsumed_tail, _STEP)
            elif at < len(body):
                chunk, at = inflater.decompress(body[at : at + _STEP], _STEP), at + _STEP
            else:
                break
            size, crc = size + len(chunk), zlib.crc32(chunk, crc)
            if size > info.file_size:
                raise zipfile.BadZipFile(info.filename)  # more than stated: the stated size is a lie
            yield chunk
        if not inflater.eof:
            raise zipfile.BadZipFile(info.filename)
    if size != info.file_size or crc != info.CRC:
        raise zipfile.BadZipFile(info.filename)


class _Meter:
    """Rows and cells with a value, counted while a file's wanted sheets stream in."""

    def __init__(self, file_name: str, limits: Limits):
        self.file_name, self.limits, self.cells = file_name, limits, 0

    def sheet(self, sheet: str, chunks: Iterator[bytes]) -> bytes:
        """The sheet's XML; a UserError as soon as it has more rows than Excel has, or the file more cells
        with a value than the limit allows."""
        parts: list[bytes] = []
        rows, tail, tags = 0, b"", None
        for chunk in chunks:
            window = tail + chunk  # a tag cut between two chunks is counted once: tail is shorter than any tag
            if tags is None and (start := _WORKSHEET.search(window)):  # nothing to count before <worksheet>
                tags = _count_tags(start.group(1) or b"")
            if tags is not None:
                rows += window.count(tags[0])
                self.cells += sum(window.count(t) for t in tags[1:])
                if rows > _MAX_ROW:
                    raise too_many_rows(self.file_name, sheet, _MAX_ROW, rows)
                if self.cells > self.limits.cells:
                    raise too_many_cells(self.file_name, sheet, self.limits.cells)
            tail = window[-_TAIL:]
            parts.append(chunk)
        return b"".join(parts)


_WORKSHEET = re.compile(rb"<([A-Za-z_][\w.-]{0,30}:)?worksheet\b")
_TAIL = 40  # longer than any tag counted (a prefix is at most 32 characters here)


def _count_tags(p: bytes) -> tuple[bytes, ...]:
    """The tags counted: a row, then the elements that hold a cell's value (<v>, <is> for inline text). No other
    element of a worksheet starts with <v or <is; one that did would only be counted too (a bound)."""
    return (b"<" + p + b"row", b"<" + p + b"v", b"<" + p + b"is")


def _read_part(zf: zipfile.ZipFile, data: bytes, name: str) -> bytes:
    """A part's bytes, inflated in steps and checked (_part_chunks)."""
    return b"".join(_part_chunks(data, zf.getinfo(name)))


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
            prolog = _PROLOG.match(text)
            assert prolog is not None  # every part of the pattern is optional: it always matches
            end = prolog.end()
            rest = text[end : end + 9]
            unfinished = len(rest) < 9 or rest.startswith((b"<?", b"<!--"))
            if not unfinished or not (more := fh.read(max(len(head), 65536))):
                break
            head += more
    if rest.startswith(b"<!") and not rest.startswith(b"<!--"):
        raise UserError(f"{path.name}：文件内含 XML 实体声明（{info.filename}），可能是恶意构造的文件，已拒绝读取")


def _as_utf8(data: bytes) -> bytes:
    encoding = (
        "utf-16"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        else "utf-16-le"
        if data.startswith(b"<\x00")
        else "utf-16-be"
    )
    return data[: len(data) // 2 * 2].decode(encoding, errors="replace").encode("utf-8")


def _local(tag: str) -> str:
    """'{namespace}sheet' -> 'sheet': transitional and Strict Open XML use different namespaces."""
    return tag.rsplit("}", 1)[-1]


def _sheet_parts(zf: zipfile.ZipFile, data: bytes) -> dict[str, str]:
    """Sheet name -> worksheet part path, from workbook.xml and its relationships."""
    rels = SafeET.fromstring(_read_part(zf, data, "xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter() if _local(r.tag) == "Relationship"}
    book = SafeET.fromstring(_read_part(zf, data, "xl/workbook.xml"))
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


def _scan_sheet(file_name: str, sheet: str, raw: bytes, limits: Limits) -> dict[tuple[int, int], str]:
    """Refuse an oversized sheet; return its problem cells (see _cell_problems)."""
    prefix = _tag_prefix(raw)
    _check_area(file_name, sheet, raw, prefix, limits.rows)
    if _may_have_error_cells(raw) or _may_have_uncomputed_formulas(raw, prefix):
        return _cell_problems(raw, prefix)
    return {}


_MERGE = re.compile(
    rb"""<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?ref\s*=\s*["']([A-Za-z]{1,3}[0-9]{1,7}):([A-Za-z]{1,3}[0-9]{1,7})["']"""
)


def _merged_ranges(raw: bytes) -> list[tuple[int, int, int, int]]:
    """(first row, first column, last row, last column) of each merged range: Excel rows, 0-based columns.
    <mergeCells> follows <sheetData>: only the tail is searched (this runs on every sheet)."""
    tail = max(raw.rfind(b"sheetData>"), 0)
    if raw.find(b"mergeCell", tail) < 0:
        return []
    out = []
    for first, last in _MERGE.findall(raw, tail):
        (r1, c1), (r2, c2) = ref_to_index(first.decode()), ref_to_index(last.decode())
        out.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
    return out


def _tag_prefix(raw: bytes) -> bytes:
    """b'x:' when the sheet's elements are written <x:c>, <x:v>, … (some generators do), else b''."""
    m = re.search(rb"<([A-Za-z_][\w.-]*:)?worksheet\b", raw)
    return (m.group(1) or b"") if m else b""


# --- the area calamine would allocate -------------------------------------------------------

MAX_CELLS = 10_000_000  # rows x columns of a sheet's used range; the largest real files have ~2.6 million
_MAX_ROW, _MAX_COL = 1_048_576, 16_384
_REF = re.compile(rb"([A-Za-z]{1,3})([0-9]{1,7})")
_REF_ATTR = re.compile(rb"""\sr\s*=\s*["']([^"']*)["']""")


def _check_area(file_name: str, sheet: str, raw: bytes, p: bytes, max_rows: int) -> None:
    """Refuse a sheet whose last value is below row `max_rows`, or whose used range (first cell to the
    farthest value cell) is too large: calamine allocates all of it, and a stray cell at XFD1048576 makes
    it abort the process. Cheap: the farthest row is that of the last value cell (rows are stored in
    order), and a regex looks for a value cell beyond the columns the limit allows for that many rows."""
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
        raise UserError(
            f"{file_name}：工作表“{sheet}”的数据区域过大（最远的单元格是 {far}）："
            "请删除表格右侧和下方多余的内容后重新报送"
        )
    if rows > max_rows:
        raise too_many_rows(file_name, sheet, max_rows, rows, far)


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
        cols = max(cols, _widest_row(raw, row_tag, cell_tag, body, end))
    return rows, cols, column_letter(min(cols, _MAX_COL + 1) - 1) + str(rows)


def _widest_row(raw: bytes, row_tag: bytes, cell_tag: bytes, start: int, end: int) -> int:
    """The most cells any row between start and end has, row by row without copying the rows (the
    streaming count has bounded the rows to what Excel allows)."""
    widest, at = 0, raw.find(row_tag, start, end)
    while at >= 0:
        following = raw.find(row_tag, at + 1, end)
        widest = max(widest, raw.count(cell_tag, at, following if following >= 0 else end))
        at = following
    return widest


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
    row, col = (int(m.group(2)), column_index(m.group(1).decode())) if m else (0, _MAX_COL)
    if not (1 <= row <= _MAX_ROW and col < _MAX_COL):
        _refuse_ref(file_name, sheet, ref)
    return row, col


def _refuse_ref(file_name: str, sheet: str, ref: str) -> None:
    shown = ref if len(ref) <= 20 else ref[:20] + "…"
    raise UserError(
        f"{file_name}：工作表“{sheet}”中有无效的单元格位置“{shown}”，文件已损坏，无法读取"
        "（请用 Excel 或 WPS 打开后重新保存）"
    )


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
    return re.compile(
        rb"""<P:c\b(?![^>]*\bt\s*=\s*["']str["'])([^>]*)(?<!/)>\s*<P:f\b[^>]*(?:/>|>([^<]*)</P:f>)"""
        rb"""\s*(?:<P:v\s*/>|<P:v>\s*</P:v>)?\s*</P:c>""".replace(b"P:", p)
    )


@functools.lru_cache(maxsize=8)
def _error_cell(p: bytes) -> re.Pattern[bytes]:
    """A cell saved with t="e". Groups: the cell's attributes, the error ('#REF!')."""
    return re.compile(
        rb"""<P:c\b([^>]*\bt\s*=\s*["']e["'][^>]*)>\s*(?:<P:f\b[^>]*(?:/>|>[^<]*</P:f>)\s*)?"""
        rb"""(?:<P:v>([^<]*)</P:v>)?""".replace(b"P:", p)
    )


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
            out[ref_to_index(ref.group(1).decode("ascii", "replace"))] = (text or "#错误") if error else "=" + text
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
            row, col = ref_to_index(ref) if ref else (max(row, 1), col + 1)
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
