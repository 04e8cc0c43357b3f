"""Reading a plan: what each figure of its text states, in the catalog's terms.

For every figure (figures.py) the reader looks at its sentence and clause with the words of
data/plan_phrases.yml: a deadline (到2025年) in force in the paragraph, 每年 or 年内 in the sentence,
the verb that governs it (达到 → stock, 累计培育 → cumulative, 纳入培育库 → pool; a clause without a
verb carries the previous one: 每年新培育A企业500家、B企业20家), 力争, 以上/左右/超过, 其中, 分别.
A figure becomes a target (progress kinds), an eligibility threshold, an award amount, a base value
(截至2024年底…, 目前已有…), a condition of another figure, or is left out with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analysis.catalog.drafting.entries import Baseline, Draft, DraftTarget, LeftOut
from analysis.catalog.drafting.figures import Figure, find_figures
from analysis.catalog.drafting.indicators import IndicatorIndex
from analysis.catalog.drafting.naming import Naming
from analysis.catalog.drafting.phrases import Phrases
from analysis.catalog.drafting.shaping import finish
from analysis.catalog.drafting.text import CLAUSE_ENDS, PlanText, Span, split_spans

_YEAR = re.compile(r"(20\d{2})\s*年(底|末|前)?")
_YEAR_SPAN = re.compile(r"(20\d{2})\s*年?\s*[—–\-－~～至到]\s*(20\d{2})\s*年")


@dataclass
class _Sentence:
    span: Span
    clauses: list[Span]
    deadline: int | None  # the paragraph's deadline in force at the sentence's start
    conditions: list[Figure] = field(default_factory=list)
    entries: list[DraftTarget] = field(default_factory=list)


class Reader(Naming):
    def __init__(self, text: PlanText, phrases: Phrases, index: IndicatorIndex, title: str | None = None):
        self.text, self.phrases, self.index, self.title = text, phrases, index, title or ""
        self.s = text.simple
        self.targets: list[DraftTarget] = []
        self.baselines: list[Baseline] = []
        self.left: list[LeftOut] = []
        self.all_figures: list[Figure] = []
        self.first_year, self.last_year, self.one_year = self._plan_years()

    # --- the plan's years -------------------------------------------------------------------

    def _plan_years(self) -> tuple[int | None, int | None, bool]:
        """The title's years (（2025—2027年）, 2023年…方案) or else the deadlines the text names."""
        span = _YEAR_SPAN.search(self.title)
        if span:
            return int(span.group(1)), int(span.group(2)), False
        deadlines = sorted({y for y, _ in self._deadlines(Span(0, self.text.end))})
        title_year = re.search(r"(20\d{2})\s*年", self.title)
        if title_year and (not deadlines or deadlines == [int(title_year.group(1))]):
            year = int(title_year.group(1))
            return year, year, True
        if deadlines:
            return None, deadlines[-1], False
        return None, None, False

    def _deadlines(self, span: Span) -> list[tuple[int, int]]:
        """(year, position) of every deadline in `span`: not a date, a span of years or a base year."""
        out = []
        ignored = tuple(self.phrases.words("deadline_ignored_after"))
        for m in _YEAR.finditer(self.s, span.start, span.end):
            after = self.s[m.end() : m.end() + 6].lstrip()
            before = self.s[max(0, m.start() - 3) : m.start()]
            if (
                re.match(r"\d{1,2}\s*月", after)
                or after.startswith(ignored)
                or re.match(r"[—–\-－~～至到]\s*20", after)
            ):
                continue
            if re.search(r"\d\s*[—–\-－~～至到]\s*$", before) or re.search(r"(截至|截止)\s*$", before):
                continue
            out.append((int(m.group(1)), m.start()))
        return out

    # --- walking the text -------------------------------------------------------------------

    def read(self) -> Draft:
        figures = find_figures(self.text, self.phrases)
        self.all_figures = figures
        for para in self.text.paragraphs:
            deadline = None
            for sent in para.sentences:
                sentence = _Sentence(sent, split_spans(self.s, sent, CLAUSE_ENDS), deadline)
                inside = [f for f in figures if sent.start <= f.start < sent.end]
                for fig in inside:
                    self._figure(sentence, fig, inside)
                self._close_sentence(sentence)
                found = self._deadlines(sent)
                if found:
                    deadline = found[-1][0]
        targets = finish(self, self.targets)
        return Draft(targets, self.baselines, self.left, self.first_year, self.last_year, self.one_year, self.text)

    def _close_sentence(self, sentence: _Sentence) -> None:
        """Conditions that no figure used: a range of revenue is an eligibility band, others are left."""
        for cond in sentence.conditions:
            if cond.is_range and not sentence.entries and not self._has(sentence.span.start, cond.start, "event_words"):
                self._threshold(sentence, cond, comparison="between")
            else:
                self._leave(cond, "条件（限定哪些企业），不是目标")

    def _clause(self, sentence: _Sentence, pos: int) -> Span:
        return next((c for c in sentence.clauses if c.start <= pos < c.end), sentence.span)

    def _has(self, start: int, end: int, key: str) -> bool:
        return any(w in self.s[start:end] for w in self.phrases.words(key))

    def _last(self, start: int, end: int, words) -> int:
        """The position of the last of `words` in [start, end), or -1."""
        return max((self.s.rfind(w, start, end) for w in words), default=-1)

    def _leave(self, fig: Figure, reason: str) -> None:
        self.left.append(LeftOut(fig.start, fig.end, reason, self.text.cut(fig.start, fig.end)))

    # --- one figure ---------------------------------------------------------------------------

    def _figure(self, sentence: _Sentence, fig: Figure, inside: list[Figure]) -> None:
        clause = self._clause(sentence, fig.start)
        before = self.s[clause.start : fig.start]
        if any(w in before for w in self.phrases.words("funding_words")) or self._funding_after(fig, clause):
            return self._leave(fig, "分担比例，不是目标")
        if fig.family == "doubling" and not any(w in before for w in self.phrases.words("doubling_verbs")):
            return self._leave(fig, "“倍增”不是目标句（如方案标题），没有“实现”等用语")
        if fig.family == "money":
            return self._money(sentence, fig, clause)
        if fig.family == "percent" and self._award_share(fig, clause):
            return self._incentive(sentence, fig, clause)
        if self._is_baseline(sentence, fig):
            return self._baseline(sentence, fig, clause)
        deadline, each_year, in_year = self._time(sentence, fig)
        if (
            deadline is None
            and not each_year
            and self._has(sentence.span.start, sentence.span.end, "threshold_markers")
        ):
            return self._threshold(sentence, fig)
        if not self._goal_signal(sentence, fig, deadline, each_year, in_year):
            return self._leave(fig, "句中没有目标用语（如 到…年、每年、达到、培育）")
        self._progress(sentence, fig, clause, deadline, each_year, in_year, inside)

    def _funding_after(self, fig: Figure, clause: Span) -> bool:
        return fig.family == "percent" and self._has(clause.start, fig.start, "funding_words")

    def _award_share(self, fig: Figure, clause: Span) -> bool:
        """按照有效投资的10%（给予资金支持）: a percent of a base that an award pays."""
        before = self.s[clause.start : fig.start]
        return before.rstrip().endswith("的") and any(w in before for w in self.phrases.words("award_share_before"))

    def _time(self, sentence: _Sentence, fig: Figure) -> tuple[int | None, bool, bool]:
        """The deadline in force, and whether 每年 or 年内 governs the figure (each lasts to the end of
        its sentence unless a deadline follows it)."""
        own = [(y, p) for y, p in self._deadlines(Span(sentence.span.start, fig.start))]
        deadline = own[-1][0] if own else sentence.deadline
        last_deadline = own[-1][1] if own else -1
        each = self._last(sentence.span.start, fig.start, self.phrases.words("each_year"))
        year = self._last(sentence.span.start, fig.start, self.phrases.words("in_year"))
        return deadline, each > last_deadline, year > last_deadline or (self.one_year and each < 0)

    def _goal_signal(self, sentence, fig, deadline, each_year, in_year) -> bool:
        if deadline is not None or each_year or in_year or fig.family == "doubling":
            return True
        before = self.s[sentence.span.start : fig.start]
        words = [w for kind in self.phrases.mapping("kind_verbs").values() for w in kind]
        words += self.phrases.words("goal_verbs") + self.phrases.words("aspirational")
        return any(w in before for w in words)

    def _is_baseline(self, sentence: _Sentence, fig: Figure) -> bool:
        marker = self._last(sentence.span.start, fig.start, self.phrases.words("baseline_markers"))
        if marker < 0:
            return False
        goal = self._last(marker, fig.start, ["到", "力争", "争取", *self.phrases.words("each_year")])
        targets_after = [y for y, p in self._deadlines(Span(marker, fig.start)) if self.s[p - 1 : p] == "到"]
        return goal < 0 and not targets_after

    # --- kinds ---------------------------------------------------------------------------------

    def _money(self, sentence: _Sentence, fig: Figure, clause: Span) -> None:
        after = self.s[fig.end : clause.end]
        after = re.sub(r"^\s*[(（]含[)）]", "", after)
        before = self.s[clause.start : fig.start]
        names_entity = after.lstrip().startswith("的") and not any(
            w in after[:12] for w in self.phrases.words("award_words")
        )
        if names_entity or any(w in before for w in self.phrases.words("condition_subjects")):
            if self._has(clause.start, fig.start, "event_words"):
                return self._leave(fig, "首次达到某一规模的支持条件，不是目标或奖补金额")
            sentence.conditions.append(fig)
            return None
        if self._has(sentence.span.start, sentence.span.end, "award_words"):
            capped = self._cap(sentence, fig, clause)
            if capped:
                return None
            return self._incentive(sentence, fig, clause)
        deadline, each_year, in_year = self._time(sentence, fig)
        if not self._goal_signal(sentence, fig, deadline, each_year, in_year):
            return self._leave(fig, "金额，句中没有目标或奖补用语")
        return self._progress(sentence, fig, clause, deadline, each_year, in_year, [fig])

    def _cap(self, sentence: _Sentence, fig: Figure, clause: Span) -> bool:
        """最高200万元 after a percent award of the same sentence is that award's cap."""
        if not self._has(clause.start, fig.start, "cap_words"):
            return False
        award = next((t for t in reversed(sentence.entries) if t.kind == "incentive" and t.unit == "%"), None)
        if award is None:
            return False
        award.extra["cap"], award.extra["cap_unit"] = fig.low, fig.unit
        award.end = max(award.end, fig.end)
        return True

    def _incentive(self, sentence: _Sentence, fig: Figure, clause: Span) -> None:
        comparison = "≤" if self._has(clause.start, fig.start, "cap_words") else "="
        if self._prefix(clause, fig) == "≤":
            comparison = "≤"
        aspirational = self._has(sentence.span.start, fig.start, "aspirational")
        entry = self._entry(sentence, fig, clause, "incentive", "annual", comparison, aspirational)
        self._add(sentence, entry)

    def _threshold(self, sentence: _Sentence, fig: Figure, comparison: str | None = None) -> None:
        clause = self._clause(sentence, fig.start)
        comparison = comparison or self._comparison(clause, fig, "≥")
        entry = self._entry(sentence, fig, clause, "threshold", "annual", comparison, False)
        entry.extra["rung"] = self._rung(fig.start)
        used = [c for c in sentence.conditions if c.end <= fig.start]
        if used and comparison != "between":
            entry.extra["condition"] = self._condition(used[-1])
            sentence.conditions.remove(used[-1])
        self._add(sentence, entry)

    def _condition(self, cond: Figure) -> dict:
        before = self.s[max(0, cond.start - 4) : cond.start]
        out: dict = {"indicator": "annual_revenue", "unit": cond.unit}
        if cond.is_range:
            out |= {"above": cond.low, "max": cond.high}
        elif any(w in before for w in ("小于", "低于", "不足")) or cond.suffix in ("以下", "以内"):
            out["max"] = cond.low
        else:
            out["above"] = cond.low
        return out

    def _rung(self, pos: int) -> str:
        """The award an eligibility rule is for: named in its paragraph, else in the nearest heading above."""
        para = self.text.paragraph_at(pos)
        spans = [Span(para.start, pos)] if para else []
        spans += [p for p in reversed(self.text.paragraphs) if p.heading and p.end <= pos]
        for span in spans:
            for hit in self.index.hits(self.s[span.start : span.end], span.start):
                award = hit.indicator.measure.get("award")
                if award:
                    return str(award)
        return "待定"

    def _baseline(self, sentence: _Sentence, fig: Figure, clause: Span) -> None:
        year = re.search(r"(?:截至|截止)\s*(20\d{2})\s*年(底|末)?", self.s[sentence.span.start : fig.start])
        as_of = f"{year.group(1)}-12-31" if year else None
        hit = self._nearest_hit(clause, fig)
        name = hit.indicator.name if hit else self._proposed_name(clause.start, fig)
        since = max(
            [sentence.span.start, *(f.end for f in self.all_figures if sentence.span.start <= f.end <= fig.start)]
        )
        found = [
            p for p in (self.s.find(w, since, fig.start) for w in self.phrases.words("baseline_markers")) if p >= 0
        ]
        start = min([clause.start, *found])  # 截至2024年底，…已有…: from the first marker on
        self.baselines.append(
            Baseline(hit.indicator.id if hit else None, name, fig.low, fig.unit, as_of, start, fig.end)
        )

    def _progress(self, sentence, fig, clause, deadline, each_year, in_year, inside) -> None:
        if each_year:
            period = "annual"
        elif in_year and self.one_year:
            period = str(self.last_year)
        elif deadline is not None:
            period = str(deadline)
        else:
            period = str(self.last_year) if self.last_year else "待定"
        kind = self._kind(sentence, fig, clause, period, each_year, in_year)
        entry = self._entry(sentence, fig, clause, kind, period, self._comparison(clause, fig, "≥"), False)
        indicator = self.index.indicators.get(entry.indicator or "")
        if kind == "rate" and indicator is not None and "numerator" in indicator.measure:
            entry.kind = "ratio"
        entry.aspirational = self._aspirational(sentence, fig, clause)
        if not each_year and deadline is None and not (in_year and self.one_year):
            entry.reasons.append(f"未载明期限，按方案期末（{period}年）处理")
        if fig.family == "doubling":
            entry.reasons.append("“倍增”等按较基期增长计（倍增=100%）")
        self._add(sentence, entry)

    def _kind(self, sentence, fig, clause, period, each_year, in_year) -> str:
        before = self._own_text(sentence, clause, fig)
        if fig.family in ("percent", "doubling"):
            if (
                fig.family == "doubling"
                or fig.unit == "个百分点"
                or any(w in before for w in self.phrases.words("growth_words"))
            ):
                return "growth"
            if any(w in before[-12:] for w in self.phrases.mapping("share_words")):
                return "share"
            return "rate"
        if each_year:
            return "annual"
        if in_year and self.one_year:
            return "in-year"
        return self._count_kind(sentence, fig, clause)

    def _count_kind(self, sentence, fig, clause) -> str:
        """The verb governing a count: its own clause's, else the one carried from earlier clauses."""
        verbs = self.phrases.mapping("kind_verbs")
        scope = self._verb_scope(sentence, clause, fig)
        text = self.s[scope.start : fig.end + 12 if fig.end + 12 <= clause.end else clause.end]
        if any(w in text for w in self.phrases.words("cumulative_first")):
            return "cumulative"
        for kind in ("pool", "stock", "cumulative"):
            if any(w in text for w in verbs[kind]):
                return kind
        return "stock"

    def _verb_scope(self, sentence, clause, fig) -> Span:
        """The clause's own text when it has a verb, else back to the last clause of the sentence that has one."""
        verbs = [w for kind in self.phrases.mapping("kind_verbs").values() for w in kind] + self.phrases.words(
            "goal_verbs"
        )
        start = self._after_conditions(sentence, clause, fig)
        if any(w in self.s[start : fig.end] for w in verbs):
            return Span(start, fig.end)
        for earlier in reversed([c for c in sentence.clauses if c.end <= clause.start]):
            if any(w in self.s[earlier.start : earlier.end] for w in verbs):
                return Span(earlier.start, fig.end)
        return Span(start, fig.end)

    def _after_conditions(self, sentence, clause, fig) -> int:
        used = [c.end for c in sentence.conditions if clause.start <= c.start < fig.start]
        return max([clause.start, *used])

    def _own_text(self, sentence, clause, fig) -> str:
        return self.s[self._after_conditions(sentence, clause, fig) : fig.start]

    def _aspirational(self, sentence, fig, clause) -> bool:
        scope = self._verb_scope(sentence, clause, fig)
        return self._has(scope.start, fig.start, "aspirational")

    def _prefix(self, clause: Span, fig: Figure) -> str | None:
        text = self.s[clause.start : fig.start]
        for comparison, words in self.phrases.mapping("prefix_comparisons").items():
            if any(text.rstrip().endswith(w) or w in text[-8:] for w in words):
                return comparison
        return None

    def _comparison(self, clause: Span, fig: Figure, default: str) -> str:
        prefix = self._prefix(Span(max(clause.start, fig.start - 10), fig.end), fig)
        suffix = self.phrases.mapping("suffix_comparisons").get(fig.suffix)
        if prefix == ">":
            return ">"
        return suffix or prefix or default

    # --- building an entry -------------------------------------------------------------------------

    def _entry(self, sentence, fig, clause, kind, period, comparison, aspirational) -> DraftTarget:
        entry = DraftTarget(
            kind, period, fig.low, fig.high, comparison, fig.unit, aspirational, 0, 0, fig.start, fig.end
        )
        self._name(entry, sentence, clause, fig)
        entry.start, entry.end = self._quote_span(sentence, clause, fig, entry)
        if kind == "share":
            entry.extra["share_of"] = self._share_of(clause, fig)
        if self._has(clause.start, fig.start, "part_of"):
            entry.reasons.append("“其中”：是上一目标的一部分，请核对是否单列")
        return entry

    def _add(self, sentence: _Sentence, entry: DraftTarget) -> None:
        sentence.entries.append(entry)
        self.targets.append(entry)
