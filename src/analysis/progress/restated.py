"""A goal a plan states twice (documents.md, invariant 9): both quotes shown together, with what each counts.

西宁市's measures state the 专精特新 goal as 累计培育80户以上 (first awards since the plan) and as 国家、省级达到70户
以上 (awards held at the end), and the 小巨人 goal as 10户以上 both ways. The catalog keeps both (`targets check`
reports the pairs whose figures differ); a document that judged them apart would print two silent, possibly
opposite verdicts on one goal. `restated_groups` finds them; `restatement_note` writes the note that goes with
them, reconciling the two counts where it can: held at the start + first awarded since − lapsed = held at the end.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations

import pandas as pd

from analysis.catalog.targets import Catalog, Target, load_catalog
from analysis.progress.narrative import number
from analysis.progress.results import result_text, shown_quote, target_of

COUNT_KINDS = ("stock", "cumulative")
ORDINALS = "一二三四五六七八九"
COUNT_WORDS = {2: "两", 3: "三", 4: "四"}


def _levels(target: Target) -> tuple[str, ...] | None:
    level = target.measure.get("level")
    if level is None:
        return None
    return tuple(level) if isinstance(level, (list, tuple)) else (level,)


def _same_goal(a: Target, b: Target) -> bool:
    """One plan, jurisdiction, indicator and period, both counts, and not two explicitly different award levels."""
    levels = _levels(a), _levels(b)
    return (
        a.plan == b.plan
        and a.jurisdiction == b.jurisdiction
        and a.indicator == b.indicator
        and a.period == b.period
        and a.kind in COUNT_KINDS
        and b.kind in COUNT_KINDS
        and (None in levels or bool(set(levels[0] or ()) & set(levels[1] or ())))
    )


def restated_groups(catalog: Catalog | None = None) -> list[tuple[str, ...]]:
    """Target ids of each goal stated more than once, in catalog order."""
    return list(_groups(catalog) if catalog is not None else _catalog_groups())


@lru_cache(maxsize=1)
def _catalog_groups() -> tuple[tuple[str, ...], ...]:
    return _groups(load_catalog())


def _groups(catalog: Catalog) -> tuple[tuple[str, ...], ...]:
    targets = [t for t in catalog.targets if t.kind in COUNT_KINDS]
    linked: dict[str, set[str]] = {}
    for a, b in combinations(targets, 2):
        if _same_goal(a, b):
            linked.setdefault(a.id, {a.id}).add(b.id)
            linked.setdefault(b.id, {b.id}).add(a.id)
    order = {t.id: i for i, t in enumerate(catalog.targets)}
    groups = {tuple(sorted(ids, key=order.__getitem__)) for ids in linked.values()}
    return tuple(sorted(groups, key=lambda g: order[g[0]]))


def group_of(target_id: str) -> tuple[str, ...]:
    """The restated group a target belongs to (empty when its goal is stated once)."""
    return next((g for g in restated_groups() if target_id in g), ())


def _levels_of(row) -> tuple[str, ...] | None:
    target = target_of(row)
    return _levels(target) if target is not None else None


def _counts_what(row) -> str:
    """What a row counts, in words: 方案实施以来首次认定的户数 / 期末有效期内的户数."""
    start = pd.Timestamp(row["window_start"])
    end = pd.Timestamp(row["window_end"])
    if row["kind"] == "cumulative":
        return f"按{start.year}年{start.month}月方案实施以来首次认定的{row['unit']}数计"
    return f"按{end.year}年底有效期内的{row['unit']}数计，含方案实施前认定、仍在有效期内的"


def restatement_note(rows: pd.DataFrame) -> str:
    """The note under a restated goal's rows (one place, one term): both quotes, what each counts, each result,
    and, for a stock beside a cumulative count, how the two reconcile."""
    if len(rows) < 2:
        return ""
    unit = rows.iloc[0]["unit"]
    parts = [
        f"{ORDINALS[i]}是{shown_quote(r)}（{_counts_what(r)}），"
        f"实际{number(r['actual'], r['unit'])}{r['unit']}，{result_text(r)}"
        for i, (_, r) in enumerate(rows.iterrows())
    ]
    text = f"方案对同一目标有{COUNT_WORDS.get(len(rows), len(rows))}种表述，口径不同：" + "；".join(parts) + "。"
    stock = rows[rows["kind"] == "stock"]
    new = rows[rows["kind"] == "cumulative"]
    if len(stock) == 1 and len(new) == 1:
        s, n = stock.iloc[0], new.iloc[0]
        counted_alike = _levels_of(s) == _levels_of(n)  # the same awards on both sides, or no identity holds
        if counted_alike and not any(pd.isna(v) for v in (s["base_value"], s["actual"], n["actual"])):
            lapsed = s["base_value"] + n["actual"] - s["actual"]
            start = pd.Timestamp(s["window_start"])
            change = (
                f"到期未复核或撤销等减少{number(lapsed, unit)}{unit}"
                if lapsed > 0
                else ("期间无到期或撤销" if lapsed == 0 else f"其他途径增加{number(-lapsed, unit)}{unit}")
            )
            text += (
                f"两者的关系：{start.year}年{start.month}月有效{number(s['base_value'], unit)}{unit}，"
                f"期间首次认定{number(n['actual'], unit)}{unit}，{change}，"
                f"期末有效{number(s['actual'], unit)}{unit}。"
            )
    return text
