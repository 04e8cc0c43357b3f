"""情况说明: the explanations units write for the targets they are behind on, month by month.

A unit explains only a target it has (documents.md, invariant 6): one issued to it by 石家庄市 (目标分解:
专精特新中小企业 and 专精特新“小巨人”企业 by 2023 and 2025, 高新技术企业 and 创新型中小企业 each year), or a target of
its own plan (芦台经济开发区's yearly and 2025 targets, 新乐市's 2023 cluster growth). Each note states the unit's
own figures for that target and term, counted as the engine counts them (first awards in the year; awards held at
the month end), and is written within the term: none after a plan has ended. Some lagging targets are left
unexplained on purpose (the reports list them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.demo.allocations import ISSUES, allocation_rows
from analysis.demo.base import _day, _mi, _month_end, _rng, _ym
from analysis.demo.regions import Unit

PROBLEMS = {
    "award": [
        "后备企业储备不足，部分企业研发投入、知识产权等指标达不到认定条件",
        "企业对梯度培育政策了解不够，申报积极性不高",
        "受市场需求偏弱影响，部分企业营业收入下滑，不再符合申报条件",
        "部分企业财务核算不规范，研发费用归集不完整，影响申报",
        "本年度批次认定结果尚未公布，部分已申报企业未计入",
    ],
    "cluster": [
        "受原材料价格上涨和订单减少影响，部分骨干企业产值下降",
        "新建项目尚未达产，对集群营业收入的拉动作用尚未显现",
        "食品加工企业受季节性因素影响，上半年产销偏弱",
    ],
}
MEASURES = {
    "award": [
        "建立后备企业培育库，实行一企一策精准辅导",
        "组织专题政策宣讲和申报培训，逐企业开展申报辅导",
        "加强与省、市主管部门沟通，争取更多企业纳入推荐名单",
        "联合第三方服务机构帮助企业规范研发费用归集和知识产权管理",
    ],
    "cluster": [
        "落实领导包联帮扶机制，逐户解决骨干企业生产经营困难",
        "加快在建项目建设进度，推动早投产、早达效",
        "组织企业参加产需对接活动，帮助企业开拓市场",
    ],
}
# the award type and level behind each issued indicator (as the registry's indicators count them)
AWARDS = {
    "专精特新中小企业": ("专精特新中小企业", None),
    "专精特新“小巨人”企业": ("专精特新小巨人", "国家级"),
    "高新技术企业": ("高新技术企业", None),
    "创新型中小企业": ("创新型中小企业", None),
    "科技型中小企业": ("科技型中小企业", "省级"),
}
# 芦台经济开发区's own plan (lutai-zone-specialised-smes): yearly targets 2022–2025 and 2025 stocks
LUTAI = "芦台经济开发区"
LUTAI_YEARLY = {"高新技术企业": 5, "科技型中小企业": 20, "专精特新中小企业": 5, "专精特新“小巨人”企业": 1}
LUTAI_STOCK = {"高新技术企业": 40, "科技型中小企业": 240, "专精特新中小企业": 35, "专精特新“小巨人”企业": 10}
LUTAI_START = (2022, 1)
LAST_MONTH = _mi(2025, 12)  # every plan with targets below has ended by then: no note after
FIRST_NOTE = _mi(2022, 9)  # the first month with 情况说明
COLUMNS = ["unit", "mi", "地区", "指标", "进展情况", "存在问题", "下步措施"]


@dataclass(frozen=True)
class Task:
    """A target a unit has: a yearly count (first awards in `year`) or a level held at its deadline."""

    unit: str
    label: str  # the indicator as the unit writes it
    kind: str  # "yearly" | "stock"
    goal: float
    first: int  # first month (mi) the unit answers for it
    last: int  # last month (mi): the term's deadline
    basis: str  # 年度分解目标（石工信〔2025〕4号） / 方案年度目标
    year: int


def _issued_tasks(world) -> list[Task]:
    """The targets 石家庄市 issued its units, from the month of issue to their deadline."""
    tasks = []
    for period in (issue[0] for issue in ISSUES):
        start = _mi(int(period[:4]), int(period[5:]))
        for unit, label, term, value, doc, *_ in allocation_rows(world, period):
            yearly = label in ("高新技术企业", "创新型中小企业")
            basis = f"{'年度' if yearly else f'{term}年'}分解目标（{doc}）"
            tasks.append(
                Task(unit, label, "yearly" if yearly else "stock", value, start, _mi(term, 12), basis, int(term))
            )
    return tasks


def _lutai_tasks() -> list[Task]:
    tasks = []
    for year in range(2022, 2026):
        for label, goal in LUTAI_YEARLY.items():
            tasks.append(Task(LUTAI, label, "yearly", goal, _mi(year, 1), _mi(year, 12), "方案年度目标", year))
    for label, goal in LUTAI_STOCK.items():
        tasks.append(Task(LUTAI, label, "stock", goal, _mi(*LUTAI_START), _mi(2025, 12), "2025年方案目标", 2025))
    return tasks


class _Counts:
    """A unit's award counts as the engine makes them: first awards in a span, awards held at a month end."""

    def __init__(self, awards: pd.DataFrame):
        self.by_unit = dict(tuple(awards.groupby(["unit", "资质类型"], sort=False)))
        self._rows_memo: dict = {}
        self._first: dict = {}
        self._held: dict = {}

    def _rows(self, unit: str, label: str) -> pd.DataFrame:
        key = (unit, label)
        if key not in self._rows_memo:
            award, level = AWARDS[label]
            rows = self.by_unit.get((unit, award), pd.DataFrame(columns=["ent", "级别", "grant_day"]))
            self._rows_memo[key] = rows[rows["级别"] == level] if level else rows
        return self._rows_memo[key]

    def first_in(self, unit: str, label: str, year: int, mi: int) -> int:
        key = (unit, label)
        if key not in self._first:
            self._first[key] = np.sort(self._rows(unit, label).groupby("ent")["grant_day"].min().to_numpy())
        first = self._first[key]
        lo, hi = _day(pd.Timestamp(year, 1, 1).date()), _day(_month_end(mi))
        return int(((first >= lo) & (first <= hi)).sum())

    def held_at(self, unit: str, label: str, mi: int) -> int:
        key = (unit, label, mi)
        if key not in self._held:
            rows, day = self._rows(unit, label), _day(_month_end(mi))
            if rows.empty:
                self._held[key] = 0
            else:
                valid = (rows["grant_day"] <= day) & (rows["expiry_day"] >= day) & ~(rows["revoke_day"] <= day)
                self._held[key] = int(rows.loc[valid, "ent"].nunique())
        return self._held[key]


