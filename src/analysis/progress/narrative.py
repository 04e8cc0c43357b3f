"""通报-style Chinese sentences generated from progress rows (the same numbers as the tables).

e.g. 截至2025年9月底，石家庄市专精特新中小企业达到612家，完成2025年目标的81.6%，落后序时进度3.4个百分点。
"""

from __future__ import annotations

import calendar
from functools import lru_cache

import pandas as pd

from analysis.catalog.regions import load_regions
from analysis.catalog.targets import load_catalog
from analysis.progress.results import (
    INSIDE_RANGE,
    beyond_text,
    coverage_text,
    has_range,
    headline_rows,
    is_floor_and_stretch,
    is_total,
    number,
    pair_text,
    share_text,
    top_of,
    years_text,
)
from analysis.progress.verdicts import (
    STATUS_AHEAD,
    STATUS_AWAITING,
    STATUS_BATCH,
    STATUS_BEHIND,
    STATUS_DONE,
    STATUS_EXCEEDED,
    STATUS_FAR_BEHIND,
    STATUS_IN_STEP,
    STATUS_LEVEL_MET,
    STATUS_LEVEL_MISSED,
    STATUS_MISSED,
    STATUS_NO_DATA,
    STATUS_PARTIAL,
)


def as_of_phrase(as_of) -> str:
    """截至2025年9月底 at a month end, else 截至2025年9月15日."""
    day = pd.Timestamp(as_of)
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return f"截至{day.year}年{day.month}月底"
    return f"截至{day.year}年{day.month}月{day.day}日"


def _term_phrase(row) -> str:
    """2025年, or a plan-period total 2023—2025年."""
    term = str(row.get("term") or row["period"])
    return term.replace("-", "—") + "年"


@lru_cache(maxsize=1)
def _targets() -> dict:
    return {t.id: t for t in load_catalog().targets}


def _levels_text(levels) -> str:
    levels = [levels] if isinstance(levels, str) else list(levels or [])
    return "和".join(levels)


def wording(row) -> dict:
    """How the row's indicator is written: subject (levels named when the target narrows them), verb, growth."""
    catalog = load_catalog()
    indicator = catalog.indicators.get(row.get("indicator", ""))
    words = dict(indicator.wording) if indicator is not None else {}
    subject = words.get("subject") or row["indicator_name"]
    target = _targets().get(row.get("target_id", ""))
    if target is not None and indicator is not None:
        narrowed = target.measure.get("level")
        if narrowed and narrowed != indicator.measure.get("level"):
            subject = _levels_text(narrowed) + subject
    award = target is not None and "award" in target.measure
    verb = words.get("verb", "新认定" if award else "新增")
    return {
        "subject": subject,
        "verb": verb,
        "growth": words.get("growth", "同比增长"),
        "share_of": target.extra.get("share_of", "") if target is not None else "",
    }


def _share_subject(share_of: str) -> str:
    """占全省 for a province's count, else 占全市."""
    if not share_of:
        return "占上级"
    return "占全省" if share_of.endswith(("省", "自治区")) else "占全市"


def goal_text(row) -> str:
    """A target as a 公文 writes it: 5家, 8至10家, 20家左右, 超过78%, 确保12%、争取14% (no comparison signs)."""
    unit, goal = row["unit"], row["target_value"]
    text = number(goal, unit)
    high = row.get("high")
    if is_floor_and_stretch(row):
        return f"确保{text}{unit}、争取{number(top_of(row), unit)}{unit}"
    if high is not None and not pd.isna(high) and row["low"]:
        return f"{text}至{number(goal * high / row['low'], unit)}{unit}"
    if row["comparison"] == "≈":
        return f"{text}{unit}左右"
    if row["comparison"] == ">":
        return f"超过{text}{unit}"
    if row["comparison"] == "≤":
        return f"不高于{text}{unit}"
    return f"{text}{unit}"


