"""Checking a table column by column, the fast path for large files.

A cell passes only when the row-by-row checks (rows.py) would accept it, with the same
value; rows with a cell or rule these checks cannot pass are marked suspect and checked
again row by row, which reports their problems in the usual order.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from types import NoneType

import numpy as np
import pandas as pd

from analysis.submissions import contract, creditcode, readers
from analysis.submissions.cells import _CONTROL, EARLIEST_DATE, MAX_WHOLE, _Bad, _has_control
from analysis.submissions.contract import Column
from analysis.submissions.references import _indicator_key
from analysis.submissions.rows import RowChecks, _typed

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


class ColumnChecks(RowChecks):
    """Cell and row rules on whole columns. A mixin of validate._Validator (period_end, awards,
    enterprises; _parse and _check_unique of rows.RowChecks)."""

    def _fast_column(
        self, column: Column, raw: np.ndarray, values: dict, context: dict
    ) -> tuple[np.ndarray, np.ndarray]:
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
            if kind is datetime and column.type == contract.DATE and column.pattern is None:
                self._fast_dates(column, idx, cells, out, ok)
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

    def _fast_dates(self, column: Column, idx: np.ndarray, cells: np.ndarray, out: np.ndarray, ok: np.ndarray) -> None:
        """parse_date + the period check on date cells (datetime values): their day, from EARLIEST_DATE on."""
        days = np.empty(len(cells), dtype=object)
        days[:] = [v.date() for v in cells.tolist()]
        last = self.period_end if column.not_after_period else date.max
        good = np.fromiter((EARLIEST_DATE <= d <= last for d in days.tolist()), dtype=bool, count=len(days))
        out[idx[good]] = days[good]
        ok[idx] = good

    def _per_unique(
        self, column: Column, idx: np.ndarray, cells: np.ndarray, out: np.ndarray, ok: np.ndarray, context: dict
    ) -> None:
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

    def _per_row(
        self,
        column: Column,
        raw: np.ndarray,
        rows: np.ndarray,
        values: dict,
        context: dict,
        out: np.ndarray,
        ok: np.ndarray,
    ) -> None:
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
            levelled = frozenset(name for name, award in self.awards.items() if award.level_required)
            raw_level = table.data.get("级别")
            no_level = raw_level == None if raw_level is not None else np.ones(n, dtype=bool)  # noqa: E711
            suspect |= no_level & np.frompyfunc(levelled.__contains__, 1, 1)(values["资质类型"]).astype(bool)
        if "单位" in values:
            suspect |= np.fromiter(
                (
                    ref is not None and bool(unit) and _unit_key(unit) != _unit_key(ref.unit)
                    for ref, unit in zip(context["indicator"], values["单位"], strict=True)
                ),
                dtype=bool,
                count=n,
            )
        return suspect

    def _check_unique_columns(self, table: readers.Table, values: dict) -> None:
        keys = table.sheet.unique
        if not keys:
            return
        present = np.ones(len(table.row_numbers), dtype=bool)
        for k in keys:
            if table.sheet.column(k).required:  # an optional key column (目标类型) may be empty and still counts
                present &= values[k] != None  # noqa: E711 - elementwise on an object array
        tuples = list(zip(*(values[k][present].tolist() for k in keys), strict=True))
        if len(set(tuples)) == len(tuples):
            return
        records = [
            dict(zip(keys, t, strict=True), _row=row)
            for row, *t in zip(table.row_numbers.tolist(), *(values[k].tolist() for k in keys), strict=True)
        ]
        self._check_unique(table, records)

    @staticmethod
    def _frame_columns(table: readers.Table, values: dict) -> pd.DataFrame:
        """_frame, column-wise."""
        n = len(table.row_numbers)
        columns = [c.name for c in table.sheet.columns if c.name in table.columns]
        columns += [c for c in ("地区", "_sheet", "_row") if c not in columns]
        data = {
            **values,
            "_sheet": np.full(n, table.sheet_name, dtype=object),
            "_row": table.row_numbers.astype(np.int64),
        }
        frame = pd.DataFrame({c: data[c] for c in columns}, columns=columns)
        return _typed(frame, table)
