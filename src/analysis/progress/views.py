"""Monthly and quarterly views over a progress frame: scores, rankings, 红榜/黑榜, who has not submitted.

The composite score (documented in docs/methodology.md, section 6): a unit is
scored only on the in-force, binding (not 力争) targets that apply to it — a
target issued to it (分解目标) or a plan of its own — that have a calendar
comparison. Each such row's 序时完成指数 = 完成率 / 序时进度 × 100 (100 = exactly
on the calendar; capped at 150 so that one runaway indicator cannot carry a
unit; a met target scores at least 100); a unit's score is their mean. A unit
with fewer than `ranking.min_scored_targets` scored rows is not ranked. Equal
scores (to one decimal) share a rank and are named together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.catalog.regions import load_regions
from analysis.periods import period_text
from analysis.progress.allocations import BASIS_ISSUED, BASIS_PLAN
from analysis.progress.facts import data_months
from analysis.progress.narrative import target_names
from analysis.progress.verdicts import (
    CALENDAR_STATUSES,
    STATUS_AHEAD,
    STATUS_BEHIND,
    STATUS_DONE,
    STATUS_EXCEEDED,
    STATUS_FAR_BEHIND,
    STATUS_IN_STEP,
    STATUS_LEVEL_MET,
    STATUS_LEVEL_MISSED,
    STATUS_MISSED,
    STATUS_NO_DATA,
    light_of,
    settings,
)
from analysis.store.history import Store

INDEX_CAP = 150.0
AHEAD = (STATUS_DONE, STATUS_AHEAD)
BEHIND = (STATUS_BEHIND, STATUS_FAR_BEHIND)
SCORED_STATUSES = (STATUS_DONE, *CALENDAR_STATUSES, STATUS_EXCEEDED, STATUS_MISSED)
SCORE_COLUMNS = ["地区", "综合得分", "排名", "指标数", "完成数", "落后数", "最好指标", "最差指标"]
MANY_TIED = 3  # more tied best (or worst) indicators than this are written 多项并列
NOT_RANKED = "不参与排名"


def sub_unit_rows(progress: pd.DataFrame, region: str) -> pd.DataFrame:
    """Rows of the regions directly below `region`, for targets of `region`'s own plans."""
    children = {r.name for r in load_regions().children(region)}
    own_targets = set(
        progress.loc[(progress["jurisdiction"] == region) & (progress["basis"] == BASIS_PLAN), "target_id"]
    )
    return progress[progress["target_id"].isin(own_targets) & progress["jurisdiction"].isin(children)].copy()


def scored_rows(rows: pd.DataFrame, since: str | None = None) -> pd.DataFrame:
    """The rows a unit is scored on: binding, a target issued to it or its own, compared with the calendar, and
    in force — or, for a bulletin of the period starting `since` (YYYY-MM-DD), due within that period
    (a quarter's bulletin judges the targets whose deadline is its last day on their final result)."""
    live = rows["in_force"].astype(bool)
    if since is not None:
        live |= rows["final"].astype(bool) & (rows["window_end"] >= since)
    # a plan-period total repeats its years: it is reported, never scored
    live &= ~rows["term"].astype(str).str.contains("-")
    keep = (
        live
        & ~rows["aspirational"].astype(bool)
        & rows["basis"].isin([BASIS_ISSUED, BASIS_PLAN])
        & rows["status"].isin(SCORED_STATUSES)
        & rows["target_value"].ge(1)
        & (rows["target_value"].ge(min_target_value()) | (rows.get("unit", pd.Series("", index=rows.index)) == "%"))
    )
    return rows[keep]


def min_target_value() -> float:
    """The smallest count target that is scored (data/progress.yml ranking.min_target_value)."""
    return float(settings()["ranking"].get("min_target_value", 1))


def batch_awards() -> dict[str, tuple[int, ...]]:
    """Award types granted in batches and their usual months (data/award_types.yml grant_months)."""
    from analysis.catalog.awards import load_award_types

    return {name: kind.grant_months for name, kind in load_award_types().items() if kind.grant_months}


