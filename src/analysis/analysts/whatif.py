"""What-if (假设测算): would each 2025 award target close if the top-N candidates were certified in time?

For every 2025 count target of a region whose award is a rung of the ladders
(stock or cumulative), the current value comes from `compute_progress`; the
candidates are the region's candidate list (candidates.py) for that award,
ranked as there, one enterprise counted once. Certifying the top N adds
min(N, candidates) to the count: projected = actual + added, and the target
closes when the projected value satisfies its comparison.

The explorer notebook's helpers live here too: one target's month-end series
against its straight path, and the enterprises behind a number.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.analysts.candidates import LIST_HEADERS, PREREQUISITES, RUNGS, applicable, candidates, region_units
from analysis.analysts.display import NOTE_COLUMN
from analysis.catalog.regions import load_regions
from analysis.catalog.targets import KIND_NAMES_ZH, PERIOD_NAMES_ZH, Target, load_catalog, select
from analysis.errors import UserError
from analysis.fonts import use_chart_style
from analysis.periods import month_end
from analysis.progress.engine import compute_progress, is_met, row_window
from analysis.progress.facts import jurisdiction_map, load_facts
from analysis.progress.measures import FLOW_KINDS, actual_values, award_rows, first_grants, valid_at
from analysis.store.history import Store

WHATIF_KINDS = ("stock", "cumulative")
WHATIF_COLUMNS = [
    "target_id",
    "indicator_name",
    "level",
    "kind",
    "award",
    "comparison",
    "target_value",
    "actual",
    "gap",
    "candidates",
    "ready",
    "top_n",
    "added",
    "projected",
    "closes",
    "still_short",
    "note",
]
WHATIF_HEADERS = {
    "target_id": "目标编号",
    "indicator_name": "指标",
    "level": "级别",
    "kind": "类型",
    "comparison": "比较",
    "target_value": "2025年目标",
    "actual": "现有",
    "gap": "缺口",
    "candidates": "后备企业",
    "ready": "条件全部达标",
    "top_n": "假设认定前N家",
    "added": "新增",
    "projected": "预计",
    "closes": "能否完成",
    "still_short": "仍差",
    "note": "说明",
}
NO_CRITERIA = "适用方案未编目该资质的认定条件，无后备名单"
COMPARISON_NAMES_ZH = {"between": "区间"}


def _as_of(store: Store, as_of) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of)
    latest = store.require_latest_period()
    return month_end(latest)


def whatif_targets(region: str) -> list[Target]:
    """2025 count targets on a ladder rung that apply to the region (its own, or split from above)."""
    return [
        t
        for t in load_catalog().targets
        if t.period == "2025"
        and t.kind in WHATIF_KINDS
        and t.measure.get("award") in RUNGS
        and t.jurisdiction in _self_and_above(region)
    ]


def level_text(target: Target) -> str:
    """The award level a target counts ('省级', '国家级、省级'); '' when it counts every level."""
    level = target.measure.get("level") or ""
    return level if isinstance(level, str) else "、".join(level)


def _self_and_above(region: str) -> set[str]:
    regions = load_regions()
    return {region, *(a.name for a in regions.ancestors(region))}


def ranked_pool(table: pd.DataFrame) -> pd.DataFrame:
    """Candidates of a region across its units, each enterprise once, in ranking order."""
    ordered = table.sort_values(
        ["rung", "all_met", "shortfall_score", "revenue", "code"],
        ascending=[True, False, True, False, True],
        kind="stable",
    )
    return ordered.drop_duplicates(["rung", "code"]).reset_index(drop=True)


def screenable(region: str, award: str) -> bool:
    """Whether any unit of the region has criteria for the rung (thresholds or a prerequisite award)."""
    return award in PREREQUISITES or any(applicable(u, award) for u in region_units(region))


def still_short(projected: float, target: float, comparison: str) -> int:
    """The fewest further certifications that would meet the target (one more than the gap under a strict '>')."""
    k = max(math.ceil(target - projected - 1e-9), 0)
    return k if is_met(projected + k, target, comparison) else k + 1


def close_row(actual: float, target: float, comparison: str, n_candidates: int | None, ready: int, top_n: int) -> dict:
    """The arithmetic of one target: added = min(N, candidates); projected = actual + added.

    `n_candidates` None: the rung cannot be screened here, so nothing is added."""
    added = min(top_n, n_candidates) if n_candidates is not None else 0
    projected = actual + added
    return {
        "actual": actual,
        "target_value": target,
        "gap": max(target - actual, 0.0),
        "candidates": n_candidates,
        "ready": ready,
        "top_n": top_n,
        "added": added,
        "projected": projected,
        "closes": bool(is_met(projected, target, comparison)),
        "still_short": still_short(projected, target, comparison),
        "note": "" if n_candidates is not None else NO_CRITERIA,
    }


def whatif(store: Store, region: str, top_n: int = 10, as_of=None, targets: list[Target] | None = None) -> pd.DataFrame:
    """Per 2025 target of the region: current, gap, candidates, and whether the top-N would close it."""
    region = load_regions().get(region).name
    date = _as_of(store, as_of)
    chosen = targets if targets is not None else whatif_targets(region)
    progress = compute_progress(store, date, chosen, with_previous=False)
    rows = progress[progress["jurisdiction"] == region]
    pool = ranked_pool(candidates(store, region, sorted({t.measure["award"] for t in chosen}), date.strftime("%Y-%m")))
    by_id = {t.id: t for t in chosen}
    out = []
    for _, row in rows.iterrows():
        target = by_id[row["target_id"]]
        award = target.measure["award"]
        mine = pool[pool["rung"] == award]
        actual = 0.0 if pd.isna(row["actual"]) else float(row["actual"])
        n = len(mine) if screenable(region, award) else None
        out.append(
            {
                "target_id": row["target_id"],
                "indicator_name": row["indicator_name"],
                "level": level_text(target),
                "kind": target.kind,
                "award": award,
                "comparison": row["comparison"],
                **close_row(
                    actual, float(row["target_value"]), row["comparison"], n, int(mine["all_met"].sum()), top_n
                ),
            }
        )
    frame = pd.DataFrame(out, columns=WHATIF_COLUMNS)
    frame["candidates"] = frame["candidates"].astype("Int64")
    return frame


def whatif_display(table: pd.DataFrame) -> pd.DataFrame:
    """The what-if table with Chinese headers; each row names its target and the award level it counts."""
    shown = table.drop(columns=["award"]).assign(
        closes=table["closes"].map({True: "能", False: "不能"}),
        kind=table["kind"].map(lambda k: KIND_NAMES_ZH.get(k, k)),
        comparison=table["comparison"].replace(COMPARISON_NAMES_ZH),
    )
    return shown.rename(columns=WHATIF_HEADERS)


def whatif_labels(table: pd.DataFrame) -> list[str]:
    """Chart labels: '科技型中小企业（省级）'; two rows still alike add their kind: '…（国家级，累计培育）'."""
    names = pd.Series([f"{n}（{lv}）" for n, lv in zip(table["indicator_name"], table["level"], strict=True)])
    shared = names.duplicated(keep=False)
    labels = []
    for name, level, kind, dup in zip(table["indicator_name"], table["level"], table["kind"], shared, strict=True):
        notes = [level] + ([KIND_NAMES_ZH.get(kind, kind)] if dup else [])
        labels.append(name + (f"（{'，'.join(n for n in notes if n)}）" if any(notes) else ""))
    return labels


def whatif_chart(table: pd.DataFrame, title: str) -> plt.Figure:
    """Per target: the current count, the top-N added on top, and the 2025 target as a marker."""
    use_chart_style()
    data = table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(data) + 1.8), layout="constrained")
    y = np.arange(len(data))
    parts = [
        ax.barh(y, data["actual"], color="#2171b5"),
        ax.barh(y, data["added"], left=data["actual"], color="#9ecae1"),
        ax.scatter(data["target_value"], y, marker="|", s=300, color="#d73027", zorder=3),
    ]
    ax.set_yticks(y, whatif_labels(data), fontsize=8)
    ax.set_xlabel("家")
    # below the axes, outside them: the legend never covers a bar
    fig.legend(  # type: ignore[call-overload]  # the stubs want Artists; legend takes barh's BarContainers too
        parts,
        ["现有", "假设认定的后备企业", "2025年目标"],
        fontsize=7,
        loc="outside lower center",
        ncols=3,
        markerscale=0.4,
    )
    ax.set_title(title, fontsize=12)
    return fig


# --- the explorer notebook: one target, its path, and what is behind its number ------------


def catalog_entries(plan: str | None, region: str, indicator: str) -> pd.DataFrame:
    """The catalog rows (with the plan's own words) of an indicator that apply to the region."""
    catalog = load_catalog()
    ind = catalog.find_indicator(indicator)
    targets = [
        t
        for t in select(catalog, plan=plan)
        if t.indicator == ind.id and t.jurisdiction in _self_and_above(load_regions().get(region).name)
    ]
    frame = catalog.to_frame(targets)
    return frame[["id", "plan", "jurisdiction", "kind", "period", "low", "high", "comparison", "unit", "quote", "note"]]


CATALOG_HEADERS = {
    "id": "目标编号",
    "plan": "方案",
    "jurisdiction": "地区",
    "kind": "类型",
    "period": "期限",
    "low": "目标值",
    "high": "上限",
    "comparison": "比较",
    "unit": "单位",
    "quote": "原文",
    "note": "备注",
}


def catalog_display(entries: pd.DataFrame) -> pd.DataFrame:
    """`catalog_entries` for reading: Chinese headers, kinds (存量, 奖补标准…), periods and comparisons."""
    return entries.assign(
        kind=entries["kind"].map(lambda k: KIND_NAMES_ZH.get(k, k)),
        period=entries["period"].map(lambda p: PERIOD_NAMES_ZH.get(p, f"{p}年")),
        comparison=entries["comparison"].replace(COMPARISON_NAMES_ZH),
    ).rename(columns=CATALOG_HEADERS)


def target_progress(store: Store, target_id: str, region: str, as_of=None, estimate_splits: bool = False) -> pd.Series:
    """The progress row of one target for the region (its own, issued, or — when asked — estimated share):
    the term in force, else the latest final year."""
    target = next((t for t in load_catalog().targets if t.id == target_id), None)
    if target is None or not target.is_progress:
        raise UserError(f"“{target_id}”不是可跟踪进度的目标")
    rows = compute_progress(store, _as_of(store, as_of), [target], with_previous=False, estimate_splits=estimate_splits)
    rows = rows[rows["jurisdiction"] == load_regions().get(region).name]
    if rows.empty:
        raise UserError(f"目标“{target_id}”在{_as_of(store, as_of).date()}没有涉及“{region}”的期限")
    open_rows = rows[rows["in_force"].astype(bool)]
    years = rows[~rows["term"].astype(str).str.contains("-")]
    return (open_rows if not open_rows.empty else years if not years.empty else rows).iloc[-1]


def target_series(store: Store, row: pd.Series) -> pd.DataFrame:
    """Month-end actuals since the window's start and the straight path (trend_chart's input)."""
    catalog = load_catalog()
    target = next(t for t in catalog.targets if t.id == row["target_id"])
    eval_date = pd.Timestamp(row["eval_date"])
    window = row_window(row)
    facts = load_facts(store, eval_date.strftime("%Y-%m"))
    out = [
        {
            "indicator": row["indicator_name"],
            "date": m.to_timestamp(how="end").normalize(),
            "kind": "实际",
            "value": actual_values(target, facts, m.to_timestamp(how="end").normalize(), window)["value"].get(
                row["jurisdiction"]
            ),
        }
        for m in pd.period_range(window[0], eval_date, freq="M")
    ]
    base = 0.0 if target.kind in FLOW_KINDS else row["base_value"]
    out += [
        {"indicator": row["indicator_name"], "date": window[0], "value": base, "kind": "路径"},
        {"indicator": row["indicator_name"], "date": window[1], "value": row["target_value"], "kind": "路径"},
    ]
    return pd.DataFrame(out, columns=["indicator", "date", "value", "kind"])


def behind_number(store: Store, row: pd.Series) -> pd.DataFrame:
    """The enterprises an award count is made of (valid at the date, or first granted in the window)."""
    catalog = load_catalog()
    target = next(t for t in catalog.targets if t.id == row["target_id"])
    if "award" not in target.measure:
        return pd.DataFrame(columns=[NOTE_COLUMN], data=[["该指标不是按企业资质计数，没有可下钻的企业名单"]])
    eval_date = pd.Timestamp(row["eval_date"])
    facts = load_facts(store, eval_date.strftime("%Y-%m"))
    jmap = jurisdiction_map()
    units = set(jmap.loc[jmap["jurisdiction"] == row["jurisdiction"], "unit"])
    rows = award_rows(facts, target.measure)
    if target.kind in FLOW_KINDS:
        first = first_grants(rows)
        start = pd.Timestamp(row["window_start"])
        keep = first[(first["first_granted"] >= start) & (first["first_granted"] <= eval_date)]["code"]
        rows = rows[rows["code"].isin(set(keep))]
    else:
        rows = valid_at(rows, eval_date)
    rows = rows[rows["unit"].isin(units)].sort_values("granted").drop_duplicates("code", keep="last")
    names = facts.enterprises.drop_duplicates("code").set_index("code")["name"]
    return (
        pd.DataFrame(
            {
                "企业名称": rows["code"].map(names).fillna("").values,
                "统一社会信用代码": rows["code"].values,
                "地区": rows["unit"].values,
                "资质类型": rows["award"].values,
                "级别": rows["level"].fillna("").values,
                "认定日期": rows["granted"].dt.strftime("%Y-%m-%d").values,
                "有效期至": rows["valid_until"]
                .dt.strftime("%Y-%m-%d")
                .where(rows["valid_until"].dt.year < 2262, "长期")
                .values,
            }
        )
        .sort_values(["地区", "认定日期", "企业名称"])
        .reset_index(drop=True)
    )


def default_target(entries: pd.DataFrame, target_id: str | None = None) -> str:
    """The target to explore: the one asked for, else the first progress target (2025 ones first)."""
    if target_id:
        return target_id
    progress = entries[~entries["kind"].isin(["threshold", "incentive"])]
    if progress.empty:
        raise UserError("所选方案、地区和指标没有可跟踪进度的目标")
    return progress.sort_values("period", key=lambda p: p != "2025", kind="stable")["id"].iloc[0]


def rung_of(target_id: str) -> str | None:
    """The ladder rung a target counts, if any (for its candidate list)."""
    target = next(t for t in load_catalog().targets if t.id == target_id)
    award = target.measure.get("award")
    return award if award in RUNGS else None


def rung_pool(store: Store, region: str, rung: str, period: str) -> pd.DataFrame:
    """The region's whole candidate list for one rung, ranked across its units as the what-if counts it (序号 1..N);
    a 说明 row when no applicable plan has criteria for the rung."""
    if not screenable(load_regions().get(region).name, rung):
        return pd.DataFrame({NOTE_COLUMN: [NO_CRITERIA]})
    pool = ranked_pool(candidates(store, region, [rung], period))
    return pool.assign(rank=np.arange(1, len(pool) + 1))


def pool_display(pool: pd.DataFrame) -> pd.DataFrame:
    return pool.drop(columns=["shortfall_score"], errors="ignore").rename(columns=LIST_HEADERS)


SUMMARY_FIELDS = {
    "jurisdiction": "地区",
    "indicator_name": "指标",
    "basis": "口径",
    "target_value": "目标",
    "actual": "实际",
    "actual_source": "来源",
    "eval_date": "截至",
    "progress_pct": "完成率%",
    "expected_pct": "序时进度%",
    "status": "状态",
    "trajectory": "趋势",
    "projected": "预计期末",
}


def progress_summary(row: pd.Series) -> pd.DataFrame:
    """One target's progress as a two-column table (项目, 数值)."""
    values = [round(v, 1) if isinstance(v, float) else v for v in row[list(SUMMARY_FIELDS)]]
    return pd.DataFrame({"项目": list(SUMMARY_FIELDS.values()), "数值": values})
