"""How close a draft comes to a hand catalog: recall and precision on (value, period, kind).

A catalog entry is found when a draft entry has the same kind, period, low and high and its quote
overlaps one of the places where the catalog's quote stands in the text (so a coincidence elsewhere
does not count). Each entry matches at most one on the other side. Entries whose quote states no
figure (a threshold the catalog reads as 至少1项) are not comparable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analysis.catalog.drafting.entries import DraftTarget
from analysis.catalog.targets import PROGRESS_KINDS


@dataclass(frozen=True)
class Expected:
    id: str
    kind: str
    period: str
    low: float
    high: float | None
    quote: str
    indicator: str | None = None  # the catalog's indicator, when known (seeds)


@dataclass
class Score:
    expected: list[Expected]
    drafted: list[DraftTarget]
    matched: list[tuple[Expected, DraftTarget]] = field(default_factory=list)

    @property
    def missed(self) -> list[Expected]:
        found = {id(e) for e, _ in self.matched}
        return [e for e in self.expected if id(e) not in found]

    @property
    def extra(self) -> list[DraftTarget]:
        found = {id(d) for _, d in self.matched}
        return [d for d in self.drafted if id(d) not in found]

    @property
    def same_indicator(self) -> int:
        """Matched pairs whose drafted indicator is the catalog's."""
        return sum(1 for e, d in self.matched if e.indicator is not None and d.indicator == e.indicator)

    @property
    def recall(self) -> float:
        return len(self.matched) / len(self.expected) if self.expected else 1.0

    @property
    def precision(self) -> float:
        return len(self.matched) / len(self.drafted) if self.drafted else 1.0


def comparable(entry: Expected, doubling_words) -> bool:
    return bool(re.search(r"\d", entry.quote)) or any(w in entry.quote for w in doubling_words)


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 1e-6


def _places(text: str, quote: str) -> list[tuple[int, int]]:
    return [(m.start(), m.start() + len(quote)) for m in re.finditer(re.escape(quote), text)]


def score(expected: list[Expected], drafted: list[DraftTarget], text: str, progress_only: bool = False) -> Score:
    if progress_only:
        expected = [e for e in expected if e.kind in PROGRESS_KINDS]
        drafted = [d for d in drafted if d.kind in PROGRESS_KINDS]
    result = Score(expected, drafted)
    used: set[int] = set()
    for e in expected:
        places = _places(text, e.quote)
        for d in drafted:
            if id(d) in used or d.kind != e.kind or d.period != e.period:
                continue
            if not (_same(d.low, e.low) and _same(d.high, e.high)):
                continue
            if any(d.start < end and start < d.end for start, end in places):
                used.add(id(d))
                result.matched.append((e, d))
                break
    return result
