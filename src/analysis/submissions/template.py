"""The blank monthly submission template (`月调度填报模板.xlsx`), written from the contract.

Required columns are marked with a leading '*' (the reader drops it). Long choice lists
(regions, award types, indicators) live on a hidden sheet that the drop-downs refer to.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from analysis.catalog.awards import load_award_types
from analysis.catalog.regions import load_regions
from analysis.submissions import contract
from analysis.submissions.contract import Column, Sheet
from analysis.submissions.validate import load_indicator_names

TEMPLATE_NAME = "月调度填报模板.xlsx"
LISTS_SHEET = "下拉选项"
PERIOD_CELL = "B3"  # where the clerk writes the period, right of its label in A3
DATA_ROWS = 2000  # rows covered by drop-downs and formats
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FONT = Font(bold=True, color="C00000")
_FORMATS = {contract.DATE: "yyyy-mm-dd", contract.CODE: "@", contract.YEARMONTH: "@", contract.TEXT: "@"}


def write_templates(out_dir: str | Path) -> list[Path]:
    """Write the blank template into out_dir; returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    first = wb.active
    assert isinstance(first, Worksheet)  # a new workbook opens on its one worksheet
    _instructions(first)
    lists = _lists_sheet(wb)
    for sheet in contract.SHEETS:
        _data_sheet(wb.create_sheet(sheet.name), sheet, lists)
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames))
    path = out / TEMPLATE_NAME
    wb.save(path)
    return [path]


def _instructions(ws: Worksheet) -> None:
    ws.title = contract.INSTRUCTIONS_SHEET
    ws["A1"] = "产业集群目标调度 月调度填报模板"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = "填报单位"
    ws["A2"].font = _REQUIRED_FONT
    ws["C2"] = "← 本单位名称（如 新乐市）；市、省转报所辖单位数据时填本市、本省"
    ws["A3"] = contract.PERIOD_LABEL
    ws["A3"].font = _REQUIRED_FONT
    ws[PERIOD_CELL].number_format = "@"
    ws["B4"] = "↑ 必填，如 2023-06（本次报送所属月份）"
    lines = [
        "填写要求：",
        "1. 各工作表第1行为表头，请勿修改、删除或调换表头；带 * 的列为必填列，必填列的单元格不能为空。",
        "2. 不需要报送的工作表可以留空；可以增加列，增加的列不入库。",
        "3. 统一社会信用代码为18位，请以文本格式录入（本模板已设为文本），不要输入成数字，否则末几位会丢失。",
        "4. 日期可填 2023-06-30、2023/6/30 或 2023年6月30日；年月填 2023-06 或 2023年6月。",
        "5. 金额单位为万元，只填数字，不要带“万”“约”等字；人数、件数填整数。",
        "6. 百分比指标填 76 或 76%，不要填 0.76；单元格不要设为百分比格式。",
        "7. 有公式的单元格不得出现 #REF!、#DIV/0!、#VALUE!、#N/A 等错误。",
        "8. 地区、资质类型、级别、指标等请从下拉列表中选择。",
        "9. 一个单位的文件只能报送本单位及所辖单位的数据；"
        "某表本期确无数据的，请联系汇总单位登记“本期无数据”，不要只删空该表。",
        "",
        "各工作表说明：",
    ]
    for sheet in contract.SHEETS:
        lines.append(f"【{sheet.name}】{sheet.description}")
        lines += [f"    {_column_line(c)}" for c in sheet.columns]
    for i, line in enumerate(lines, start=5):
        ws.cell(row=i, column=1, value=line)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 60


def _column_line(column: Column) -> str:
    mark = "（必填）" if column.required else ""
    detail = column.help or contract.TYPE_NAMES_ZH[column.type]
    return f"{column.name}{mark}：{detail}"


def _lists_sheet(wb: Workbook) -> dict[str, str]:
    """Write the choice lists on a hidden sheet; returns list key -> absolute range formula."""
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    registry = load_regions()
    awards = load_award_types()
    lists = {
        "unit": [r.name for r in registry.units()],
        "region": [r.name for r in registry],
        "award_type": list(awards),
        "indicator": sorted({ref.name for ref in load_indicator_names().values()}),
    }
    ranges = {}
    for j, (key, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(j)
        ws.cell(row=1, column=j, value=key)
        for i, value in enumerate(values, start=2):
            ws.cell(row=i, column=j, value=value)
        ranges[key] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _choices(column: Column, lists: dict[str, str]) -> str | None:
    """The data-validation list formula for a column, or None."""
    if column.type == contract.YESNO:
        return f'"{contract.YES},{contract.NO}"'
    if column.choices:
        return '"' + ",".join(column.choices) + '"'
    if column.domain == contract.AWARD_LEVEL:
        return '"' + ",".join(contract.AWARD_LEVELS) + '"'
    return lists.get(column.domain or "")


def _data_sheet(ws: Worksheet, sheet: Sheet, lists: dict[str, str]) -> None:
    for j, column in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=1, column=j, value=("*" if column.required else "") + column.name)
        cell.fill = _HEADER_FILL
        cell.font = _REQUIRED_FONT if column.required else Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = column.width
        if column.type in _FORMATS:
            ws.column_dimensions[letter].number_format = _FORMATS[column.type]
        _validation(ws, column, letter, lists)
    ws.freeze_panes = "A2"


def _validation(ws: Worksheet, column: Column, letter: str, lists: dict[str, str]) -> None:
    formula = _choices(column, lists)
    if formula is None:
        return
    dv = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="输入有误",
        error=f"请从下拉列表中选择{column.name}",
    )
    dv.add(f"{letter}2:{letter}{DATA_ROWS + 1}")
    ws.add_data_validation(dv)
