"""The reader's phrasing rules, loaded from data/plan_phrases.yml (words, never code)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from analysis import paths
from analysis.errors import DataFileError
from analysis.yamlio import load_yaml

PHRASES_FILE = paths.DATA_DIR / "plan_phrases.yml"

_REQUIRED = (
    "units",
    "multipliers",
    "range_joiners",
    "suffix_comparisons",
    "prefix_comparisons",
    "kind_verbs",
    "each_year",
    "in_year",
    "baseline_markers",
    "aspirational",
    "growth_words",
    "share_words",
    "doubling_words",
    "award_words",
    "end_markers",
)


@dataclass(frozen=True)
class Phrases:
    raw: dict
    figure_re: re.Pattern
    doubling_re: re.Pattern
    unit_kind: dict[str, str]  # unit as written -> count | percent | money
    unit_as: dict[str, str]  # unit as written -> unit the catalog writes

    def words(self, key: str) -> list[str]:
        return list(self.raw.get(key) or [])

    def mapping(self, key: str) -> dict:
        return dict(self.raw.get(key) or {})


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _figure_pattern(raw: dict) -> re.Pattern:
    """One number or a range (8至10, 5000万元至2亿元), an optional 万/亿, an optional space, a unit."""
    units = [u for group in ("count", "percent", "money") for u in raw["units"][group]]
    mult = _alternation(raw["multipliers"])
    joiners = _alternation(raw["range_joiners"])
    number = r"\d+(?:\.\d+)?"
    first = rf"(?P<low>{number})\s*(?P<lowmult>{mult})?\s*(?:元)?"
    second = rf"\s*(?:{joiners})\s*(?P<high>{number})\s*(?P<highmult>{mult})?"
    # a unit may be split by a page break (10 万\n\n元): whitespace is allowed inside the figure
    unit = rf"\s*(?P<unit>{_alternation(units)})"
    return re.compile(rf"(?<![\d.])(?:{first}(?:{second})?){unit}")


@lru_cache(maxsize=4)
def load_phrases(path: Path = PHRASES_FILE) -> Phrases:
    raw = load_yaml(path)
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise DataFileError(f"{path.name}：缺少规则 {', '.join(missing)}")
    unit_kind = {u: group for group in ("count", "percent", "money") for u in raw["units"][group]}
    same_as = raw["units"].get("same_as") or {}
    unit_as = {u: same_as.get(u, u) for u in unit_kind}
    doubling = re.compile(_alternation(raw["doubling_words"]))
    return Phrases(raw, _figure_pattern(raw), doubling, unit_kind, unit_as)
