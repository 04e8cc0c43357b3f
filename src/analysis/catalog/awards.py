"""Award (资质) types of the input contract: levels, default validity and the months batches are usually granted."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from analysis import paths
from analysis.errors import DataFileError
from analysis.yamlio import load_yaml


@dataclass(frozen=True)
class AwardType:
    name: str
    has_level: bool
    levels: tuple[str, ...]
    default_validity_years: int | None
    grant_months: tuple[int, ...] = ()  # usual batch months (高新技术企业 late in the year); empty: all year

    @property
    def single_level(self) -> str | None:
        """The one level of an award that has exactly one (专精特新小巨人: 国家级): an empty cell means it."""
        return self.levels[0] if len(self.levels) == 1 else None

    @property
    def level_required(self) -> bool:
        """级别 must be filled only where it tells levels apart."""
        return self.has_level and len(self.levels) > 1


@lru_cache(maxsize=4)
def load_award_types(path: Path = paths.AWARD_TYPES_FILE) -> dict[str, AwardType]:
    out: dict[str, AwardType] = {}
    for node in load_yaml(path).get("award_types") or []:
        name = node.get("name")
        if not name or name in out:
            raise DataFileError(f"{path}：资质类型名称缺失或重复：{node!r}")
        out[name] = AwardType(
            name=name,
            has_level=bool(node.get("has_level")),
            levels=tuple(node.get("levels") or ()),
            default_validity_years=node.get("default_validity_years"),
            grant_months=tuple(int(m) for m in node.get("grant_months") or ()),
        )
    return out
