"""通报-style Chinese sentences generated from progress rows (the same numbers as the tables).

e.g. 截至2025年9月底，石家庄市专精特新中小企业达到612家，完成2025年目标的81.6%，落后序时进度3.4个百分点。
"""
from __future__ import annotations

import calendar

import pandas as pd

from analysis.progress.verdicts import (STATUS_AHEAD, STATUS_BATCH, STATUS_BEHIND, STATUS_DONE, STATUS_EXCEEDED,
                                        STATUS_FAR_BEHIND, STATUS_IN_STEP, STATUS_LEVEL_MET, STATUS_LEVEL_MISSED,
                                        STATUS_MISSED, STATUS_NO_DATA)


def as_of_phrase(as_of) -> str:
    """截至2025年9月底 at a month end, else 截至2025年9月15日."""
    day = pd.Timestamp(as_of)
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return f"截至{day.year}年{day.month}月底"
    return f"截至{day.year}年{day.month}月{day.day}日"


def number(value: float, unit: str) -> str:
    """Whole numbers as such; rates to two decimals at most (3.39, 65.4, 50), other fractions to one."""
    if pd.isna(value):
        return "—"
    if float(value).is_integer():
        return f"{int(value)}"
    if unit == "%":
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:.1f}"


def _term_phrase(row) -> str:
    """2025年, or a plan-period total 2023—2025年."""
    term = str(row.get("term") or row["period"])
    return term.replace("-", "—") + "年"


def goal_text(row) -> str:
    """A target as a 公文 writes it: 5家, 8至10家, 20家左右, 超过78% (no comparison signs)."""
    unit, goal = row["unit"], row["target_value"]
    text = number(goal, unit)
    high = row.get("high")
    if high is not None and not pd.isna(high) and row["low"]:
        return f"{number(goal, unit)}至{number(goal * high / row['low'], unit)}{unit}"
    if row["comparison"] == "≈":
        return f"{text}{unit}左右"
    if row["comparison"] == ">":
        return f"超过{text}{unit}"
    if row["comparison"] == "≤":
        return f"不高于{text}{unit}"
    return f"{text}{unit}"


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


def _difference(value: float, unit: str) -> str:
    return f"{number(abs(value), unit)}个百分点" if unit == "%" else f"{number(abs(value), unit)}{unit}"


def _months_early(row) -> str:
    met_on = row.get("met_on")
    if not met_on:
        return ""
    if met_on == row["window_start"][:7]:
        return "，方案实施之初即已达到"
    early = (pd.Period(row["window_end"][:7], "M") - pd.Period(met_on, "M")).n
    when = f"{int(met_on[:4])}年{int(met_on[5:])}月"
    return f"，{when}达到目标" + (f"，提前{early}个月" if early > 0 else "")


def final_sentence(row) -> str:
    """A final result: 石家庄市专精特新“小巨人”企业2025年目标105家，实际101家，未完成，差4家。"""
    place, name, unit = row["jurisdiction"], row["indicator_name"], row["unit"]
    label = "分解目标" if row.get("basis") == "分解目标" else "目标"
    head = f"{place}{name}{_term_phrase(row)}{label}{goal_text(row)}"
    if row["status"] == STATUS_NO_DATA or pd.isna(row["actual"]):
        return f"{head}，暂无数据，无法评估。"
    actual = f"实际{number(row['actual'], unit)}{unit}"
    if row["status"] == STATUS_MISSED:
        return f"{head}，{actual}，未完成，差{_difference(row['shortfall'], unit)}。"
    word = "超额完成" if row["status"] == STATUS_EXCEEDED else "已完成"
    over = row["actual"] - row["target_value"]
    extra = f"，超出{_difference(over, unit)}" if over > 0 and row["comparison"] != "≈" else ""
    stretch = ""
    if row["status"] == STATUS_DONE and row.get("high") is not None and not pd.isna(row.get("high")):
        stretch = "（达到下限，未达到上限）" if row["aspirational"] else ""
    return f"{head}，{actual}，{word}{stretch}{extra}{_months_early(row)}。"