def _award_name(award: str) -> str:
    """An award type as the indicator registry names it (专精特新小巨人 → 专精特新“小巨人”企业)."""
    from analysis.catalog.targets import load_catalog

    names = [i.name for i in load_catalog().indicators.values() if i.measure.get("award") == award]
    return min(names, key=len) if names else award


def _months_text(months) -> str:
    return "、".join(str(m) for m in months) + "月"


def method_paragraphs(ranking: bool = True) -> list[str]:
    """Every rule that scores, ranks or flags a unit, as a document states it (documents.md, invariant 8): the
    status bands and the batch rule for every report, the score, the lists and the cut-off for a bulletin."""
    settings_ = settings()
    bands = settings_["status_bands"]
    ahead = next(b for b in bands if b["status"] == STATUS_AHEAD)["gap_at_least"]
    in_step = -next(b for b in bands if b["status"] == STATUS_IN_STEP)["gap_at_least"]
    behind = -next(b for b in bands if b["status"] == STATUS_BEHIND)["gap_at_least"]
    batches = "、".join(f"{_award_name(name)}（每年{_months_text(months)}）" for name, months in batch_awards().items())
    text = [
        f"状态划分：完成率高出序时进度{ahead:g}个百分点及以上为超序时，落后不超过{in_step:g}个百分点为基本同步，"
        f"落后{in_step:g}个百分点以上、不超过{behind:g}个百分点为落后序时，落后超过{behind:g}个百分点为严重滞后；"
        "到期目标只按终期结果判定已完成或未完成。"
        + (
            f"{batches}按批次集中认定，当年首个批次月份之前落后于序时进度的，记为“待批次认定”，不作落后判定。"
            if batches
            else ""
        ),
    ]
    if not ranking:
        return text
    rank = settings_["ranking"]
    top = int(rank["top_n"])
    return [
        "评分口径：各单位只就上级下达的分解目标（或本单位方案目标）中在期、约束性（非“力争”）的目标评分，"
        f"数量类目标值不足{min_target_value():g}的只列示、不评分，“待批次认定”的不评分。每项目标的序时完成指数"
        f"＝完成率÷序时进度×100（100表示与序时进度同步，最高按{INDEX_CAP:g}计，已完成的不低于100），"
        "本季度内到期的目标按终期结果计（序时进度为100%）；综合得分为各项指数的简单平均，保留一位小数，"
        "得分相同的并列。",
        f"排名和榜单：评分目标不足{int(rank['min_scored_targets'])}项的单位不参与排名；红榜为综合得分不低于100"
        f"的前{top}名，黑榜为综合得分低于100的后{top}名，与第{top}名并列的一并列入；"
        f"综合得分低于{rank['floor_pct']:g}分的单位另行列出。",
        *text,
    ]


def calendar_index(rows: pd.DataFrame) -> pd.Series:
    """序时完成指数 per row: 完成率 / 序时进度 × 100, capped; met targets score at least 100.
    A final row's 序时进度 is 100 (the whole term has elapsed)."""
    expected = rows["expected_pct"]
    if "final" in rows:
        expected = expected.where(~rows["final"].astype(bool), 100.0)
    expected = expected.where(expected > 0)
    index = (100 * rows["progress_pct"] / expected).clip(upper=INDEX_CAP)
    index = index.where(~rows["met"].astype(bool), index.clip(lower=100).fillna(100))
    return index.where(rows["actual"].notna())


def _tied_names(group: pd.DataFrame, best: bool) -> str:
    """The indicators at a unit's best (or worst) index, all of them when tied."""
    edge = group["index"].round(1).max() if best else group["index"].round(1).min()
    names = list(dict.fromkeys(group.loc[group["index"].round(1) == edge, "target_name"]))
    if len(names) > MANY_TIED:
        return f"多项并列（{len(names)}项）"
    return "、".join(names)


