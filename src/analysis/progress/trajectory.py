"""Will an open target be reached on time? Open SDG's observed-vs-required growth ratio.

Only with at least `trajectory.min_months` (12) months between the base and the
latest observation: a few weeks of data annualised say nothing (Open SDG's rule),
so a shorter series is 观测不足. Final rows have no trajectory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.progress.verdicts import settings

TRAJ_MET, TRAJ_ON_TRACK, TRAJ_MODERATE = "已达标", "按期可达", "需加速"
TRAJ_LIMITED, TRAJ_AWAY, TRAJ_NONE = "进展有限", "偏离目标", "观测不足"
FLOW_KINDS = ("annual", "in-year", "cumulative")


@dataclass
class Trajectory:
    ratio: float = np.nan
    label: str = TRAJ_NONE
    projected: float = np.nan
    cagr_observed: float = np.nan
    cagr_required: float = np.nan


def _years(a: pd.Timestamp, b: pd.Timestamp) -> float:
    return (b - a).days / 365.25


def _months(a: pd.Timestamp, b: pd.Timestamp) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _label(ratio: float) -> str:
    thresholds = settings()["trajectory"]
    if ratio >= thresholds["on_track"]:
        return TRAJ_ON_TRACK
    if ratio >= thresholds["moderate"]:
        return TRAJ_MODERATE
    return TRAJ_LIMITED if ratio >= 0 else TRAJ_AWAY


def trajectory(
    kind: str, base: float, base_date, actual: float, date: pd.Timestamp, target: float, deadline: pd.Timestamp
) -> Trajectory:
    """Observed over required growth (CAGR for positive levels, slopes for flows and zero bases)."""
    if pd.isna(actual) or kind == "growth" or pd.isna(target):
        return Trajectory(label="")
    if actual >= target:
        return Trajectory(label=TRAJ_MET, projected=actual)
    if pd.isna(base) or base_date is None or pd.isna(base_date):
        return Trajectory()
    base_date = pd.Timestamp(base_date)
    if _months(base_date, date) < int(settings()["trajectory"].get("min_months", 12)):
        return Trajectory()
    t_obs, t_req = _years(base_date, date), _years(base_date, deadline)
    if kind not in FLOW_KINDS and base > 0 and actual > 0 and target > 0:
        cagr_o = (actual / base) ** (1 / t_obs) - 1
        cagr_r = (target / base) ** (1 / t_req) - 1
        projected = actual * (1 + cagr_o) ** (t_req - t_obs)
        ratio = cagr_o / abs(cagr_r) if cagr_r else np.nan
    else:  # linear: slope observed over slope required
        cagr_o = cagr_r = np.nan
        slope_r = (target - base) / t_req
        projected = actual + (actual - base) / t_obs * (t_req - t_obs)
        ratio = ((actual - base) / t_obs) / slope_r if slope_r else np.nan
    return Trajectory(ratio, _label(ratio) if not pd.isna(ratio) else TRAJ_NONE, projected, cagr_o, cagr_r)
