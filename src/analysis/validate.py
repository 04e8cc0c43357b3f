"""Validating a submitted file against the workbook contract (analysis.contract).

`read_submission` reads one file, checks every rule and returns clean typed
tables, or raises SubmissionRejected listing every problem of the file at once
(file, sheet, Excel row, column, value, reason — in Chinese).
"""
from __future__ import annotations

import calendar
import hashlib
import math
import re
import unicodedata
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from types import NoneType

import numpy as np
import pandas as pd

from . import contract, creditcode, paths, readers
from .awards import load_award_types
from .contract import Column, Sheet
from .errors import UserError
from .regions import load_regions
from .yamlio import load_yaml


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
        return "｜".join(parts) + "：" + self.reason


class SubmissionRejected(UserError):
    """A submission with problems; str() is a summary line and one line per problem."""

    def __init__(self, file_name: str, problems: list[Problem]):
        self.file_name = file_name
        self.problems = list(problems)
        lines = [f"{file_name}：发现{len(self.problems)}处问题，本次报送未入库，请修改后重新报送："]
        lines += [str(p) for p in self.problems]
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


class _Bad(Exception):
    """A cell that breaks a rule; the argument is the Chinese reason."""


# --- periods ----------------------------------------------------------------------------------

_YEARMONTH = re.compile(r"^(\d{4})\s*(?:-|/|年)\s*(\d{1,2})\s*月?$")
# A year and month in a file name; a full date (2023-07-05, 2023年7月5日) is the day it was sent, not a period.
_FILE_PERIOD = re.compile(r"(?<!\d)(20\d{2})[-_.年]?(0[1-9]|1[0-2]|[1-9](?!\d))(?!\d)(?![-_./]\d)(?!月\d{1,2}日)")


def parse_yearmonth(value: object) -> str:
    """'2023-06' from 2023-06, 2023-6, 2023/6, 2023年6月 or an Excel date."""
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    m = _YEARMONTH.match(str(value).strip()) if isinstance(value, str) else None
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise _Bad("不是有效年月（应为 YYYY-MM，如 2023-06）")
    return f"{m.group(1)}-{int(m.group(2)):02d}"


def period_from(path: str | Path, instructions_sheet: pd.DataFrame | None,
                error_cells: Mapping[tuple[int, int], str] | None = None) -> str | None:
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
        raise UserError(f"{Path(path).name}：工作表“{contract.INSTRUCTIONS_SHEET}”中的填报期“{readers.cell_text(value)}”"
                        "不是有效年月（应为 YYYY-MM，如 2023-06）") from None
    if named is not None and named != stated:
        # Typically last month's file renamed for this month: storing it would silently correct last month.
        raise UserError(f"{Path(path).name}：文件名中的填报期（{named}）与工作表“{contract.INSTRUCTIONS_SHEET}”中的"
                        f"填报期（{stated}）不一致，请核对后改正其中之一再报送")
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


def _error_cell_reason(text: str) -> str:
    """Why a cell of RawWorkbook.error_cells is refused: '#REF!' and the like are formula errors;
    a value starting with '=' is a formula saved without its computed result."""
    if text.startswith("="):
        return f"公式没有保存计算结果（{text}），请用 Excel 或 WPS 打开、保存后重新报送"
    return f"单元格是公式错误（{text}），请修正公式或改填数值"


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
    stated = period_from(path, raw.sheets.get(name) if name is not None else None, raw.error_cells.get(name))
    if given is not None:
        given = _normalise_period(given)
        if stated is not None and stated != given:
            raise UserError(f"{path.name}：文件标明的填报期为{stated}，与指定的填报期{given}不一致")
        return given
    if stated is None:
        raise UserError(f"{path.name}：无法确定填报期：请在“{contract.INSTRUCTIONS_SHEET}”工作表填写"
                        f"“{contract.PERIOD_LABEL}”，或在文件名中写明年月（如 新乐市-2023-06-企业名录.csv），或在命令行指定")
    return stated


# --- reference data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRef:
    name: str
    unit: str