def sentence(row, as_of=None) -> str:
    """One sentence for one progress row."""
    if bool(row.get("final")):
        return final_sentence(row)
    when = as_of_phrase(as_of or row["as_of"])
    place, name, unit = row["jurisdiction"], row["indicator_name"], row["unit"]
    if pd.isna(row["actual"]):
        return f"{when}，{place}{name}暂无数据。"
    actual = number(row["actual"], unit)
    if row["kind"] in ("annual", "in-year"):
        head = f"{when}，{place}{row['window_start'][:4]}年{name}{actual}{unit}"
    elif row["kind"] == "cumulative":
        head = f"{when}，{place}累计培育{name}{actual}{unit}"
    elif row["kind"] == "growth":
        head = f"{when}，{place}{name}为{actual}%（同比）"
    elif unit == "%":
        head = f"{when}，{place}{name}为{actual}%"
    else:
        head = f"{when}，{place}{name}达到{actual}{unit}"
    if not row.get("basis"):
        share = row.get("share_of_parent")
        tail = f"，占上级的{share:.1f}%" if share is not None and not pd.isna(share) else ""
        return f"{head}{tail}（未下达分解目标）。"
    goal = f"{_term_phrase(row)}{'分解目标' if row.get('basis') == '分解目标' else '目标'}"
    if row["status"] == STATUS_NO_DATA:
        return f"{when}，{place}{name}暂无数据。"
    if row["status"] in (STATUS_DONE, STATUS_LEVEL_MET):
        return f"{head}，已达到{goal}{goal_text(row)}。"
    if row["status"] == STATUS_LEVEL_MISSED or unit == "%":
        # a level without a baseline, or a rate: its distance is in points of the rate itself
        return f"{head}，距{goal}{goal_text(row)}还差{_difference(row['target_value'] - row['actual'], unit)}。"
    text = f"{head}，完成{goal}的{row['progress_pct']:.1f}%"
    if row["status"] == STATUS_BATCH:
        return f"{text}，该类资质集中批次认定，待批次认定后再作比较。"
    return f"{text}{_calendar_clause(row)}。"


STATUS_WORDS = {STATUS_DONE: "已完成", STATUS_AHEAD: "超序时进度", STATUS_IN_STEP: "与序时进度基本同步",
                STATUS_BEHIND: "落后序时进度", STATUS_FAR_BEHIND: "严重滞后", STATUS_LEVEL_MET: "已达标",
                STATUS_LEVEL_MISSED: "未达标", STATUS_BATCH: "待批次认定", STATUS_NO_DATA: "暂无数据"}
FINAL_WORDS = {STATUS_EXCEEDED: "超额完成", STATUS_DONE: "已完成", STATUS_MISSED: "未完成", STATUS_NO_DATA: "无数据"}


def final_overview(progress: pd.DataFrame, region: str) -> str:
    """Counts of the region's own final results: 终期已完成N项（其中超额完成M项），未完成K项."""
    own = progress[(progress["jurisdiction"] == region) & (progress["basis"] == "方案目标") & progress["final"].astype(bool)]
    if own.empty:
        return ""
    counts = own["status"].value_counts()
    done = int(counts.get(STATUS_DONE, 0) + counts.get(STATUS_EXCEEDED, 0))
    text = f"已到期目标{len(own)}项，已完成{done}项"
    if counts.get(STATUS_EXCEEDED):
        text += f"（其中超额完成{counts[STATUS_EXCEEDED]}项）"
    if counts.get(STATUS_MISSED):
        text += f"，未完成{counts[STATUS_MISSED]}项"
    if counts.get(STATUS_NO_DATA):
        text += f"，无数据{counts[STATUS_NO_DATA]}项"
    return text + "。"


def overview(progress: pd.DataFrame, region: str, as_of) -> str:
    """A paragraph: how many of the region's in-force targets are in each state, naming the lagging ones;
    when none is in force, says so and gives the final results instead."""
    mine = progress[(progress["jurisdiction"] == region) & (progress["basis"] == "方案目标")]
    own = mine[mine["in_force"].astype(bool)]
    if own.empty:
        if mine.empty:
            return f"{as_of_phrase(as_of)}，{region}暂无在期目标。"
        return f"{as_of_phrase(as_of)}，{region}方案目标均已到期，无在期目标；" + final_overview(progress, region)
    counts = own["status"].value_counts()
    parts = [f"{STATUS_WORDS[s]}{counts[s]}项" for s in STATUS_WORDS if counts.get(s)]
    text = f"{as_of_phrase(as_of)}，{region}在期目标共{len(own)}项，其中" + "、".join(parts) + "。"
    lagging = own[own["status"].isin([STATUS_BEHIND, STATUS_FAR_BEHIND])]
    if not lagging.empty:
        names = "、".join(dict.fromkeys(lagging["indicator_name"]))
        text += f"落后于序时进度的有：{names}。"
    return text + final_overview(progress, region)
