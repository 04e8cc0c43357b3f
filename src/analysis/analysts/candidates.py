"""Candidates (梯度培育后备库): enterprises screened against the plans' eligibility thresholds.

The thresholds are the catalog's `threshold` targets (kind `threshold`, with a
`rung` naming the award and optionally a revenue `condition` choosing a tier).
A plan's thresholds apply to enterprises in its own jurisdiction and the units
below it. Candidates for a rung are enterprises of a unit that do not hold a
valid award of that rung at the as-of date; each is scored against every
criterion that applies to it (the latest finance year ≤ the as-of year), and
against the rung below it on the ladder where the national rules require it.
The method is in docs/analysts.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.catalog.regions import load_regions
from analysis.catalog.targets import Target, load_catalog
from analysis.errors import UserError
from analysis.periods import month_end
from analysis.progress.facts import Facts, load_facts
from analysis.progress.measures import valid_at
from analysis.store.history import Store

# The ladders (梯度): each rung is an award type of data/award_types.yml.
LADDERS = (
    ("创新型中小企业", "专精特新中小企业", "专精特新小巨人"),
    ("科技型中小企业", "高新技术企业"),
    ("规上工业企业",),
)
RUNGS = tuple(r for ladder in LADDERS for r in ladder)
RUNG_ALIASES = {
    "创新型": "创新型中小企业",
    "专精特新": "专精特新中小企业",
    "小巨人": "专精特新小巨人",
    "专精特新“小巨人”企业": "专精特新小巨人",
    "科技型": "科技型中小企业",
    "高新": "高新技术企业",
    "规上": "规上工业企业",
    "规模以上工业企业": "规上工业企业",
}
# 工信部企业〔2022〕63号: 专精特新 applicants are 创新型, 小巨人 applicants are 专精特新.
PREREQUISITES = {"专精特新中小企业": "创新型中小企业", "专精特新小巨人": "专精特新中小企业"}
PREREQUISITE_ID = "prerequisite"

# indicator -> (numerator, denominator or None, scale)
METRICS = {
    "rd_intensity": ("rd", "revenue", 100.0),
    "rd_staff_share": ("rd_staff", "staff", 100.0),
    "tertiary_staff_share": ("tertiary", "staff", 100.0),
    "main_product_revenue_share": ("main_revenue", "revenue", 100.0),
    "ip_count": ("patents", None, 1.0),
    "annual_revenue": ("revenue", None, 1.0),
}

CRITERIA_COLUMNS = [
    "unit",
    "code",
    "name",
    "rung",
    "criterion",
    "indicator",
    "criterion_name",
    "tier",
    "comparison",
    "low",
    "high",
    "unit_of",
    "value",
    "met",
    "margin",
    "year",
]
LIST_COLUMNS = [
    "unit",
    "rung",
    "rank",
    "code",
    "name",
    "year",
    "revenue",
    "n_criteria",
    "n_met",
    "all_met",
    "shortfall_score",
    "met_text",
    "missed_text",
]
LIST_HEADERS = {
    "unit": "地区",
    "rung": "培育梯度",
    "rank": "序号",
    "code": "统一社会信用代码",
    "name": "企业名称",
    "year": "财务年度",
    "revenue": "营业收入(万元)",
    "n_criteria": "条件数",
    "n_met": "达标数",
    "all_met": "全部达标",
    "met_text": "已达条件",
    "missed_text": "未达条件及差距",
}


def resolve_rung(name: str) -> str:
    rung = RUNG_ALIASES.get(name.strip(), name.strip())
    if rung not in RUNGS:
        raise UserError(f"未知培育梯度“{name}”，可选：{'、'.join(RUNGS)}")
    return rung


# --- one criterion --------------------------------------------------------------


def passes(value: float, comparison: str, low: float, high: float | None = None) -> bool:
    """Whether `value` satisfies the threshold; `between` includes both ends; no data never passes."""
    if value is None or pd.isna(value):
        return False
    return {
        "≥": value >= low,
        ">": value > low,
        "≤": value <= low,
        "=": value == low,
        "between": high is not None and low <= value <= high,
    }.get(comparison, value >= low)


def margin(value: float, comparison: str, low: float, high: float | None = None) -> float:
    """Signed distance to the threshold: ≥ 0 on the passing side (0 at a strict '>' boundary fails), < 0 short by."""
    if value is None or pd.isna(value):
        return np.nan
    if comparison == "between" and high is not None:  # the catalog refuses a between without high
        return float(min(value - low, high - value))
    if comparison == "≤":
        return float(low - value)
    return float(value - low)


def in_tier(revenue: float, condition: dict | None) -> bool:
    """A revenue tier: above `above` (exclusive) and up to `max` (inclusive); 5000 is in the ≤5000 tier."""
    if not condition:
        return True
    if revenue is None or pd.isna(revenue):
        return False
    above, top = condition.get("above"), condition.get("max")
    return (above is None or revenue > above) and (top is None or revenue <= top)


def tier_text(condition: dict | None) -> str:
    if not condition:
        return ""
    unit = condition.get("unit", "")
    above, top = condition.get("above"), condition.get("max")
    if above is not None and top is not None:
        return f"营业收入{above:g}{unit}以上至{top:g}{unit}(含)"
    if top is not None:
        return f"营业收入{top:g}{unit}(含)以下"
    return f"营业收入{above:g}{unit}以上"


def metric(finance: pd.DataFrame, indicator: str) -> pd.Series:
    """The enterprise measure of a threshold's indicator, per finance row (NaN when the denominator is 0)."""
    num, den, scale = METRICS[indicator]
    if den is None:
        return finance[num] * scale
    return scale * finance[num] / finance[den].replace(0, np.nan)