def _indicator_key(text: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


@lru_cache(maxsize=4)
def load_indicator_names(path: Path = paths.INDICATORS_FILE) -> dict[str, IndicatorRef]:
    """Normalised name or alias -> the indicator's canonical name and unit."""
    out = {}
    for node in load_yaml(path).get("indicators") or []:
        ref = IndicatorRef(node["name"], str(node.get("unit") or ""))
        for name in (node["name"], *(node.get("aliases") or ())):
            out.setdefault(_indicator_key(name), ref)
    return out


# --- cell parsers -----------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
# Whole numbers at or above 2**53 are no longer exact as floats (and 2**63 overflows the
# store's integers): refused, like infinite numbers, as too large.
MAX_WHOLE = 2 ** 53
TOO_LARGE = "数值过大（超出可处理的范围），请核对"
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


# Excel shows 0, a NaN or a tiny number in a date cell as 1899-12-30 / 1900-01-00: never a real award date.
EARLIEST_DATE = date(1950, 1, 1)


def parse_date(value: object) -> date:
    out = _date_of(value)
    if out < EARLIEST_DATE:
        raise _Bad(f"日期早于{EARLIEST_DATE.year}年，不可能是实际日期（单元格可能填了 0 或小数字却设为日期格式），请核对")
    return out


def _date_of(value: object) -> date:
    if isinstance(value, time):  # Excel serial 0 (or a bare time) in a date-formatted cell
        raise _Bad("不是有效日期：单元格是数字 0 或只有时间（日期格式显示为 1899-12-30），请填写实际日期")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for pattern in _DATE_PATTERNS:
            if m := pattern.match(text):
                try:
                    return date(*map(int, m.groups()))
                except ValueError:
                    break
    raise _Bad("不是有效日期（应为日期格式，或写作 2023-06-30、2023/6/30、2023年6月30日）")


def parse_number(value: object, percent_ok: bool = False) -> tuple[float, bool]:
    """A number and whether it carried a % sign."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Bad("不是数字")
    if isinstance(value, int | float):
        if isinstance(value, float) and not value == value:
            raise _Bad("不是数字")
        try:
            number = float(value)
        except OverflowError:  # an int beyond the float range
            raise _Bad(TOO_LARGE) from None
        if not math.isfinite(number):
            raise _Bad(TOO_LARGE)
        return number, False
    text = unicodedata.normalize("NFKC", value).strip()
    percent = percent_ok and text.endswith("%")
    if percent:
        text = text[:-1].strip()
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        raise _Bad("不是数字（只填数字，不要带单位、汉字或“约”等字样）")
    number = float(text)
    if not math.isfinite(number):  # "1" and 400 zeros
        raise _Bad(TOO_LARGE)
    return number, percent


def parse_code(value: object) -> str:
    """A credit code kept as text; a number longer than 15 digits has already lost digits."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if abs(value) >= 1e15:
            raise _Bad("信用代码被 Excel 存成了数字，超过15位的数字已丢失末几位；请将该列设为文本格式后重新录入")
        value = str(int(value)) if float(value).is_integer() else str(value)
    text = str(value).strip()
    reason = creditcode.problem(text)
    if reason:
        raise _Bad(f"统一社会信用代码无效：{reason}")
    return text


# Control characters (C0 but tab, line feed and carriage return; DEL; C1) have no place in a cell:
# they come from damaged files or copy-paste and are invisible in Excel.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _has_control(text: str) -> bool:
    # isprintable() (fast) is false for every control character, and for some harmless ones
    # (line breaks, the ideographic space): only then the regular expression decides.
    return not text.isprintable() and _CONTROL.search(text) is not None


def _control_reason(char: str) -> str:
    return f"含有不可见的控制字符（U+{ord(char):04X}），请删除后重新填写"


def _visible(text: str) -> str:
    """Control characters written as \\xNN, so that a message can quote the value."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def parse_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return readers.cell_text(value)
    text = str(value).strip()
    if m := _CONTROL.search(text):
        raise _Bad(_control_reason(m.group()))
    return text


# --- known enterprises and clusters -----------------------------------------------------------


class ResolvedNames(dict):
    """Known credit codes (or cluster names) -> canonical region name, resolved once per run."""


def known_names(mapping: Mapping[str, object] | None) -> ResolvedNames:
    """`mapping` with every region written as its canonical registry name (see _Validator)."""
    if isinstance(mapping, ResolvedNames):
        return mapping
    regions = load_regions()
    names: dict[str, str] = {}

    def canonical(value: object) -> str:
        key = str(value)
        if key not in names:
            region = regions.resolve(key)
            names[key] = region.name if region else key
        return names[key]

    return ResolvedNames({k: canonical(v) for k, v in (mapping or {}).items()})


# --- column-wise helpers ----------------------------------------------------------------------

_TYPE_OF = np.frompyfunc(type, 1, 1)
_ASCII_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")
_CODE_VALUES = np.full(128, -1, dtype=np.int64)
_CODE_VALUES[[ord(c) for c in creditcode.CHARSET]] = np.arange(len(creditcode.CHARSET))
_CODE_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
_unit_key_cache: dict[str, str] = {}


def _unit_key(text: object) -> str:
    key = _unit_key_cache.get(text) if isinstance(text, str) else None
    if key is None:
        key = _indicator_key(text)
        if isinstance(text, str) and len(_unit_key_cache) < 10_000:
            _unit_key_cache[text] = key
    return key


def _type_groups(kinds: np.ndarray, mask: np.ndarray):
    """(Python type, indices) of the cells under `mask`, one group per type."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return
    sub = kinds[idx]
    types = set(sub.tolist())
    if len(types) == 1:
        yield types.pop(), idx
        return
    for kind in types:
        yield kind, idx[sub == kind]


def _valid_codes(texts: list[str]) -> np.ndarray:
    """creditcode.problem(t) is None, for many codes at once."""
    n = len(texts)
    good = np.fromiter((len(t) == 18 for t in texts), dtype=bool, count=n)
    if not good.any():
        return good
    where = np.flatnonzero(good)
    chars = np.array([texts[i] for i in where.tolist()], dtype="<U18").view(np.uint32).reshape(-1, 18)
    values = _CODE_VALUES[np.minimum(chars, 127)]
    total = (values[:, :17] * _CODE_WEIGHTS).sum(axis=1)
    good[where] = (values >= 0).all(axis=1) & (values[:, 17] == (31 - total % 31) % 31)
    return good


# --- the validator ----------------------------------------------------------------------------

# Sheets checked before the ones that refer to them.
_ORDER = ("集群名录", "企业名录", "资质认定", "企业年度财务", "集群月度", "指标填报", "情况说明")


class _Validator:
    def __init__(self, file_name: str, period: str, known_enterprises: Mapping[str, str] | None,
                 known_clusters: Mapping[str, str] | None):
        self.file = file_name
        self.period = period
        year, month = map(int, period.split("-"))
        self.period_end = date(year, month, calendar.monthrange(year, month)[1])
        self.regions = load_regions()
        self.awards = load_award_types()
        self.indicators = load_indicator_names()
        self.problems: list[Problem] = []
        # This file's own names over the known ones (which are shared by a run, never copied).
        self.enterprises = ChainMap({}, known_names(known_enterprises))
        self.clusters = ChainMap({}, known_names(known_clusters))

    def report(self, table: readers.Table | None, row: int | None, column: str | None, value: object, reason: str):
        sheet = table.sheet_name if table else None
        text = readers.cell_text(value)
        if text is not None and _CONTROL.search(text):
            text = _visible(text)
        self.problems.append(Problem(self.file, sheet, row, column, text, reason))

    # -- whole file

    def run(self, raw: readers.RawWorkbook) -> tuple[dict[str, pd.DataFrame], dict[str, list[str]]]:
        tables, blank = self._locate(raw)
        frames, extras = {}, {}
        for name in _ORDER:
            if name in tables:
                table = tables[name]
                frame = self._check_table(table)
                extra = self._extra_values(table)
                if extra and "_row" in frame:  # (no columns at all when the headers were refused)
                    self._check_extra_text(table, extra)
                    for column, cells in extra.items():  # as written; object dtype (pandas would infer str)
                        frame[column] = pd.Series(cells, index=frame.index, dtype=object)
                frames[name] = frame
                extras[name] = list(extra)
        self._check_has_rows(list(tables.values()), blank)
        return frames, extras

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
                self.report(None, None, None, None,
                            f"工作表“{tables[sheet.name].sheet_name}”和“{sheet_name}”都是{sheet.name}，请合并为一个工作表")
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
        """Every cell and row rule, column-wise; rows the fast checks cannot pass are checked
        cell by cell (_check_row), which reports their problems in the usual order."""
        sheet = table.sheet
        if not self._check_headers(table):
            return pd.DataFrame()
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
        return self._frame_columns(table, values)

    # -- column-wise checks (a cell passes only when _parse would accept it, with the same value)

    def _fast_column(self, column: Column, raw: np.ndarray, values: dict, context: dict) -> tuple[np.ndarray, np.ndarray]:
        n = len(raw)
        out = np.full(n, None, dtype=object)
        ok = np.ones(n, dtype=bool)
        if not n:
            return out, ok
        kinds = _TYPE_OF(raw)
        empty = kinds == NoneType
        if column.required:
            ok[empty] = False
        if column.percent or column.domain == contract.AWARD_LEVEL:
            self._per_row(column, raw, np.flatnonzero(~empty), values, context, out, ok)
            return out, ok
        for kind, idx in _type_groups(kinds, ~empty):
            cells = raw[idx]
            if kind is str and self._fast_text(column, idx, cells, out, ok):
                continue
            if kind in (int, float) and column.type in (contract.NUMBER, contract.WHOLE):
                try:
                    x = cells.astype(np.float64)
                except OverflowError:  # an int beyond the float range: per cell
                    x = None
                if x is not None:
                    self._fast_numbers(column, idx, x, out, ok)
                    continue
            self._per_unique(column, idx, cells, out, ok, context)
        return out, ok

    def _fast_text(self, column: Column, idx: np.ndarray, cells: np.ndarray, out: np.ndarray, ok: np.ndarray) -> bool:
        """Text cells of the common kinds; False to leave them to _per_unique."""
        kind = column.type
        if kind == contract.TEXT and column.pattern is None:
            texts = [v.strip() for v in cells]
            out[idx] = texts
            if _has_control("".join(texts)):  # rare: one search over the column, per cell on a hit
                ok[idx] = np.fromiter((_CONTROL.search(t) is None for t in texts), dtype=bool, count=len(texts))
        elif kind == contract.CODE:
            texts = [v.strip() for v in cells]
            good = _valid_codes(texts)
            if column.domain == contract.ENTERPRISE:
                own, known = self.enterprises.maps
                good &= np.fromiter((t in own or t in known for t in texts), dtype=bool, count=len(texts))
            out[idx] = texts
            ok[idx] = good
        elif kind in (contract.NUMBER, contract.WHOLE):
            plain = np.fromiter((_ASCII_NUMBER.match(v) is not None for v in cells), dtype=bool, count=len(cells))
            if plain.any():  # plain ASCII numbers: NFKC, strip, % and thousands change nothing
                self._fast_numbers(column, idx[plain], cells[plain].astype(np.float64), out, ok)
            if not plain.all():
                self._per_unique(column, idx[~plain], cells[~plain], out, ok, {})
        else:
            return False
        return True

    def _fast_numbers(self, column: Column, idx: np.ndarray, x: np.ndarray, out: np.ndarray, ok: np.ndarray) -> None:
        """parse_number + _parse_number (no % column) + pattern + period on floats."""
        whole = column.type == contract.WHOLE
        good = np.isfinite(x)
        if whole:
            good &= (np.floor(x) == x) & (np.abs(x) < MAX_WHOLE)
        if column.nonnegative:
            good &= ~(x < 0)
        if whole and column.not_after_period:
            good &= ~(x > self.period_end.year)
        if column.pattern is not None:
            for v in np.unique(x[good]).tolist():
                if not column.pattern.match(str(int(v))):
                    good &= x != v
        if whole:  # |x| < 2**53: exact in int64
            out[idx[good]] = x[good].astype(np.int64).tolist()
        else:
            out[idx[good]] = x[good].tolist()
        ok[idx] = good

    def _per_unique(self, column: Column, idx: np.ndarray, cells: np.ndarray, out: np.ndarray, ok: np.ndarray,
                    context: dict) -> None:
        """_parse once per distinct value (cells of one Python type, so equal values parse alike)."""
        codes, uniques = pd.factorize(cells)
        parsed = np.full(len(uniques), None, dtype=object)
        good = np.zeros(len(uniques), dtype=bool)
        refs = np.full(len(uniques), None, dtype=object)
        for k, value in enumerate(uniques.tolist()):
            record: dict = {}
            try:
                parsed[k] = self._parse(column, value, record)
                good[k] = True
            except _Bad:
                pass
            refs[k] = record.get("_indicator")
        out[idx] = parsed[codes]
        ok[idx] = good[codes]
        if column.domain == contract.INDICATOR and "indicator" in context:
            context["indicator"][idx] = refs[codes]

    def _per_row(self, column: Column, raw: np.ndarray, rows: np.ndarray, values: dict, context: dict,
                 out: np.ndarray, ok: np.ndarray) -> None:
        """Cells whose check depends on the row (级别 on 资质类型, a % value on its 指标)."""
        types = values.get("资质类型")
        indicators = context["indicator"]
        seen: dict[tuple, tuple[bool, object]] = {}  # the verdict depends on these four only
        for i in rows.tolist():
            value, indicator, award = raw[i], indicators[i], types[i] if types is not None else None
            key = (type(value), value, id(indicator), award)
            if key not in seen:
                try:
                    seen[key] = (True, self._parse(column, value, {"_indicator": indicator, "资质类型": award}))
                except _Bad:
                    seen[key] = (False, None)
            ok[i], out[i] = seen[key]

    def _fast_row_rules(self, table: readers.Table, values: dict, context: dict) -> np.ndarray:
        """Rows that _check_row_rules might report on."""
        sheet = table.sheet
        n = len(table.row_numbers)
        suspect = np.zeros(n, dtype=bool)
        for rule in sheet.compare:
            left, right = values[rule.left], values[rule.right]
            both = np.flatnonzero((left != None) & (right != None))  # noqa: E711 - elementwise
            if len(both):
                suspect[both] |= (left[both] > right[both]).astype(bool)
        if "资质类型" in values:
            levelled = frozenset(name for name, award in self.awards.items() if award.has_level)
            raw_level = table.data.get("级别")
            no_level = raw_level == None if raw_level is not None else np.ones(n, dtype=bool)  # noqa: E711
            suspect |= no_level & np.frompyfunc(levelled.__contains__, 1, 1)(values["资质类型"]).astype(bool)
        if "单位" in values:
            suspect |= np.fromiter((ref is not None and bool(unit) and _unit_key(unit) != _unit_key(ref.unit)
                                    for ref, unit in zip(context["indicator"], values["单位"])), dtype=bool, count=n)
        return suspect

    def _fast_region(self, sheet: Sheet, values: dict) -> np.ndarray:
        """_row_region of every row."""
        keys = values[sheet.region_from]
        if sheet.region_from == "统一社会信用代码":
            names = self.enterprises
        elif sheet.region_from == "集群名称":
            names = self.clusters
        else:
            return keys.copy()
        own, known = names.maps
        region = np.full(len(keys), None, dtype=object)
        region[:] = [None if k is None else own[k] if k in own else known.get(k) for k in keys.tolist()]
        return region

    def _check_unique_columns(self, table: readers.Table, values: dict) -> None:
        keys = table.sheet.unique
        if not keys:
            return
        present = np.ones(len(table.row_numbers), dtype=bool)
        for k in keys:
            present &= values[k] != None  # noqa: E711 - elementwise on an object array
        tuples = list(zip(*(values[k][present].tolist() for k in keys)))
        if len(set(tuples)) == len(tuples):
            return
        records = [dict(zip(keys, t), _row=row)
                   for row, *t in zip(table.row_numbers.tolist(), *(values[k].tolist() for k in keys))]
        self._check_unique(table, records)

    def _register_columns(self, sheet: Sheet, values: dict) -> None:
        """_register, column-wise."""
        if sheet.name == "企业名录":
            own, key, region = self.enterprises.maps[0], "统一社会信用代码", "所属地区"
        elif sheet.name == "集群名录":
            own, key, region = self.clusters.maps[0], "集群名称", "所属地区"
        else:
            return
        own.update((k, r) for k, r in zip(values[key].tolist(), values[region].tolist()) if k)

    @staticmethod
    def _frame_columns(table: readers.Table, values: dict) -> pd.DataFrame:
        """_frame, column-wise."""
        n = len(table.row_numbers)
        columns = [c.name for c in table.sheet.columns if c.name in table.columns]
        columns += [c for c in ("地区", "_sheet", "_row") if c not in columns]
        data = {**values, "_sheet": np.full(n, table.sheet_name, dtype=object),
                "_row": table.row_numbers.astype(np.int64)}
        frame = pd.DataFrame({c: data[c] for c in columns}, columns=columns)
        return _typed(frame, table)

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

    def _check_headers(self, table: readers.Table) -> bool:
        sheet = table.sheet
        if table.header_row is None:
            needed = "、".join(c.name for c in sheet.required)
            self.report(table, None, None, None,
                        f"前{contract.HEADER_SEARCH_ROWS}行中没有找到表头行（表头应包含：{needed}）")
            return False
        for canonical, written in table.duplicate_headers:
            self.report(table, table.header_row, canonical, written, "列重复出现")
        missing = [c for c in sheet.required if c.name not in table.columns]
        for column in missing:
            self.report(table, table.header_row, column.name, None, "缺少必填列")
        return True

    def _report_error_cells(self, table: readers.Table) -> None:
        for (row, col), text in sorted(table.error_cells.items()):
            if row > table.header_row:
                self.report(table, row, table.column_label(col), text, _error_cell_reason(text))

    def _report_merged_numbers(self, table: readers.Table) -> None:
        """A merged cell counts for every row it spans (the reader fills it in), except in number
        columns: one 营业收入 spread over two enterprises would be counted twice."""
        columns = {table.columns[c.name]: c for c in table.sheet.columns if c.name in table.columns}
        for (row, col), anchor in sorted(table.merged_cells.items()):
            column = columns.get(col)
            if row > table.header_row and column is not None and column.type in (contract.NUMBER, contract.WHOLE):
                at = int(np.searchsorted(table.row_numbers, row))
                self.report(table, row, column.name, table.data[column.name][at],
                            f"是合并单元格（与 {anchor} 合并）：数值不能跨行合并填写，请取消合并后逐行填写")

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
        if kind == contract.ENUM:
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
                raise _Bad(f"“{indicator.name}”以%为单位，应填百分数（如76或76%），不能填小数{number:g}；"
                           "若单元格设为了百分比格式，请改为常规格式后填写")
        elif percent:
            raise _Bad(f"“{indicator.name}”的单位是“{indicator.unit}”，不是百分比，不能带%")

    def _check_period(self, column: Column, value: object) -> None:
        if not column.not_after_period or value is None:
            return
        if isinstance(value, date) and value > self.period_end:
            raise _Bad(f"晚于填报期（{self.period}）最后一天")
        if column.type == contract.YEARMONTH and value > self.period:
            raise _Bad(f"晚于填报期{self.period}")
        if column.type == contract.WHOLE and value > self.period_end.year:
            raise _Bad(f"晚于填报期所在年度（{self.period_end.year}年）")

    # -- domains

    def _member(self, column: Column, text: str, record: dict) -> str:
        if column.choices:
            if text not in column.choices:
                raise _Bad(f"应为以下之一：{'、'.join(column.choices)}")
            return text
        return getattr(self, f"_domain_{column.domain}")(text, record)

    def _domain_unit(self, text: str, record: dict) -> str:
        region = self.regions.resolve(text)
        if region is None:
            raise _Bad("不是地区注册表中的地区（应填县级单位名称或6位行政区划代码）")
        if not region.is_unit:
            raise _Bad(f"“{region.name}”不是县级填报单位，应填所辖县（市、区）或开发区")
        return region.name

    def _domain_region(self, text: str, record: dict) -> str:
        region = self.regions.resolve(text)
        if region is None:
            raise _Bad("不是地区注册表中的地区（应填地区名称或6位行政区划代码）")
        return region.name

    def _domain_award_type(self, text: str, record: dict) -> str:
        if text not in self.awards:
            raise _Bad(f"未知资质类型（应为：{'、'.join(self.awards)}）")
        return text

    def _domain_award_level(self, text: str, record: dict) -> str:
        award = self.awards.get(record.get("资质类型") or "")
        if award is None:
            return text  # the type itself is reported
        if not award.has_level:
            raise _Bad(f"“{award.name}”不分级别，级别应留空")
        if text not in award.levels:
            raise _Bad(f"“{award.name}”的级别应为：{'、'.join(award.levels)}")
        return text

    def _domain_indicator(self, text: str, record: dict) -> str:
        ref = self.indicators.get(_indicator_key(text))
        if ref is None:
            raise _Bad("不是指标目录（data/indicators.yml）中的指标")
        record["_indicator"] = ref
        return ref.name

    def _domain_cluster(self, text: str, record: dict) -> str:
        if text not in self.clusters:
            raise _Bad("未知集群：不在本次报送的集群名录中，也不在已入库的集群中")
        return text

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
        if award is None or not award.has_level or raw.get("级别") is not None:
            return
        if not any(r == row and table.column_label(c) == "级别" for r, c in table.error_cells):
            self.report(table, row, "级别", None, f"“{award.name}”须填写级别（{'、'.join(award.levels)}）")

    def _check_unit(self, table, row: int, raw: dict, record: dict) -> None:
        indicator = record.get("_indicator")
        unit = record.get("单位")
        if indicator is not None and unit and _indicator_key(unit) != _indicator_key(indicator.unit):
            self.report(table, row, "单位", raw.get("单位"), f"与指标目录中的单位“{indicator.unit}”不一致")

    def _row_region(self, table, row: int, raw: dict, record: dict) -> str | None:
        source = table.sheet.region_from
        key = record.get(source)
        if key is None:
            return None
        if source == "统一社会信用代码":
            return self.enterprises.get(key)
        if source == "集群名称":
            return self.clusters.get(key)
        return key

    # -- table rules

    def _check_unique(self, table: readers.Table, records: list[dict]) -> None:
        keys = table.sheet.unique
        if not keys:
            return
        seen: dict[tuple, int] = {}
        for record in records:
            key = tuple(record.get(k) for k in keys)
            if any(v is None for v in key):
                continue
            if key in seen:
                value = "、".join(readers.cell_text(v) or "" for v in key)
                self.report(table, record["_row"], keys[0], value,
                            f"与第{seen[key]}行重复（{'+'.join(keys)}相同）")
            else:
                seen[key] = record["_row"]

    def _register(self, sheet: Sheet, records: list[dict]) -> None:
        """Make this submission's enterprises and clusters known to the sheets that refer to them."""
        if sheet.name == "企业名录":
            for r in records:
                if r.get("统一社会信用代码"):
                    self.enterprises[r["统一社会信用代码"]] = r.get("所属地区")
        elif sheet.name == "集群名录":
            for r in records:
                if r.get("集群名称"):
                    self.clusters[r["集群名称"]] = r.get("所属地区")

    @staticmethod
    def _frame(table: readers.Table, records: list[dict]) -> pd.DataFrame:
        columns = [c.name for c in table.sheet.columns if c.name in table.columns]
        columns += [c for c in ("地区", "_sheet", "_row") if c not in columns]
        frame = pd.DataFrame.from_records(records, columns=columns)
        return _typed(frame, table)


def _blank_grid(grid: pd.DataFrame, clean: bool, errors: Mapping | None) -> bool:
    """No cell of the sheet holds anything (not even a formula error)."""
    if errors:
        return False
    cells = grid.to_numpy(dtype=object, copy=False).reshape(-1)
    if not clean:
        cells = readers.clean_array(cells)
    return not bool((cells != None).any())  # noqa: E711 - elementwise on an object array


# --- entry point ------------------------------------------------------------------------------


def read_submission(path: str | Path, period: str | None = None, *,
                    known_enterprises: Mapping[str, str] | None = None,
                    known_clusters: Mapping[str, str] | None = None) -> Submission:
    """Read and validate one submitted file; SubmissionRejected lists every problem."""
    path = Path(path)
    raw = readers.read_workbook(path)
    resolved = _resolve_period(path, raw, period)
    validator = _Validator(path.name, resolved, known_enterprises, known_clusters)
    frames, extras = validator.run(raw)
    if validator.problems:
        raise SubmissionRejected(path.name, validator.problems)
    units = {r for frame in frames.values() for r in frame["地区"].dropna().unique().tolist()}
    digest = raw.sha256 or hashlib.sha256(path.read_bytes()).hexdigest()
    return Submission(path, path.name, digest, resolved, frames, units, extras)


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