def _place_word(unit: str) -> str:
    return "全区" if unit == LUTAI else f"全{unit[-1]}"


def _yearly_note(task: Task, counts: _Counts, mi: int) -> str | None:
    """The unit's own words on a yearly count behind the calendar, or None when it is not behind."""
    year, month = _ym(mi)
    if year != task.year or month < 3:
        return None
    got = counts.first_in(task.unit, task.label, year, mi)
    share = 100 * got / task.goal
    if share >= 100 * month / 12 - 10:
        return None
    return (
        f"截至{year}年{month}月底，{year}年新认定{task.label}{got}家，"
        f"完成{task.basis}{int(task.goal)}家的{share:.1f}%。"
    )


def _stock_note(task: Task, counts: _Counts, mi: int) -> str | None:
    """The unit's own words on a level it holds below its straight path to the target, or None."""
    held = counts.held_at(task.unit, task.label, mi)
    start = counts.held_at(task.unit, task.label, task.first)
    path = start + (task.goal - start) * (mi - task.first) / max(1, task.last - task.first)
    if held >= path - 0.5 or held >= task.goal:
        return None
    year, month = _ym(mi)
    return (
        f"截至{year}年{month}月底，{_place_word(task.unit)}{task.label}有效期内{held}家，"
        f"距{task.basis}{int(task.goal)}家还差{int(task.goal) - held}家。"
    )


def _cluster_note(unit: Unit, cluster_months: pd.DataFrame, mi: int) -> str | None:
    """新乐市's 2023 cluster revenue growth against its plan's 12%, in 2023 only (a one-year plan)."""
    year, month = _ym(mi)
    if year != 2023:
        return None
    c = cluster_months[cluster_months["unit"] == unit.name].groupby("mi")["本年累计营业收入(万元)"].sum()
    if mi not in c.index or mi - 12 not in c.index:
        return None
    growth = (c[mi] / c[mi - 12] - 1) * 100
    if growth >= 12:
        return None
    return (
        f"{year}年1—{month}月，全市县域特色产业集群累计实现营业收入{c[mi] / 10000:.2f}亿元，"
        f"同比增长{growth:.1f}%，低于方案全年增长12%的目标。"
    )


def _notes(world, cluster_months: pd.DataFrame) -> pd.DataFrame:
    """情况说明 rows for the months a unit is behind on a target it has; some targets stay unexplained."""
    counts = _Counts(world.awards)
    names = {u.name for u in world.units}
    tasks = [t for t in _issued_tasks(world) + _lutai_tasks() if t.unit in names]
    rows = []
    by_unit: dict[str, list[Task]] = {}
    for task in tasks:
        by_unit.setdefault(task.unit, []).append(task)
    for unit in world.units:
        rng = _rng(world.seed, "notes", unit.index)
        for task in by_unit.get(unit.name, []):
            explains = rng.random() < 0.75  # some lagging targets are deliberately left unexplained
            p_i, m_i = int(rng.integers(0, 99)), int(rng.integers(0, 99))
            if not explains:
                continue
            write = _yearly_note if task.kind == "yearly" else _stock_note
            for mi in range(max(FIRST_NOTE, task.first), min(task.last, LAST_MONTH) + 1):
                text = write(task, counts, mi)
                if text:
                    rows.append(_row(unit, mi, task.label, text, "award", p_i, m_i))
        if unit.name == "新乐市":
            for mi in range(_mi(2023, 1), _mi(2023, 12) + 1):
                text = _cluster_note(unit, cluster_months, mi)
                if text:
                    rows.append(_row(unit, mi, "县域特色产业集群营业收入增速", text, "cluster", 0, 1))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    # one note per unit, indicator and month: two terms of one indicator (2023 and 2025) are said together
    frame = frame.groupby(["unit", "mi", "地区", "指标"], as_index=False, sort=False).agg(
        {"进展情况": "".join, "存在问题": "first", "下步措施": "first"}
    )
    return frame.sort_values(["unit", "mi"], kind="stable").reset_index(drop=True)[COLUMNS]


def _row(unit: Unit, mi: int, label: str, text: str, kind: str, p_i: int, m_i: int) -> tuple:
    """One 情况说明 row; the wording of problems and measures changes every quarter."""
    probs, meas = PROBLEMS[kind], MEASURES[kind]
    k = (mi // 3) % 2
    steps = meas[(m_i + k) % len(meas)] + "；" + meas[(m_i + k + 1) % len(meas)] + "。"
    return (unit.name, mi, unit.name, label, text, probs[(p_i + k) % len(probs)], steps)
