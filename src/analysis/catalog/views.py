"""Display tables of the catalog for notebooks and reports (Chinese headers)."""

from __future__ import annotations

import pandas as pd

from analysis.catalog.targets import KIND_NAMES_ZH, PERIOD_NAMES_ZH, Catalog
from analysis.errors import UserError


def plan_summary(catalog: Catalog) -> pd.DataFrame:
    """One row per plan: issuer, document number, date, level and how many targets of each use."""
    frame = catalog.to_frame()
    rows = []
    for plan in catalog.plans.values():
        mine = frame[frame["plan"] == plan.id]
        rows.append(
            {
                "方案": plan.title,
                "地区": plan.jurisdiction,
                "发文机关": plan.issuer,
                "文号": plan.doc_number or "（原文未载）",
                "日期": plan.date.isoformat() if plan.date else "（原文未载）",
                "进度目标": int((~mine["kind"].isin(["threshold", "incentive"])).sum()),
                "认定条件": int((mine["kind"] == "threshold").sum()),
                "奖补标准": int((mine["kind"] == "incentive").sum()),
            }
        )
    return pd.DataFrame(rows)


def _target_text(row) -> str:
    number = f"{row['low']:g}" if row["high"] is None or pd.isna(row["high"]) else f"{row['low']:g}–{row['high']:g}"
    flag = "（力争）" if row["aspirational"] else ""
    return f"{row['comparison']}{number}{row['unit']}{flag}"


def indicator_matrix(catalog: Catalog, plan: str | None = None) -> pd.DataFrame:
    """Progress targets as indicator × (jurisdiction, period), each cell the target as written."""
    frame = catalog.to_frame(catalog.progress_targets())
    if plan:
        frame = frame[frame["plan"] == plan]
    frame = frame.assign(
        目标=frame.apply(_target_text, axis=1),
        期限=frame["period"].map(PERIOD_NAMES_ZH) + "·" + frame["kind"].map(KIND_NAMES_ZH),
    )
    table = frame.pivot_table(
        index="indicator_name", columns=["jurisdiction", "期限"], values="目标", aggfunc=lambda s: "；".join(s)
    )
    table.index.name = "指标"
    return table.fillna("")


def plan_ids(catalog: Catalog, plan: str | None) -> list[str]:
    """The plans a notebook shows: the one asked for (checked), else all of them."""
    if plan and plan not in catalog.plans:
        raise UserError(f"未知方案“{plan}”，可选：{'、'.join(catalog.plans)}")
    return [plan] if plan else list(catalog.plans)


def plan_targets(catalog: Catalog, plan: str) -> pd.DataFrame:
    """A plan's targets with their quotes, as the analyst reads them."""
    if plan not in catalog.plans:
        raise UserError(f"未知方案“{plan}”，可选：{'、'.join(catalog.plans)}")
    frame = catalog.to_frame([t for t in catalog.targets if t.plan == plan])
    return pd.DataFrame(
        {
            "指标": frame["indicator_name"],
            "类型": frame["kind"].map(KIND_NAMES_ZH),
            "期限": frame["period"].map(PERIOD_NAMES_ZH),
            "目标": frame.apply(_target_text, axis=1),
            "原文": frame["quote"],
        }
    )