# --- which thresholds apply where -------------------------------------------------


def thresholds(rung: str | None = None) -> list[Target]:
    return [
        t for t in load_catalog().targets if t.kind == "threshold" and (rung is None or t.extra.get("rung") == rung)
    ]


def applicable(unit: str, rung: str) -> list[Target]:
    """Thresholds of plans whose jurisdiction is the unit or a region above it."""
    regions = load_regions()
    above = {unit, *(a.name for a in regions.ancestors(unit))}
    return [t for t in thresholds(rung) if t.jurisdiction in above]


# --- screening ----------------------------------------------------------------------


def latest_finance(facts: Facts, year: int) -> pd.DataFrame:
    """Each enterprise's latest finance row with a year ≤ `year`."""
    fin = facts.finance.dropna(subset=["year"])
    fin = fin[fin["year"] <= year]
    return fin.sort_values("year").groupby("code").tail(1).reset_index(drop=True)


def holders(facts: Facts, award: str, date: pd.Timestamp) -> set[str]:
    return set(valid_at(facts.awards[facts.awards["award"] == award], date)["code"])


def unit_population(facts: Facts, unit: str) -> pd.DataFrame:
    """Enterprises of a unit (register and finance), with names."""
    names = facts.enterprises.drop_duplicates("code").set_index("code")["name"]
    codes = pd.concat(
        [
            facts.enterprises.loc[facts.enterprises["unit"] == unit, "code"],
            facts.finance.loc[facts.finance["unit"] == unit, "code"],
        ]
    ).drop_duplicates()
    return pd.DataFrame({"code": codes.values, "name": codes.map(names).fillna("").values})


def _criterion_rows(pop: pd.DataFrame, target: Target, unit: str, rung: str) -> pd.DataFrame:
    """Results of one threshold for the enterprises whose revenue tier it covers."""
    condition = target.extra.get("condition")
    # a boolean Series, not a list: an empty list would select no columns (a unit with no enterprises)
    rows = pop[pd.Series([in_tier(r, condition) for r in pop["revenue"]], index=pop.index, dtype=bool)]
    values = metric(rows, target.indicator) if len(rows) else pd.Series(dtype="float64")
    name = load_catalog().indicators[target.indicator].name
    return pd.DataFrame(
        {
            "unit": unit,
            "code": rows["code"],
            "name": rows["name"],
            "rung": rung,
            "criterion": target.id,
            "indicator": target.indicator,
            "criterion_name": name,
            "tier": tier_text(condition),
            "comparison": target.comparison,
            "low": float(target.low),
            "high": float(target.high) if target.high is not None else np.nan,
            "unit_of": target.unit,
            "value": values.astype("float64"),
            "met": [passes(v, target.comparison, target.low, target.high) for v in values],
            "margin": [margin(v, target.comparison, target.low, target.high) for v in values],
            "year": rows["year"],
        },
        columns=CRITERIA_COLUMNS,
    )


def _prerequisite_rows(pop: pd.DataFrame, held: set[str], unit: str, rung: str) -> pd.DataFrame:
    have = pop["code"].isin(held).astype(float)
    return pd.DataFrame(
        {
            "unit": unit,
            "code": pop["code"],
            "name": pop["name"],
            "rung": rung,
            "criterion": PREREQUISITE_ID,
            "indicator": "",
            "criterion_name": f"已认定{PREREQUISITES[rung]}",
            "tier": "",
            "comparison": "=",
            "low": 1.0,
            "high": np.nan,
            "unit_of": "",
            "value": have,
            "met": have == 1.0,
            "margin": have - 1.0,
            "year": pop["year"],
        },
        columns=CRITERIA_COLUMNS,
    )


