"""Award (资质) types of the input contract: levels and default validity."""
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
        )
    return out
