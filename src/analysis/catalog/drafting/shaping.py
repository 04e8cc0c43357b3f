"""The reader's entries made into a draft: floors with their stretch goals joined, goals restated word
for word dropped, sentences with two separate figures flagged, quotes cut and ids given."""

from __future__ import annotations

from typing import Protocol

from analysis.catalog.drafting.entries import DraftTarget, LeftOut
from analysis.catalog.drafting.phrases import Phrases
from analysis.catalog.drafting.text import PlanText
from analysis.catalog.targets import PROGRESS_KINDS


class Reader(Protocol):
    """What shaping needs of the reader (reader.Reader), without importing it back."""

    text: PlanText
    s: str
    phrases: Phrases
    left: list[LeftOut]


def finish(reader: Reader, targets: list[DraftTarget]) -> list[DraftTarget]:
    targets = _join_stretch(reader, targets)
    targets = _drop_restated(reader, targets)
    _flag_two_figures(reader, targets)
    for t in targets:
        t.quote = reader.text.raw[t.start : t.end]
    return targets


def _join_stretch(reader: Reader, targets: list[DraftTarget]) -> list[DraftTarget]:
    """确保增长12%以上，奋力争取突破14%: one target, 12 the binding floor and 14 the stretch."""
    out: list[DraftTarget] = []
    binding = reader.phrases.words("binding")
    for t in targets:
        prev = out[-1] if out else None
        if (
            prev is not None
            and t.aspirational
            and not prev.aspirational
            and prev.kind == t.kind
            and prev.unit == t.unit
            and prev.high is None
            and t.low > prev.low
            and any(w in reader.s[prev.start : prev.figure_start] for w in binding)
            and not any(ch in reader.s[prev.end : t.start] for ch in "。；;")
        ):
            prev.high, prev.end = t.low, t.end
            prev.extra["stretch_aspirational"] = True
            prev.extra["note"] = f"{prev.low:g}{prev.unit}为约束性下限，{t.low:g}{t.unit}为预期性目标"
            continue
        out.append(t)
    return out


def _drop_restated(reader: Reader, targets: list[DraftTarget]) -> list[DraftTarget]:
    seen: dict[tuple, DraftTarget] = {}
    out = []
    for t in targets:
        if t.kind in PROGRESS_KINDS and t.key() in seen:
            first = seen[t.key()]
            reader.left.append(
                LeftOut(
                    t.figure_start,
                    t.figure_end,
                    f"与前文同一目标重复表述（{reader.text.cut(first.start, first.end)}）",
                    reader.text.cut(t.figure_start, t.figure_end),
                )
            )
            continue
        seen.setdefault(t.key(), t)
        out.append(t)
    return out


def _flag_two_figures(reader: Reader, targets: list[DraftTarget]) -> None:
    """Two targets in one clause, not a list (、 和 分别) nor a range: the analyst checks which is which."""
    for a, b in zip(targets, targets[1:], strict=False):
        between = reader.s[a.figure_end : b.figure_start]
        same_clause = not any(ch in between for ch in "，,；;。：:")
        listed = (
            any(w in between for w in reader.phrases.words("list_joiners"))
            or "分别" in reader.s[a.start : b.figure_start]
        )
        if same_clause and not listed:
            for t in (a, b):
                if "一个分句中有两个数字，请核对取值" not in t.reasons:
                    t.reasons.append("一个分句中有两个数字，请核对取值")
