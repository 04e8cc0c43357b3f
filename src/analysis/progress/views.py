"""Monthly and quarterly views over a progress frame: scores, rankings, 红榜/黑榜, who has not submitted.

The composite score (documented in docs/methodology.md): for each sub-unit and
target with data, the 序时完成指数 = 完成率 / 序时进度 × 100 (100 = exactly on the
calendar; capped at 150 so that one runaway indicator cannot carry a unit; a met
target scores at least 100); a unit's score is the mean over its targets, equal
weights. Units rank by score, ties by the number of targets met.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.progress.engine import STATUS_BEHIND, STATUS_DONE, STATUS_AHEAD, STATUS_FAR_BEHIND, STATUS_NO_DATA, settings
from analysis.catalog.regions import load_regions
from analysis.store.history import Store

INDEX_CAP = 150.0
AHEAD = (STATUS_DONE, STATUS_AHEAD)
BEHIND = (STATUS_BEHIND, STATUS_FAR_BEHIND)


def sub_unit_rows(progress: pd.DataFrame, region: str) -> pd.DataFrame:
    """Rows of the regions directly below `region`, for targets of `region`'s own plans."""
    children = {r.name for r in load_regions().children(region)}
    own_targets = set(progress.loc[(progress["jurisdiction"] == region) & (progress["basis"] == "方案目标"), "target_id"])
    return progress[progress["target_id"].isin(own_targets) & progress["jurisdiction"].isin(children)].copy()


def calendar_index(rows: pd.DataFrame) -> pd.Series:
    """序时完成指数 per row: 完成率 / 序时进度 × 100, capped; met targets score at least 100."""
    expected = rows["expected_pct"].where(rows["expected_pct"] > 0)
    index = (100 * rows["progress_pct"] / expected).clip(upper=INDEX_CAP)
    index = index.where(~rows["met"].astype(bool), index.clip(lower=100).fillna(100))
    return index.where(rows["actual"].notna())


def unit_scores(progress: pd.DataFrame, region: str) -> pd.DataFrame:
    """One row per sub-unit: composite score, rank, best and worst indicator, counts by status."""
    rows = sub_unit_rows(progress, region)
    if rows.empty:
        return pd.DataFrame(columns=["地区", "综合得分", "排名", "指标数", "完成数", "落后数", "最好指标", "最差指标"])
    rows["index"] = calendar_index(rows)
    scored = rows.dropna(subset=["index"])
    best = scored.loc[scored.groupby("jurisdiction")["index"].idxmax()].set_index("jurisdiction")["indicator_name"]
    worst = scored.loc[scored.groupby("jurisdiction")["index"].idxmin()].set_index("jurisdiction")["indicator_name"]
    table = pd.DataFrame({
        "综合得分": scored.groupby("jurisdiction")["index"].mean(),
        "指标数": scored.groupby("jurisdiction").size(),
        "完成数": rows[rows["status"] == STATUS_DONE].groupby("jurisdiction").size(),
        "落后数": rows[rows["status"].isin(BEHIND)].groupby("jurisdiction").size(),
        "最好指标": best, "最差指标": worst,
    })
    missing = sorted(set(rows["jurisdiction"]) - set(table.index))
    table = pd.concat([table, pd.DataFrame(index=missing)]) if missing else table
    table[["指标数", "完成数", "落后数"]] = table[["指标数", "完成数", "落后数"]].fillna(0).astype(int)
    table = table.sort_values(["综合得分", "完成数"], ascending=False, na_position="last")
    table["排名"] = np.arange(1, len(table) + 1)
    table.loc[table["综合得分"].isna(), "排名"] = pd.NA
    return table.rename_axis("地区").reset_index()[["地区", "综合得分", "排名", "指标数", "完成数", "落后数", "最好指标", "最差指标"]]


def indicator_ranking(progress: pd.DataFrame, region: str) -> pd.DataFrame:
    """Sub-units ranked within each indicator by their 序时完成指数 (1 = best)."""
    rows = sub_unit_rows(progress, region)
    rows["序时完成指数"] = calendar_index(rows)
    rows["名次"] = rows.groupby("target_id")["序时完成指数"].rank(ascending=False, method="min")
    return rows.sort_values(["target_id", "名次"])[[
        "target_id", "indicator_name", "jurisdiction", "actual", "target_value", "progress_pct", "expected_pct",
        "序时完成指数", "名次", "status"]]