def unit_scores(
    progress: pd.DataFrame, region: str, min_targets: int | None = None, since: str | None = None
) -> pd.DataFrame:
    """One row per sub-unit: composite score, rank (ties equal), best and worst indicators, counts by status."""
    min_targets = int(settings()["ranking"].get("min_scored_targets", 3)) if min_targets is None else min_targets
    rows = sub_unit_rows(progress, region)
    units = sorted({r.name for r in load_regions().children(region)})
    if not units:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    scored = scored_rows(rows, since).copy()
    scored["index"] = calendar_index(scored)
    scored = scored.dropna(subset=["index"])
    scored["target_name"] = target_names(scored)
    groups = scored.groupby("jurisdiction")
    table = pd.DataFrame(index=pd.Index(units, name="地区"))
    table["综合得分"] = groups["index"].mean().round(1)  # as displayed: equal displayed scores are ties, others not
    table["指标数"] = groups.size()
    table["完成数"] = scored[scored["status"].isin((STATUS_DONE, STATUS_EXCEEDED))].groupby("jurisdiction").size()
    table["落后数"] = scored[scored["status"].isin((*BEHIND, STATUS_MISSED))].groupby("jurisdiction").size()
    table["最好指标"] = table["最差指标"] = np.nan
    if len(scored):  # pandas-stubs do not know apply's include_groups (pandas 2.2 on), hence the ignores
        table["最好指标"] = groups.apply(lambda g: _tied_names(g, True), include_groups=False)  # type: ignore[call-overload]
        table["最差指标"] = groups.apply(lambda g: _tied_names(g, False), include_groups=False)  # type: ignore[call-overload]
    table[["指标数", "完成数", "落后数"]] = table[["指标数", "完成数", "落后数"]].fillna(0).astype(int)
    too_few = table["指标数"] < min_targets
    table.loc[too_few, "综合得分"] = np.nan
    table = table.sort_values(["综合得分", "完成数"], ascending=False, na_position="last")
    table["排名"] = table["综合得分"].round(1).rank(ascending=False, method="min").astype("Int64")
    table["排名"] = table["排名"].astype(object).where(~too_few, NOT_RANKED)  # the reason: method_paragraphs
    table.loc[too_few, ["最好指标", "最差指标"]] = np.nan
    return table.reset_index()[SCORE_COLUMNS]


def ranked(scores: pd.DataFrame) -> pd.DataFrame:
    """The units that take part in the ranking."""
    return scores[scores["综合得分"].notna()]


def tied_groups(scores: pd.DataFrame) -> list[list[str]]:
    """Units sharing a rank, each group named together (2 or more units)."""
    rows = ranked(scores)
    return [list(g["地区"]) for _, g in rows.groupby("排名", sort=True) if len(g) > 1]


def indicator_ranking(progress: pd.DataFrame, region: str, since: str | None = None) -> pd.DataFrame:
    """Sub-units ranked within each indicator by their 序时完成指数 (1 = best), on scored rows only."""
    rows = scored_rows(sub_unit_rows(progress, region), since).copy()
    rows["序时完成指数"] = calendar_index(rows)
    rows["名次"] = rows.groupby(["target_id", "term"])["序时完成指数"].transform(
        lambda s: s.round(1).rank(ascending=False, method="min")
    )
    return rows.sort_values(["target_id", "名次"])[
        [
            "target_id",
            "indicator_name",
            "jurisdiction",
            "actual",
            "target_value",
            "progress_pct",
            "expected_pct",
            "序时完成指数",
            "名次",
            "status",
        ]
    ]


