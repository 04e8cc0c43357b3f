"""The chapters of a final assessment written from the facts (documents.md, "What a 终期评估 contains"):
基本情况 (the plan, its 文号, period, what was assessed from which data, the cut-off), 主要成效, 存在问题及原因 (each
missed target: by how much, which units, the reasons they gave) and 下一步工作建议 (what each unit still has to
close). The official's own paragraphs (`--remarks FILE`, reports/remarks.py) follow the facts of their chapter.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis.catalog.targets import Plan
from analysis.periods import date_text
from analysis.progress.narrative import goal_text, met_timing, target_names
from analysis.progress.results import (
    gap_text,
    is_floor_and_stretch,
    is_total,
    issuer_region,
    number,
    plain_text,
    result_text,
)
from analysis.progress.verdicts import STATUS_DONE, STATUS_EXCEEDED, STATUS_MISSED, STATUS_NO_DATA, STATUS_PARTIAL
from analysis.reports.tables import term_label, years_gaps

MET = (STATUS_DONE, STATUS_EXCEEDED)
JUDGED_AT_DEADLINE = (
    "各项目标均在其截止日期评估，所用数据为截止当月的报送数据（以年度财务数据计算的比率，用该年度的年报数据）；"
    "每年目标逐年评估，方案期合计只作汇总，不代替逐年结果。"
)


def _amount(value: float, unit: str) -> str:
    return f"{number(value, unit)}{unit}"


def _names(rows: pd.DataFrame) -> list[str]:
    return (target_names(rows) + "（" + rows["term"].map(term_label) + "）").tolist() if len(rows) else []


def basic_facts(plan: Plan, region: str, heads: pd.DataFrame, data_until: dt.date, issued: bool) -> list[str]:
    """基本情况: the plan, its 文号, issuer and period; what is assessed; the data and its cut-off; how it is judged."""
    doc = f"（{plan.doc_number}）" if plan.doc_number else ""
    issued_on = f"于{date_text(plan.date)}印发，" if plan.date else ""
    aspirational = int(heads["aspirational"].astype(bool).sum())
    split = f"（其中预期性目标{aspirational}项）" if aspirational else ""
    if issued:
        docs = "、".join(dict.fromkeys(d for s in heads["basis_source"] for d in str(s).split("、") if d))
        first = (
            f"《{plan.title}》{doc}由{plan.issuer}{issued_on}实施期至{date_text(plan.end)}。"
            f"{issuer_region(region)}据此向{region}下达分解目标{len(heads)}项{split}"
            + (f"（{docs}）" if docs else "")
            + "，本评估逐项评估其完成情况。"
        )
    else:
        first = (
            f"《{plan.title}》{doc}由{plan.issuer}{issued_on}实施期至{date_text(plan.end)}，"
            f"确定{region}量化目标{len(heads)}项{split}，本评估逐项评估其完成情况。"
        )
    data = (
        f"评估依据{region}及所辖县级单位按月报送的企业名录、资质认定、企业年度财务、指标填报等数据，"
        f"数据截至{date_text(data_until)}。"
    )
    return [first, data + JUDGED_AT_DEADLINE]


def achievements(heads: pd.DataFrame, units: pd.DataFrame) -> list[str]:
    """主要成效 from the facts: targets exceeded, met early, met every year, and the units that met all they were
    issued. Always says how many targets were met."""
    met = heads[heads["status"].isin(MET)]
    text = [f"方案确定的{len(heads)}项目标中，已完成{len(met)}项。"] if len(heads) else []
    exceeded = heads[(heads["status"] == STATUS_EXCEEDED) & ~heads["term"].astype(str).str.contains("-")]
    if len(exceeded):
        parts = [
            f"{name}实际{_amount(r['actual'], r['unit'])}（目标{goal_text(r)}）"
            for name, (_, r) in zip(_names(exceeded), exceeded.iterrows(), strict=True)
        ]
        text.append("超额完成的有：" + "；".join(parts) + "。")
    timings = [(name, met_timing(r)) for name, (_, r) in zip(_names(met), met.iterrows(), strict=True)]
    early = [(name, t[0], t[1]) for name, t in timings if t is not None and t[1] > 0]
    if early:
        parts = [f"{name}于{when}达到目标，提前{n}个月" for name, when, n in early]
        text.append("提前完成的有：" + "；".join(parts) + "。")
    yearly = heads[heads["term"].astype(str).str.contains("-") & (heads["status"] == STATUS_DONE)]
    if len(yearly):
        text.append("每年目标逐年均完成的有：" + "、".join(target_names(yearly)) + "。")
    if len(units):
        full = units[units["完成比例%"] >= 100]["地区"].tolist()
        if full:
            text.append("全部完成下达目标的单位：" + "、".join(full) + "。")
        else:
            best = units[units["排名"] == units["排名"].min()]
            text.append(
                "下达目标完成比例最高的单位："
                + "、".join(best["地区"])
                + f"（完成{int(best.iloc[0]['完成数'])}项，占{number(best.iloc[0]['完成比例%'], '%')}%）。"
            )
    return text


def problems(
    heads: pd.DataFrame,
    progress: pd.DataFrame,
    region: str,
    quoted: pd.DataFrame,
    silent: pd.DataFrame,
    issued: bool = False,
) -> list[str]:
    """存在问题及原因: each missed target with its shortfall, the units that missed their part of it (each with its
    shortfall; a unit's own assessment names no other unit), and the reasons given; then the targets that could not
    be judged."""
    text = []
    missed = heads[heads["status"] == STATUS_MISSED]
    for name, (_, head) in zip(_names(missed), missed.iterrows(), strict=True):
        gap = years_gaps(progress, head) if is_total(head) else gap_text(head)
        line = f"{name}：{result_text(head)}，{gap}。" if gap else f"{name}：{result_text(head)}。"
        units = [] if issued else _missed_units(progress, head, region)
        if units:
            line += "未完成下达目标的单位：" + "、".join(units) + "。"
        reasons = _reasons(quoted, head)
        if reasons:
            line += ("说明的原因：" if issued else "各单位说明的原因：") + "；".join(reasons) + "。"
        text.append(line)
    text += _stretch_missed(heads)
    if len(silent):
        text.append(
            "未完成目标且未作说明的："
            + "；".join(f"{r['目标']}（{r['未作说明的单位']}）" for _, r in silent.iterrows())
            + "。"
        )
    unjudged = heads[heads["status"].isin([STATUS_NO_DATA, STATUS_PARTIAL])]
    if len(unjudged):
        text.append(
            "未能评估的目标："
            + "、".join(
                f"{name}（{'无报送数据' if r['status'] == STATUS_NO_DATA else '数据未覆盖全部单位'}）"
                for name, (_, r) in zip(_names(unjudged), unjudged.iterrows(), strict=True)
            )
            + "，需补充报送后评估。"
        )
    return text or ["方案确定的目标均已完成。"]


def _stretch_missed(heads: pd.DataFrame) -> list[str]:
    """A floor met and a stretch (争取) missed is two verdicts: the missed one belongs among the problems too."""
    mask = [row["status"] == STATUS_DONE and is_floor_and_stretch(row) for _, row in heads.iterrows()]
    rows = heads[mask]
    if rows.empty:
        return []
    parts = [
        f"{name}：{result_text(r)}（实际{_amount(r['actual'], r['unit'])}）"
        for name, (_, r) in zip(_names(rows), rows.iterrows(), strict=True)
    ]
    return ["争取目标未达到的：" + "；".join(parts) + "。"]


def _missed_units(progress: pd.DataFrame, head, region: str) -> list[str]:
    """The units below `region` that missed their issued part of a target (each missed year of a 每年 target)."""
    rows = progress[
        (progress["target_id"] == head["target_id"])
        & (progress["jurisdiction"] != region)
        & (progress["basis"] == "分解目标")
        & (progress["status"] == STATUS_MISSED)
        & progress["final"].astype(bool)
        & ~progress["term"].astype(str).str.contains("-")
    ]
    if not is_total(head):
        rows = rows[rows["term"] == head["term"]]
    by_unit: dict[str, list[str]] = {}
    for _, r in rows.iterrows():
        by_unit.setdefault(r["jurisdiction"], []).append((f"{r['term']}年" if is_total(head) else "") + gap_text(r))
    return [f"{unit}（{'、'.join(gaps)}）" for unit, gaps in by_unit.items()]


def _reasons(quoted: pd.DataFrame, head) -> list[str]:
    """The problems the units named for a target (its terms), each with the units that named it."""
    if quoted.empty:
        return []
    rows = quoted[quoted["target_id"] == head["target_id"]]
    if not is_total(head):
        rows = rows[rows["term"] == head["term"]]
    by_problem: dict[str, list[str]] = {}
    for _, r in rows.iterrows():
        problem = plain_text(r["problems"] or r["progress"])
        if problem:
            by_problem.setdefault(problem, [])
            if r["jurisdiction"] not in by_problem[problem]:
                by_problem[problem].append(r["jurisdiction"])
    return [f"{problem}（{'、'.join(units)}）" for problem, units in by_problem.items()]


def next_steps(heads: pd.DataFrame, progress: pd.DataFrame, region: str, issued: bool) -> list[str]:
    """下一步工作建议 from the facts: what each unit (and the region itself) still has to close, target by target."""
    text = []
    own = heads[heads["status"] == STATUS_MISSED]
    if len(own):
        gaps = [
            f"{name}{years_gaps(progress, r) if is_total(r) else gap_text(r)}"
            for name, (_, r) in zip(_names(own), own.iterrows(), strict=True)
        ]
        who = region if not issued else f"{region}"
        text.append(f"{who}需继续补齐：" + "；".join(gaps) + "。")
    if not issued:
        units = progress[
            (progress["jurisdiction"] != region)
            & (progress["basis"] == "分解目标")
            & (progress["status"] == STATUS_MISSED)
            & progress["final"].astype(bool)
            & ~progress["term"].astype(str).str.contains("-")
            & progress["target_id"].isin(set(heads["target_id"]))
        ]
        if len(units):
            text.append("各单位需补齐的差距（按下达目标逐项列出）：")
            for unit, rows in units.groupby("jurisdiction", sort=False):
                gaps = [f"{n}{gap_text(r)}" for n, (_, r) in zip(_names(rows), rows.iterrows(), strict=True)]
                text.append(f"{unit}：" + "；".join(gaps) + "。")
    if not text:
        text.append("方案确定的目标均已完成，请保持现有工作力度，做好与后续方案的衔接。")
    return text
