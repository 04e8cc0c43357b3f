"""Reading a .csv file: its encoding (UTF-8 or GBK/GB18030) and its separator (commas only)."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from analysis.errors import UserError
from analysis.submissions import contract
from analysis.submissions.contract import Sheet
from analysis.submissions.limits import Limits, too_many_cells, too_many_rows
from analysis.submissions.limits import current as current_limits
from analysis.submissions.tables import find_header_row
from analysis.submissions.xlsx_scan import OLE_MAGIC


def read_csv(path: Path, data: bytes, limits: Limits | None = None) -> dict[str, pd.DataFrame]:
    """The file's one sheet (named by the end of the file name) as a raw grid; refused as soon as it has more
    rows or fields than the limits allow (limits.py), before the grid is built."""
    sheet = contract.sheet_for_file_stem(path.stem)
    if sheet is None:
        names = "、".join(s.name for s in contract.SHEETS)
        raise UserError(
            f"{path.name}：无法从文件名识别工作表，CSV 文件名应以表名结尾（{names}），如“新乐市-2023-06-企业名录.csv”"
        )
    if data.startswith((b"PK\x03\x04", OLE_MAGIC)):
        kind = ".xlsx" if data.startswith(b"PK") else ".xls"
        raise UserError(f"{path.name}：这是 Excel 文件（{kind}），扩展名却是 .csv；请把扩展名改为 {kind} 后重新报送")
    text = decode_text(path.name, data)
    try:
        rows = _rows(path.name, sheet.name, csv.reader(_lines(text)), limits or current_limits())
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            limit = f"{csv.field_size_limit():,}"
            raise UserError(f"{path.name}：CSV 中有单元格的内容超过 {limit} 个字符，文件可能已损坏，未读取") from None
        raise UserError(f"{path.name}：CSV 格式错误（{exc}）") from None
    width = max((len(r) for r in rows), default=0)
    # only empty cells are empty: words such as 'NA' stay text, as in the Excel reader
    grid = pd.DataFrame([[v if v != "" else None for v in r] + [None] * (width - len(r)) for r in rows], dtype=object)
    _refuse_other_separator(path.name, text, grid, sheet)
    return {sheet.name: grid}


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their ends, one at a time (a StringIO would hold a second, wider copy of a large
    file). Text with carriage returns but no line feed (old Mac line ends) goes through StringIO's splitting."""
    if "\n" not in text:
        yield from io.StringIO(text, newline="")
        return
    start = 0
    while (end := text.find("\n", start)) >= 0:
        yield text[start : end + 1]
        start = end + 1
    if start < len(text):
        yield text[start:]


def _rows(file_name: str, sheet: str, reader: Iterator[list[str]], limits: Limits) -> list[list[str]]:
    """The CSV's records, counted as they are parsed: refused at the first record past the rows limit, or
    at the one whose fields pass the file's cells limit."""
    rows: list[list[str]] = []
    cells = 0
    for row in reader:
        rows.append(row)
        cells += len(row)
        if len(rows) > limits.rows:
            raise too_many_rows(file_name, sheet, limits.rows, len(rows))
        if cells > limits.cells:
            raise too_many_cells(file_name, sheet, limits.cells)
    return rows


def _refuse_other_separator(file_name: str, text: str, grid: pd.DataFrame, sheet: Sheet) -> None:
    """A CSV saved with ';' or tabs has its whole header in one cell: say why no header is found."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    separator = "制表符" if "\t" in first else "分号（;）" if ";" in first else None
    if separator and find_header_row(grid, sheet) is None:
        raise UserError(
            f"{file_name}：没有找到表头行，分隔符似乎是{separator}，CSV 应以逗号分隔；"
            "请用 Excel 或 WPS 另存为“CSV UTF-8（逗号分隔）”后重新报送"
        )


def decode_text(file_name: str, data: bytes) -> str:
    """UTF-8 (with or without BOM), else GBK/GB18030, decoded strictly; else one clear line."""
    encodings = ("utf-8-sig",) if data.startswith(codecs.BOM_UTF8) else ("utf-8", "gbk", "gb18030")
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
