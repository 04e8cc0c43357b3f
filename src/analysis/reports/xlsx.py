"""Tables to a formatted .xlsx for staff who open reports in Excel or WPS.

    write_tables(reports_dir / "进度表.xlsx", {"市级汇总": df_city, "县区明细": df_county})

One sheet per table. With a `title` (see export_title: region, period, data
cut-off) row 1 of every sheet holds it and the header is row 2, so read one back
with `pd.read_excel(path, header=1)`; without one the header is row 1. The
header row is bold, filled, frozen (panes below it), repeated on every printed
page and carries the autofilter; columns are as wide as their content (a Chinese
character counts as two); numbers stay numbers, NaN becomes an empty cell; the
status column is coloured. Dates are Excel dates with a date format, including a
text column whose every value is an ISO date (2025-09-30); a text column of
"实际/目标" pairs (484/400, as the report's 分地区情况 prints them) becomes two
numeric columns, "…实际" and "…目标". Text that a spreadsheet would take for a
formula (= + - @, tab, CR, and their full-width forms) is stored as text with
the quote prefix set, so a hostile enterprise name never becomes a live formula.

A report's 附表 (issue 22): counts and ranks in integer formats; computed figures rounded as displayed, so the
cell holds what the page prints (only `exact_columns`, the measured values, keep full precision); a text column
of numbers with a unit ("75家") becomes numbers with the unit in the header ("目标（家）"); `contents=True` adds a
目录 sheet with every table's full name (a name longer than a tab's 31 characters gets a short tab, "表3", and its
full name as the sheet's heading) and a 说明 sheet (each column: what it counts, its source, the cut-off; see
xlsx_guide); `issuer` and `report_date` become the file's author and dates (never "openpyxl"); a text longer
than a cell's 32,767 characters is cut with a mark saying so.
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

from analysis.errors import UserError
from analysis.fsutil import atomic_path
from analysis.periods import date_text, month_end, parse_date, period_text
from analysis.progress.verdicts import (
    STATUS_AHEAD,
    STATUS_BEHIND,
    STATUS_DONE,
    STATUS_FAR_BEHIND,
    STATUS_IN_STEP,
    STATUS_NO_DATA,
)

# Fill colours (RGB hex) by status, the usual Excel "good / neutral / bad" palette.
STATUS_FILLS = {
    STATUS_DONE: "C6EFCE",
    STATUS_AHEAD: "C6EFCE",  # green
    STATUS_IN_STEP: "E2F0D9",  # light green
    STATUS_BEHIND: "FFEB9C",  # yellow
    STATUS_FAR_BEHIND: "FFC7CE",  # red
    STATUS_NO_DATA: "D9D9D9",  # grey
}
HEADER_FILL = "DDEBF7"
# Column-name hints for rates and percentages: one decimal (58.3), other floats two.
RATE_HINTS = ("%", "％", "率", "进度", "百分点", "占比", "比重", "增速", "增幅", "得分", "指数")
RATE_FORMAT, FLOAT_FORMAT, INT_FORMAT = "0.0", "#,##0.00", "#,##0"  # counts with thousands separators
YEAR_HINTS, YEAR_FORMAT = ("年度", "年份"), "0"  # a year is 2024, not 2,024
RANK_HINTS, RANK_FORMAT = ("排名", "名次", "排序", "序号"), "0"
# Real dates, shown yyyy-mm-dd: a Chinese format (yyyy"年"m"月"d"日") shows in Excel and WPS, but LibreOffice shows
# 12/15/2025 for it (tests/test_exports.py); the page's tables write dates in Chinese (html.table)
DATE_FORMAT, DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
# measured values keep their full precision (a reported 研发投入占比 of 3.3712); everything computed is rounded
EXACT_COLUMNS = ("实际",)
CUT_MARK = "……（原文超过单元格32767字的上限，以下从略）"
AUTHOR = "产业集群目标调度工作簿"
# First characters that make Excel/WPS read text as a formula (OWASP CSV injection list + full-width).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
SHEET_NAME_MAX = 31
INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH, MAX_WIDTH = 6, 60
EXCEL_TEXT_MAX = 32767
# "75家", "3.5%", "30至50家": a number (or a range) and the unit the plan writes it in
UNIT_TEXT = re.compile(
    r"^\s*(-?\d+(?:\.\d+)?)(?:\s*(?:至|～|~|-|—)\s*(-?\d+(?:\.\d+)?))?\s*(家|户|个|项|件|场|名|人|万元|亿元|元|%|％)\s*$"
)
TITLE_FONT_SIZE = 14
PAIR_NAMES = ("实际", "目标")
PAIR_TEXT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)\s*$")  # 484/400
MISSING_TEXT = ("", "—", "-", "－", "–")
ISO_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
CHINESE_DATE_TEXT = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")  # a date as the page writes it (periods.date_text)


def write_tables(
    out_path: Path,
    sheets: dict[str, pd.DataFrame],
    *,
    status_column: str = "状态",
    title: str | None = None,
    status_fills: dict[str, str] | None = None,
    issuer: str | None = None,
    report_date: dt.date | None = None,
    contents: bool = False,
    notes: dict[str, tuple[str, str]] | None = None,
    cutoff: dt.date | None = None,
    exact_columns: tuple[str, ...] = EXACT_COLUMNS,
) -> Path:
    """Write each DataFrame to its own sheet of `out_path`, atomically; return the path.

    `title` becomes row 1 of every sheet (the header then is row 2), the workbook's title property and the
    printed page header. `status_fills` maps status text to an RGB fill and replaces STATUS_FILLS. `issuer` and
    `report_date` are the file's author and dates. `contents` adds the 目录 and 说明 sheets (xlsx_guide), with
    `notes` ({column: (含义, 来源)}) and the data `cutoff`. Columns named in `exact_columns` keep full precision.
    """
    from analysis.reports import xlsx_guide

    workbook = Workbook()
    for blank in list(workbook.worksheets):
        workbook.remove(blank)
    fills = {k: PatternFill("solid", fgColor=v) for k, v in (status_fills or STATUS_FILLS).items()}
    names: set[str] = {xlsx_guide.CONTENTS_SHEET, xlsx_guide.NOTES_SHEET} if contents else set()
    entries, written = [], []
    for number, (name, frame) in enumerate(sheets.items(), start=1):
        tab = tab_name(str(name), number, names, short=contents)
        shown = for_excel(frame)
        # with a 目录, each sheet is headed by its table's full name (its tab may be 表N)
        heading = "　".join(p for p in (str(name), title) if p) if contents else title
        _write_sheet(workbook.create_sheet(tab), shown, status_column, fills, heading, exact_columns)
        entries.append((str(name), tab, len(shown)))
        written.append((str(name), [str(c) for c in shown.columns]))
    if contents:
        xlsx_guide.write_contents(workbook.create_sheet(xlsx_guide.CONTENTS_SHEET, 0), entries, title)
        xlsx_guide.write_notes(workbook.create_sheet(xlsx_guide.NOTES_SHEET, 1), written, notes or {}, cutoff, title)
    if not sheets and not contents:
        workbook.create_sheet("表1")
    _properties(workbook, title, issuer, report_date)
    with atomic_path(out_path) as tmp:
        workbook.save(tmp)
    return Path(out_path)


def tab_name(name: str, number: int, taken: set[str], short: bool = False) -> str:
    """The sheet's tab: its full name when that is a valid one; a name longer than 31 characters is never cut
    mid-word on a tab: with `short` (a 目录 holds the full name) it becomes 表N, else unique_sheet_name's cut."""
    valid = INVALID_SHEET_CHARS.sub("_", name).strip("'").strip()
    if short and (len(valid) > SHEET_NAME_MAX or valid != name):
        return unique_sheet_name(f"表{number}", taken)
    return unique_sheet_name(name, taken)