def honour_lists(scores: pd.DataFrame, top_n: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """红榜: the top N at or ahead of the calendar (score ≥ 100); 黑榜: the bottom N behind it (score < 100).

    A list extends past N to take in units tied with the Nth.
    """
    top_n = top_n or settings()["ranking"]["top_n"]
    rows = ranked(scores)
    red = rows[rows["综合得分"] >= 100]
    black = rows[rows["综合得分"] < 100].iloc[::-1]
    return _head_with_ties(red, top_n), _head_with_ties(black, top_n)


def _head_with_ties(rows: pd.DataFrame, n: int) -> pd.DataFrame:
    if len(rows) <= n:
        return rows.reset_index(drop=True)
    edge = rows["排名"].iloc[n - 1]
    return pd.concat([rows.iloc[:n], rows.iloc[n:][rows.iloc[n:]["排名"] == edge]]).reset_index(drop=True)


def under_floor(scores: pd.DataFrame, floor: float | None = None) -> pd.DataFrame:
    floor = settings()["ranking"]["floor_pct"] if floor is None else floor
    return scores[scores["综合得分"] < floor].reset_index(drop=True)


def ahead_and_behind(progress: pd.DataFrame, region: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sub-unit rows at or ahead of the calendar, and rows behind it (in-force targets issued to each unit)."""
    rows = sub_unit_rows(progress, region)
    cols = {
        "indicator_name": "指标",
        "jurisdiction": "地区",
        "actual": "实际",
        "target_value": "分解目标",
        "progress_pct": "完成率%",
        "expected_pct": "序时进度%",
        "gap_pp": "偏差(百分点)",
        "status": "状态",
    }
    rows = rows[rows["in_force"].astype(bool) & rows["basis"].isin([BASIS_ISSUED])]
    ahead = rows[rows["status"].isin(AHEAD)].sort_values("gap_pp", ascending=False)[list(cols)].rename(columns=cols)
    behind = rows[rows["status"].isin(BEHIND)].sort_values("gap_pp")[list(cols)].rename(columns=cols)
    return ahead.reset_index(drop=True), behind.reset_index(drop=True)


def submission_status(store: Store, region: str, period: str) -> pd.DataFrame:
    """Each county-level unit under `region`: submitted for `period`, its newest period up to `period` (a report on
    2025-09 does not name a later month), and whether it is 未报送 or 数据滞后."""
    stale_after = int(settings()["stale_after_months"])
    newest = data_months(store, period)
    submitted = store.submitted_units(period)
    rows = []
    for unit in load_regions().units_under(region):
        latest = newest.get(unit.name)
        lag = (pd.Period(period, "M") - pd.Period(latest, "M")).n if latest else None
        state = (
            "已报送"
            if unit.name in submitted
            else ("未报送" if lag is None or lag > stale_after else "未报送（沿用上月）")
        )
        rows.append(
            {
                "地区": unit.name,
                "本期": "是" if unit.name in submitted else "否",
                "最近报送期": period_text(latest) if latest else "从未报送",
                "滞后月数": lag if lag and lag > 0 else 0,
                "状态": state,
            }
        )
    return pd.DataFrame(rows)


def not_submitted(store: Store, region: str, period: str) -> list[str]:
    status = submission_status(store, region, period)
    return status.loc[status["本期"] == "否", "地区"].tolist()


def status_counts(progress: pd.DataFrame, region: str) -> pd.Series:
    """How many of the region's own in-force targets are in each status."""
    own = progress[
        (progress["jurisdiction"] == region) & (progress["basis"] == BASIS_PLAN) & progress["in_force"].astype(bool)
    ]
    order = [
        STATUS_DONE,
        STATUS_AHEAD,
        STATUS_IN_STEP,
        STATUS_BEHIND,
        STATUS_FAR_BEHIND,
        STATUS_LEVEL_MET,
        STATUS_LEVEL_MISSED,
        "待批次认定",
        STATUS_NO_DATA,
    ]
    return own["status"].value_counts().reindex(order, fill_value=0)


LIGHTS = ("绿", "黄", "红")


def traffic_light(status: str) -> str:
    """绿/黄/红 of an open row's status, from the one band table of data/progress.yml (final rows: none)."""
    return light_of(status)
