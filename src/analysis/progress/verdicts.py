"""The words of a verdict: when a target is met or exceeded, the status of an open or final row, its light.

Statuses of an open (in-force) row:
- 已完成 (met early), or a calendar band 超序时 / 基本同步 / 落后序时 / 严重滞后
  from the one band table of data/progress.yml (which also gives the light);
- 达标 / 未达标 for a level without a baseline (no calendar path to compare with);
- 待批次认定 for a batch award before its usual grant month;
- 无数据.
Statuses of a final row (the deadline day has come): 已完成 / 超额完成 / 未完成 / 无数据, or 待年度数据 (a
ratio over annual accounts before its year's accounts are due).
Either kind of row is 覆盖不全 instead when its figure is counted from only some of the place's units: it
is shown with what it covers and not judged.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from analysis import paths
from analysis.yamlio import load_yaml

STATUS_DONE, STATUS_AHEAD, STATUS_IN_STEP = "已完成", "超序时", "基本同步"
STATUS_BEHIND, STATUS_FAR_BEHIND, STATUS_NO_DATA = "落后序时", "严重滞后", "无数据"
STATUS_LEVEL_MET, STATUS_LEVEL_MISSED, STATUS_BATCH = "达标", "未达标", "待批次认定"
STATUS_EXCEEDED, STATUS_MISSED = "超额完成", "未完成"
# not verdicts: a total counted from only some of the place's units; a year's annual accounts not yet due
STATUS_PARTIAL, STATUS_AWAITING = "覆盖不全", "待年度数据"
CALENDAR_STATUSES = (STATUS_AHEAD, STATUS_IN_STEP, STATUS_BEHIND, STATUS_FAR_BEHIND)
FINAL_STATUSES = (STATUS_EXCEEDED, STATUS_DONE, STATUS_MISSED, STATUS_NO_DATA, STATUS_PARTIAL, STATUS_AWAITING)
STATUSES = (
    STATUS_DONE,
    STATUS_AHEAD,
    STATUS_IN_STEP,
    STATUS_BEHIND,
    STATUS_FAR_BEHIND,
    STATUS_LEVEL_MET,
    STATUS_LEVEL_MISSED,
    STATUS_BATCH,
    STATUS_EXCEEDED,
    STATUS_MISSED,
    STATUS_NO_DATA,
    STATUS_PARTIAL,
    STATUS_AWAITING,
)


@lru_cache(maxsize=1)
def settings() -> dict:
    return load_yaml(paths.DATA_DIR / "progress.yml")


def tolerance() -> float:
    return settings()["approx_tolerance_pct"] / 100


def is_met(actual: float, low: float, comparison: str) -> bool:
    """Met at the floor: ≥ and between from `low`; > strictly; 左右 from (1 − tolerance) × low upward."""
    if pd.isna(actual):
        return False
    return bool(
        {
            "≥": actual >= low,
            ">": actual > low,
            "≈": actual >= (1 - tolerance()) * low,
            "≤": actual <= low,
            "=": actual == low,
        }.get(comparison, actual >= low)
    )


def is_exceeded(actual: float, goal: float, low: float, high: float | None) -> bool:
    """A range's or stretch's top reached (8至10家: 10 or more), scaled like the goal for issued shares."""
    if high is None or pd.isna(high) or pd.isna(actual) or not low:
        return False
    return bool(actual >= goal * high / low)


def calendar_status(gap_pp: float) -> str:
    """The band an open row's gap to 序时进度 falls in."""
    for band in settings()["status_bands"]:
        if "gap_at_least" not in band or gap_pp >= band["gap_at_least"]:
            return band["status"]
    raise ValueError("status_bands needs a last band without gap_at_least")


def light_of(status: str) -> str:
    """绿/黄/红 for an open row's status, from the same table; final and undecided rows carry none."""
    for band in settings()["status_bands"]:
        if band["status"] == status:
            return band["light"]
    return settings().get("status_lights", {}).get(status, "")


def final_status(actual: float, met: bool, exceeded: bool) -> str:
    if pd.isna(actual):
        return STATUS_NO_DATA
    if exceeded:
        return STATUS_EXCEEDED
    return STATUS_DONE if met else STATUS_MISSED


def shortfall(actual: float, goal: float, met: bool, comparison: str) -> float:
    """How far a missed target is from its floor, in the target's own unit (差4家, 差0.11个百分点)."""
    if met or pd.isna(actual) or pd.isna(goal):
        return np.nan
    # 左右 is stated against the figure itself (目标20家左右，完成18家，差2家)
    return actual - goal if comparison == "≤" else goal - actual
