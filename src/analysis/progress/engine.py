"""The progress engine: every target against actuals, the calendar (序时进度) and a trajectory.

`compute_progress(store, as_of)` returns one row per (target, jurisdiction): the
plan's own jurisdiction (basis 方案目标) and each region directly below it, whose
share of the target is its share of the jurisdiction's value at the window's
start (basis 分解目标; rates and other levels apply unchanged, basis 同口径).
Every verdict keeps its components (base value and date, latest value and date,
target, time share, growth rates, ratio) so that a reader can redo it; the
formulas are in docs/methodology.md.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from analysis import paths
from analysis.catalog.targets import Catalog, Target, load_catalog
from analysis.progress.facts import Facts, load_facts
from analysis.progress.measures import FLOW_KINDS, SOURCE_REPORTED, actual_values, first_reports
from analysis.catalog.regions import load_regions
from analysis.store.history import Store
from analysis.periods import month_end, previous_period
from analysis.yamlio import load_yaml

LEVEL_KINDS = ("stock", "ratio", "rate", "share", "pool")  # a path from the baseline value
PERCENT_KINDS = ("ratio", "rate", "growth", "share")       # targets that apply unchanged below

STATUS_DONE, STATUS_AHEAD, STATUS_IN_STEP = "已完成", "超序时", "基本同步"
STATUS_BEHIND, STATUS_FAR_BEHIND, STATUS_NO_DATA = "落后序时", "严重滞后", "无数据"
STATUSES = (STATUS_DONE, STATUS_AHEAD, STATUS_IN_STEP, STATUS_BEHIND, STATUS_FAR_BEHIND, STATUS_NO_DATA)

TRAJ_MET, TRAJ_ON_TRACK, TRAJ_MODERATE = "已达标", "按期可达", "需加速"
TRAJ_LIMITED, TRAJ_AWAY, TRAJ_CLOSED, TRAJ_NONE = "进展有限", "偏离目标", "已到期", "观测不足"

BASIS_PLAN, BASIS_SPLIT, BASIS_SAME = "方案目标", "分解目标", "同口径"

PROGRESS_COLUMNS = [
    "plan", "jurisdiction", "indicator", "kind", "period", "low", "high", "actual", "expected",
    "progress_pct", "time_pct", "status", "projected", "source",
    "target_id", "indicator_name", "basis", "target_value", "comparison", "unit", "aspirational",
    "actual_source", "as_of", "eval_date", "window_start", "window_end", "expected_pct", "gap_pp",
    "met", "exceeded", "base_value", "base_date", "cagr_observed", "cagr_required",
    "trajectory_ratio", "trajectory", "previous", "mom", "data_month", "stale", "closed", "quote",
]


@lru_cache(maxsize=1)
def settings() -> dict:
    return load_yaml(paths.DATA_DIR / "progress.yml")


# --- calendar ----------------------------------------------------------------


def _month_position(ts: pd.Timestamp) -> float:
    """Months since year 0, counting a month's days as a fraction: month ends are whole numbers."""
    return ts.year * 12 + ts.month - 1 + ts.day / calendar.monthrange(ts.year, ts.month)[1]


def time_fraction(start: pd.Timestamp, end: pd.Timestamp, date: pd.Timestamp) -> float:
    """Share of [start, end] elapsed at the end of `date`, by months (25/50/75% at quarter ends of a year)."""
    origin = _month_position(start - pd.Timedelta(days=1))
    span = _month_position(end) - origin
    return float(min(max((_month_position(date) - origin) / span, 0.0), 1.0))


