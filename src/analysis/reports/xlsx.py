"""Tables to a formatted .xlsx for staff who open reports in Excel or WPS.

    write_tables(reports_dir / "进度表.xlsx", {"市级汇总": df_city, "县区明细": df_county})

One sheet per table; header row bold, filled and frozen; columns as wide as
their content (a Chinese character counts as two); numbers stay numbers,
dates stay dates, NaN becomes an empty cell; the status column is coloured.
Text that a spreadsheet would take for a formula (= + - @, tab, CR, and their
full-width forms) is stored as text with the quote prefix set, so a hostile
enterprise name in a submission never becomes a live formula.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from analysis.fsutil import atomic_path
from analysis.progress.verdicts import (STATUS_AHEAD, STATUS_BEHIND, STATUS_DONE, STATUS_FAR_BEHIND, STATUS_IN_STEP,
                       STATUS_NO_DATA)

# Fill colours (RGB hex) by status, the usual Excel "good / neutral / bad" palette.
STATUS_FILLS = {
    STATUS_DONE: "C6EFCE", STATUS_AHEAD: "C6EFCE",  # green
    STATUS_IN_STEP: "E2F0D9",                       # light green
    STATUS_BEHIND: "FFEB9C",                        # yellow
    STATUS_FAR_BEHIND: "FFC7CE",                    # red
    STATUS_NO_DATA: "D9D9D9",                       # grey
}
HEADER_FILL = "DDEBF7"
# Column-name hints for rates and percentages: one decimal (58.3), other floats two.
RATE_HINTS = ("%", "％", "率", "进度", "百分点", "占比", "比重", "增速", "增幅")
RATE_FORMAT, FLOAT_FORMAT, INT_FORMAT = "0.0", "#,##0.00", "#,##0"   # counts with thousands separators
DATE_FORMAT, DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
# First characters that make Excel/WPS read text as a formula (OWASP CSV injection list + full-width).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
SHEET_NAME_MAX = 31
INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH, MAX_WIDTH = 6, 60
EXCEL_TEXT_MAX = 32767


def write_tables(out_path: Path, sheets: dict[str, pd.DataFrame], *, status_column: str = "状态",
                 title: str | None = None, status_fills: dict[str, str] | None = None) -> Path:
    """Write each DataFrame to its own sheet of `out_path`, atomically; return the path.

    `title` becomes the workbook's title property and the printed page header.
    `status_fills` maps status text to an RGB fill and replaces STATUS_FILLS.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    fills = {k: PatternFill("solid", fgColor=v) for k, v in (status_fills or STATUS_FILLS).items()}
    names: set[str] = set()
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(unique_sheet_name(name, names))
        _write_sheet(sheet, frame, status_column, fills, title)
    if title:
        workbook.properties.title = title
    if not sheets:
        workbook.create_sheet("表1")
    with atomic_path(out_path) as tmp:
        workbook.save(tmp)
    return Path(out_path)


def unique_sheet_name(name: str, taken: set[str]) -> str:
    """A valid sheet name (≤31 chars, none of []:*?/\\), unique case-insensitively."""
    base = INVALID_SHEET_CHARS.sub("_", str(name)).strip("'").strip() or "表"
    candidate, n = base[:SHEET_NAME_MAX], 1
    while candidate.lower() in taken:
        n += 1
        suffix = f"({n})"
        candidate = base[:SHEET_NAME_MAX - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def _write_sheet(sheet, frame: pd.DataFrame, status_column: str, fills: dict, title: str | None) -> None:
    columns = [str(c) for c in frame.columns]
    _write_header(sheet, columns)
    formats = [_number_format(name, frame.iloc[:, i]) for i, name in enumerate(columns)]
    status_index = columns.index(status_column) if status_column in columns else None
    widths = [display_width(name) for name in columns]
    for r, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        for c, raw in enumerate(row):
            cell = sheet.cell(row=r, column=c + 1)
            _set_value(cell, raw, formats[c])
            widths[c] = max(widths[c], _shown_width(cell.value, formats[c]))
            if c == status_index and cell.value in fills:
                cell.fill = fills[cell.value]
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"
    if len(frame):
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"   # sort and filter in Excel/WPS
    _print_setup(sheet, len(columns), title)


def _write_header(sheet, columns: list[str]) -> None:
    thin = Side(style="thin", color="808080")
    for c, name in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=c)
        _set_text(cell, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(bottom=thin)


def _print_setup(sheet, n_columns: int, title: str | None) -> None:
    sheet.print_title_rows = "1:1"  # header on every printed page
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if n_columns > 6 else "portrait"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if title:
        sheet.oddHeader.center.text = title.replace("&", "&&")
    sheet.oddFooter.center.text = "— &P —"


def _number_format(name: str, column: pd.Series) -> str | None:
    """Format for a column's numbers: by name hint for floats; None leaves General."""
    if pd.api.types.is_bool_dtype(column):
        return None
    if pd.api.types.is_integer_dtype(column):
        return INT_FORMAT
    if pd.api.types.is_float_dtype(column) or pd.api.types.is_object_dtype(column):
        return RATE_FORMAT if any(h in name for h in RATE_HINTS) else FLOAT_FORMAT
    return None


def _set_value(cell, raw, number_format: str | None) -> None:
    value = _plain(raw)
    if value is None:
        return
    if isinstance(value, bool):
        _set_text(cell, "是" if value else "否")   # not TRUE/FALSE
    elif isinstance(value, str):
        _set_text(cell, value)
        if display_width(value) > MAX_WIDTH:
            cell.alignment = Alignment(wrap_text=True, vertical="top")   # long text wraps in its column
    elif isinstance(value, dt.datetime):
        cell.value = value
        cell.number_format = DATETIME_FORMAT if value.time() != dt.time(0) else DATE_FORMAT
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = value
        if number_format and not isinstance(value, bool):
            cell.number_format = INT_FORMAT if isinstance(value, int) else number_format


def _plain(raw):
    """A Python value openpyxl stores faithfully, or None for a missing one."""
    if isinstance(raw, np.datetime64):
        raw = pd.Timestamp(raw)
    if raw is None or raw is pd.NA or raw is pd.NaT:
        return None
    if isinstance(raw, pd.Timestamp):
        return (raw.tz_localize(None) if raw.tzinfo else raw).to_pydatetime()
    if isinstance(raw, dt.datetime):
        return raw.replace(tzinfo=None)  # Excel has no time zones
    if isinstance(raw, (bool, dt.date, str)):
        return raw
    if isinstance(raw, np.generic):
        raw = raw.item()
    if isinstance(raw, (bool, np.bool_)):
        return bool(raw)
    if isinstance(raw, Integral):
        return int(raw)
    if isinstance(raw, Real):
        return None if math.isnan(raw) else (float(raw) if math.isfinite(raw) else str(raw))
    return str(raw)


def _set_text(cell, text: str) -> None:
    """Store text as text: never a formula, even if it looks like one."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)[:EXCEL_TEXT_MAX]
    cell.value = text
    if text.startswith(FORMULA_STARTS):
        cell.data_type = "s"   # openpyxl made it a formula ("f") if it began with "="
        cell.quotePrefix = True


def display_width(text: str) -> int:
    """Width in Excel character units: full-width (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _shown_width(value, number_format: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16 if value.time() != dt.time(0) else 10
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float) and number_format in (RATE_FORMAT, FLOAT_FORMAT):
        return len(f"{value:.{number_format.count('0') - 1}f}")
    return max((display_width(line) for line in str(value).splitlines()), default=0)
