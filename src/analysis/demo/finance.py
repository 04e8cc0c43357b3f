"""Enterprises' annual finance and clusters' monthly revenue."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.demo.base import _mi, _rng
from analysis.demo.regions import Unit


def _finance(seed: int, ent: pd.DataFrame, horizon: int, others: np.ndarray | None = None) -> pd.DataFrame:
    """Annual figures 2019..horizon-1 with spreads around the eligibility thresholds. `others` marks the
    enterprises of units outside the plans' places (--size province): they draw from a generator of
    their own, so the plans' units get the same figures at either size."""
    if others is not None and others.any():
        parts = [
            _finance_block(_rng(seed, "finance"), ent[~others], horizon),
            _finance_block(_rng(seed, "finance", "others"), ent[others], horizon),
        ]
        return pd.concat(parts, ignore_index=True).sort_values(["ent", "年度"], kind="stable").reset_index(drop=True)
    return _finance_block(_rng(seed, "finance"), ent, horizon)


def _finance_block(rng: np.random.Generator, ent: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Annual figures of the enterprises of `ent`, drawn from `rng`."""
    n = len(ent)
    years = list(range(2019, horizon))
    q = ent["q"].to_numpy()
    rev = np.exp(ent["log_size"].to_numpy())
    rd_base = np.clip(0.6 + 5.0 * q + rng.normal(0, 0.9, n), 0.05, 14)
    main_share = 1 - rng.beta(1.5, 6, n) * 0.6
    productivity = rng.lognormal(np.log(75), 0.35, n)  # 万元 per employee
    rd_staff = np.clip(0.03 + 0.15 * q + rng.normal(0, 0.04, n), 0.003, 0.6)
    tertiary = np.clip(0.10 + 0.30 * q + rng.normal(0, 0.08, n), 0.02, 0.95)
    patents = rng.poisson(0.3 + 8 * q**2 * np.clip(np.log10(rev) - 2, 0.3, 3), n).astype(float)
    frames = []
    for y in years:
        growth = rng.normal(0.07 + 0.06 * q, 0.12)
        rev = np.maximum(rev * (1 + growth), 50.0)
        rd_ratio = np.clip(rd_base * (rev / 5000) ** -0.2 + rng.normal(0, 0.3, n), 0.02, 20) / 100
        staff = np.maximum(np.round(rev / productivity * rng.lognormal(0, 0.05, n)), 8)
        rds = np.minimum(np.round(staff * np.clip(rd_staff + rng.normal(0, 0.01, n), 0.002, 0.7)), staff)
        ter = np.minimum(np.round(staff * np.clip(tertiary + rng.normal(0, 0.015, n), 0.01, 0.98)), staff)
        patents = patents + rng.poisson(0.15 + 2.5 * q**3, n) - (rng.random(n) < 0.05)
        patents = np.maximum(patents, 0)
        frames.append(
            pd.DataFrame(
                {
                    "ent": ent["ent"].to_numpy(),
                    "unit": ent["unit"].to_numpy(),
                    "年度": y,
                    "营业收入(万元)": np.round(rev, 2),
                    "主营业务收入(万元)": np.round(rev * np.clip(main_share + rng.normal(0, 0.02, n), 0.3, 1.0), 2),
                    "研发费用(万元)": np.round(rev * rd_ratio, 2),
                    "职工人数": staff.astype(np.int64),
                    "研发人员数": rds.astype(np.int64),
                    "大专以上学历人数": ter.astype(np.int64),
                    "有效发明专利数": patents.astype(np.int64),
                }
            )
        )
    return pd.concat(frames, ignore_index=True).sort_values(["ent", "年度"], kind="stable").reset_index(drop=True)


SEASON = np.array([0.060, 0.055, 0.085, 0.083, 0.085, 0.088, 0.080, 0.082, 0.088, 0.086, 0.090, 0.118])
# Xinle's 2023 cluster growth: its 12% (确保) / 14% (力争) target straddled across clusters
XINLE_2023_GROWTH = {"新乐市装备制造产业集群": 0.148, "新乐市食品加工产业集群": 0.082, "新乐市生物医药产业集群": 0.121}


def _cluster_months(
    seed, clusters: pd.DataFrame, ent: pd.DataFrame, fin: pd.DataFrame, units: list[Unit], horizon: int
) -> pd.DataFrame:
    """Monthly 1–N月累计 revenue of every cluster, 2021..horizon: yearly growth spread over a season."""
    strength = {u.name: u.strength for u in units}
    rev2021 = fin[fin["年度"] == 2021].set_index("ent")["营业收入(万元)"]
    ent_rev = ent.assign(rev=ent["ent"].map(rev2021)).groupby("所属集群")["rev"].sum()
    rows = []
    for c in clusters.itertuples(index=False):
        name = str(c.集群名称)
        rng = _rng(seed, "cluster", name)
        base = float(ent_rev.get(name, 20000.0)) * rng.uniform(1.8, 3.0)
        s = strength.get(str(c.unit), 1.0)
        annual = base
        for y in range(2021, horizon + 1):
            if y > 2021:
                g = XINLE_2023_GROWTH.get(name) if y == 2023 else None
                if g is None:
                    g = rng.normal(0.105 + 0.02 * (min(s, 2.0) - 1), 0.035)
                annual *= 1 + g
            slope = rng.normal(0, 0.02)
            inc = (
                annual
                * SEASON
                / SEASON.sum()
                * (1 + rng.normal(0, 0.025, 12))
                * (1 + slope * (np.arange(12) - 5.5) / 5.5)
            )
            cum = np.round(np.cumsum(inc), 1)
            for m in range(12):
                rows.append((c.集群名称, c.unit, _mi(y, m + 1), cum[m]))
    return pd.DataFrame(rows, columns=["集群名称", "unit", "mi", "本年累计营业收入(万元)"])