def _calendar_clause(row) -> str:
    gap = row["gap_pp"]
    if pd.isna(gap) or row["status"] == STATUS_DONE:
        return ""
    if abs(gap) < 0.05:
        return "，与序时进度持平"
    word = "超序时进度" if gap > 0 else "落后序时进度"
    return f"，{word}{abs(gap):.1f}个百分点"


def difference(value: float, unit: str) -> str:
    """A distance in the target's own unit: 4家, 0.11个百分点."""
    return f"{number(abs(value), unit)}个百分点" if unit == "%" else f"{number(abs(value), unit)}{unit}"


AT_START = "方案实施之初"


def met_timing(row) -> tuple[str, int] | None:
    """When a final row's target was first met: ("2024年8月", months before the deadline), (AT_START, 0) when it
    was met in the plan's first month, None when unknown."""
    met_on = row.get("met_on")
    if not isinstance(met_on, str) or not met_on:
        return None
    if met_on == row["window_start"][:7]:
        return AT_START, 0
    early = (pd.Period(row["window_end"][:7], "M") - pd.Period(met_on, "M")).n
    return f"{int(met_on[:4])}年{int(met_on[5:])}月", early


def _months_early(row) -> str:
    timing = met_timing(row)
    if timing is None:
        return ""
    when, early = timing
    if when == AT_START:
        return f"，{AT_START}即已达到"
    return f"，{when}达到目标" + (f"，提前{early}个月" if early > 0 else "")


def _what(row, words: dict) -> str:
    """The actual as a clause: 2025年新认定高新技术企业18家 / 专精特新中小企业达到741家 / …占全省比重为65.4%."""
    unit, actual = row["unit"], number(row["actual"], row["unit"])
    subject, kind = words["subject"], row["kind"]
    if kind in ("annual", "in-year"):
        period = _term_phrase(row) if "-" not in str(row.get("term", "")) else f"{_term_phrase(row)}累计"
        return f"{period}{words['verb']}{subject}{actual}{unit}"
    if kind == "cumulative":
        return f"累计{words['verb'] or '培育'}{subject}{actual}{unit}"
    if kind == "growth":
        return f"{subject}{words['growth']}{actual}%"
    if kind == "share":
        parts = share_text(row)
        return f"{subject}{_share_subject(words['share_of'])}比重为{actual}%" + (f"（{parts}）" if parts else "")
    if unit == "%":
        return f"{subject}为{actual}%"
    return f"{subject}达到{actual}{unit}"


def _level_subject(row, words: dict) -> str:
    """The subject of a level's final sentence: 专精特新中小企业 / …占全省比重 / 营业收入同比增长."""
    if row.get("kind") == "share":
        return f"{words['subject']}{_share_subject(words['share_of'])}比重"
    if row.get("kind") == "growth":
        return f"{words['subject']}{words['growth']}"
    return words["subject"]


def target_name(row) -> str:
    """A target's name in tables and charts, as the sentences name what it counts: 省级科技型中小企业,
    累计新认定专精特新中小企业, 专精特新中小企业占全省比重, 新认定高新技术企业 (its term is in the 期限 column).
    One plan may set several targets of an indicator for one term (80户 累计培育, 占全省的65%, 70户 in all):
    the bare indicator name would give them one label."""
    words = wording(row)
    kind = row.get("kind")
    if kind in ("annual", "in-year"):
        return f"{words['verb']}{words['subject']}"
    if kind == "cumulative":
        return f"累计{words['verb'] or '培育'}{words['subject']}"
    return _level_subject(row, words)


def target_names(rows: pd.DataFrame) -> pd.Series:
    """target_name of each row, worked out once per target."""
    first = rows.drop_duplicates("target_id")
    names = {row["target_id"]: target_name(row) for _, row in first.iterrows()}
    return rows["target_id"].map(names).astype(object)


def _level_value(row, words: dict) -> str:
    return f"{number(row['actual'], row['unit'])}{row['unit']}"


