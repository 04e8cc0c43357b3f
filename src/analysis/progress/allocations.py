"""Targets of the units below a plan's jurisdiction: issued allocations (目标分解), or an analyst's estimate.

A unit has a target only where the level above issued one: a 目标分解 row
(地区, 指标, 期限, 目标值, 下达文号, 下达日期) submitted by the issuing level
and stored like every sheet. Without one, the unit's actual and its share of the
parent are shown, with no status. `estimated_split` is today's arithmetic
(shares of the baseline), only for the analyst option `--estimate-splits`, and
always labelled 测算; targets a plan gives to a department and share targets
(占全省…%) are never split, and no split target below 1 is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.catalog.targets import Catalog, Target
from analysis.store.history import Store

ALLOCATION_SHEET = "目标分解"
BASIS_PLAN, BASIS_ISSUED, BASIS_ESTIMATE, BASIS_REPORTED = "方案目标", "分解目标", "测算", "填报"
PERCENT_KINDS = ("ratio", "rate", "growth", "share")  # levels that apply unchanged below


@dataclass(frozen=True)
class Goal:
    value: float
    basis: str
    source: str = ""  # the 文号 of an issued allocation


def issued_allocations(store: Store, catalog: Catalog, period: str) -> pd.DataFrame:
    """The allocations issued up to `period`: one row per (region, indicator, term), the latest issue winning.

    Columns: region, indicator (id), term, value, doc, issued_on, responsible.
    """
    columns = ["region", "indicator", "term", "value", "doc", "issued_on", "responsible", "type"]
    try:
        raw = store.snapshot(ALLOCATION_SHEET, period)
    except ValueError:  # a store written before the sheet existed
        return pd.DataFrame(columns=columns)
    if raw.empty:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(
        {
            "region": raw["地区"],
            "indicator": [getattr(catalog.indicator_by_name(n), "id", None) for n in raw["指标"]],
            "term": raw["期限"].map(_term_text),
            "value": pd.to_numeric(raw["目标值"], errors="coerce"),
            "doc": raw["下达文号"].astype(str),
            "issued_on": pd.to_datetime(raw["下达日期"]),
            "responsible": raw.get("责任单位", pd.Series("", index=raw.index)).fillna(""),
            "type": raw.get("目标类型", pd.Series("", index=raw.index)).fillna("").astype(str),
            "_order": range(len(raw)),
        }
    )
    frame = frame.dropna(subset=["indicator", "value"]).sort_values(["issued_on", "_order"])
    latest = frame.groupby(["region", "indicator", "term", "type"], sort=False).tail(1)
    return latest[columns].reset_index(drop=True)


def _term_text(value) -> str:
    """期限 as stored: 2025, 2025.0 or '2025年' all mean the term 2025."""
    text = str(value).strip().removesuffix("年")
    try:
        return str(int(float(text)))
    except ValueError:
        return text


YEARLY_KINDS = ("annual", "in-year")


def issued_goals(
    allocations: pd.DataFrame | list[dict],
    target: Target,
    term: str,
    children: list[str],
    dated_years: frozenset = frozenset(),
) -> dict[str, Goal]:
    """The children's issued goals for a target's term (a 每年 target's year, or its plan-period total).

    `allocations`: the issued table, or its rows as records (a run splits them by indicator once; the rows are
    few, so plain Python is faster here than a frame per call). `dated_years`: the years for which the plan
    has a level target of the same indicator."""
    records = allocations.to_dict("records") if isinstance(allocations, pd.DataFrame) else allocations
    kids = set(children)
    rows = [r for r in records if r["indicator"] == target.indicator and r["region"] in kids]
    # 目标类型 新增 goes to a yearly target, 存量 to a level; left empty, a row goes to the level target when the
    # plan has both for the indicator and year (an issued table that says nothing says 达到)
    if target.kind in YEARLY_KINDS:
        rows = [r for r in rows if r["type"] == "新增" or (r["type"] == "" and r["term"] not in dated_years)]
    else:
        rows = [r for r in rows if r["type"] != "新增"]
    if "-" not in term:
        return {r["region"]: Goal(float(r["value"]), BASIS_ISSUED, r["doc"]) for r in rows if r["term"] == term}
    # a plan-period total: the sum of the years issued, only when every year was issued
    first, last = map(int, term.split("-"))
    years = {str(y) for y in range(first, last + 1)}
    by_region: dict[str, list[dict]] = {}
    for r in rows:
        if r["term"] in years:
            by_region.setdefault(r["region"], []).append(r)
    return {
        region: Goal(
            float(sum(r["value"] for r in issued)), BASIS_ISSUED, "、".join(dict.fromkeys(r["doc"] for r in issued))
        )
        for region, issued in sorted(by_region.items())
        if len({r["term"] for r in issued}) == len(years)
    }


def can_split(target: Target) -> bool:
    """Share targets (占全省…%) and a department's own tasks are never split to units."""
    return target.kind != "share" and not target.extra.get("responsible")


def estimated_split(
    target: Target, goal: float, base: pd.DataFrame, children: list[str], parent_reported: float | None
) -> dict[str, Goal]:
    """An analyst's estimate: each child's share of the base value, rounded to whole units; levels unchanged.

    Children without a base value get no estimate (a share of nothing is no target), nor do those
    whose estimate rounds below 1.
    """
    if not can_split(target):
        return {}
    if target.kind in PERCENT_KINDS:
        return {c: Goal(goal, BASIS_ESTIMATE) for c in children}
    known = base["value"].reindex(children).fillna(0.0)
    total = parent_reported or float(known.sum())
    if not total:
        return {}
    out = {}
    for child in children:
        value = float(round(goal * float(known[child]) / total))
        if value >= 1:
            out[child] = Goal(value, BASIS_ESTIMATE)
    return out
