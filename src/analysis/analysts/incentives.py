"""Incentive estimates (奖补资金测算): the plans' award amounts applied to awards first granted in a period.

Each catalogued `incentive` whose measure is an award type (and level) pays its
amount for every enterprise that was first granted that award in the period,
in a unit under the plan's jurisdiction, while the plan is in force (its
baseline date to the end of its horizon year). `=` is a fixed amount, `≤` a cap
(the estimate is then an upper bound). The amount is split by `funding`
({省级: 80, 市级: 20}); the share of 县区或园区 is borne by the enterprise's own
unit (the row's 地区). Percentage incentives (e.g. 20% of a project's R&D) need amounts the
store does not hold and are listed as not estimable. Amounts the plan only
undertakes to seek (争取省级…, `aspirational`) are marked. Method: docs/analysts.md.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.catalog.regions import load_regions
from analysis.catalog.targets import Target, load_catalog
from analysis.errors import UserError
from analysis.periods import month_end
from analysis.progress.facts import Facts, jurisdiction_map, load_facts
from analysis.progress.measures import award_rows, first_grants
from analysis.store.history import Store

FIXED, CAP = "定额", "最高"
DETAIL_COLUMNS = [
    "unit",
    "target_id",
    "plan",
    "item",
    "count",
    "amount_each",
    "standard",
    "sought",
    "source",
    "share_pct",
    "amount",
]
DETAIL_HEADERS = {
    "unit": "地区",
    "item": "奖补项目",
    "count": "新认定(家)",
    "amount_each": "每家(万元)",
    "standard": "标准",
    "sought": "争取资金",
    "source": "资金来源",
    "share_pct": "承担比例%",
    "amount": "金额(万元)",
}


def parse_period(text: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """A year (2025, 2025年), a quarter or a month in the forms every argument accepts → first and last day."""
    from analysis.periods import parse_month, parse_quarter, six_digit_hint

    text = str(text or "").strip()
    if m := re.fullmatch(r"(\d{4})\s*年?", text):
        return pd.Timestamp(int(m[1]), 1, 1), pd.Timestamp(int(m[1]), 12, 31)
    for parse in (parse_quarter, parse_month):
        try:
            found = parse(text)
        except UserError:
            continue
        if isinstance(found, tuple):  # a quarter: (year, n)
            year, q = found
            return pd.Timestamp(year, 3 * q - 2, 1), month_end(f"{year}-{3 * q:02d}")
        return pd.Timestamp(f"{found}-01"), month_end(found)
    raise UserError(
        f"期间“{text}”格式不对，应为年份、季度或月份（如 2025、2025-Q1 或 2025年一季度、2025-03 或 2025年3月）"
        f"{six_digit_hint(text)}"
    )


def award_incentives() -> list[Target]:
    return [t for t in load_catalog().targets if t.kind == "incentive" and "award" in t.measure]


def in_force(target: Target) -> tuple[pd.Timestamp, pd.Timestamp]:
    plan = load_catalog().plans[target.plan]
    return pd.Timestamp(plan.baseline_date), pd.Timestamp(plan.horizon, 12, 31)


def item_name(target: Target) -> str:
    level = target.measure.get("level")
    name = load_catalog().indicators[target.indicator].name
    return f"{level}{name}" if isinstance(level, str) and not name.startswith(level) else name


def funding_split(target: Target) -> dict[str, float]:
    """Source of funds -> percentage; without a split, the payer (or the plan's jurisdiction) pays it all."""
    return dict(target.extra.get("funding") or {target.extra.get("payer") or target.jurisdiction: 100})


def new_awards(facts: Facts, target: Target, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Enterprises first granted the target's award in [start, end] (clipped to the plan), in units under it."""
    begin, finish = in_force(target)
    start, end = max(start, begin), min(end, finish)
    first = first_grants(award_rows(facts, target.measure))
    first = first[(first["first_granted"] >= start) & (first["first_granted"] <= end)]
    jmap = jurisdiction_map()
    units = set(jmap.loc[jmap["jurisdiction"] == target.jurisdiction, "unit"])
    return first[first["unit"].isin(units)].drop_duplicates("code")


def _rows_for(target: Target, new: pd.DataFrame) -> list[dict]:
    counts = new.groupby("unit")["code"].nunique()
    rows = []
    for unit, count in counts.items():
        for source, pct in funding_split(target).items():
            rows.append(
                {
                    "unit": unit,
                    "target_id": target.id,
                    "plan": target.plan,
                    "item": item_name(target),
                    "count": int(count),
                    "amount_each": float(target.low),
                    "standard": CAP if target.comparison == "≤" else FIXED,
                    "sought": "是" if target.aspirational else "",
                    "source": source,
                    "share_pct": float(pct),
                    "amount": float(count * target.low * pct / 100),
                }
            )
    return rows


def payouts(facts: Facts, start: pd.Timestamp, end: pd.Timestamp, region: str | None = None) -> pd.DataFrame:
    """One row per unit, incentive and source of funds: new awards × amount × share."""
    rows = []
    for target in award_incentives():
        if target.unit != "万元":
            continue
        rows.extend(_rows_for(target, new_awards(facts, target, start, end)))
    frame = pd.DataFrame(rows, columns=DETAIL_COLUMNS)
    if region:
        units = {u.name for u in load_regions().units_under(region)}
        frame = frame[frame["unit"].isin(units)]
    return frame.sort_values(["unit", "plan", "target_id", "source"], kind="stable").reset_index(drop=True)


def not_estimable() -> list[Target]:
    """Incentives whose amount depends on figures the store does not hold (percentages, or no award type)."""
    return [
        t for t in load_catalog().targets if t.kind == "incentive" and (t.unit != "万元" or "award" not in t.measure)
    ]


def by_unit(detail: pd.DataFrame) -> pd.DataFrame:
    """Units × sources of funds, 万元, with a total column and row (upper bounds where a standard is a cap)."""
    if detail.empty:
        return pd.DataFrame(columns=["地区", "合计"])
    table = detail.pivot_table(index="unit", columns="source", values="amount", aggfunc="sum", fill_value=0.0)
    table["合计"] = table.sum(axis=1)
    table.loc["合计"] = table.sum()
    return table.rename_axis(index="地区", columns=None).reset_index()


def by_source(detail: pd.DataFrame) -> pd.DataFrame:
    """Total per source of funds: amount, of which under a cap (an upper bound)."""
    if detail.empty:
        return pd.DataFrame(columns=["资金来源", "金额(万元)", "其中按上限(万元)"])
    capped = detail["amount"].where(detail["standard"] == CAP, 0.0)
    out = detail.assign(capped=capped).groupby("source")[["amount", "capped"]].sum().reset_index()
    return out.rename(columns={"source": "资金来源", "amount": "金额(万元)", "capped": "其中按上限(万元)"})


def estimate(store: Store, period: str, region: str | None = None) -> pd.DataFrame:
    """Payout detail for the period text (YYYY | YYYY-MM | YYYY-Qn), from the store's latest picture
    (awards reported after the period still count: the grant date decides)."""
    start, end = parse_period(period)
    latest = store.require_latest_period()
    return payouts(load_facts(store, latest), start, end, load_regions().get(region).name if region else None)
