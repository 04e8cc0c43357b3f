"""Which plans a region's reports are about, whether any is in force in a period, and the titles they give.

A region's plans are its own (jurisdiction) and those of the regions above it (a county is tracked under the
city's plan, against what it was issued). A 调度 or 通报 is written only for a period in which one of them is in
force (documents.md, invariant 10): after the last one ends, the bureau writes the final assessment instead.
Titles come from the plan's own name (invariant 9): 西宁市's reports are about 梯度培育 and 中小企业特色产业集群,
not about Hebei's 县域特色产业集群.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis.catalog.regions import load_regions
from analysis.catalog.targets import Plan, load_catalog
from analysis.errors import UserError
from analysis.periods import date_text, period_text, quarter_months

# what a plan's title says about itself after its subject: 行动方案, 实施方案, 工作方案, 若干措施
_TITLE_ENDINGS = ("实施方案", "行动方案", "工作方案", "的若干措施", "若干措施", "方案")


def region_plans(region: str) -> list[Plan]:
    """The plans that set targets for `region`: its own first, then those of the regions above it, nearest first."""
    regions = load_regions()
    places = [regions.get(region).name, *(a.name for a in regions.ancestors(region))]
    plans = list(load_catalog().plans.values())
    return [p for place in places for p in plans if p.jurisdiction == place]


def period_span(kind: str, period: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a month (YYYY-MM) or a quarter (YYYY-Qn)."""
    months = [period] if kind == "monthly" else quarter_months(period)
    first = pd.Period(months[0], "M")
    last = pd.Period(months[-1], "M")
    return first.start_time.date(), last.end_time.date()


def in_force(plan: Plan, first: dt.date, last: dt.date) -> bool:
    """The plan is in force on some day of [first, last]."""
    return plan.baseline_date <= last and plan.end >= first


def plans_in_force(region: str, kind: str, period: str) -> list[Plan]:
    first, last = period_span(kind, period)
    return [p for p in region_plans(region) if in_force(p, first, last)]


def require_plan_in_force(region: str, kind: str, period: str) -> None:
    """A 调度/通报 for a period none of the region's plans is in force: refused, pointing to the final assessment."""
    if kind not in ("monthly", "quarterly") or plans_in_force(region, kind, period):
        return
    plans = region_plans(region)
    if not plans:
        raise UserError(f"{region}没有在册方案，无法生成{period_text(period)}的报告")
    first, _ = period_span(kind, period)
    ended = [p for p in plans if p.end < first]
    if not ended:
        starts = "、".join(f"《{p.title}》{date_text(p.baseline_date)}起实施" for p in plans)
        raise UserError(f"{period_text(period)}{region}尚无在期方案（{starts}），无法生成调度或通报")
    last = max(ended, key=lambda p: p.end)
    raise UserError(
        f"{period_text(period)}{region}已无在期方案：《{last.title}》已于{date_text(last.end)}到期，"
        f"不再调度或通报；请生成终期评估：python -m analysis render final --plan {last.id}"
        + (f" --region {region}" if region != last.jurisdiction else "")
    )


def last_in_force_month(region: str) -> str | None:
    """The last month (YYYY-MM) in which one of the region's plans is in force."""
    plans = region_plans(region)
    return max(p.end for p in plans).strftime("%Y-%m") if plans else None


def submission_deadline(month: str) -> dt.date:
    """The day a month's files are due: `submission_deadline_day` (data/progress.yml) of the next month."""
    from analysis.progress.verdicts import settings

    nxt = pd.Period(month, "M") + 1
    return dt.date(nxt.year, nxt.month, min(int(settings()["submission_deadline_day"]), nxt.days_in_month))


def plan_subject(plan: Plan) -> str:
    """What a plan is about, from its own title: 《石家庄市县域特色产业集群“领跑者”企业培育行动实施方案》 →
    县域特色产业集群“领跑者”企业培育行动."""
    title = plan.title
    for place in (plan.jurisdiction, load_regions().get(plan.jurisdiction).name):
        title = title.removeprefix(place)
    for ending in _TITLE_ENDINGS:
        if title.endswith(ending) and len(title) > len(ending):
            return title[: -len(ending)]
    return title


def report_subject(region: str, kind: str, period: str) -> str:
    """The subject of a region's 调度/通报: the subject of the first plan in force (its own before its parents')."""
    plans = plans_in_force(region, kind, period) or region_plans(region)
    return plan_subject(plans[0]) if plans else "目标任务"


def monthly_title(region: str, period: str) -> str:
    return f"{region}{report_subject(region, 'monthly', period)}目标任务月调度（{period_text(period)}）"


def quarterly_title(region: str, period: str) -> str:
    year, q = period.split("-Q")
    subject = report_subject(region, "quarterly", period)
    return f"关于{year}年第{'一二三四'[int(q) - 1]}季度{subject}目标任务推进情况的通报"