def target_window(target: Target, catalog: Catalog, as_of: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period a target is measured over: a calendar year for flows and growth, else baseline → deadline."""
    year = as_of.year if target.period == "annual" else int(target.period)
    year_start, deadline = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    if target.kind in ("annual", "in-year") or (target.kind == "growth" and "cluster" in target.measure):
        return year_start, deadline
    baseline = target.extra.get("baseline") or catalog.plans[target.plan].baseline_date
    return pd.Timestamp(baseline), deadline


# --- actuals, memoised across targets that share a measure ---------------------


class _Actuals:
    """actual_values() with a memo: many targets share a measure, date and window."""

    def __init__(self, facts: Facts):
        self.facts = facts
        self._memo: dict = {}

    def __call__(self, target: Target, date: pd.Timestamp, window) -> pd.DataFrame:
        key = (repr(sorted(target.measure.items())), target.kind, target.indicator, target.unit,
               str(target.extra.get("share_of")), date, window)
        if key not in self._memo:
            self._memo[key] = actual_values(target, self.facts, date, window)
        return self._memo[key]


# --- comparison --------------------------------------------------------------


def is_met(actual: float, low: float, comparison: str) -> bool:
    if pd.isna(actual):
        return False
    tolerance = settings()["approx_tolerance_pct"] / 100
    return {
        "≥": actual >= low, ">": actual > low, "≈": abs(actual - low) <= tolerance * abs(low),
        "≤": actual <= low, "=": actual == low,
    }.get(comparison, actual >= low)


def status_of(met: bool, gap_pp: float, actual: float, final: bool, kind: str) -> str:
    """`final`: the window has run its course, so a year-to-date growth rate is the year's."""
    if pd.isna(actual):
        return STATUS_NO_DATA
    if met and (final or kind != "growth"):
        return STATUS_DONE
    bands = settings()["status_bands"]
    if gap_pp >= bands["ahead"]:
        return STATUS_AHEAD
    if gap_pp > bands["in_step"]:
        return STATUS_IN_STEP
    if gap_pp > bands["behind"]:
        return STATUS_BEHIND
    return STATUS_FAR_BEHIND


def _final_status(status: str, closed: bool) -> str:
    """Past the deadline a missed target is never 超序时 or 基本同步: at best 落后序时."""
    if closed and status in (STATUS_AHEAD, STATUS_IN_STEP):
        return STATUS_BEHIND
    return status


@dataclass
class Trajectory:
    ratio: float = np.nan
    label: str = TRAJ_NONE
    projected: float = np.nan
    cagr_observed: float = np.nan
    cagr_required: float = np.nan


def _years(a: pd.Timestamp, b: pd.Timestamp) -> float:
    return (b - a).days / 365.25


def _label(ratio: float) -> str:
    thresholds = settings()["trajectory"]
    if ratio >= thresholds["on_track"]:
        return TRAJ_ON_TRACK
    if ratio >= thresholds["moderate"]:
        return TRAJ_MODERATE
    return TRAJ_LIMITED if ratio >= 0 else TRAJ_AWAY


def trajectory(kind: str, base: float, base_date, actual: float, date, target: float, deadline, closed: bool,
               fraction: float) -> Trajectory:
    """Open SDG's observed-vs-required growth ratio; linear forms for flows and for zero bases."""
    if pd.isna(actual) or kind == "growth":
        return Trajectory()
    if closed:
        return Trajectory(label=TRAJ_CLOSED, projected=actual)
    if kind in FLOW_KINDS:
        if fraction <= 0:
            return Trajectory()
        projected = actual / fraction
        ratio = projected / target if target else np.nan
        return Trajectory(ratio, TRAJ_MET if actual >= target else _label(ratio), projected)
    if pd.isna(base) or base_date is None or pd.isna(base_date) or date <= base_date:
        return Trajectory(label=TRAJ_MET if actual >= target else TRAJ_NONE)
    t_obs, t_req = _years(base_date, date), _years(base_date, deadline)
    if base > 0 and actual > 0 and target > 0:
        cagr_o = (actual / base) ** (1 / t_obs) - 1
        cagr_r = (target / base) ** (1 / t_req) - 1
        projected = actual * (1 + cagr_o) ** (t_req - t_obs)
        ratio = cagr_o / abs(cagr_r) if cagr_r else np.nan
    else:  # linear: slope observed over slope required
        cagr_o = cagr_r = np.nan
        slope_r = (target - base) / t_req
        projected = actual + (actual - base) / t_obs * (t_req - t_obs)
        ratio = ((actual - base) / t_obs) / slope_r if slope_r else np.nan
    if actual >= target:
        return Trajectory(ratio, TRAJ_MET, projected, cagr_o, cagr_r)
    return Trajectory(ratio, _label(ratio) if not pd.isna(ratio) else TRAJ_NONE, projected, cagr_o, cagr_r)


# --- allocation to the regions below ---------------------------------------------


def _children(name: str) -> list[str]:
    return [r.name for r in load_regions().children(name)]


def _allocation(target: Target, base: pd.DataFrame, children: list[str], parent_reported: float | None) -> dict[str, tuple[float, str]]:
    """Each child's target: its share of the base value (equal split when unknown); levels unchanged."""
    if target.kind in PERCENT_KINDS:
        return {c: (target.low, BASIS_SAME) for c in children}
    known = base["value"].reindex(children).fillna(0.0)
    if not float(known.sum()):
        return {c: (target.low / len(children), BASIS_SPLIT) for c in children}
    total = float(known.sum())
    if parent_reported:
        # the parent's own published figure covers regions outside the registry too
        total = parent_reported
    if not total:
        return {c: (target.low / len(children), BASIS_SPLIT) for c in children}
    # otherwise shares of the children's own values, so that the split targets add up to the target
    return {c: (target.low * float(known[c]) / total, BASIS_SPLIT) for c in children}


# --- the engine --------------------------------------------------------------------


def _as_timestamp(as_of) -> pd.Timestamp:
    return pd.Timestamp(as_of if not isinstance(as_of, str) else dt.date.fromisoformat(as_of))


def _base_values(target: Target, actuals: _Actuals, window) -> pd.DataFrame:
    """Values at the window's start: the path's origin for levels; for flows, the stock that splits targets."""
    if target.kind in LEVEL_KINDS:
        return actuals(target, window[0], window)
    if "award" in target.measure:
        return actuals(replace(target, kind="stock"), window[0], window)
    return pd.DataFrame(columns=["value", "source"])


def _rows_for_target(target: Target, catalog: Catalog, as_of: pd.Timestamp, actuals: _Actuals,
                     previous: _Actuals | None, data_months: pd.Series, period: str) -> list[dict]:
    window = target_window(target, catalog, as_of)
    deadline = window[1]
    closed = as_of > deadline
    eval_date = min(as_of, deadline)
    now = actuals(target, eval_date, window)
    base = _base_values(target, actuals, window)
    prev_date = month_end(previous_period(period))
    prev = previous(target, min(prev_date, deadline), window) if previous is not None and not closed else None
    fraction = time_fraction(window[0], deadline, eval_date)
    reports = first_reports(actuals.facts, target.indicator, window[0])
    targets = {target.jurisdiction: (target.low, BASIS_PLAN)}
    children = _children(target.jurisdiction)
    if children:
        targets.update(_allocation(target, base, children, _parent_report(target, now, reports)))
    rows = []
    for place, (goal, basis) in targets.items():
        actual = float(now["value"].get(place, np.nan))
        base_value, base_date = _base_for(target, place, now, base, reports, window[0])
        rows.append(_row(target, catalog, place, goal, basis, actual, now["source"].get(place, ""),
                         base_value, base_date, window, eval_date, fraction, closed, as_of, prev, prev_date,
                         data_months.get(place, data_months.reindex(_units_below(place)).max()), period))
    return rows


def _parent_report(target: Target, now: pd.DataFrame, reports: pd.DataFrame) -> float | None:
    """The plan jurisdiction's first own report, when its current value is a report."""
    place = target.jurisdiction
    if now["source"].get(place) == SOURCE_REPORTED and place in reports.index:
        return float(reports.loc[place, "value"])
    return None


def _base_for(target: Target, place: str, now: pd.DataFrame, base: pd.DataFrame, reports, start: pd.Timestamp):
    """(base value, base date): zero at the start for flows; for levels the value at the start, except that a
    figure the region reports itself is compared with its own first report, not with a count."""
    if target.kind not in LEVEL_KINDS:
        return 0.0, start
    reported_now = now["source"].get(place) == SOURCE_REPORTED
    if reported_now and base["source"].get(place) != SOURCE_REPORTED:
        if reports is not None and place in reports.index:
            return float(reports.loc[place, "value"]), reports.loc[place, "date"]
        return np.nan, None
    return float(base["value"].get(place, np.nan)), start


def _units_below(place: str) -> list[str]:
    return [u.name for u in load_regions().units_under(place)]


def _row(target, catalog, place, goal, basis, actual, source, base_value, base_date, window, eval_date, fraction,
         closed, as_of, prev, prev_date, data_month, period) -> dict:
    start, deadline = window
    if target.kind in LEVEL_KINDS and not pd.isna(base_value):
        expected = base_value + (goal - base_value) * fraction
    elif target.kind == "growth":
        expected = goal
    else:
        expected = goal * fraction
    progress_pct = 100 * actual / goal if goal else np.nan
    expected_pct = 100 * expected / goal if goal else np.nan
    gap = progress_pct - expected_pct
    met = is_met(actual, goal, target.comparison)
    traj = trajectory(target.kind, base_value, base_date, actual, eval_date, goal, deadline, closed, fraction)
    previous_value = np.nan
    if prev is not None:
        previous_value = float(prev["value"].get(place, 0.0 if (target.kind in FLOW_KINDS and prev_date < start) else np.nan))
    stale = pd.isna(data_month) or str(data_month) < period
    return {
        "plan": target.plan, "jurisdiction": place, "indicator": target.indicator, "kind": target.kind,
        "period": target.period, "low": target.low, "high": target.high, "actual": actual,
        "expected": expected, "progress_pct": progress_pct, "time_pct": 100 * fraction,
        "status": _final_status(status_of(met, gap, actual, closed or fraction >= 1, target.kind), closed), "projected": traj.projected,
        "source": target.source, "target_id": target.id, "indicator_name": catalog.indicators[target.indicator].name,
        "basis": basis, "target_value": goal, "comparison": target.comparison, "unit": target.unit,
        "aspirational": target.aspirational, "actual_source": source, "as_of": as_of.date().isoformat(),
        "eval_date": eval_date.date().isoformat(), "window_start": start.date().isoformat(),
        "window_end": deadline.date().isoformat(), "expected_pct": expected_pct, "gap_pp": gap, "met": met,
        "exceeded": _exceeded(target, goal, actual),
        "base_value": base_value, "base_date": base_date.date().isoformat() if base_date is not None else "",
        "cagr_observed": traj.cagr_observed, "cagr_required": traj.cagr_required,
        "trajectory_ratio": traj.ratio, "trajectory": traj.label, "previous": previous_value,
        "mom": actual - previous_value, "data_month": data_month if not pd.isna(data_month) else "",
        "stale": bool(stale), "closed": closed, "quote": target.quote,
    }


def _exceeded(target: Target, goal: float, actual: float) -> bool:
    """At or above the stretch end of a range (8至10家: 10), scaled like the goal for split targets."""
    if target.high is None or pd.isna(actual) or not target.low:
        return False
    return bool(actual >= goal * target.high / target.low)


def compute_progress(store: Store, as_of, targets: list[Target] | None = None, with_previous: bool = True) -> pd.DataFrame:
    """Progress of `targets` (default: every progress target) at the as-of date."""
    catalog = load_catalog()
    as_of = _as_timestamp(as_of)
    period = as_of.strftime("%Y-%m")
    facts = load_facts(store, period)
    actuals = _Actuals(facts)
    previous = _Actuals(load_facts(store, previous_period(period))) if with_previous else None
    chosen = [t for t in (targets if targets is not None else catalog.progress_targets()) if t.is_progress]
    rows = [row for t in chosen for row in _rows_for_target(t, catalog, as_of, actuals, previous, facts.data_months, period)]
    frame = pd.DataFrame(rows, columns=PROGRESS_COLUMNS)
    # a region's own plans first, then targets split down to it from the plans above
    frame["_order"] = (frame["basis"] != BASIS_PLAN).astype(int)
    return frame.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)