def _properties(workbook, title: str | None, issuer: str | None, report_date: dt.date | None) -> None:
    """Author, title and dates of the file (Excel's 文件属性): the issuer and the report date, never "openpyxl"."""
    props = workbook.properties
    props.creator = props.lastModifiedBy = issuer or AUTHOR
    if title:
        props.title = title
    props.subject = "附表"
    if report_date:
        stamp = dt.datetime.combine(report_date, dt.time(9, 0))
        props.created = props.modified = stamp


def export_title(
    subject: str,
    region: str | None = None,
    period: str | None = None,
    as_of: dt.date | None = None,
    note: str | None = None,
) -> str:
    """The title row of an export: "石家庄市 2025年9月 目标进度（数据截至2025年9月30日）"; missing parts left out."""
    head = " ".join(part for part in (region, period_text(period) if period else None, subject) if part)
    tail = "；".join(part for part in (note, f"数据截至{date_text(as_of)}" if as_of else None) if part)
    return f"{head}（{tail}）" if tail else head


def data_cutoff(latest_period: str, until: dt.date | None = None) -> dt.date:
    """The last day the data cover: the end of the latest month in the store, or `until` when earlier."""
    end = month_end(latest_period).date()
    return min(end, until) if until else end


def for_excel(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` as it is written: "实际/目标" text pairs split into two numeric columns, ISO date text as dates."""
    columns: list[pd.Series] = []
    for i, name in enumerate(frame.columns):  # by position: a frame may repeat a column name
        column = frame.iloc[:, i]
        pairs = _pair_columns(column)
        with_units = _unit_columns(column, str(name)) if pairs is None else None
        if pairs is not None:
            columns += [values.rename(f"{name}{label}") for label, values in zip(PAIR_NAMES, pairs, strict=True)]
        elif with_units is not None:
            columns += with_units
        else:
            columns.append(_dates_from_text(column).rename(name))
    return pd.concat(columns, axis=1) if columns else frame


def _unit_columns(column: pd.Series, name: str) -> list[pd.Series] | None:
    """A column of "75家" texts as numbers, the unit in the header (目标（家）); with ranges (30至50家) a 下限 and an
    上限 column; with more than one unit, the numbers and a …单位 column. None for any other column."""
    texts = _texts(column)
    if not texts or not all(UNIT_TEXT.match(t) for t in texts):
        return None
    parsed = [UNIT_TEXT.match(v.strip()) if isinstance(v, str) else None for v in column]
    units = {m[3].replace("％", "%") for m in parsed if m}
    suffix = f"（{units.pop()}）" if len(units) == 1 else ""
    low = pd.Series([_number(m[1]) if m else None for m in parsed], index=column.index, dtype=object)
    out = [low.rename(f"{name}{suffix}")]
    if any(m and m[2] for m in parsed):
        high = pd.Series([_number(m[2]) if m and m[2] else None for m in parsed], index=column.index, dtype=object)
        out = [low.rename(f"{name}下限{suffix}"), high.rename(f"{name}上限{suffix}")]
    if not suffix:
        out.append(
            pd.Series([m[3] if m else None for m in parsed], index=column.index, dtype=object).rename(f"{name}单位")
        )
    return out


def _texts(column: pd.Series) -> list[str] | None:
    """The non-empty values of a text column, stripped; None for a column that is not all text."""
    if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
        return None
    values = [v for v in column if not (v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)))]
    if not all(isinstance(v, str) for v in values):
        return None
    return [v.strip() for v in values if v.strip() not in MISSING_TEXT]


def _pair_columns(column: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """The two numbers of a column of "484/400" texts ("—" for none), or None for any other column."""
    texts = _texts(column)
    if not texts or not all(PAIR_TEXT.match(t) for t in texts):
        return None
    parts = [PAIR_TEXT.match(v.strip()) if isinstance(v, str) else None for v in column]
    actual, target = (
        pd.Series([_number(m[i]) if m else None for m in parts], index=column.index, dtype=object) for i in (1, 2)
    )
    return actual, target


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def _dates_from_text(column: pd.Series) -> pd.Series:
    """A text column whose every value is a date, ISO (or date and time) or as the page writes it (2025年12月15日),
    as dates; any other column unchanged."""
    texts = _texts(column)
    if texts and all(ISO_DATE_TEXT.match(t) for t in texts):
        parse = _iso
    elif texts and all(CHINESE_DATE_TEXT.match(t) for t in texts):
        parse = parse_date
    else:
        return column
    try:
        values = [parse(v.strip()) if isinstance(v, str) and v.strip() not in MISSING_TEXT else None for v in column]
    except (ValueError, UserError):  # 2025-02-30: not a date, so the column stays text
        return column
    return pd.Series(values, index=column.index, dtype=object)


def _iso(text: str) -> dt.date:
    return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)


def unique_sheet_name(name: str, taken: set[str]) -> str:
    """A valid sheet name (≤31 chars, none of []:*?/\\), unique case-insensitively."""
    base = INVALID_SHEET_CHARS.sub("_", str(name)).strip("'").strip() or "表"
    candidate, n = base[:SHEET_NAME_MAX], 1
    while candidate.lower() in taken:
        n += 1
        suffix = f"({n})"
        candidate = base[: SHEET_NAME_MAX - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def _write_sheet(
    sheet, frame: pd.DataFrame, status_column: str, fills: dict, title: str | None, exact: tuple[str, ...] = ()
) -> None:
    columns = [str(c) for c in frame.columns]
    header_row = _write_title(sheet, title) + 1
    _write_header(sheet, columns, header_row)
    formats = [_number_format(name, frame.iloc[:, i]) for i, name in enumerate(columns)]
    decimals = [None if _is_exact(name, exact) else _decimals(fmt) for name, fmt in zip(columns, formats, strict=True)]
    status_index = columns.index(status_column) if status_column in columns else None
    widths = [display_width(name) for name in columns]
    for r, row in enumerate(frame.itertuples(index=False, name=None), start=header_row + 1):
        for c, raw in enumerate(row):
            cell = sheet.cell(row=r, column=c + 1)
            _set_value(cell, raw, formats[c], decimals[c])
            widths[c] = max(widths[c], _shown_width(cell.value, formats[c]))
            if c == status_index and cell.value in fills:
                cell.fill = fills[cell.value]
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = f"A{header_row + 1}"  # the header (and the title above it) stay in view
    if len(frame):  # sort and filter in Excel/WPS: the header row and the data, never the title
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{len(frame) + header_row}"
    _print_setup(sheet, len(columns), title, header_row)


def _write_title(sheet, title: str | None) -> int:
    """The title in A1 (it runs on over the empty cells to its right); the number of rows used."""
    if not title:
        return 0
    cell = sheet.cell(row=1, column=1)
    _set_text(cell, title)
    cell.font = Font(bold=True, size=TITLE_FONT_SIZE)
    cell.alignment = Alignment(vertical="center")
    sheet.row_dimensions[1].height = TITLE_FONT_SIZE * 2
    return 1


def _write_header(sheet, columns: list[str], row: int) -> None:
    thin = Side(style="thin", color="808080")
    for c, name in enumerate(columns, start=1):
        cell = sheet.cell(row=row, column=c)
        _set_text(cell, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(bottom=thin)


def _print_setup(sheet, n_columns: int, title: str | None, header_row: int) -> None:
    sheet.print_title_rows = f"{header_row}:{header_row}"  # header on every printed page (the title is the page header)
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if n_columns > 6 else "portrait"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if title:
        sheet.oddHeader.center.text = title.replace("&", "&&")
    sheet.oddFooter.center.text = "— &P —"


def _number_format(name: str, column: pd.Series) -> str | None:
    """Format for a column's numbers: by name hint for floats; None leaves General. A column whose numbers are all
    whole is a count (or a rank, or a year), never "105.00"."""
    if pd.api.types.is_bool_dtype(column):
        return None
    if any(h in name for h in YEAR_HINTS):
        return YEAR_FORMAT
    if any(h in name for h in RANK_HINTS) and _all_whole(column):
        return RANK_FORMAT
    if pd.api.types.is_integer_dtype(column) or (_all_whole(column) and not any(h in name for h in RATE_HINTS)):
        return INT_FORMAT
    if pd.api.types.is_float_dtype(column) or pd.api.types.is_object_dtype(column):
        return RATE_FORMAT if any(h in name for h in RATE_HINTS) else FLOAT_FORMAT
    return None


def _all_whole(column: pd.Series) -> bool:
    values = [_plain(v) for v in column]
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return bool(numbers) and all(float(v).is_integer() for v in numbers)


def _decimals(number_format: str | None) -> int | None:
    """The decimals a number format shows (0.0 → 1, #,##0.00 → 2, #,##0 → 0); None for General."""
    if number_format is None or number_format in (DATE_FORMAT, DATETIME_FORMAT):
        return None
    return len(number_format.split(".")[1]) if "." in number_format else 0


def _is_exact(name: str, exact: tuple[str, ...]) -> bool:
    """A measured value kept at full precision: a column named in `exact` (实际, 实际（%）, 目标完成实际 …)."""
    base = name.split("（")[0]
    return any(base == e or base.endswith(e) for e in exact)


def _set_value(cell, raw, number_format: str | None, decimals: int | None = None) -> None:
    value = _plain(raw)
    if value is None:
        return
    if isinstance(value, bool):
        _set_text(cell, "是" if value else "否")  # not TRUE/FALSE
    elif isinstance(value, str):
        _set_text(cell, value)
        if display_width(value) > MAX_WIDTH:
            cell.alignment = Alignment(wrap_text=True, vertical="top")  # long text wraps in its column
    elif isinstance(value, dt.datetime):
        cell.value = value
        cell.number_format = DATETIME_FORMAT if value.time() != dt.time(0) else DATE_FORMAT
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        if decimals is not None and isinstance(value, float):
            value = round(value, decimals)  # the cell holds what the page prints
        if isinstance(value, float) and value.is_integer() and number_format in (INT_FORMAT, RANK_FORMAT, YEAR_FORMAT):
            value = int(value)
        cell.value = value
        if number_format and not isinstance(value, bool):  # a whole number in a column of amounts is a count
            whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
            cell.number_format = INT_FORMAT if whole and number_format == FLOAT_FORMAT else number_format


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
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > EXCEL_TEXT_MAX:  # Excel keeps at most 32,767 characters in a cell: say that the rest is left out
        text = text[: EXCEL_TEXT_MAX - len(CUT_MARK)] + CUT_MARK
    cell.value = text
    if text.startswith(FORMULA_STARTS):
        cell.data_type = "s"  # openpyxl made it a formula ("f") if it began with "="
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
