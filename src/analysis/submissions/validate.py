"""Validating a submitted file against the workbook contract (analysis.submissions.contract).

`read_submission` reads one file, checks every rule and returns clean typed
tables, or raises SubmissionRejected listing every problem of the file at once
(file, sheet, Excel row, column, value, reason — in Chinese). `read_checked` runs
the same checks and returns the checked columns as plain values (checked.py):
what ingest stores, without building the DataFrames.

The checks live beside this module: cells.py (one cell), periods.py (the file's
period), references.py (registries and references between sheets), rows.py (row by
row) and columns.py (column by column, the fast path); this module runs them.
"""

from __future__ import annotations

import calendar
import hashlib
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.catalog.awards import load_award_types
from analysis.catalog.regions import load_regions
from analysis.errors import UserError, visible

# Still importable from here, as before the checks moved to the modules above.
from analysis.submissions import (
    contract,
    creditcode,  # noqa: F401
    readers,
)
from analysis.submissions.cells import (  # noqa: F401
    _CONTROL,
    EARLIEST_DATE,
    MAX_WHOLE,
    TOO_LARGE,
    _Bad,
    _control_reason,
    _error_cell_reason,
    _has_control,
    _visible,
    parse_code,
    parse_date,
    parse_number,
    parse_text,
    parse_yearmonth,
)
from analysis.submissions.checked import CheckedSubmission, CheckedTable, checked_table
from analysis.submissions.columns import (
    ColumnChecks,
    _valid_codes,  # noqa: F401
)
from analysis.submissions.file_period import (
    _instructions,
    _resolve_period,
    period_from,  # noqa: F401
)
from analysis.submissions.limits import current as current_limits
from analysis.submissions.references import (  # noqa: F401
    IndicatorRef,
    ReferenceChecks,
    ResolvedNames,
    known_names,
    load_indicator_names,
)
from analysis.submissions.rows import RowChecks
from analysis.submissions.submitter import decide, declared_unit


@dataclass(frozen=True)
class Problem:
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet is not None:
            parts.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column is not None:
            parts.append(f"列“{self.column}”")
        if self.value is not None:
            parts.append(f"值“{self.value}”")
        return visible("｜".join(parts) + "：" + self.reason)  # one line, whatever a name or value holds


class SubmissionRejected(UserError):
    """A submission with problems; str() is a summary line and one line per problem. `omitted` problems were
    found beyond the ones listed (limits.Limits.problems): counted, not kept."""

    def __init__(self, file_name: str, problems: list[Problem], omitted: int = 0):
        self.file_name = file_name
        self.problems = list(problems)
        self.omitted = omitted
        total = len(self.problems) + omitted
        lines = [f"{visible(file_name)}：发现{total}处问题，本次报送未入库，请修改后重新报送："]
        lines += [str(p) for p in self.problems]
        if omitted:
            lines.append(f"……另有{omitted}处问题未逐一列出")
        super().__init__("\n".join(lines))


@dataclass
class Submission:
    path: Path
    file_name: str
    sha256: str
    period: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    units: set[str] = field(default_factory=set)
    extra_columns: dict[str, list[str]] = field(default_factory=dict)
    # Chinese lines for the ingest summary: region names taken as another (a former name or
    # retired code as the current unit, a shared name placed by the file's city)
    notes: list[str] = field(default_factory=list)


# Sheets checked before the ones that refer to them.
_ORDER = ("集群名录", "企业名录", "资质认定", "企业年度财务", "集群月度", "指标填报", "情况说明", "目标分解")