def honour_lists(scores: pd.DataFrame, top_n: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """红榜: the top N at or ahead of the calendar (score ≥ 100); 黑榜: the bottom N behind it (score < 100)."""
    top_n = top_n or settings()["ranking"]["top_n"]
    ranked = scores.dropna(subset=["综合得分"])
    red = ranked[ranked["综合得分"] >= 100].head(top_n)
    black = ranked[ranked["综合得分"] < 100].tail(top_n).iloc[::-1]
    return red.reset_index(drop=True), black.reset_index(drop=True)


def under_floor(scores: pd.DataFrame, floor: float | None = None) -> pd.DataFrame:
    floor = settings()["ranking"]["floor_pct"] if floor is None else floor
    return scores[scores["综合得分"] < floor].reset_index(drop=True)


def ahead_and_behind(progress: pd.DataFrame, region: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sub-unit rows at or ahead of the calendar, and rows behind it (each target, each unit)."""
    rows = sub_unit_rows(progress, region)
    cols = {"indicator_name": "指标", "jurisdiction": "地区", "actual": "实际", "target_value": "分解目标",
            "progress_pct": "完成率%", "expected_pct": "序时进度%", "gap_pp": "偏差(百分点)", "status": "状态"}
    rows = rows[~rows["closed"].astype(bool)]
    ahead = rows[rows["status"].isin(AHEAD)].sort_values("gap_pp", ascending=False)[list(cols)].rename(columns=cols)
    behind = rows[rows["status"].isin(BEHIND)].sort_values("gap_pp")[list(cols)].rename(columns=cols)
    return ahead.reset_index(drop=True), behind.reset_index(drop=True)


def submission_status(store: Store, region: str, period: str) -> pd.DataFrame:
    """Each county-level unit under `region`: submitted for `period`, its newest period, and whether it is 未报送 or 数据滞后."""
    stale_after = int(settings()["stale_after_months"])
    parts = store.parts()
    newest = parts.groupby("unit")["period"].max() if not parts.empty else pd.Series(dtype=str)
    submitted = store.submitted_units(period)
    rows = []
    for unit in load_regions().units_under(region):
        latest = newest.get(unit.name)
        lag = (pd.Period(period, "M") - pd.Period(latest, "M")).n if latest else None
        state = "已报送" if unit.name in submitted else ("未报送" if latest is None or lag > stale_after else "未报送（沿用上月）")
        rows.append({"地区": unit.name, "本期": "是" if unit.name in submitted else "否",
                     "最近报送期": latest or "从未报送", "滞后月数": lag if lag and lag > 0 else 0, "状态": state})
    return pd.DataFrame(rows)


def not_submitted(store: Store, region: str, period: str) -> list[str]:
    status = submission_status(store, region, period)
    return status.loc[status["本期"] == "否", "地区"].tolist()


def status_counts(progress: pd.DataFrame, region: str) -> pd.Series:
    """How many of the region's own targets are in each status."""
    own = progress[(progress["jurisdiction"] == region) & (progress["basis"] == "方案目标")]
    order = [STATUS_DONE, STATUS_AHEAD, "基本同步", STATUS_BEHIND, STATUS_FAR_BEHIND, STATUS_NO_DATA]
    return own["status"].value_counts().reindex(order, fill_value=0)


LIGHTS = ("绿", "黄", "红")


def traffic_light(gap_pp: float, met: bool = False) -> str:
    """绿/黄/红 by the configured bands on the gap to 序时进度 (data/progress.yml: traffic_lights)."""
    if met:
        return "绿"
    if pd.isna(gap_pp):
        return ""
    bands = settings()["traffic_lights"]
    if gap_pp >= bands["green_at_or_above"]:
        return "绿"
    return "黄" if gap_pp >= bands["yellow_down_to"] else "红"


def light_gaps(rows: pd.DataFrame) -> pd.Series:
    """The gap a traffic light is read from: a met target counts as on the calendar at least."""
    gaps = rows["gap_pp"].astype(float)
    return gaps.where(~rows["met"].astype(bool), gaps.clip(lower=0).fillna(0))
