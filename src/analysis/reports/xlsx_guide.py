"""The two guide sheets of a report's 附表 workbook: 目录 (every table's full name, its tab, a link) and 说明 (each
column: what it counts, where it comes from, the data cut-off).

`xlsx.write_tables(..., contents=True, notes={...}, cutoff=date)` adds them; the column notes are
`DEFAULT_NOTES` for the columns the reports use, overridden or extended by `notes` ({column: (含义, 来源)}).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from analysis.periods import date_text

CONTENTS_SHEET, NOTES_SHEET = "目录", "说明"
REPORTED = "各县（市、区）月度报送（企业名录、资质认定、指标填报），经校验入库"
PLANS = "方案原文（data/policies）及上级下达的目标任务分解文件"
COMPUTED = "本工作簿按 docs/methodology.md 的规则计算"
UNDOCUMENTED = "未登记说明"
# column → (what it holds, where it comes from)
DEFAULT_NOTES: dict[str, tuple[str, str]] = {
    "地区": ("统计单位（县、市、区或开发区）", "行政区划：民政部公布的县级以上行政区划"),
    "指标": ("目标所考核的指标，按方案原文命名", PLANS),
    "期限": ("目标的考核年度；“合计”为方案期内合计", PLANS),
    "口径": ("方案目标（方案本身确定）或分解目标（上级下达）", PLANS),
    "目标": ("目标值，单位见“单位”列或列名", PLANS),
    "实际": ("截至数据截止日的实际值，单位见“单位”列或列名；比率类保留原始精度", REPORTED),
    "单位": ("目标和实际的计量单位，按方案原文", PLANS),
    "完成率%": ("实际÷目标×100，保留一位小数", COMPUTED),
    "序时进度%": ("按时间进度应完成的比例，保留一位小数", COMPUTED),
    "偏差(百分点)": ("完成率减序时进度，单位为百分点", COMPUTED),
    "状态": ("按完成率与序时进度的偏差分档判定", COMPUTED),
    "结果": ("到期目标的终期判定：已完成、超额完成或未完成", COMPUTED),
    "灯": ("红黄绿灯，与“状态”同一分档", COMPUTED),
    "环比": ("与上月相比的变化量", COMPUTED),
    "来源": ("实际值的数据来源：报送的名录、认定记录或填报指标", REPORTED),
    "差额": ("未完成目标距目标值的差额，单位同目标", COMPUTED),
    "达标月份": ("实际值首次达到目标的月份", COMPUTED),
    "综合得分": ("各项目标序时完成指数的平均值，100为与序时进度同步", COMPUTED),
    "排名": ("按综合得分由高到低的名次，得分相同并列", COMPUTED),
    "名次": ("在同一培育方向内的名次", COMPUTED),
    "指标数": ("参与评分的目标个数", COMPUTED),
    "完成数": ("已完成的目标个数", COMPUTED),
    "落后数": ("落后或严重滞后于序时进度的目标个数", COMPUTED),
    "最好指标": ("序时完成指数最高的指标", COMPUTED),
    "最差指标": ("序时完成指数最低的指标", COMPUTED),
    "本期": ("本期是否已报送", REPORTED),
    "最近报送期": ("最近一次报送的月份", REPORTED),
    "滞后月数": ("最近报送期距本期的月数", COMPUTED),
    "企业名称": ("企业在企业名录中登记的名称", REPORTED),
    "培育方向": ("后备企业拟申报的资质梯度", COMPUTED),
    "已满足": ("已满足的申报条件", COMPUTED),
    "未满足": ("尚未满足的申报条件", COMPUTED),
}


def note_for(column: str, notes: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """(含义, 来源) of a column: its own note, else that of its base name (目标（家）, 目标下限 → 目标)."""
    for key in (column, column.split("（")[0], column.removesuffix("下限"), column.removesuffix("上限")):
        if key in notes:
            return notes[key]
        for suffix in ("实际", "目标", "单位"):  # the halves of an "实际/目标" column; 目标单位
            if key.endswith(suffix) and key != suffix and suffix in notes:
                return notes[suffix]
    return UNDOCUMENTED, ""


def undocumented_columns(sheets: dict[str, pd.DataFrame], notes: dict[str, tuple[str, str]] | None = None) -> list:
    """(sheet, column) pairs the 说明 sheet cannot explain: for tests and for whoever adds a table."""
    merged = {**DEFAULT_NOTES, **(notes or {})}
    return [
        (name, str(col))
        for name, frame in sheets.items()
        for col in frame.columns
        if note_for(str(col), merged)[0] == UNDOCUMENTED
    ]


def write_contents(sheet, entries: list[tuple[str, str, int]], title: str | None) -> None:
    """目录: 序号, the table's full name, its tab (a link to it), its number of rows."""
    _heading(sheet, f"{title}　目录" if title else "目录", ["序号", "表名", "工作表", "行数"])
    for i, (full, tab, rows) in enumerate(entries, start=1):
        row = i + 2
        sheet.cell(row=row, column=1, value=i)
        sheet.cell(row=row, column=2, value=full)
        link = sheet.cell(row=row, column=3, value=tab)
        link.hyperlink = f"#'{tab.replace(chr(39), chr(39) * 2)}'!A1"
        link.font = Font(color="0563C1", underline="single")
        sheet.cell(row=row, column=4, value=rows).number_format = "#,##0"
    _widths(sheet, [6, max([len(e[0]) for e in entries] + [8]) * 2 + 2, 14, 8])


def write_notes(
    sheet,
    written: list[tuple[str, list[str]]],
    notes: dict[str, tuple[str, str]],
    cutoff: dt.date | None,
    title: str | None,
) -> None:
    """说明: for every column of every table, what it counts, its source and the data cut-off."""
    _heading(sheet, f"{title}　说明" if title else "说明", ["表名", "列名", "含义", "来源", "数据截至"])
    merged = {**DEFAULT_NOTES, **notes}
    row = 3
    for full, columns in written:
        for column in columns:
            meaning, source = note_for(column, merged)
            values = [full, column, meaning, source, date_text(cutoff) if cutoff else ""]
            for c, value in enumerate(values, start=1):
                cell = sheet.cell(row=row, column=c, value=value)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            row += 1
    _widths(sheet, [24, 18, 44, 40, 14])


def _heading(sheet, title: str, columns: list[str]) -> None:
    sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    for c, name in enumerate(columns, start=1):
        cell = sheet.cell(row=2, column=c, value=name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    sheet.freeze_panes = "A3"


def _widths(sheet, widths: list[int]) -> None:
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(width, 80)