def screen_unit(facts: Facts, unit: str, rung: str, date: pd.Timestamp) -> pd.DataFrame:
    """Criterion results (one row per candidate and criterion) of a unit's non-holders of the rung."""
    targets = applicable(unit, rung)
    if not targets and rung not in PREREQUISITES:
        return pd.DataFrame(columns=CRITERIA_COLUMNS)
    pop = unit_population(facts, unit)
    pop = pop[~pop["code"].isin(holders(facts, rung, date))]
    pop = pop.merge(latest_finance(facts, date.year).drop(columns=["unit"]), on="code", how="left")
    parts = [_criterion_rows(pop, t, unit, rung) for t in targets]
    if rung in PREREQUISITES:
        parts.append(_prerequisite_rows(pop, holders(facts, PREREQUISITES[rung], date), unit, rung))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CRITERIA_COLUMNS)


def screen(facts: Facts, units: list[str], rungs: list[str], date: pd.Timestamp) -> pd.DataFrame:
    parts = [screen_unit(facts, u, r, date) for u in units for r in rungs]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CRITERIA_COLUMNS)


# --- the candidate list ------------------------------------------------------------------


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def describe(row: pd.Series) -> str:
    """'研发投入占销售收入比重 1.8%（需≥2%，差0.2）' in the criterion's unit."""
    name = row["criterion_name"] + (f"[{row['tier']}]" if row["tier"] else "")
    if row["criterion"] == PREREQUISITE_ID:
        return name
    unit = row["unit_of"]
    need = (
        f"{_fmt(row['low'])}—{_fmt(row['high'])}{unit}"
        if row["comparison"] == "between"
        else f"{row['comparison']}{_fmt(row['low'])}{unit}"
    )
    if pd.isna(row["value"]):
        return f"{name} 无数据（需{need}）"
    text = f"{name} {_fmt(row['value'])}{unit}（需{need}"
    if not row["met"]:
        text += "，恰在界限上" if row["margin"] == 0 else f"，差{_fmt(abs(row['margin']))}{unit}"
    return text + "）"


def _shortfall(group: pd.DataFrame) -> float:
    """Sum over missed criteria of the shortfall relative to the threshold (no data counts as 1)."""
    missed = group[~group["met"]]
    scale = missed["low"].abs().replace(0, 1.0)
    return float((missed["margin"].abs() / scale).fillna(1.0).sum())


def candidate_list(criteria: pd.DataFrame, finance: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per unit, rung and enterprise: criteria met and missed, ranked (fewest and smallest gaps first)."""
    if criteria.empty:
        return pd.DataFrame(columns=LIST_COLUMNS)
    texts = criteria.assign(text=criteria.apply(describe, axis=1))
    keys = ["unit", "rung", "code"]
    out = (
        texts.groupby(keys, sort=False)
        .agg(
            name=("name", "first"),
            year=("year", "max"),
            n_criteria=("criterion", "size"),
            n_met=("met", "sum"),
            met_text=("text", lambda s: "；".join(s[texts.loc[s.index, "met"]])),
            missed_text=("text", lambda s: "；".join(s[~texts.loc[s.index, "met"]])),
        )
        .reset_index()
    )
    # pandas-stubs do not know apply's include_groups (pandas 2.2 on), hence the ignore
    shortfalls = texts.groupby(keys, sort=False).apply(_shortfall, include_groups=False)  # type: ignore[call-overload]
    out["shortfall_score"] = shortfalls.values
    out["all_met"] = out["n_met"] == out["n_criteria"]
    revenue = (
        finance.drop_duplicates("code").set_index("code")["revenue"]
        if finance is not None
        else pd.Series(dtype="float64")
    )
    out["revenue"] = out["code"].map(revenue)
    out = out.sort_values(
        ["unit", "rung", "all_met", "shortfall_score", "revenue", "code"],
        ascending=[True, True, False, True, False, True],
        kind="stable",
    )
    out["rank"] = out.groupby(["unit", "rung"]).cumcount() + 1
    return out[LIST_COLUMNS].reset_index(drop=True)


def region_units(region: str) -> list[str]:
    return [u.name for u in load_regions().units_under(region)]


def candidates(
    store: Store, region: str, rungs: list[str] | None = None, period: str | None = None, top: int | None = None
) -> pd.DataFrame:
    """The candidate list (后备培育库) of every unit under `region`, as of the end of `period` (default: latest)."""
    period = period or store.require_latest_period()
    facts = load_facts(store, period)
    date = month_end(period)
    criteria = screen(facts, region_units(load_regions().get(region).name), list(rungs or RUNGS), date)
    table = candidate_list(criteria, latest_finance(facts, date.year))
    return table[table["rank"] <= top].reset_index(drop=True) if top else table


def rung_order(table: pd.DataFrame) -> pd.DataFrame:
    """The list in ladder order of rungs (for display)."""
    order = {r: i for i, r in enumerate(RUNGS)}
    return table.sort_values(
        ["unit", "rung", "rank"], key=lambda s: s.map(order) if s.name == "rung" else s, kind="stable"
    ).reset_index(drop=True)
