"""The region registry: jurisdictions, their hierarchy, codes and aliases."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from analysis import paths
from analysis.errors import DataFileError, UserError
from analysis.yamlio import load_yaml

LEVELS = ("province", "city", "county", "zone")
LEVEL_NAMES_ZH = {"province": "省", "city": "市", "county": "县级", "zone": "开发区"}


@dataclass(frozen=True)
class Region:
    name: str
    code: str | None
    level: str
    parent: str | None
    aliases: tuple[str, ...] = ()

    @property
    def is_unit(self) -> bool:
        """County-level units (counties, districts, county-level cities, zones) submit data."""
        return self.level in ("county", "zone")


@dataclass
class RegionRegistry:
    regions: dict[str, Region] = field(default_factory=dict)
    _lookup: dict[str, str] = field(default_factory=dict)

    def add(self, region: Region) -> None:
        if region.name in self.regions:
            raise DataFileError(f"地区注册表中“{region.name}”重复")
        self.regions[region.name] = region
        for key in (region.name, region.code, *region.aliases):
            if key is None:
                continue
            if key in self._lookup and self._lookup[key] != region.name:
                raise DataFileError(f"地区注册表中名称或代码“{key}”同时指向“{self._lookup[key]}”和“{region.name}”")
            self._lookup[key] = region.name

    def resolve(self, name_or_code: str) -> Region | None:
        """The region a name, alias or 6-digit code denotes, or None."""
        key = str(name_or_code).strip()
        canonical = self._lookup.get(key)
        return self.regions[canonical] if canonical else None

    def get(self, name_or_code: str) -> Region:
        region = self.resolve(name_or_code)
        if region is None:
            raise UserError(f"未知地区“{name_or_code}”：不在地区注册表（data/regions.yml）中")
        return region

    def children(self, name: str) -> list[Region]:
        return [r for r in self.regions.values() if r.parent == name]

    def ancestors(self, name: str) -> list[Region]:
        """Parents from the nearest upwards."""
        out, region = [], self.regions[name]
        while region.parent:
            region = self.regions[region.parent]
            out.append(region)
        return out

    def units_under(self, name: str) -> list[Region]:
        """County-level units at or below a region, in registry order."""
        region = self.get(name)
        if region.is_unit:
            return [region]
        return [r for r in self.regions.values() if r.is_unit and region.name in {a.name for a in self.ancestors(r.name)}]

    def units(self) -> list[Region]:
        return [r for r in self.regions.values() if r.is_unit]

    def __iter__(self):
        return iter(self.regions.values())


def _walk(registry: RegionRegistry, nodes: list, parent: str | None, source: Path) -> None:
    for node in nodes or []:
        name = node.get("name") if isinstance(node, dict) else None
        if not name:
            raise DataFileError(f"{source}：地区条目缺少 name：{node!r}")
        level = node.get("level")
        if level not in LEVELS:
            raise DataFileError(f"{source}：地区“{name}”的 level “{level}”无效，应为 {', '.join(LEVELS)}")
        code = node.get("code")
        if code is not None and not (isinstance(code, str) and len(code) == 6 and code.isdigit()):
            raise DataFileError(f"{source}：地区“{name}”的代码“{code}”应为6位数字字符串")
        registry.add(Region(name, code, level, parent, tuple(node.get("aliases") or ())))
        _walk(registry, node.get("children"), name, source)


@lru_cache(maxsize=4)
def load_regions(path: Path = paths.REGIONS_FILE) -> RegionRegistry:
    registry = RegionRegistry()
    _walk(registry, load_yaml(path).get("regions"), None, path)
    return registry
