"""Small HTML builders for the report notebooks; every piece of data is escaped.

Notebooks display these with IPython's HTML(); Markdown is never used for data,
because Markdown lets raw HTML (an enterprise named <script>…) through.
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd

from analysis.catalog.quotes import tidy_text
from analysis.periods import chinese_date, chinese_dates_in

# classes of templates/print.css
STATUS_CLASSES = {
    "已完成": "status-ok",
    "超序时": "status-ok",
    "基本同步": "status-sync",
    "落后序时": "status-behind",
    "严重滞后": "status-severe",
    "无数据": "status-nodata",
}


def esc(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value))


# The masthead line: 156 mm of text width (GB/T 9704), 26 pt characters with .1 em letter spacing.
TEXT_WIDTH_MM, ISSUER_PT, ISSUER_MIN_PT, PT_MM, SPACING = 156, 26, 18, 0.3528, 1.1


def issuer_line(issuer: str) -> str:
    """The issuer on one line, its size reduced to fit; a name too long even at 18 pt breaks in two equal halves
    (never a line with a single character)."""
    chars = len(issuer)
    fits = TEXT_WIDTH_MM / (chars * SPACING * PT_MM)  # the largest size that fits on one line, in pt
    if fits >= ISSUER_MIN_PT:
        size = min(ISSUER_PT, int(fits * 0.97))
        return f'<p class="issuer" style="font-size:{size}pt;white-space:nowrap">{esc(issuer)}</p>'
    half = (chars + 1) // 2
    return f'<p class="issuer" style="font-size:{ISSUER_MIN_PT}pt">{esc(issuer[:half])}<br>{esc(issuer[half:])}</p>'


def title_block(issuer: str, title: str, date_text: str, subtitle: str = "") -> str:
    """公文-style head: issuing unit in red, a red rule, the title, the date line."""
    sub = f'<p class="doc-subtitle">{esc(subtitle)}</p>' if subtitle else ""
    return (
        f'<div class="title-block">{issuer_line(issuer)}<hr class="red-rule">'
        f'<h1 class="doc-title">{esc(title)}</h1>{sub}<p class="doc-date">{esc(date_text)}</p></div>'
    )


def heading(text: str, level: int = 2) -> str:
    return f"<h{level}>{esc(text)}</h{level}>"


def paragraph(text: str, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f"<p{cls}>{esc(text)}</p>"


def bullets(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{esc(shorten(i))}</li>" for i in items) + "</ul>"


CUT_MARK = "……（全文见附表）"


def cell_limit() -> int:
    """The longest text a report cell shows (data/progress.yml: report_cell_limit); the xlsx keeps it whole."""
    from analysis.progress.verdicts import settings

    return int(settings().get("report_cell_limit", 1000))


def shorten(text: str) -> str:
    """A long text cut for the page, saying so: a 32,767-character 情况说明 would stall the PDF."""
    limit = cell_limit()
    return text if len(text) <= limit else text[:limit] + CUT_MARK


def cell_text(value) -> str:
    """A text cell as shown: no stray spaces inside Chinese, dates in Chinese (2025年9月15日, never 2025-09-15)."""
    return chinese_dates_in(tidy_text(value))


def _cell(value, column: str) -> str:
    if isinstance(value, float):
        if pd.isna(value):
            return "—"
        return (
            f"{value:,.1f}"
            if not value.is_integer() or "%" in column or "率" in column or "进度" in column
            else f"{int(value):,}"
        )
    if value is None or value is pd.NaT:
        return "—"
    if isinstance(value, (dt.date, pd.Timestamp)):
        return esc(chinese_date(value))
    if isinstance(value, str):
        return esc(shorten(cell_text(value)))
    return esc(value)


def text_width(text: str) -> float:
    """Printed width in full-width characters: ASCII letters and digits take about half a character."""
    return sum(0.55 if ord(ch) < 0x2000 and ch not in "—…" else 1.0 for ch in text)


# The 156 mm line in 9 pt characters (table.data), less a character of padding and rule per column.
TABLE_LINE_CHARS = 49
NOWRAP_MAX_CHARS = 12  # a cell this wide or less is a label, a date or a number: never broken
WRAPPED_MIN_CHARS = 3  # what a wrapping column keeps at least


def table(
    frame: pd.DataFrame,
    status_column: str = "状态",
    caption: str = "",
    numeric_right: bool = True,
    empty: str = "（无）",
) -> str:
    """A plain table: header repeated on each printed page, status cells coloured, values escaped.

    Columns of short values (numbers, dates, labels up to NOWRAP_MAX_CHARS) are never wrapped, as far as the line
    allows, so a long enterprise name cannot squeeze a date column to one character. An empty frame gives `empty`
    as a paragraph, or nothing when `empty` is "" (leave the section out).
    """
    if frame.empty:
        return paragraph(empty, "empty") if empty else ""
    shown = [
        [_cell(value, str(col)) for col, value in zip(frame.columns, row, strict=True)]
        for row in frame.itertuples(index=False, name=None)
    ]
    keep = _unbroken_columns(frame, shown)
    nowrap_head = ' class="nowrap"'
    head = "".join(
        f"<th{nowrap_head if i in keep and text_width(str(c)) <= 6 else ''}>{esc(c)}</th>"
        for i, c in enumerate(frame.columns)
    )
    rows = []
    for raw, cells_text in zip(frame.itertuples(index=False, name=None), shown, strict=True):
        cells = []
        for i, (col, value, text) in enumerate(zip(frame.columns, raw, cells_text, strict=True)):
            css = STATUS_CLASSES.get(value, "") if col == status_column and isinstance(value, str) else ""
            if numeric_right and _is_number(value):
                css = (css + " num").strip()
            elif i in keep:
                css = (css + " nowrap").strip()
            attr = f' class="{css}"' if css else ""
            cells.append(f"<td{attr}>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f'<table class="data">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _unbroken_columns(frame: pd.DataFrame, shown: list[list[str]]) -> set[int]:
    """Columns whose cells are never wrapped: numbers and dates always, then the narrowest short text columns while
    the line has room for them beside what the wrapping columns need at least."""
    widths = [max((text_width(html.unescape(row[i])) for row in shown), default=0.0) for i in range(len(frame.columns))]
    always = {
        i for i in range(len(frame.columns)) if widths[i] <= NOWRAP_MAX_CHARS and _numeric_or_date(frame.iloc[:, i])
    }
    short = sorted((w, i) for i, w in enumerate(widths) if w <= NOWRAP_MAX_CHARS and i not in always)
    keep = set(always)
    used = sum(widths[i] + 1 for i in keep)
    for width, i in short:
        rest = len(frame.columns) - len(keep) - 1
        if used + width + 1 + rest * (WRAPPED_MIN_CHARS + 1) > TABLE_LINE_CHARS:
            break
        keep.add(i)
        used += width + 1
    return keep


def _numeric_or_date(column: pd.Series) -> bool:
    values = [v for v in column if not (v is None or (isinstance(v, float) and pd.isna(v)))]
    return bool(values) and all(_is_number(v) or isinstance(v, (dt.date, pd.Timestamp)) for v in values)


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九."""
    digits = "零一二三四五六七八九"
    if not 0 < n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else digits[tens] + "十")
    return head + (digits[ones] if ones else "")


class Numbering:
    """Section headings numbered 一、二、三… in the order they are shown (a skipped section leaves no gap).
    For the four levels of a 公文 and sections left out when empty, see gongwen.Outline."""

    def __init__(self):
        self.count = 0

    def heading(self, text: str) -> str:
        self.count += 1
        return heading(f"{chinese_number(self.count)}、{text}")
