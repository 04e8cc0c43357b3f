"""Matching a stretch of plan text to the indicator registry (names and aliases, traditional forms too)."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.catalog.drafting.text import simplified
from analysis.catalog.targets import Indicator

_DROPPED = set("“”\"'‘’「」『』 　\n\r\t")


@dataclass(frozen=True)
class Hit:
    indicator: Indicator
    start: int  # offsets in the text searched (not the plain form)
    end: int


def plain(text: str) -> tuple[str, list[int]]:
    """`text` without quotation marks and spaces, and each kept character's offset in `text`."""
    kept = [(ch, i) for i, ch in enumerate(text) if ch not in _DROPPED]
    return "".join(ch for ch, _ in kept), [i for _, i in kept]


class IndicatorIndex:
    """Every name and alias of the registry in plain simplified form, longest first."""

    def __init__(self, indicators: dict[str, Indicator]):
        forms: dict[str, Indicator] = {}
        for ind in indicators.values():
            for name in (ind.name, *ind.aliases):
                form = plain(simplified(name))[0]
                if len(form) >= 2:
                    forms.setdefault(form, ind)
        self.forms = sorted(forms.items(), key=lambda kv: len(kv[0]), reverse=True)
        self.indicators = indicators

    def hits(self, simple: str, offset: int = 0) -> list[Hit]:
        """Non-overlapping matches in `simple` (a slice of PlanText.simple starting at `offset`), in text order;
        a longer name wins over a shorter one inside it."""
        flat, where = plain(simple)
        taken = [False] * len(flat)
        found = []
        for form, ind in self.forms:
            start = flat.find(form)
            while start != -1:
                stop = start + len(form)
                if not any(taken[start:stop]):
                    taken[start:stop] = [True] * len(form)
                    found.append(Hit(ind, offset + where[start], offset + where[stop - 1] + 1))
                start = flat.find(form, stop)
        return sorted(found, key=lambda h: h.start)
