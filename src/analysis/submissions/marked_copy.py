"""The unit's own file with its problem cells marked: a comment naming the reason and a fill, plus a 问题清单 sheet.

An .xlsx/.xlsm is marked in place (its formatting kept; macros are not carried over, the copy is an .xlsx); an .xls
or a CSV is copied cell by cell into a new .xlsx first, so that its problems can be marked the same way. A problem
is placed by its sheet (as written in the file), Excel row and column (the contract's name, the header as written,
or a column letter); a problem of a whole row marks the row's first cell, one of a whole column its header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from analysis.submissions import contract, readers
from analysis.submissions.cellref import column_index

PROBLEM_FILL = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
LIST_SHEET = "问题清单"
AUTHOR = "报送平台"
LIST_COLUMNS = (("工作表", 16), ("行", 8), ("列", 22), ("值", 24), ("原因", 90))


def write_marked_copy(source: Path, kind: str, problems: Iterable[Mapping], out: Path) -> Path:
    """Write the marked copy of `source` (an xlsx, xlsm, xls or csv file, `kind` from its content) to `out`."""
    problems = list(problems)
    book = load_workbook(source) if kind in ("xlsx", "xlsm") else _copied(source)
    placed: dict[tuple[str, int, int], list[str]] = {}
    for problem in problems:
        cell = _locate(book, problem)
        if cell is not None:
            placed.setdefault(cell, []).append(problem["reason"])
    for (sheet, row, col), reasons in placed.items():
        _mark(book[sheet], row, col, reasons)
    _problem_list(book, problems)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def _copied(source: Path) -> Workbook:
    """An .xls or .csv file's sheets as a new workbook, cell for cell (CSV: one sheet, named as the reader names it)."""
    raw = readers.read_workbook(source)
    book = Workbook()
    book.remove(book.worksheets[0])
    for name, grid in raw.sheets.items():
        sheet = book.create_sheet(_safe_title(name))
        for i, values in enumerate(grid.itertuples(index=False, name=None), start=1):
            for j, value in enumerate(values, start=1):
                _put(sheet, i, j, readers.clean(value))
    return book


def _safe_title(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", str(name))[:31] or "Sheet"


def _locate(book: Workbook, problem: Mapping) -> tuple[str, int, int] | None:
    """(sheet, Excel row, 1-based column) of a problem, or None when it names no place in a sheet of the file."""
    name = problem.get("sheet")
    if not name:
        return None
    title = name if name in book.sheetnames else _safe_title(name)
    if title not in book.sheetnames:
        return None
    sheet, row, column = book[title], problem.get("row"), problem.get("column")
    header_row, columns = _header(sheet, name)
    col = _column(columns, column) if column else None
    if col is None and column:
        found = _label_cell(sheet, column)
        if found is not None:
            return (title, found[0], found[1]) if row is None else (title, row, found[1])
    if row is not None:
        return title, int(row), col or 1
    if col is not None:
        return title, header_row or 1, col
    return None


def _header(sheet: Worksheet, name: str) -> tuple[int | None, dict[str, int]]:
    """The header row of a contract sheet and its columns (canonical names and headers as written → 1-based)."""
    spec = contract.sheet_for(name)
    if spec is None:
        return None, {}
    best_row, best_map, best_count = None, {}, 0
    for row in sheet.iter_rows(min_row=1, max_row=contract.HEADER_SEARCH_ROWS):
        found: dict[str, int] = {}
        for cell in row:
            if cell.value is None:
                continue
            found.setdefault(contract.normalise_header(cell.value), cell.column)
            column = contract.match_header(spec, cell.value)
            if column is not None:
                found.setdefault(column.name, cell.column)
        count = sum(c.name in found for c in spec.columns)
        if count > best_count:
            best_row, best_map, best_count = row[0].row, found, count
    return best_row, best_map


def _column(columns: dict[str, int], column: str) -> int | None:
    if column in columns:
        return columns[column]
    key = contract.normalise_header(column)
    if key in columns:
        return columns[key]
    if re.fullmatch(r"[A-Z]{1,3}", column):
        return column_index(column) + 1
    return None


def _label_cell(sheet: Worksheet, label: str) -> tuple[int, int] | None:
    """A cell near the top of a sheet whose text is `label` (填报说明's 填报单位, say)."""
    key = contract.normalise_header(label)
    for row in sheet.iter_rows(min_row=1, max_row=30, max_col=10):
        for cell in row:
            if cell.value is not None and contract.normalise_header(cell.value).rstrip(":：") == key:
                return cell.row, cell.column
    return None


def _mark(sheet: Worksheet, row: int, col: int, reasons: list[str]) -> None:
    cell = sheet.cell(row=row, column=col)
    cell.fill = PROBLEM_FILL
    text = "\n".join(dict.fromkeys(reasons))
    comment = Comment(text, AUTHOR)
    comment.width, comment.height = 320, min(60 + 18 * text.count("\n") + len(text) // 2, 400)
    cell.comment = comment


def _problem_list(book: Workbook, problems: list[Mapping]) -> None:
    title = LIST_SHEET
    while title in book.sheetnames:
        title += "2"
    sheet = book.create_sheet(title, 0)
    sheet.append([name for name, _ in LIST_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, (_, width) in enumerate(LIST_COLUMNS):
        sheet.column_dimensions[chr(65 + index)].width = width
    for i, problem in enumerate(problems, start=2):
        for j, key in enumerate(("sheet", "row", "column", "value", "reason"), start=1):
            _put(sheet, i, j, problem.get(key))
    sheet.freeze_panes = "A2"
    book.active = 0


def _put(sheet: Worksheet, row: int, col: int, value: Any) -> None:
    """Write a value; text is kept as text (openpyxl would take a text starting with '=' for a formula)."""
    if value is None:
        return
    cell = sheet.cell(row=row, column=col, value=value)
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"
