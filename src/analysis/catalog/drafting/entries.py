"""What the reader drafts: targets in the catalog's schema, base values, and figures it left out."""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis.catalog.drafting.text import PlanText


@dataclass
class DraftTarget:
    kind: str
    period: str
    low: float
    high: float | None
    comparison: str
    unit: str
    aspirational: bool
    start: int  # the quote's span in the verbatim text
    end: int
    figure_start: int
    figure_end: int
    indicator: str | None = None  # a registry id, or None while a new indicator is proposed
    proposed_name: str | None = None  # the name proposed for a new registry entry
    level: str | None = None  # an award level the text narrows to (省级)
    reasons: list[str] = field(default_factory=list)  # why the analyst should look at it first
    extra: dict = field(default_factory=dict)  # share_of, rung, condition, cap, stretch_aspirational
    id: str = ""
    quote: str = ""

    @property
    def uncertain(self) -> bool:
        return bool(self.reasons)

    def key(self) -> tuple:
        """What makes two statements the same goal (a goal restated word for word is catalogued once)."""
        return (self.indicator or self.proposed_name, self.kind, self.period, self.low, self.high, self.unit)


@dataclass
class Baseline:
    indicator: str | None
    name: str
    value: float
    unit: str
    as_of: str | None  # 2024-12-31 when the text names the date, else None (the plan's own date)
    start: int
    end: int
    quote: str = ""


@dataclass
class LeftOut:
    start: int
    end: int
    reason: str
    text: str = ""


@dataclass
class Draft:
    targets: list[DraftTarget]
    baselines: list[Baseline]
    left_out: list[LeftOut]
    first_year: int | None
    last_year: int | None
    one_year: bool
    text: PlanText  # the text read: quotes and spans refer to text.raw

    def proposed_indicators(self) -> dict[str, dict]:
        """New registry entries the draft proposes, by proposed id."""
        out: dict[str, dict] = {}
        for t in self.targets:
            if t.indicator is None and t.proposed_name:
                out.setdefault(t.proposed_name, {"name": t.proposed_name, "unit": t.unit})
        return out