class _Validator(ColumnChecks, RowChecks, ReferenceChecks):
    """One file's checks; `problems` collects every problem found."""

    def __init__(
        self,
        file_name: str,
        period: str,
        known_enterprises: Mapping[str, str] | None,
        known_clusters: Mapping[str, str] | None,
        max_problems: int = 1_000,
    ):
        self.file = file_name
        self.period = period
        year, month = map(int, period.split("-"))
        self.period_end = date(year, month, calendar.monthrange(year, month)[1])
        self.regions = load_regions()
        self.awards = load_award_types()
        self.indicators = load_indicator_names()
        self.problems: list[Problem] = []
        self.max_problems, self.omitted = max_problems, 0  # problems past the first max_problems are only counted
        self.notes: dict[str, None] = {}  # ordered and without repeats
        self.within: str | None = None  # the file's city, set by run
        self._suggested: dict[str, str] = {}
        self._table: readers.Table | None = None  # the table and column being checked (for notes)
        self._column: contract.Column | None = None
        # This file's own names over the known ones (which are shared by a run, never copied).
        self.enterprises = ChainMap({}, known_names(known_enterprises))
        self.clusters = ChainMap({}, known_names(known_clusters))

    def report(self, table: readers.Table | None, row: int | None, column: str | None, value: object, reason: str):
        if len(self.problems) >= self.max_problems:
            self.omitted += 1
            return
        sheet = table.sheet_name if table else None
        text = readers.cell_text(value)
        if text is not None and _CONTROL.search(text):
            text = _visible(text)
        self.problems.append(Problem(self.file, sheet, row, column, text, reason))

    # -- whole file

    def run(self, raw: readers.RawWorkbook) -> tuple[dict[str, pd.DataFrame], dict[str, list[str]]]:
        """Every check of the file; its tables as typed DataFrames, and each table's extra columns."""
        return self._run(raw, frames=True)

    def run_columns(self, raw: readers.RawWorkbook) -> tuple[dict[str, CheckedTable], dict[str, list[str]]]:
        """The same checks; the tables as CheckedTables (no DataFrame is built)."""
        return self._run(raw, frames=False)

    def _run(self, raw: readers.RawWorkbook, frames: bool) -> tuple[dict, dict[str, list[str]]]:
        tables, blank = self._locate(raw)
        self.within = self._file_place(tables)
        out, extras = {}, {}
        for name in _ORDER:
            if name in tables:
                table = tables[name]
                checked: pd.DataFrame | CheckedTable | None
                checked = self._check_table(table) if frames else self._check_columns(table)
                extra = self._extra_values(table)
                # (headers refused: no columns)
                headed = "_row" in checked if isinstance(checked, pd.DataFrame) else checked is not None
                if extra and headed:
                    self._check_extra_text(table, extra)
                    if isinstance(checked, pd.DataFrame):
                        for column, cells in extra.items():  # as written; object dtype (pandas would infer str)
                            checked[column] = pd.Series(cells, index=checked.index, dtype=object)
                    elif checked is not None:
                        checked.extras = extra
                if checked is not None:
                    out[name] = checked
                extras[name] = list(extra)
        self._check_has_rows(list(tables.values()), blank)
        return out, extras

    def _locate(self, raw: readers.RawWorkbook) -> tuple[dict[str, readers.Table], list[str]]:
        """The contract tables of the file, and the contract sheets that are blank (no cell at
        all: treated as absent)."""
        tables: dict[str, readers.Table] = {}
        blank: list[str] = []
        for sheet_name, grid in raw.sheets.items():
            sheet = contract.sheet_for(sheet_name)
            if sheet is None:
                continue
            errors = raw.error_cells.get(sheet_name)
            if sheet.name in tables:
                if _blank_grid(grid, raw.clean, errors):
                    blank.append(sheet_name)
                    continue
                self.report(
                    None,
                    None,
                    None,
                    None,
                    f"工作表“{tables[sheet.name].sheet_name}”和“{sheet_name}”都是{sheet.name}，请合并为一个工作表",
                )
                continue
            table = readers.locate_table(sheet_name, grid, sheet, errors, raw.clean, raw.merged_cells.get(sheet_name))
            if table.header_row is None and _blank_grid(grid, raw.clean, errors):
                blank.append(sheet_name)
                continue
            tables[sheet.name] = table
        if not tables and not blank:
            names = "、".join(s.name for s in contract.SHEETS)
            found = "、".join(f"“{n}”" for n in raw.sheets) or "无"
            self.report(None, None, None, None, f"没有可识别的工作表（现有：{found}；应为：{names}）")
        return tables, blank

    def _check_has_rows(self, tables: list[readers.Table], blank: list[str]) -> None:
        """A submission without any data row names no unit and would store nothing: refused.
        (A header-only sheet beside sheets with rows is fine: it empties that sheet.)"""
        if any(len(t.row_numbers) or t.header_row is None for t in tables) or not (tables or blank):
            return  # rows, or a sheet without header row (reported), or no contract sheet (reported)
        if tables:
            self.report(None, None, None, None, "文件中没有数据行（各工作表只有表头），未入库")
        else:
            sheets = "、".join(f"“{n}”" for n in blank)
            self.report(None, None, None, None, f"文件中没有数据行（工作表{sheets}是空白的），未入库")

    # -- one table

    def _check_table(self, table: readers.Table) -> pd.DataFrame:
        """The table checked (_check_values), as a typed DataFrame."""
        values = self._check_values(table)
        return pd.DataFrame() if values is None else self._frame_columns(table, values)

    def _check_columns(self, table: readers.Table) -> CheckedTable | None:
        """The table checked (_check_values), as a CheckedTable; None when its headers were refused."""
        values = self._check_values(table)
        return None if values is None else checked_table(table, values)

    def _check_values(self, table: readers.Table) -> dict[str, np.ndarray] | None:
        """Every cell and row rule, column-wise; rows the fast checks cannot pass are checked
        cell by cell (_check_row), which reports their problems in the usual order. Returns each
        column's clean values (None when the headers were refused)."""
        sheet = table.sheet
        self._table = table
        if not self._check_headers(table):
            return None
        self._report_error_cells(table)
        self._report_merged_numbers(table)
        n = len(table.row_numbers)
        values: dict[str, np.ndarray] = {}
        context = {"indicator": np.full(n, None, dtype=object)}
        suspect = np.zeros(n, dtype=bool)
        for column in sheet.columns:
            if column.name in table.columns:
                values[column.name], ok = self._fast_column(column, table.data[column.name], values, context)
                suspect |= ~ok
            else:
                values[column.name] = np.full(n, None, dtype=object)
        suspect |= self._fast_row_rules(table, values, context)
        if table.error_cells:
            suspect |= np.isin(table.row_numbers, [r for r, _ in table.error_cells])
        region = self._fast_region(sheet, values)
        for i in np.flatnonzero(suspect).tolist():
            record = self._check_row(table, int(table.row_numbers[i]), table.row(i))
            for column in sheet.columns:
                values[column.name][i] = record[column.name]
            region[i] = record["地区"]
        values["地区"] = region
        self._check_unique_columns(table, values)
        self._register_columns(sheet, values)
        return values

    def _check_headers(self, table: readers.Table) -> bool:
        sheet = table.sheet
        if table.header_row is None:
            needed = "、".join(c.name for c in sheet.required)
            self.report(
                table, None, None, None, f"前{contract.HEADER_SEARCH_ROWS}行中没有找到表头行（表头应包含：{needed}）"
            )
            return False
        for canonical, written in table.duplicate_headers:
            self.report(table, table.header_row, canonical, written, "列重复出现")
        missing = [c for c in sheet.required if c.name not in table.columns]
        for column in missing:
            self.report(table, table.header_row, column.name, None, "缺少必填列")
        return True

    def _report_error_cells(self, table: readers.Table) -> None:
        assert table.header_row is not None  # _check_headers refused a table without one
        for (row, col), text in sorted(table.error_cells.items()):
            if row > table.header_row:
                self.report(table, row, table.column_label(col), text, _error_cell_reason(text))

    def _report_merged_numbers(self, table: readers.Table) -> None:
        """A merged cell counts for every row it spans (the reader fills it in), except in number
        columns: one 营业收入 spread over two enterprises would be counted twice."""
        assert table.header_row is not None  # _check_headers refused a table without one
        columns = {table.columns[c.name]: c for c in table.sheet.columns if c.name in table.columns}
        for (row, col), anchor in sorted(table.merged_cells.items()):
            column = columns.get(col)
            if row > table.header_row and column is not None and column.type in (contract.NUMBER, contract.WHOLE):
                at = int(np.searchsorted(table.row_numbers, row))
                self.report(
                    table,
                    row,
                    column.name,
                    table.data[column.name][at],
                    f"是合并单元格（与 {anchor} 合并）：数值不能跨行合并填写，请取消合并后逐行填写",
                )

    # -- extra (non-contract) columns

    def _check_extra_text(self, table: readers.Table, extra: dict[str, np.ndarray]) -> None:
        """Extra columns are kept (in the store's _extra), so their text must be clean too."""
        for name, cells in extra.items():
            values = cells.tolist()
            if not _has_control("".join(map(str, values))):  # only text can hold one: str() of others is plain
                continue
            for i, v in enumerate(values):
                if isinstance(v, str) and (m := _CONTROL.search(v)):
                    self.report(table, int(table.row_numbers[i]), name, v, _control_reason(m.group()))

    @staticmethod
    def _extra_values(table: readers.Table) -> dict[str, np.ndarray]:
        """Header as written -> the cleaned cells of the data rows, for the table's extra
        (non-contract) columns. A name that is a frame column (a contract column, 地区, _sheet,
        _row) or repeats an earlier extra column's name is skipped."""
        taken = {c.name for c in table.sheet.columns if c.name in table.columns} | {"地区", "_sheet", "_row"}
        out: dict[str, np.ndarray] = {}
        for j, name in sorted(table.extra_columns.items()):
            if name not in taken and name not in out and j in table.extra_data:
                out[name] = table.extra_data[j]
        return out