def _goal_label(row) -> str:
    term = _term_phrase(row)
    if row["kind"] in ("annual", "in-year") and "-" not in str(row.get("term", "")):
        term = "全年"
    return f"{term}{'分解目标' if row.get('basis') == '分解目标' else '目标'}"


def final_sentence(row, lead: bool = True) -> str:
    """A final result: 石家庄市专精特新“小巨人”企业达到101家，2025年目标105家，未完成，差4家。 A 每年 target's
    plan-period total is judged year by year; a total covering only some units is shown and not judged.
    `lead=False`: without the place, for a list under a paragraph that has named it once."""
    words = wording(row)
    place, unit, status = (row["jurisdiction"] if lead else ""), row["unit"], row["status"]
    goal = f"{_goal_label(row)}{goal_text(row)}"
    if status == STATUS_AWAITING:
        year = str(row["window_end"])[:4]
        return f"{place}{_level_subject(row, words)}{goal}，{year}年度财务数据尚未报送，暂不评价。"
    if status == STATUS_NO_DATA or pd.isna(row["actual"]):
        return f"{place}{words['subject']}{goal}，暂无数据，无法评估。"
    if is_total(row):
        return _total_sentence(row, words, place)
    if row["kind"] in ("annual", "in-year", "cumulative"):
        head = f"{place}{_what(row, words)}，{goal}"  # 2025年新认定高新技术企业18家，全年目标20家
    else:
        parts = share_text(row) if row["kind"] == "share" else ""
        value = _level_value(row, words) + (f"（{parts}）" if parts else "")
        head = f"{place}{_level_subject(row, words)}{goal}，实际{value}"
    if status == STATUS_PARTIAL:
        return f"{head}（{coverage_text(row)}），数据未覆盖全部单位，不作评价。"
    if is_floor_and_stretch(row):
        return f"{head}，{pair_text(row)}{_months_early(row)}。"
    if status == STATUS_MISSED:
        return f"{head}，未完成，差{difference(row['shortfall'], unit)}。"
    word = "超额完成" if status == STATUS_EXCEEDED else "已完成"
    inside = f"，{INSIDE_RANGE}" if status == STATUS_DONE and has_range(row) and row["actual"] < top_of(row) else ""
    beyond = beyond_text(row)
    return f"{head}，{word}{inside}" + (f"，{beyond}" if beyond else "") + f"{_months_early(row)}。"


def _total_sentence(row, words: dict, place: str) -> str:
    """石家庄市新认定高新技术企业每年目标20家，3年中1年完成；2023—2025年合计53家，3年目标合计60家。"""
    unit = row["unit"]
    years = int(row["years_total"])
    issued = row.get("basis") == "分解目标"
    name = target_name(row)
    actual = f"{_term_phrase(row)}合计{number(row['actual'], unit)}{unit}"
    if pd.isna(row["target_value"]):
        return f"{place}{name}{actual}。"
    yearly = f"{years}年{'分解' if issued else ''}目标合计{number(row['target_value'], unit)}{unit}"
    if not issued:
        head = f"{place}{name}每年目标{goal_text({**row, 'target_value': row['target_value'] / years})}"
    else:
        head = f"{place}{name}（每年分解目标）"
    if row["status"] == STATUS_PARTIAL:
        return f"{head}；{actual}（{coverage_text(row)}），{yearly}，数据未覆盖全部单位，不作评价。"
    return f"{head}，{years_text(row)}；{actual}，{yearly}。"


