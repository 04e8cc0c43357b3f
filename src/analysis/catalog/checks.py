"""Consistency of the catalog: contradictions inside a plan and cascades across levels.

`targets check` reports these; they are findings about the plans, not errors.
"""

from __future__ import annotations

from itertools import combinations

import pandas as pd

from analysis.catalog.regions import load_regions
from analysis.catalog.targets import Catalog, Target

COUNT_KINDS = ("stock", "cumulative")
FLOW_KINDS = ("annual", "in-year")


def _same_scope(a: Target, b: Target) -> bool:
    """Same jurisdiction, indicator and period, and not two explicitly different award levels."""
    levels = a.measure.get("level"), b.measure.get("level")
    distinct_levels = None not in levels and levels[0] != levels[1]
    return (
        a.jurisdiction == b.jurisdiction and a.indicator == b.indicator and a.period == b.period and not distinct_levels
    )


def contradictions(catalog: Catalog) -> pd.DataFrame:
    """Pairs of count targets of one plan, jurisdiction, indicator and period with different levels."""
    rows = []
    for plan in catalog.plans:
        counts = [t for t in catalog.targets if t.plan == plan and t.kind in COUNT_KINDS]
        for a, b in combinations(counts, 2):
            if _same_scope(a, b) and (a.low, a.high) != (b.low, b.high):
                rows.append(
                    {
                        "plan": plan,
                        "jurisdiction": a.jurisdiction,
                        "indicator": catalog.indicators[a.indicator].name,
                        "period": a.period,
                        "target_a": f"{a.kind} {_level(a)}",
                        "quote_a": a.quote,
                        "target_b": f"{b.kind} {_level(b)}",
                        "quote_b": b.quote,
                    }
                )
    return pd.DataFrame(
        rows, columns=["plan", "jurisdiction", "indicator", "period", "target_a", "quote_a", "target_b", "quote_b"]
    )


def implied_flows(catalog: Catalog) -> pd.DataFrame:
    """A plan's 2023→2025 stock step per year against its own yearly flow target."""
    rows = []
    for plan in catalog.plans:
        targets = [t for t in catalog.targets if t.plan == plan]
        for flow in (t for t in targets if t.kind == "annual"):
            stocks = {
                t.period: t
                for t in targets
                if t.kind == "stock" and t.indicator == flow.indicator and t.jurisdiction == flow.jurisdiction
            }
            if "2023" in stocks and "2025" in stocks:
                per_year = (stocks["2025"].low - stocks["2023"].low) / 2
                rows.append(
                    {
                        "plan": plan,
                        "jurisdiction": flow.jurisdiction,
                        "indicator": catalog.indicators[flow.indicator].name,
                        "stock_2023": stocks["2023"].low,
                        "stock_2025": stocks["2025"].low,
                        "implied_per_year": per_year,
                        "annual_target": flow.low,
                        "consistent": per_year <= flow.low,
                    }
                )
    return pd.DataFrame(
        rows,
        columns=[
            "plan",
            "jurisdiction",
            "indicator",
            "stock_2023",
            "stock_2025",
            "implied_per_year",
            "annual_target",
            "consistent",
        ],
    )


def _comparable(child: Target, parent: Target) -> bool:
    child_period = "2023" if child.kind == "in-year" else child.period
    parent_period = "2023" if parent.kind == "in-year" else parent.period
    same_family = (child.kind in COUNT_KINDS and parent.kind in COUNT_KINDS) or (
        child.kind in FLOW_KINDS and parent.kind in FLOW_KINDS
    )
    periods_match = (
        child_period == parent_period
        or "annual" in (child.period, parent.period)
        and same_family
        and child.kind in FLOW_KINDS
    )
    return child.indicator == parent.indicator and same_family and periods_match


def cascades(catalog: Catalog) -> pd.DataFrame:
    """Each lower level's target as a share of the same indicator's target above it."""
    regions = load_regions()
    progress = [t for t in catalog.targets if t.kind in COUNT_KINDS + FLOW_KINDS]
    rows = []
    for child in progress:
        above = {r.name for r in regions.ancestors(child.jurisdiction)}
        for parent in (p for p in progress if p.jurisdiction in above and _comparable(child, p)):
            rows.append(
                {
                    "indicator": catalog.indicators[child.indicator].name,
                    "period": child.period,
                    "child": child.jurisdiction,
                    "child_target": _level(child),
                    "child_kind": child.kind,
                    "parent": parent.jurisdiction,
                    "parent_target": _level(parent),
                    "parent_kind": parent.kind,
                    "share_pct": round(100 * child.low / parent.low, 1),
                }
            )
    columns = [
        "indicator",
        "period",
        "child",
        "child_target",
        "child_kind",
        "parent",
        "parent_target",
        "parent_kind",
        "share_pct",
    ]
    return pd.DataFrame(rows, columns=columns).sort_values(["indicator", "period", "child"], ignore_index=True)


def _level(t: Target) -> str:
    number = f"{t.low:g}" if t.high is None else f"{t.low:g}–{t.high:g}"
    return f"{t.comparison}{number}{t.unit}"