def _blank_grid(grid: pd.DataFrame, clean: bool, errors: Mapping | None) -> bool:
    """No cell of the sheet holds anything (not even a formula error)."""
    if errors:
        return False
    cells = grid.to_numpy(dtype=object, copy=False).reshape(-1)
    if not clean:
        cells = readers.clean_array(cells)
    return not bool((cells != None).any())  # noqa: E711 - elementwise on an object array


# --- entry point ------------------------------------------------------------------------------


def read_submission(
    path: str | Path,
    period: str | None = None,
    *,
    known_enterprises: Mapping[str, str] | None = None,
    known_clusters: Mapping[str, str] | None = None,
    account: str | None = None,
) -> Submission:
    """Read and validate one submitted file; SubmissionRejected lists every problem. `account`: the region of
    the authenticated account uploading it (报送平台), which the file must not contradict (submitter.decide)."""
    return Submission(*_read(Path(path), period, known_enterprises, known_clusters, account, frames=True))


def read_checked(
    path: str | Path,
    period: str | None = None,
    *,
    known_enterprises: Mapping[str, str] | None = None,
    known_clusters: Mapping[str, str] | None = None,
    account: str | None = None,
) -> CheckedSubmission:
    """read_submission without the DataFrames: the checked columns ingest stores (see checked.py)."""
    return CheckedSubmission(*_read(Path(path), period, known_enterprises, known_clusters, account, frames=False))


