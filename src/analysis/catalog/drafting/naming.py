"""Which indicator a figure counts and which stretch of text states it (the Reader's naming half).

The indicator is the registry name or alias nearest to the figure in its list item, else the noun after
it (遴选50家有上市意愿的企业), else the subject its sentence carries; 分别 pairs subjects and figures in
order. The quote is the figure's list item (or the whole 分别 clause) with the deadline clause before it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from analysis.catalog.drafting.entries import Baseline, DraftTarget
from analysis.catalog.drafting.figures import Figure
from analysis.catalog.drafting.indicators import Hit, IndicatorIndex
from analysis.catalog.drafting.phrases import Phrases
from analysis.catalog.drafting.text import CLAUSE_ENDS, PlanText, Span

if TYPE_CHECKING:
    _Sentence = Any

_YEAR = re.compile(r"(20\d{2})\s*年(底|末|前)?")
_LIST_BREAK = "、"


class Naming:
    text: PlanText
    s: str
    phrases: Phrases
    index: IndicatorIndex
    all_figures: list[Figure]
    targets: list[DraftTarget]
    baselines: list[Baseline]

    def _after_conditions(self, sentence, clause, fig) -> int:
        raise NotImplementedError

    def _last(self, start: int, end: int, words) -> int:
        raise NotImplementedError

    def _name(self, entry: DraftTarget, sentence, clause, fig) -> None:
        respective = self._respective(sentence, clause, fig)
        if respective is not None:
            return self._name_respectively(entry, sentence, clause, fig, respective)
        hit = self._nearest_hit(clause, fig, start=self._after_conditions(sentence, clause, fig))
        if hit is None and entry.kind in ("incentive", "threshold"):
            # 对…的企业，再奖励90万元: the award's subject is named earlier in its sentence
            wider = self.index.hits(self.s[sentence.span.start : fig.start], sentence.span.start)
            hit = wider[-1] if wider else None
        base = [b for b in self.baselines if b.start >= sentence.span.start and b.indicator]
        if hit is None and not sentence.entries and base and not self._own_subject(clause, fig):
            # 目前已有高新技术企业45家，到2027年达到80家: the base value names the subject
            entry.indicator = base[-1].indicator
            return None
        if hit is None and sentence.entries and not self._own_subject(clause, fig):
            prev = sentence.entries[-1]
            # 占全省的65%以上: a share of the count just named
            if prev.unit == entry.unit or entry.kind == "share":
                entry.indicator, entry.proposed_name, entry.level = prev.indicator, prev.proposed_name, prev.level
                return None
        self._set_hit(entry, hit, clause, fig)
        return None

    def _set_hit(self, entry: DraftTarget, hit: Hit | None, clause: Span, fig: Figure) -> None:
        if hit is None:
            entry.proposed_name = self._proposed_name(clause.start, fig)
            entry.reasons.append(f"指标目录中没有对应指标，建议新增“{entry.proposed_name}”")
            return
        entry.indicator = hit.indicator.id
        entry.level = self._level(hit.start)

    def _own_subject(self, clause: Span, fig: Figure) -> bool:
        return len(self._subject_before(clause.start, fig)) >= 2 or self._subject_follows(clause.start, fig)

    def _segment_start(self, start: int, fig: Figure) -> int:
        """Where the figure's list item starts: after the last 、 before it, unless the list is one noun
        (国际标准、国家标准、行业标准等40项)."""
        cut = self.s.rfind(_LIST_BREAK, start, fig.start)
        if cut < 0 or self.s[start : fig.start].rstrip().endswith("等"):
            return start
        return cut + 1

    def _subject_follows(self, start: int, fig: Figure) -> bool:
        """遴选50家有上市意愿的企业, 举办100场对接活动: a verb right before the figure, its object after."""
        before = self.s[self._segment_start(start, fig) : fig.start].rstrip()
        verbs = [w for kind in self.phrases.mapping("kind_verbs").values() for w in kind]
        verbs += self.phrases.words("object_verbs")
        rest = self.s[fig.end : fig.end + 2]
        return bool(before) and any(before.endswith(v) for v in verbs) and rest[:1] not in CLAUSE_ENDS + _LIST_BREAK

    def _subject_before(self, start: int, fig: Figure) -> str:
        """The subject written before the figure, without the deadline, verbs and region words."""
        name = _YEAR.sub("", self.s[self._segment_start(start, fig) : fig.start])
        name = re.sub("|".join(re.escape(v) for v in self._noise_words()), "", name)
        return re.sub(r"[\s“”\"‘’「」，,：:；;()（）]", "", name)

    def _noise_words(self) -> list[str]:
        words = [w for kind in self.phrases.mapping("kind_verbs").values() for w in kind]
        words += (
            self.phrases.words("goal_verbs") + self.phrases.words("aspirational") + self.phrases.words("object_verbs")
        )
        words += (
            self.phrases.words("each_year") + self.phrases.words("in_year") + self.phrases.words("subject_prefixes")
        )
        words += [w for ws in self.phrases.mapping("prefix_comparisons").values() for w in ws]
        words += ["到", "其中", "分别", "年均", "保持在", "按照", "按", "的"]
        return sorted(set(words), key=len, reverse=True)

    def _respective(self, sentence, clause, fig) -> int | None:
        """The position of 分别 governing `fig` (in its clause, before it), or None."""
        pos = self._last(clause.start, fig.start, self.phrases.words("respectively"))
        return pos if pos >= 0 else None

    def _name_respectively(self, entry, sentence, clause, fig, pos) -> None:
        """分别: the n-th figure after 分别 goes with the n-th subject before it (in its sentence), or with the
        n-th of the previous sentence's targets of the same unit (到2025年，分别达到78%、80%)."""
        listed = [f for f in self._figures_after(pos, clause)]
        order = next((i for i, f in enumerate(listed) if f.start == fig.start), 0)
        subjects = self.index.hits(self.s[sentence.span.start : pos], sentence.span.start)
        subjects = subjects[-len(listed) :] if len(subjects) >= len(listed) else subjects
        if len(subjects) == len(listed):
            self._set_hit(entry, subjects[order], clause, fig)
            return
        if len(subjects) == 1:  # 对主持国际、国家、行业标准制修订的，每个项目分别资助…: kinds of one subject
            self._set_hit(entry, subjects[0], clause, fig)
            entry.reasons.append("“分别”：一个主语对应多个数字（按类别区分），请在 basis 中写明各自类别")
            return
        entry.reasons.append("“分别”：主语与数字个数不一致，已按先后对应前文目标，请核对")
        earlier = [t for t in self.targets if t.unit == entry.unit and t.figure_start < pos]
        if len(earlier) < len(listed):
            return self._set_hit(entry, None, clause, fig)
        prev = earlier[-len(listed) :][order]
        entry.indicator, entry.proposed_name, entry.level = prev.indicator, prev.proposed_name, prev.level

    def _figures_after(self, pos: int, clause: Span) -> list[Figure]:
        found = [f for f in self.all_figures if pos <= f.start < clause.end]
        return found or []

    def _nearest_hit(self, clause: Span, fig: Figure, start: int | None = None) -> Hit | None:
        start = clause.start if start is None else start
        seg_start = self._segment_start(start, fig)
        before = self.index.hits(self.s[seg_start : fig.start], seg_start)
        if before and not self._subject_follows(start, fig):
            return before[-1]
        nxt = [f.start for f in self.all_figures if fig.end <= f.start < clause.end]
        stop = min([clause.end, *nxt])
        after = self.index.hits(self.s[fig.end : stop], fig.end)
        if after:
            return after[0]
        wider = self.index.hits(self.s[start : fig.start], start)
        return wider[-1] if wider else None

    def _segment_end(self, pos: int, limit: int) -> int:
        found = self.s.find(_LIST_BREAK, pos, limit)
        return found if found >= 0 else limit

    def _level(self, pos: int) -> str | None:
        before = self.s[max(0, pos - 4) : pos]
        for word, level in sorted(self.phrases.mapping("levels").items(), key=lambda kv: -len(kv[0])):
            if before.endswith(word):
                return str(level)
        return None

    def _proposed_name(self, start: int, fig: Figure) -> str:
        """A name for an indicator the registry lacks: the subject before the figure, else the noun after
        it (遴选50家有上市意愿的企业)."""
        name = "" if self._subject_follows(start, fig) else self._subject_before(start, fig)
        if len(name) < 2:
            stop = next(
                (i for i in range(fig.end, min(len(self.s), fig.end + 30)) if self.s[i] in CLAUSE_ENDS), fig.end + 30
            )
            name = re.sub(r"[\s“”\"‘’「」]", "", self.s[fig.end : stop])
        name = self.phrases.figure_re.sub("", name).strip("、，,和及或与")
        return name[:30] if len(name) >= 2 else "未命名指标"

    def _share_of(self, clause: Span, fig: Figure) -> str:
        before = self.s[clause.start : fig.start]
        return next((level for word, level in self.phrases.mapping("share_words").items() if word in before), "省")

    def _quote_span(self, sentence, clause, fig, entry) -> tuple[int, int]:
        """The shortest span that states the figure: its list item (or the whole 分别 clause), with the
        deadline clause just before it (到2023年，…) and the noun after the figure when the subject follows."""
        respective = self._respective(sentence, clause, fig)
        if respective is not None:
            start = clause.start
            listed = self._figures_after(respective, clause)
            end = max([fig.end] + [f.end for f in listed])
            subjects = self.index.hits(self.s[clause.start : respective], clause.start)
            if not subjects:
                prev = [c for c in sentence.clauses if c.end <= clause.start]
                if prev and entry.kind == "incentive":
                    start = prev[-1].start
        else:
            start = self._segment_start(clause.start, fig)
            end = fig.end
            if self._subject_follows(clause.start, fig) or len(self._subject_before(clause.start, fig)) < 2:
                end = self._segment_end(fig.end, clause.end)
        start = self._with_deadline(sentence, clause, start)
        while start < end and self.text.raw[start] in " \u3000\n\r\t":
            start += 1
        end = self._trim_end(start, end)
        return start, end

    def _trim_end(self, start: int, end: int) -> int:
        while end > start and self.s[end - 1] in CLAUSE_ENDS + " \u3000\n\r\t、":
            end -= 1
        return end

    def _with_deadline(self, sentence, clause, start) -> int:
        prev = [c for c in sentence.clauses if c.end <= clause.start]
        if start == clause.start and prev:
            body = self.s[prev[-1].start : prev[-1].end].strip()
            if re.fullmatch(r"(到|至|力争到|争取到)?\s*20\d{2}\s*年(底|末)?[，,]", body):
                return prev[-1].start
        return start
