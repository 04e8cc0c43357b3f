"""The period (YYYY-MM) of a submission: from its 填报说明 sheet, its file name or the command line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from analysis.errors import UserError
from analysis.submissions import contract, readers
from analysis.submissions.cells import _Bad, _error_cell_reason, parse_yearmonth

# A year and month in a file name; a full date (2023-07-05, 2023年7月5日) is the day it was sent, not a period.
_FILE_PERIOD = re.compile(r"(?<!\d)(20\d{2})[-_.年]?(0[1-9]|1[0-2]|[1-9](?!\d))(?!\d)(?![-_./]\d)(?!月\d{1,2}日)")


def period_from(
    path: str | Path, instructions_sheet: pd.DataFrame | None, error_cells: Mapping[tuple[int, int], str] | None = None
) -> str | None:
    """The period a file states: the 填报说明 period cell, else its file name; None if neither.
    `error_cells` are the instructions sheet's formula error cells ((Excel row, 0-based column) -> text)."""
    value = None
    if instructions_sheet is not None:
        try:
            value = _period_cell(instructions_sheet, error_cells or {})
        except _Bad as bad:
            raise UserError(f"{Path(path).name}：工作表“{contract.INSTRUCTIONS_SHEET}”{bad}") from None
    m = _FILE_PERIOD.search(Path(path).stem)
    named = f"{m.group(1)}-{int(m.group(2)):02d}" if m else None
    if value is None:
        return named
    try:
        stated = parse_yearmonth(value)
    except _Bad:
        raise UserError(
            f"{Path(path).name}：工作表“{contract.INSTRUCTIONS_SHEET}”中的填报期“{readers.cell_text(value)}”"
            "不是有效年月（应为 YYYY-MM，如 2023-06）"
        ) from None
    if named is not None and named != stated:
        # Typically last month's file renamed for this month: storing it would silently correct last month.
        raise UserError(
            f"{Path(path).name}：文件名中的填报期（{named}）与工作表“{contract.INSTRUCTIONS_SHEET}”中的"
            f"填报期（{stated}）不一致，请核对后改正其中之一再报送"
        )
    return stated


def _period_cell(grid: pd.DataFrame, error_cells: Mapping[tuple[int, int], str]) -> object | None:
    """The first non-empty cell right of a 填报期 label; _Bad when that cell is a formula error
    (which reads as empty: the cell after it, often a hint, must not be taken for the period)."""
    for i, values in enumerate(grid.head(30).itertuples(index=False, name=None)):
        cells = [readers.clean(v) for v in values]
        for j, v in enumerate(cells):
            if v is not None and _is_period_label(v):
                for k in range(j + 1, len(cells)):
                    error = error_cells.get((i + 1, k))
                    if error is not None:
                        where = f"第{i + 1}行{readers.column_letter(k)}列的填报期单元格"
                        if error.startswith("="):
                            raise _Bad(f"{where}{_error_cell_reason(error)}")
                        raise _Bad(f"{where}是公式错误（{error}），请改填年月（如 2023-06）")
                    if cells[k] is not None:
                        return cells[k]
                return None
    return None


def _is_period_label(value: object) -> bool:
    """A 填报期 label, also with the trailing colon of Chinese forms (填报期（年月）：, 填报期:)."""
    return contract.normalise_header(value).rstrip(":") in contract.PERIOD_LABELS


def _normalise_period(text: str) -> str:
    try:
        return parse_yearmonth(text)
    except _Bad:
        raise UserError(f"填报期“{text}”无效，应为 YYYY-MM（如 2023-06）") from None


def _instructions(raw: readers.RawWorkbook) -> str | None:
    """The name (as written) of the file's 填报说明 sheet."""
    key = contract.normalise_sheet_name(contract.INSTRUCTIONS_SHEET)
    return next((n for n in raw.sheets if contract.normalise_sheet_name(n) == key), None)


def _resolve_period(path: Path, raw: readers.RawWorkbook, given: str | None) -> str:
    name = _instructions(raw)
    if name is None:
        stated = period_from(path, None, None)
    else:
        stated = period_from(path, raw.sheets.get(name), raw.error_cells.get(name))
    if given is not None:
        given = _normalise_period(given)
        if stated is not None and stated != given:
            raise UserError(f"{path.name}：文件标明的填报期为{stated}，与指定的填报期{given}不一致")
        return given
    if stated is None:
        raise UserError(
            f"{path.name}：无法确定填报期：请在“{contract.INSTRUCTIONS_SHEET}”工作表填写"
            f"“{contract.PERIOD_LABEL}”，或在文件名中写明年月（如 新乐市-2023-06-企业名录.csv），或在命令行指定"
        )
    return stated