def _read(
    path: Path,
    period: str | None,
    known_enterprises: Mapping[str, str] | None,
    known_clusters: Mapping[str, str] | None,
    account: str | None,
    frames: bool,
) -> tuple:
    """The fields of a Submission / CheckedSubmission of the file, in order."""
    limits = current_limits()
    raw = readers.read_workbook(path)
    try:
        resolved = _resolve_period(path, raw, period)
    except UserError as err:
        raise UserError(visible(str(err))) from None
    validator = _Validator(path.name, resolved, known_enterprises, known_clusters, limits.problems)
    tables, extras = validator.run(raw) if frames else validator.run_columns(raw)
    if validator.problems:
        raise SubmissionRejected(path.name, validator.problems, validator.omitted)
    refused = _submitter_problems(path.name, raw, tables, account)
    if refused:
        raise SubmissionRejected(path.name, refused[: limits.problems], max(len(refused) - limits.problems, 0))
    units = {r for table in tables.values() for r in table["地区"].tolist() if isinstance(r, str)}
    digest = raw.sha256 or hashlib.sha256(path.read_bytes()).hexdigest()
    return path, path.name, digest, resolved, tables, units, extras, list(validator.notes)


def _submitter_problems(file_name: str, raw: readers.RawWorkbook, tables: dict, account: str | None) -> list[Problem]:
    """submitter.decide on the file's name, its 填报说明 and its rows' units, as Problems: a refusal of rows
    (目标分解) names each row, one about the whole file names the 填报单位 cell when the 填报说明 named it."""
    sheet_name = _instructions(raw)
    declared = declared_unit(raw.sheets.get(sheet_name) if sheet_name is not None else None)
    units = {name: {r for r in table["地区"].tolist() if isinstance(r, str)} for name, table in tables.items()}
    decision = decide(file_name, declared.unit if declared else None, units, account)
    out = []
    for refusal in decision.refusals:
        if refusal.sheet is not None and refusal.sheet in tables:
            sheet, rows, regions = _rows_of(tables[refusal.sheet])
            out += [
                Problem(file_name, sheet, row, "地区", region, refusal.reason)
                for row, region in zip(rows, regions, strict=True)
                if region in refusal.units
            ]
        elif declared is not None and sheet_name is not None:
            out.append(Problem(file_name, sheet_name, declared.row, "填报单位", declared.text, refusal.reason))
        else:
            out.append(Problem(file_name, None, None, None, None, refusal.reason))
    return out


def _rows_of(table) -> tuple[str, list[int], list[str]]:
    """The worksheet's name, each row's Excel row number and 地区, of a DataFrame or a CheckedTable."""
    if isinstance(table, CheckedTable):
        return table.sheet_name, table.row_numbers.tolist(), table["地区"].tolist()
    return str(table["_sheet"].iloc[0]), table["_row"].tolist(), table["地区"].tolist()
