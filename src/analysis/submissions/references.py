"""What cells may name: the registries (regions, award types, indicators) and the enterprises
and clusters of this submission or of the store, which other sheets refer to."""

from __future__ import annotations

import re
import unicodedata
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from analysis import paths
from analysis.catalog.regions import load_regions
from analysis.submissions.cells import _Bad, parse_text
from analysis.submissions.contract import REGION, UNIT, Column, Sheet
from analysis.yamlio import load_yaml

if TYPE_CHECKING:
    from analysis.catalog.awards import AwardType
    from analysis.catalog.regions import RegionRegistry
    from analysis.submissions.readers import Table

# --- indicators -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRef:
    name: str
    unit: str


def _indicator_key(text: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


@lru_cache(maxsize=4)
def load_indicator_names(path: Path = paths.INDICATORS_FILE) -> dict[str, IndicatorRef]:
    """Normalised name or alias -> the indicator's canonical name and unit."""
    out: dict[str, IndicatorRef] = {}
    for node in load_yaml(path).get("indicators") or []:
        ref = IndicatorRef(node["name"], str(node.get("unit") or ""))
        for name in (node["name"], *(node.get("aliases") or ())):
            out.setdefault(_indicator_key(name), ref)
    return out


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


# --- checks -----------------------------------------------------------------------------------

SUGGESTED_VALUES = 200  # distinct unknown region names per file that get suggestions (a hostile file has thousands)


class ReferenceChecks:
    """The validator's checks of names against the registries and of references between sheets.
    A mixin of validate._Validator, whose __init__ sets regions, awards, indicators, enterprises
    and clusters (ChainMaps: this file's own names over the known ones), notes, _suggested,
    _table and _column; `run` sets `within` (the file's city, see _file_place)."""

    # The validator's state, declared here so that every mixin's use of it is type-checked.
    file: str
    period: str
    period_end: date
    regions: RegionRegistry
    awards: dict[str, AwardType]
    indicators: dict[str, IndicatorRef]
    enterprises: ChainMap[str, str | None]
    clusters: ChainMap[str, str | None]
    notes: dict[str, None]
    within: str | None
    _suggested: dict[str, str]
    _table: Table | None
    _column: Column | None

    def report(self, table: Table | None, row: int | None, column: str | None, value: object, reason: str) -> None:
        raise NotImplementedError  # validate._Validator.report

    # -- names in the registries and among known enterprises and clusters

    def _member(self, column: Column, text: str, record: dict) -> str:
        if column.choices:
            if text not in column.choices:
                raise _Bad(f"应为以下之一：{'、'.join(column.choices)}")
            return text
        self._column = column
        return getattr(self, f"_domain_{column.domain}")(text, record)

    def _domain_unit(self, text: str, record: dict) -> str:
        found = self._region_named(text, "不是地区注册表中的地区（应填县级单位名称或6位行政区划代码）", units_only=True)
        if not found.region.is_unit:
            raise _Bad(f"“{found.region.name}”不是县级填报单位，应填所辖县（市、区）或开发区")
        self._note_region(found)
        return found.region.name

    def _domain_region(self, text: str, record: dict) -> str:
        found = self._region_named(text, "不是地区注册表中的地区（应填地区名称或6位行政区划代码）")
        self._note_region(found)
        return found.region.name

    def _region_named(self, text: str, unknown: str, units_only: bool = False):
        """The registry's resolution of a region cell; a name several units bear is placed by the
        file's city (`within`), else refused naming every candidate; an unknown name is refused
        with the nearest registry names."""
        found = self.regions.lookup(text, self.within)
        if found.region is not None:
            return found
        if found.candidates:
            raise _Bad(found.ambiguity())
        if text not in self._suggested and len(self._suggested) < SUGGESTED_VALUES:
            self._suggested[text] = self.regions.suggestion_text(text, units_only)
        raise _Bad(unknown + self._suggested.get(text, ""))

    def _note_region(self, found) -> None:
        """A former name, retired code or placed shared name: kept as a note of the file (never silent)."""
        note = found.note
        if note:
            where = [
                f"工作表“{self._table.sheet_name}”" if self._table is not None else None,
                f"列“{self._column.name}”" if self._column is not None else None,
            ]
            self.notes.setdefault("｜".join(w for w in where if w) + "：" + note, None)

    def _file_place(self, tables: dict) -> str | None:
        """The one city (地级) that the file's region cells and its file name name, if there is one:
        it places a name several units bear (桥西区 among 石家庄市 units: 石家庄市桥西区)."""
        written: set = set()
        for table in tables.values():
            for column in table.sheet.columns:
                if column.domain in (UNIT, REGION) and column.name in table.columns:
                    written.update(table.data[column.name].tolist())
        cities = self.regions.cities_named_in(Path(self.file).stem)
        for value in written - {None}:
            try:
                text = parse_text(value)
            except _Bad:
                continue
            found = self.regions.lookup(text)
            if found.former is None and self.regions.is_former_name(text):
                continue  # 桥东区: 张家口市's, or 邢台市's former one: no evidence either way
            if found.region is not None and (city := self.regions.city_of(found.region.name)):
                cities.add(city)
                if len(cities) > 1:
                    return None
        return next(iter(cities)) if len(cities) == 1 else None

    def _domain_award_type(self, text: str, record: dict) -> str:
        if text not in self.awards:
            raise _Bad(f"未知资质类型（应为：{'、'.join(self.awards)}）")
        return text

    def _domain_award_level(self, text: str, record: dict) -> str:
        award = self.awards.get(record.get("资质类型") or "")
        if award is None:
            return text  # the type itself is reported
        if not award.levels:
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

    # -- references between sheets

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

    def _register_columns(self, sheet: Sheet, values: dict) -> None:
        """_register, column-wise."""
        if sheet.name == "企业名录":
            own, key, region = self.enterprises.maps[0], "统一社会信用代码", "所属地区"
        elif sheet.name == "集群名录":
            own, key, region = self.clusters.maps[0], "集群名称", "所属地区"
        else:
            return
        own.update((k, r) for k, r in zip(values[key].tolist(), values[region].tolist(), strict=True) if k)
