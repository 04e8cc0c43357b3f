"""A plan's text as spans: a simplified copy of the same length, paragraphs, sentences and clauses.

Matching runs on `PlanText.simple` (OpenCC t2s character for character, full-width digits and signs
made ASCII), so every offset found there is an offset into the verbatim text, and a quote cut from
`PlanText.raw` is always a substring of the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

_FULL_WIDTH = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)} | {"．": ".", "％": "%", "－": "-", "（": "(", "）": ")"}
)
SENTENCE_ENDS = "。；;！？!?"
CLAUSE_ENDS = SENTENCE_ENDS + "，,：:"
_HEADING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d+[.．、]|第[一二三四五六七八九十]+[章条节])"
)


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """`text` in simplified characters with ASCII digits, of exactly the same length."""
    conv = _converter()
    out = []
    for line in text.splitlines(keepends=True):
        converted = conv.convert(line)
        if len(converted) != len(line):  # a phrase conversion changed the length: go character by character
            converted = "".join(conv.convert(ch) if len(conv.convert(ch)) == 1 else ch for ch in line)
        out.append(converted)
    return "".join(out).translate(_FULL_WIDTH)


@dataclass
class Span:
    start: int
    end: int


@dataclass
class Paragraph(Span):
    heading: bool = False
    sentences: list[Span] = field(default_factory=list)


@dataclass
class PlanText:
    raw: str
    simple: str
    end: int  # where the plan ends (page chrome after it is not read)
    paragraphs: list[Paragraph]

    def cut(self, span_or_start, end: int | None = None) -> str:
        if end is None:
            return self.raw[span_or_start.start : span_or_start.end]
        return self.raw[span_or_start:end]

    def paragraph_at(self, pos: int) -> Paragraph | None:
        return next((p for p in self.paragraphs if p.start <= pos < p.end), None)


def _line_spans(text: str, end: int) -> list[Span]:
    spans, pos = [], 0
    for line in text[:end].splitlines(keepends=True):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            spans.append(Span(pos + lead, pos + lead + len(stripped)))
        pos += len(line)
    return spans


def _is_heading(line: str, max_chars: int) -> bool:
    body = line.strip()
    return (
        bool(_HEADING.match(body))
        and len(body) <= max_chars
        or (len(body) <= max_chars and not any(ch in body for ch in "，,；;"))
    )


def paragraphs_of(simple: str, end: int, heading_max: int) -> list[Paragraph]:
    """Lines joined into paragraphs: a line continues the previous one unless that one ended a sentence
    or was a heading (pages of a PDF break lines anywhere)."""
    out: list[Paragraph] = []
    for line in _line_spans(simple, end):
        body = simple[line.start : line.end]
        heading = _is_heading(body, heading_max)
        if out and not out[-1].heading and not heading and simple[out[-1].end - 1] not in SENTENCE_ENDS + "：:":
            out[-1].end = line.end
            continue
        out.append(Paragraph(line.start, line.end, heading=heading))
    for para in out:
        para.sentences = split_spans(simple, para, SENTENCE_ENDS)
    return out


def split_spans(simple: str, span: Span, ends: str) -> list[Span]:
    """`span` cut after each character of `ends` (the character stays with the part before)."""
    parts, start = [], span.start
    for i in range(span.start, span.end):
        if simple[i] in ends:
            parts.append(Span(start, i + 1))
            start = i + 1
    if start < span.end:
        parts.append(Span(start, span.end))
    return [p for p in parts if simple[p.start : p.end].strip()]


def plan_text(raw: str, end_markers: list[str], heading_max: int) -> PlanText:
    simple = simplified(raw)
    end = len(raw)
    for marker in end_markers:
        found = re.search(rf"^\s*{re.escape(marker)}", simple, flags=re.M)
        if found and found.start() > len(raw) // 3:  # chrome follows the plan, never opens it
            end = min(end, found.start())
    return PlanText(raw, simple, end, paragraphs_of(simple, end, heading_max))
