"""通报-style Chinese sentences generated from progress rows (the same numbers as the tables).

e.g. 截至2025年9月底，石家庄市专精特新中小企业达到612家，完成2025年目标的81.6%，落后序时进度3.4个百分点。
"""
from __future__ import annotations

import calendar

import pandas as pd

from analysis.progress.engine import (STATUS_AHEAD, STATUS_BEHIND, STATUS_DONE, STATUS_FAR_BEHIND, STATUS_IN_STEP,
                       STATUS_NO_DATA)


def as_of_phrase(as_of) -> str:
    """截至2025年9月底 at a month end, else 截至2025年9月15日."""
    day = pd.Timestamp(as_of)
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return f"截至{day.year}年{day.month}月底"
    return f"截至{day.year}年{day.month}月{day.day}日"


def number(value: float, unit: str) -> str:
    """Counts as whole numbers when whole, percentages and others to one decimal."""
    if pd.isna(value):
        return "—"
    if unit != "%" and float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.1f}"


def _target_phrase(row) -> str:
    period = "全年" if row["kind"] in ("annual", "in-year") else f"{row['period']}年"
    if row["kind"] in ("annual",) and row["period"] == "annual":
        period = "年度"
    return period


def _calendar_clause(row) -> str:
    gap = row["gap_pp"]
    if pd.isna(gap):
        return ""
    if row["status"] == STATUS_DONE:
        return ""
    if abs(gap) < 0.05:
        return "，与序时进度持平"
    word = "超序时进度" if gap > 0 else "落后序时进度"
    return f"，{word}{abs(gap):.1f}个百分点"


def sentence(row, as_of=None) -> str:
    """One sentence for one progress row."""
    when = as_of_phrase(as_of or row["as_of"])
    place, name, unit = row["jurisdiction"], row["indicator_name"], row["unit"]
    if row["status"] == STATUS_NO_DATA or pd.isna(row["actual"]):
        return f"{when}，{place}{name}暂无数据。"
    actual = number(row["actual"], unit)
    target = number(row["target_value"], unit)
    period = _target_phrase(row)
    goal = f"{period}分解目标" if row.get("basis") == "分解目标" else f"{period}目标"
    if row["kind"] in ("annual", "in-year"):
        head = f"{when}，{place}{row['window_start'][:4]}年新增{name}{actual}{unit}"
    elif row["kind"] == "cumulative":
        head = f"{when}，{place}累计培育{name}{actual}{unit}"
    elif row["kind"] == "growth":
        head = f"{when}，{place}{name}为{actual}%（同比）"
    elif unit == "%":
        head = f"{when}，{place}{name}为{actual}%"
    else:
        head = f"{when}，{place}{name}达到{actual}{unit}"
    if row["status"] == STATUS_DONE:
        return f"{head}，已完成{goal}（{row['comparison']}{target}{unit}）。"
    if unit == "%":
        # a rate's distance is in points of the rate itself; a completion share would read ambiguously
        return f"{head}，距{goal}{target}%还差{abs(row['target_value'] - row['actual']):.1f}个百分点。"
    return f"{head}，完成{goal}的{row['progress_pct']:.1f}%{_calendar_clause(row)}。"


STATUS_WORDS = {STATUS_DONE: "已完成", STATUS_AHEAD: "超序时进度", STATUS_IN_STEP: "与序时进度基本同步",
                STATUS_BEHIND: "落后序时进度", STATUS_FAR_BEHIND: "严重滞后", STATUS_NO_DATA: "暂无数据"}


def overview(progress: pd.DataFrame, region: str, as_of) -> str:
    """A paragraph: how many of the region's targets are in each state, naming the lagging ones."""
    mine = progress[(progress["jurisdiction"] == region) & (progress["basis"] == "方案目标")]
    own = mine[~mine["closed"].astype(bool)]
    if own.empty:
        if mine.empty:
            return f"{as_of_phrase(as_of)}，{region}暂无在期目标。"
        done = int((mine["status"] == STATUS_DONE).sum())
        return (f"{as_of_phrase(as_of)}，{region}方案目标均已到期：共{len(mine)}项，"
                f"终期已完成{done}项，未完成{len(mine) - done}项。")
    counts = own["status"].value_counts()
    parts = [f"{STATUS_WORDS[s]}{counts[s]}项" for s in STATUS_WORDS if counts.get(s)]
    text = f"{as_of_phrase(as_of)}，{region}在期目标共{len(own)}项，其中" + "、".join(parts) + "。"
    lagging = own[own["status"].isin([STATUS_BEHIND, STATUS_FAR_BEHIND])]
    if not lagging.empty:
        names = "、".join(dict.fromkeys(lagging["indicator_name"]))
        text += f"落后于序时进度的有：{names}。"
    return text
