"""Quantified figures in a plan's text: 300家, 8至10家, 8.6万家, 3.5%, 5000万元至2亿元, 倍增."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.catalog.drafting.phrases import Phrases
from analysis.catalog.drafting.text import PlanText


@dataclass(frozen=True)
class Figure:
    start: int
    end: int  # after the unit and any 以上/左右 that follows
    low: float
    high: float | None
    unit: str  # as the catalog writes it (家, %, 万元)
    family: str  # count | percent | money | doubling
    suffix: str  # 以上, 左右 … or ""

    @property
    def is_range(self) -> bool:
        return self.high is not None


def _number(text: str | None, mult: str | None, multipliers: dict) -> float | None:
    if text is None:
        return None
    value = float(text) * (multipliers.get(mult, 1) if mult else 1)
    return value


def _money_in_wan(value: float, unit: str) -> float:
    """A money amount in 万元 (the catalog's unit): 元 counted in 元, 万元 in 万, 亿元 in 亿."""
    scale = {"元": 0.0001, "万元": 1, "亿元": 10000}[unit]
    return value * scale


def _clean(value: float) -> float:
    rounded = round(value, 6)
    return int(rounded) if float(rounded).is_integer() else rounded


def _suffix(simple: str, pos: int, words: dict) -> str:
    rest = simple[pos : pos + 6].lstrip()
    if rest.startswith(("(含)", "（含）")):
        rest = rest[3:].lstrip()
    return next((w for w in sorted(words, key=len, reverse=True) if rest.startswith(w)), "")


def find_figures(text: PlanText, phrases: Phrases) -> list[Figure]:
    """Every figure of the plan (up to its end), in text order."""
    multipliers = phrases.mapping("multipliers")
    suffixes = phrases.mapping("suffix_comparisons")
    out = []
    for m in phrases.figure_re.finditer(text.simple, 0, text.end):
        written = m.group("unit")
        family = phrases.unit_kind[written]
        unit = phrases.unit_as[written]
        high_mult = m.group("highmult")
        low_mult = m.group("lowmult") or (high_mult if m.group("high") else None)
        if family == "percent":
            low_mult = high_mult = None
        low = float(m.group("low")) * (multipliers.get(low_mult, 1) if low_mult else 1)
        high = _number(m.group("high"), high_mult, multipliers)
        if family == "money":
            low = _money_in_wan(low, unit)
            high = None if high is None else _money_in_wan(high, unit)
            unit = "万元"
        if high is not None and high <= low:  # 2023-2025 家? not a range of a goal
            continue
        suffix = _suffix(text.simple, m.end(), suffixes)
        end = m.end()
        if suffix:
            end = text.simple.index(suffix, m.end()) + len(suffix)
        out.append(Figure(m.start(), end, _clean(low), None if high is None else _clean(high), unit, family, suffix))
    for m in phrases.doubling_re.finditer(text.simple, 0, text.end):
        growth = phrases.mapping("doubling_words")[m.group(0)]
        out.append(Figure(m.start(), m.end(), growth, None, "%", "doubling", ""))
    return sorted(out, key=lambda f: f.start)
