"""Checking a table row by row: every cell of a row, then the row's own rules.

This is the reference behaviour: the column-wise checks (columns.py) accept a cell only
when these would, with the same value, and send every other row through _check_row.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from analysis.submissions import contract, readers
from analysis.submissions.cells import (
    MAX_WHOLE,
    TOO_LARGE,
    _Bad,
    parse_code,
    parse_date,
    parse_number,
    parse_text,
    parse_yearmonth,
)
from analysis.submissions.contract import Column
from analysis.submissions.references import IndicatorRef, ReferenceChecks, _indicator_key


class RowChecks(ReferenceChecks):
    """Cell and row rules, one row at a time. A mixin of validate._Validator (report, period,
    period_end, awards, enterprises; the domain checks of references.ReferenceChecks)."""

    # -- cells

    def _check_row(self, table: readers.Table, row: int, raw: dict[str, object]) -> dict[str, object]:
        record: dict[str, object] = {"_sheet": table.sheet_name, "_row": row}
        error_cols = {table.column_label(c) for r, c in table.error_cells if r == row}
        for column in table.sheet.columns:
            if column.name not in table.columns or column.name in error_cols:
                record[column.name] = None
                continue
            record[column.name] = self._check_cell(table, row, column, raw.get(column.name), record)
        self._check_row_rules(table, row, raw, record)
        return record

    def _check_cell(self, table, row, column: Column, value: object, record: dict) -> object:
        if value is None:
            if column.required:
                self.report(table, row, column.name, None, "必填项为空")
            return None
        try:
            return self._parse(column, value, record)
        except _Bad as bad:
            self.report(table, row, column.name, value, str(bad))
            return None

    def _parse(self, column: Column, value: object, record: dict) -> object:
        kind = column.type
        out: str | date | float
        if kind == contract.CODE:
            out = parse_code(value)
            if column.domain == contract.ENTERPRISE and out not in self.enterprises:
                raise _Bad("企业不在企业名录中（本次报送和已入库的数据中都没有此信用代码）")
        elif kind == contract.DATE:
            out = parse_date(value)
        elif kind == contract.YEARMONTH:
            out = parse_yearmonth(value)
        elif kind in (contract.NUMBER, contract.WHOLE):
            out = self._parse_number(column, value, record)
        elif kind == contract.YESNO:
            out = parse_text(value)
            if out not in (contract.YES, contract.NO):
                raise _Bad("应填“是”或“否”")
            return out == contract.YES
        else:
            out = parse_text(value)
        if column.pattern is not None and not column.pattern.match(str(int(out) if isinstance(out, float) else out)):
            raise _Bad(f"格式不对，应为{column.pattern_hint}")
        if kind == contract.ENUM and isinstance(out, str):  # always text: parsed by parse_text
            out = self._member(column, out, record)
        self._check_period(column, out)
        return out

    def _parse_number(self, column: Column, value: object, record: dict) -> float:
        indicator = record.get("_indicator")
        number, percent = parse_number(value, percent_ok=column.percent)
        if column.type == contract.WHOLE and abs(number) >= MAX_WHOLE:
            raise _Bad(TOO_LARGE)
        if column.type == contract.WHOLE and not number.is_integer():
            raise _Bad("应为整数")
        if column.nonnegative and number < 0:
            raise _Bad("不能为负数")
        if column.percent and indicator is not None:
            self._check_percent(indicator, number, percent)
        return int(number) if column.type == contract.WHOLE else number

    @staticmethod
    def _check_percent(indicator: IndicatorRef, number: float, percent: bool) -> None:
        if indicator.unit == "%":
            if not percent and 0 < abs(number) < 1:
                raise _Bad(
                    f"“{indicator.name}”以%为单位，应填百分数（如76或76%），不能填小数{number:g}；"
                    "若单元格设为了百分比格式，请改为常规格式后填写"
                )
        elif percent:
            raise _Bad(f"“{indicator.name}”的单位是“{indicator.unit}”，不是百分比，不能带%")

    def _check_period(self, column: Column, value: object) -> None:
        if not column.not_after_period or value is None:
            return
        if isinstance(value, date) and value > self.period_end:
            raise _Bad(f"晚于填报期（{self.period}）最后一天")
        if column.type == contract.YEARMONTH and isinstance(value, str) and value > self.period:
            raise _Bad(f"晚于填报期{self.period}")
        if column.type == contract.WHOLE and isinstance(value, int) and value > self.period_end.year:
            raise _Bad(f"晚于填报期所在年度（{self.period_end.year}年）")

    # -- row rules

    def _check_row_rules(self, table, row: int, raw: dict, record: dict) -> None:
        sheet = table.sheet
        for rule in sheet.compare:
            left, right = record.get(rule.left), record.get(rule.right)
            if left is not None and right is not None and left > right:
                self.report(table, row, rule.report_on, raw.get(rule.report_on), rule.reason)
        self._check_level_present(table, row, raw, record)
        self._check_unit(table, row, raw, record)
        record["地区"] = self._row_region(table, row, raw, record)
        record.pop("_indicator", None)

    def _check_level_present(self, table, row: int, raw: dict, record: dict) -> None:
        award = self.awards.get(record.get("资质类型") or "")
        if award is None or not award.level_required or raw.get("级别") is not None:
            return
        if not any(r == row and table.column_label(c) == "级别" for r, c in table.error_cells):
            self.report(table, row, "级别", None, f"“{award.name}”须填写级别（{'、'.join(award.levels)}）")

    def _check_unit(self, table, row: int, raw: dict, record: dict) -> None:
        indicator = record.get("_indicator")
        unit = record.get("单位")
        if indicator is not None and unit and _indicator_key(unit) != _indicator_key(indicator.unit):
            self.report(table, row, "单位", raw.get("单位"), f"与指标目录中的单位“{indicator.unit}”不一致")

    # -- table rules

    def _check_unique(self, table: readers.Table, records: list[dict]) -> None:
        keys = table.sheet.unique
        if not keys:
            return
        seen: dict[tuple, int] = {}
        for record in records:
            key = tuple(record.get(k) for k in keys)
            # a missing required key is reported elsewhere; an optional one (目标类型) may be empty and still counts
            if any(v is None and table.sheet.column(k).required for k, v in zip(keys, key, strict=True)):
                continue
            if key in seen:
                value = "、".join(t for t in map(readers.cell_text, key) if t is not None)
                self.report(table, record["_row"], keys[0], value, f"与第{seen[key]}行重复（{'+'.join(keys)}相同）")
            else:
                seen[key] = record["_row"]

    @staticmethod
    def _frame(table: readers.Table, records: list[dict]) -> pd.DataFrame:
        columns = [c.name for c in table.sheet.columns if c.name in table.columns]
        columns += [c for c in ("地区", "_sheet", "_row") if c not in columns]
        frame = pd.DataFrame.from_records(records, columns=columns)
        return _typed(frame, table)


def _typed(frame: pd.DataFrame, table) -> pd.DataFrame:
    """The contract's dtypes on a sheet's clean rows (dates, whole numbers, numbers, 是/否)."""
    casts = {contract.WHOLE: "Int64", contract.NUMBER: "float64", contract.YESNO: "boolean"}
    for column in table.sheet.columns:
        if column.name not in frame:
            continue
        if column.type == contract.DATE:
            frame[column.name] = pd.to_datetime(frame[column.name])
        elif column.type in casts:
            frame[column.name] = frame[column.name].astype(casts[column.type])
    frame["_row"] = frame["_row"].astype("int64")
    return frame
