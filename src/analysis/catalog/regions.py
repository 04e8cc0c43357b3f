"""The region registry: jurisdictions, their hierarchy, codes, aliases and former names.

The registry is a tree along which the workbook rolls up (the reporting tree): a
province, its cities (地级市, 自治州) and their county-level units, plus the
county-level cities the province administers directly (定州市, 辛集市), which
report to the province and keep their GB parent as `gb_parent`.

Names: every region has one canonical name, unique in the registry. A GB name
borne by several units (桥西区 in 石家庄市 and in 张家口市) is canonical only with
its city in front (石家庄市桥西区); the bare name resolves within a city (`within`)
or not at all. `lookup` says what a written name or code denotes: a current
region, several candidates, or a current unit reached through a former name or a
retired code (`Resolution.former`), which callers must report, never use silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.errors import DataFileError, UserError
from analysis.yamlio import load_yaml

LEVELS = ("province", "city", "county", "zone")
LEVEL_NAMES_ZH = {"province": "省级", "city": "地级", "county": "县级", "zone": "开发区"}
KINDS = ("省", "地级市", "自治州", "市辖区", "县级市", "县", "自治县", "开发区")
_CODE = re.compile(r"\d{6}")
_LONG_CODE = re.compile(r"(\d{6})0{6}")  # the 12-digit form (with the township and village digits zero)
SUGGESTIONS = 5


@dataclass(frozen=True)
class Former:
    """A former name of a unit, or a code it no longer carries."""

    name: str
    code: str | None  # the retired code; None when the code stayed
    year: int
    change: str  # 撤市设区, 撤县设区, 撤县设市, 撤地设市, 更名, 同名改码


@dataclass(frozen=True)
class Region:
    name: str
    code: str | None
    level: str
    parent: str | None  # the parent in the reporting tree
    aliases: tuple[str, ...] = ()
    gb_parent: str | None = None  # the GB parent, only where it differs from `parent`
    gb_name: str | None = None  # the GB name, only where it differs from `name`
    kind: str | None = None  # 省, 地级市, 自治州, 市辖区, 县级市, 县, 自治县, 开发区
    former: tuple[Former, ...] = ()

    @property
    def is_unit(self) -> bool:
        """County-level units (counties, districts, county-level cities, zones) submit data."""
        return self.level in ("county", "zone")

    @property
    def is_gb_unit(self) -> bool:
        """Listed in GB/T 2260 (development zones are not)."""
        return self.code is not None

    @property
    def short_name(self) -> str:
        """The GB name (桥西区 for 石家庄市桥西区)."""
        return self.gb_name or self.name

    @property
    def administrative_parent(self) -> str | None:
        """The GB parent (保定市 for 定州市); the reporting parent elsewhere."""
        return self.gb_parent or self.parent


@dataclass(frozen=True)
class Resolution:
    """What a written name or code denotes."""

    text: str
    region: Region | None = None
    candidates: tuple[Region, ...] = ()  # several regions bear the name (region is None)
    former: Former | None = None  # reached through this former name or retired code
    placed_in: str | None = None  # a shared name placed by the city it was looked up within

    @property
    def note(self) -> str | None:
        """A Chinese line for the ingest summary when the name was not the region's own."""
        r = self.region
        if r is None:
            return None
        code = f"（{r.code}）" if r.code else ""
        if self.former is not None:
            f = self.former
            if _key(self.text) == f.code:
                was = f"已停用的行政区划代码（原{f.name}，{f.year}年{f.change}）"
            else:
                was = f"旧称（{f.year}年{f.change}）"
            return f"“{self.text}”是{was}，按现行的“{r.name}”{code}入库"
        if self.placed_in:
            return f"“{self.text}”有同名地区，按本文件所在的{self.placed_in}认定为“{r.name}”{code}"
        return None

    def ambiguity(self) -> str:
        """The refusal of a name several regions bear, naming every candidate."""
        names = "、".join(f"{c.name}（{c.code}）" if c.code else c.name for c in self.candidates)
        return f"“{self.text}”有多个同名地区：{names}；请填写带市名的全称或6位行政区划代码"