def sentence(row, as_of=None, lead: bool = True) -> str:
    """One sentence for one progress row (a final row gets its final result). `lead=False`: without 截至…，and the
    place, for a list under a paragraph that has said both once (not 27 sentences opening 截至2025年9月底，石家庄市)."""
    if bool(row.get("final")):
        return final_sentence(row, lead)
    words = wording(row)
    when = f"{as_of_phrase(as_of or row['as_of'])}，" if lead else ""
    place, unit = (row["jurisdiction"] if lead else ""), row["unit"]
    if pd.isna(row["actual"]):
        return f"{when}{place}{words['subject']}暂无数据。"
    head = f"{when}{place}{_what(row, words)}"
    if not row.get("basis"):
        share = row.get("share_of_parent")
        own = row["jurisdiction"]
        parents = load_regions().ancestors(own) if own in load_regions().regions else []
        owner = parents[0].name if parents else "上级"
        tail = f"，占{owner}的{share:.1f}%" if unit != "%" and share is not None and not pd.isna(share) else ""
        return f"{head}{tail}（未下达分解目标）。"
    goal = _goal_label(row)
    if row["status"] == STATUS_NO_DATA:
        return f"{when}{place}{words['subject']}暂无数据。"
    if row["status"] == STATUS_PARTIAL:
        return f"{head}（{coverage_text(row)}），数据未覆盖全部单位，不与{goal}{goal_text(row)}比较。"
    if row["status"] in (STATUS_DONE, STATUS_LEVEL_MET):
        if row["comparison"] in (">", "≤"):  # 超过78% / 不高于…: the target is a condition, not a figure
            return f"{head}，已实现{goal}（{goal_text(row)}）。"
        return f"{head}，已达到{goal}{goal_text(row)}。"
    if row["status"] == STATUS_LEVEL_MISSED or unit == "%":
        # a level without a baseline, or a rate: its distance is in points of the rate itself
        return f"{head}，距{goal}{goal_text(row)}还差{difference(row['target_value'] - row['actual'], unit)}。"
    text = f"{head}，完成{goal}的{row['progress_pct']:.1f}%"
    if row["status"] == STATUS_BATCH:
        return f"{text}，该类资质集中批次认定，待批次认定后再作比较。"
    return f"{text}{_calendar_clause(row)}。"


STATUS_WORDS = {
    STATUS_DONE: "已完成",
    STATUS_AHEAD: "超序时进度",
    STATUS_IN_STEP: "与序时进度基本同步",
    STATUS_BEHIND: "落后序时进度",
    STATUS_FAR_BEHIND: "严重滞后",
    STATUS_LEVEL_MET: "已达标",
    STATUS_LEVEL_MISSED: "未达标",
    STATUS_BATCH: "待批次认定",
    STATUS_NO_DATA: "暂无数据",
    STATUS_PARTIAL: "覆盖不全",
}
FINAL_WORDS = {
    STATUS_EXCEEDED: "超额完成",
    STATUS_DONE: "已完成",
    STATUS_MISSED: "未完成",
    STATUS_NO_DATA: "无数据",
    STATUS_PARTIAL: "覆盖不全",
    STATUS_AWAITING: "待年度数据",
}


def final_overview(progress: pd.DataFrame, region: str) -> str:
    """Counts of the region's own final results, one per target as the final assessment counts them (a 每年 target
    once, on its years): 已到期目标N项，已完成M项（其中超额完成K项），未完成L项."""
    own = progress[
        (progress["jurisdiction"] == region) & (progress["basis"] == "方案目标") & progress["final"].astype(bool)
    ]
    if own.empty:
        return ""
    own = headline_rows(own)
    counts = own["status"].value_counts()
    done = int(counts.get(STATUS_DONE, 0) + counts.get(STATUS_EXCEEDED, 0))
    text = f"已到期目标{len(own)}项，已完成{done}项"
    if counts.get(STATUS_EXCEEDED):
        text += f"（其中超额完成{counts[STATUS_EXCEEDED]}项）"
    if counts.get(STATUS_MISSED):
        text += f"，未完成{counts[STATUS_MISSED]}项"
    if counts.get(STATUS_NO_DATA):
        text += f"，无数据{counts[STATUS_NO_DATA]}项"
    if counts.get(STATUS_PARTIAL):
        text += f"，数据覆盖不全、不作评价{counts[STATUS_PARTIAL]}项"
    if counts.get(STATUS_AWAITING):
        text += f"，待年度数据{counts[STATUS_AWAITING]}项"
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