def _key(text: object) -> str:
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))
    long_code = _LONG_CODE.fullmatch(key)
    return long_code.group(1) if long_code else key


class RegionRegistry:
    def __init__(self) -> None:
        self.regions: dict[str, Region] = {}
        self._lookup: dict[str, str] = {}  # name, alias or code -> canonical name
        self._shared: dict[str, list[str]] = {}  # a GB name several units bear -> their names
        self._former: dict[str, list[tuple[str, Former]]] = {}  # former name or retired code -> (unit, entry)
        self._derived: dict[str, Any] = {}  # children, prefixes, suggestion index: built on first use
        self._resolved: dict[tuple[str, str | None], Resolution] = {}

    def add(self, region: Region) -> None:
        if region.name in self.regions:
            raise DataFileError(f"地区注册表中“{region.name}”重复")
        self.regions[region.name] = region
        self._derived.clear()
        self._resolved.clear()
        for key in (region.name, region.code, *region.aliases):
            if key is None:
                continue
            if key in self._lookup and self._lookup[key] != region.name:
                raise DataFileError(f"地区注册表中名称或代码“{key}”同时指向“{self._lookup[key]}”和“{region.name}”")
            self._lookup[key] = region.name
        if region.gb_name:
            self._shared.setdefault(region.gb_name, []).append(region.name)
        for entry in region.former:
            for key in {k for k in (entry.name, entry.code) if k is not None}:
                self._former.setdefault(key, []).append((region.name, entry))

    def check(self) -> None:
        """Names that must stay apart: a shared GB name is nobody's name or alias."""
        for bare, names in self._shared.items():
            if bare in self._lookup:
                raise DataFileError(
                    f"地区注册表中“{bare}”既是{'、'.join(names)}的简称，又是“{self._lookup[bare]}”的名称或别名"
                )
        for key in self._former:
            if _CODE.fullmatch(key) and key in self._lookup:
                raise DataFileError(f"地区注册表中停用代码“{key}”仍是“{self._lookup[key]}”的代码")

    # -- resolving names

    def lookup(self, text: object, within: str | None = None) -> Resolution:
        """What `text` (a name, alias, former name, 6-digit code or city + name) denotes;
        `within` (a region's name) places a name several units bear."""
        written = str(text).strip()
        key = _key(written)
        if (key, within) not in self._resolved:
            if len(self._resolved) > 50_000:  # a file of random names must not grow it without end
                self._resolved.clear()
            self._resolved[key, within] = self._lookup_key(key, within) or self._qualified(key) or Resolution(key)
        found = self._resolved[key, within]
        if found.text == written:
            return found
        return Resolution(written, found.region, found.candidates, found.former, found.placed_in)

    def _lookup_key(self, key: str, within: str | None) -> Resolution | None:
        if key in self._lookup:
            region = self.regions[self._lookup[key]]
            if within and not self.is_within(region.name, within):
                local = self._former_within(key, within)  # 桥东区 in a 邢台市 file: its former 桥东区
                if local:
                    return local
            return Resolution(key, region)
        if key in self._shared:
            names = self._shared[key]
            if within:
                inside = [n for n in names if self.is_within(n, within)]
                if len(inside) == 1:
                    return Resolution(key, self.regions[inside[0]], placed_in=within)
                local = self._former_within(key, within)
                if local:
                    return local
            return Resolution(key, candidates=tuple(self.regions[n] for n in names))
        if key in self._former:
            entries = self._former[key]
            if within:
                entries = [(n, f) for n, f in entries if self.is_within(n, within)] or entries
            units = list(dict.fromkeys(n for n, _ in entries))
            if len(units) == 1:
                return Resolution(key, self.regions[units[0]], former=_latest(key, entries))
            return Resolution(key, candidates=tuple(self.regions[n] for n in units))
        return None

    def _former_within(self, key: str, within: str) -> Resolution | None:
        entries = [(n, f) for n, f in self._former.get(key, ()) if self.is_within(n, within)]
        if len({n for n, _ in entries}) == 1:
            return Resolution(key, self.regions[entries[0][0]], former=_latest(key, entries))
        return None

    def _qualified(self, key: str) -> Resolution | None:
        """A name written with its province or city in front (石家庄市桥西区, 河北省新乐市, 邢台市桥西区)."""
        for prefix, place in self._prefixes().get(key[:1], ()):
            if key.startswith(prefix) and len(key) > len(prefix):
                rest = key[len(prefix) :]
                found = self._lookup_key(rest, place) or self._qualified(rest)
                if found and found.region and self.is_within(found.region.name, place):
                    return Resolution(key, found.region, former=found.former)
        return None

    def _prefixes(self) -> dict[str, list[tuple[str, str]]]:
        """First character -> (name or alias of a province or city, its name), longest first."""
        if "prefixes" not in self._derived:
            out: dict[str, list[tuple[str, str]]] = {}
            for key, name in sorted(self._lookup.items(), key=lambda kv: -len(kv[0])):
                if self.regions[name].level in ("province", "city") and not _CODE.fullmatch(key):
                    out.setdefault(key[:1], []).append((key, name))
            self._derived["prefixes"] = out
        return self._derived["prefixes"]

    def is_former_name(self, text: object) -> bool:
        """`text` is a former name or retired code of some unit (though it may also be a current one's)."""
        return _key(text) in self._former

    def cities_named_in(self, text: str) -> set[str]:
        """The cities (地级) of the regions whose name or alias occurs in `text` (a file name, say)."""
        key = _key(text)
        if "city_forms" not in self._derived:  # (name or alias, its city), worked out once: this runs per file
            self._derived["city_forms"] = [
                (form, city)
                for form, name in self._lookup.items()
                if len(form) >= 2 and not _CODE.fullmatch(form)
                for city in [self.city_of(name)]
                if city
            ]
        return {city for form, city in self._derived["city_forms"] if form in key}

    def resolve(self, name_or_code: object, within: str | None = None) -> Region | None:
        """The current region a name, alias, 6-digit code or city + name denotes, or None
        (former names and retired codes are not resolved here: see `lookup`)."""
        found = self.lookup(name_or_code, within)
        return found.region if found.former is None else None

    def get(self, name_or_code: object, within: str | None = None) -> Region:
        found = self.lookup(name_or_code, within)
        if found.region is not None and found.former is None:
            return found.region
        if found.former is not None and found.region is not None:
            raise UserError(
                f"“{name_or_code}”是旧称或已停用的代码（{found.former.year}年{found.former.change}），"
                f"现为“{found.region.name}”，请使用现名"
            )
        if found.candidates:
            raise UserError(found.ambiguity())
        hint = self.suggestion_text(found.text)
        raise UserError(f"未知地区“{name_or_code}”：不在地区注册表（data/regions.yml）中{hint}")

    # -- suggestions

    def suggest(self, text: object, units_only: bool = False, limit: int = SUGGESTIONS) -> list[str]:
        """Canonical names of the regions whose name, alias or former name is nearest to `text`
        (edit distance at most a third of its length, at least 1)."""
        key = _key(text)
        if not key or _CODE.fullmatch(key):
            return []
        place = next(
            ((p, name) for p, name in self._prefixes().get(key[:1], ()) if key.startswith(p) and len(key) > len(p)),
            None,
        )
        if place:  # 张家口市正定县: the units of 张家口市 nearest to 正定县
            inside = [n for n in self._suggest(key[len(place[0]) :], units_only) if self.is_within(n, place[1])]
            if inside:
                return inside[:limit]
        return self._suggest(key, units_only)[:limit]

    def _suggest(self, key: str, units_only: bool) -> list[str]:
        most = max(1, len(key) // 3)
        scored: dict[str, tuple[int, int, int]] = {}
        order = self._order()
        for candidate, names in self._names_near(key, most):
            distance = _distance(key, candidate, most)
            if distance > most:
                continue
            score = (distance, 0 if key in candidate or candidate in key else 1)
            for name in names:
                if units_only and not self.regions[name].is_unit:
                    continue
                if name not in scored or score < scored[name][:2]:
                    scored[name] = (*score, order[name])
        return [n for n, _ in sorted(scored.items(), key=lambda kv: kv[1])]

    def _order(self) -> dict[str, int]:
        if "order" not in self._derived:
            self._derived["order"] = {name: i for i, name in enumerate(self.regions)}
        return self._derived["order"]

    def suggestion_text(self, text: object, units_only: bool = False) -> str:
        names = self.suggest(text, units_only)
        return f"；是否为：{'、'.join(names)}？" if names else ""

    def _names_near(self, key: str, most: int):
        """(written form, canonical names) pairs that share a character with `key` and differ in length by at
        most `most`."""
        index = self._char_index()
        seen: set[str] = set()
        for ch in set(key):
            for candidate in index.get(ch, ()):
                if candidate not in seen and abs(len(candidate) - len(key)) <= most:
                    seen.add(candidate)
                    yield candidate, self._forms()[candidate]

    def _forms(self) -> dict[str, list[str]]:
        if "forms" in self._derived:
            return self._derived["forms"]
        forms: dict[str, list[str]] = {}
        for key, name in self._lookup.items():
            if not _CODE.fullmatch(key):
                forms.setdefault(key, []).append(name)
        for key, names in self._shared.items():
            forms.setdefault(key, []).extend(names)
        for key, entries in self._former.items():
            if not _CODE.fullmatch(key):
                forms.setdefault(key, []).extend(n for n, _ in entries)
        self._derived["forms"] = {k: list(dict.fromkeys(v)) for k, v in forms.items()}
        return self._derived["forms"]

    def _char_index(self) -> dict[str, list[str]]:
        if "chars" not in self._derived:
            index: dict[str, list[str]] = {}
            for form in self._forms():
                for ch in set(form):
                    index.setdefault(ch, []).append(form)
            self._derived["chars"] = index
        return self._derived["chars"]

    # -- the tree

    def children(self, name: str) -> list[Region]:
        """Direct children in the reporting tree (河北省: its cities, 定州市 and 辛集市)."""
        if "children" not in self._derived:
            index: dict[str | None, list[Region]] = {}
            for r in self.regions.values():
                index.setdefault(r.parent, []).append(r)
            self._derived["children"] = index
        return list(self._derived["children"].get(name, ()))

    def ancestors(self, name: str) -> list[Region]:
        """Parents in the reporting tree, from the nearest upwards."""
        out, region = [], self.regions[name]
        while region.parent:
            region = self.regions[region.parent]
            out.append(region)
        return out

    def gb_ancestors(self, name: str) -> list[Region]:
        """GB parents from the nearest upwards (定州市: 保定市, 河北省)."""
        out, region = [], self.regions[name]
        while region.administrative_parent:
            region = self.regions[region.administrative_parent]
            out.append(region)
        return out

    def is_within(self, name: str, place: str) -> bool:
        """`name` is `place` or lies below it, in the reporting tree or by its GB parents."""
        if name == place:
            return True
        return any(a.name == place for a in (*self.ancestors(name), *self.gb_ancestors(name)))

    def city_of(self, name: str) -> str | None:
        """The city (地级市 or 自治州) a region is or lies in by GB (辛集市: 石家庄市); None for a province."""
        region = self.regions[name]
        if region.level == "city":
            return region.name
        return next((a.name for a in self.gb_ancestors(name) if a.level == "city"), None)

    def units_under(self, name: str) -> list[Region]:
        """County-level units at or below a region in the reporting tree, in registry order."""
        region = self.get(name)
        if region.is_unit:
            return [region]
        below, todo = set(), [region.name]
        while todo:
            for child in self.children(todo.pop()):
                below.add(child.name)
                todo.append(child.name)
        return [r for r in self.regions.values() if r.is_unit and r.name in below]

    def units(self) -> list[Region]:
        return [r for r in self.regions.values() if r.is_unit]

    def __iter__(self):
        return iter(self.regions.values())


def _latest(key: str, entries: list[tuple[str, Former]]) -> Former:
    """The change a former name or retired code stands for: the code's own, or the name's last."""
    same = (
        [f for _, f in entries if f.code == key] or [f for _, f in entries if f.name == key] or [f for _, f in entries]
    )
    return max(same, key=lambda f: f.year)


def _distance(a: str, b: str, most: int) -> int:
    """Levenshtein distance of a and b, or most + 1 once it is certain to exceed `most`."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > most:
            return most + 1
        previous = current
    return previous[-1]


# --- loading ---------------------------------------------------------------------------------------


def _text_list(node: dict, key: str, name: str, source: Path) -> tuple[str, ...]:
    values = node.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise DataFileError(f"{source}：地区“{name}”的 {key} 应为名称列表")
    return tuple(values)


def _former(node: dict, name: str, source: Path) -> tuple[Former, ...]:
    out = []
    for entry in node.get("former") or ():
        try:
            code = entry.get("code")
            if code is not None and not _CODE.fullmatch(str(code)):
                raise ValueError
            out.append(Former(str(entry["name"]), code, int(entry["year"]), str(entry["change"])))
        except (AttributeError, KeyError, TypeError, ValueError):
            raise DataFileError(
                f"{source}：地区“{name}”的 former 条目无效：{entry!r}（应有 name、year、change，可有6位 code）"
            ) from None
    return tuple(out)


def _walk(registry: RegionRegistry, nodes: list | None, parent: str | None, source: Path) -> None:
    for node in nodes or []:
        name = node.get("name") if isinstance(node, dict) else None
        if not name:
            raise DataFileError(f"{source}：地区条目缺少 name：{node!r}")
        level = node.get("level")
        if level not in LEVELS:
            raise DataFileError(f"{source}：地区“{name}”的 level “{level}”无效，应为 {', '.join(LEVELS)}")
        code = node.get("code")
        if code is not None and not (isinstance(code, str) and _CODE.fullmatch(code)):
            raise DataFileError(f"{source}：地区“{name}”的代码“{code}”应为6位数字字符串")
        if node.get("gb_unit", True) is not (code is not None):
            raise DataFileError(
                f"{source}：地区“{name}”：不在 GB/T 2260 中的单位（gb_unit: false）代码应为 null，反之亦然"
            )
        kind = node.get("kind")
        if kind is not None and kind not in KINDS:
            raise DataFileError(f"{source}：地区“{name}”的 kind “{kind}”无效，应为 {'、'.join(KINDS)}")
        gb_parent = node.get("gb_parent")
        if gb_parent is not None and gb_parent not in registry.regions:
            raise DataFileError(f"{source}：地区“{name}”的 gb_parent “{gb_parent}”应为排在它之前的地区")
        registry.add(
            Region(
                name,
                code,
                level,
                parent,
                _text_list(node, "aliases", name, source),
                gb_parent if gb_parent != parent else None,
                node.get("gb_name"),
                kind,
                _former(node, name, source),
            )
        )
        _walk(registry, node.get("children"), name, source)


@lru_cache(maxsize=4)
def load_regions(path: Path = paths.REGIONS_FILE) -> RegionRegistry:
    registry = RegionRegistry()
    _walk(registry, load_yaml(path).get("regions"), None, path)
    registry.check()
    return registry
