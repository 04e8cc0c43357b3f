"""The progress engine: every target against actuals, as open progress (序时进度) or as a final result.

`compute_progress(store, as_of)` returns one row per (target, term, jurisdiction):
- the terms come from the plan's lifecycle (`lifecycle.terms`): a dated target's
  plan period, each year of a 每年 target and its plan-period total; a term is
  in force until its deadline day and final from it on;
- the plan's own jurisdiction is judged against the plan (basis 方案目标); each
  region directly below it against what it was issued (分解目标, from the stored
  目标分解 sheet), or against an analyst's estimate (测算) when asked for; a
  region with neither has its actual and its share of the parent, and no status.
Every verdict keeps its components (base value and date, latest value and date,
target, time share, growth rates) so that a reader can redo it; the formulas
and rules are in docs/methodology.md.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from analysis.catalog.awards import load_award_types
from analysis.catalog.regions import load_regions
from analysis.catalog.targets import Catalog, Target, load_catalog
from analysis.periods import month_end, previous_period
from analysis.progress import allocations as alloc
from analysis.progress.allocations import BASIS_PLAN, Goal
from analysis.progress.facts import Facts, load_facts
from analysis.progress.lifecycle import Term, terms
from analysis.progress.measures import (
    FLOW_KINDS,
    SOURCE_AVERAGED,
    SOURCE_COUNTED,
    SOURCE_REPORTED,
    SOURCE_SUMMED,
    actual_values,
    first_reports,
    flow_series,
    level_series,
)
from analysis.progress.trajectory import Trajectory, trajectory
from analysis.progress.verdicts import (
    STATUS_AWAITING,
    STATUS_BATCH,
    STATUS_BEHIND,
    STATUS_DONE,
    STATUS_EXCEEDED,
    STATUS_FAR_BEHIND,
    STATUS_LEVEL_MET,
    STATUS_LEVEL_MISSED,
    STATUS_MISSED,
    STATUS_NO_DATA,
    STATUS_PARTIAL,
    calendar_status,
    final_status,
    is_exceeded,
    is_met,
    light_of,
    settings,
    shortfall,
)
from analysis.store.history import Store

LEVEL_KINDS = ("stock", "ratio", "rate", "share", "pool")  # a path from the baseline value
PERCENT_KINDS = alloc.PERCENT_KINDS
NO_BASELINE_KINDS = ("ratio", "rate", "share")  # levels judged 达标/未达标 when their base is unknown
DATED_KINDS = ("stock", "cumulative", "in-year", "pool")  # counts whose first month met is a 提前N个月

PROGRESS_COLUMNS = [
    "plan",
    "jurisdiction",
    "indicator",
    "kind",
    "period",
    "low",
    "high",
    "actual",
    "expected",
    "progress_pct",
    "time_pct",
    "status",
    "projected",
    "source",
    "target_id",
    "indicator_name",
    "basis",
    "target_value",
    "comparison",
    "unit",
    "aspirational",
    "actual_source",
    "as_of",
    "eval_date",
    "window_start",
    "window_end",
    "expected_pct",
    "gap_pp",
    "met",
    "exceeded",
    "base_value",
    "base_date",
    "cagr_observed",
    "cagr_required",
    "trajectory_ratio",
    "trajectory",
    "previous",
    "mom",
    "data_month",
    "stale",
    "closed",
    "quote",
    "in_force",
    "final",
    "shortfall",
    "met_on",
    "term",
    "light",
    "basis_source",
    "share_of_parent",
    "responsible",
    "units_covered",
    "units_total",
    "numerator",
    "denominator",
    "denominator_source",
    "years_met",
    "years_total",
    "years_unjudged",
]


# --- calendar ----------------------------------------------------------------


def _month_position(ts: pd.Timestamp) -> float:
    """Months since year 0, counting a month's days as a fraction: month ends are whole numbers."""
    return ts.year * 12 + ts.month - 1 + ts.day / calendar.monthrange(ts.year, ts.month)[1]


def time_fraction(start: pd.Timestamp, end: pd.Timestamp, date: pd.Timestamp) -> float:
    """Share of [start, end] elapsed at the end of `date`, by months (25/50/75% at quarter ends of a year)."""
    origin = _month_position(start - pd.Timedelta(days=1))
    span = _month_position(end) - origin
    return float(min(max((_month_position(date) - origin) / span, 0.0), 1.0))


def row_window(row) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The window a progress row was measured over."""
    return pd.Timestamp(row["window_start"]), pd.Timestamp(row["window_end"])


# --- actuals, memoised across targets that share a measure ---------------------


class _Actuals:
    """actual_values() with a memo: many targets share a measure, date and window."""

    def __init__(self, facts: Facts):
        self.facts = facts
        self._memo: dict = {}

    def __call__(self, target: Target, date: pd.Timestamp, window) -> pd.DataFrame:
        # a level at a date does not depend on the window: only flows and growth are measured over one
        span = window if target.kind in (*FLOW_KINDS, "growth") else None
        key = (
            repr(sorted(target.measure.items())),
            target.kind,
            target.indicator,
            target.unit,
            str(target.extra.get("share_of")),
            date,
            span,
        )
        if key not in self._memo:
            self._memo[key] = actual_values(target, self.facts, date, window)
        return self._memo[key]


def _batch_months(target: Target) -> tuple[int, ...]:
    """The usual grant months of the target's award (data/award_types.yml), when it comes in batches."""
    award = target.measure.get("award")
    kind = load_award_types().get(award) if award else None
    return tuple(kind.grant_months) if kind is not None else ()


# --- the engine --------------------------------------------------------------------

REGISTER_SHEETS = ("资质认定", "企业名录")


class _Snapshot:
    """What the store said as of one reporting period: its facts, actuals, issued allocations and series
    (memoised). An open row is measured on the as-of period's snapshot; a final row on the snapshot of its
    judging period (`_Context.judging_period`), so that every document shows one result for it."""

    def __init__(self, store: Store, catalog: Catalog, period: str):
        self.period = period
        self.facts = load_facts(store, period)
        self.actuals = _Actuals(self.facts)
        self.allocations = alloc.issued_allocations(store, catalog, period)
        self._by_indicator: dict | None = None
        self._series: dict = {}
        self._reporters: dict[str, frozenset] = {}
        self._register_units: frozenset | None = None

    def allocations_of(self, indicator: str) -> list[dict]:
        """The issued allocations of one indicator, as records (split once per snapshot)."""
        if self._by_indicator is None:
            self._by_indicator = {}
            for row in self.allocations.to_dict("records"):
                self._by_indicator.setdefault(row["indicator"], []).append(row)
        return self._by_indicator.get(indicator, [])

    def first_reports(self, indicator: str, since: pd.Timestamp) -> pd.DataFrame:
        """measures.first_reports, once per (indicator, start)."""
        key = ("first_reports", indicator, since)
        if key not in self._series:
            self._series[key] = first_reports(self.facts, indicator, since)
        return self._series[key]

    def flow_series(self, target: Target, window) -> pd.DataFrame | None:
        """Month-end values of a flow, or of an award count, over a window, in one pass (None for other
        measures); memoised: many places and terms share one."""
        key = (repr(sorted(target.measure.items())), target.kind, target.indicator, window)
        if key not in self._series:
            series = flow_series(target, self.facts, window)
            self._series[key] = series if series is not None else level_series(target, self.facts, window)
        return self._series[key]

    def register_units(self, parts: pd.DataFrame) -> frozenset:
        """Units that had sent their registers (企业名录, 资质认定) by the period, an empty one included (a unit
        with nothing to list has reported zero): what a count covers."""
        if self._register_units is None:
            sent = parts[parts["sheet"].isin(REGISTER_SHEETS) & (parts["period"] <= self.period)]
            self._register_units = frozenset(sent["unit"].unique())
        return self._register_units

    def reporters(self, indicator: str) -> frozenset:
        """Units that reported the indicator in 指标填报: what a roll-up of their reports covers."""
        if indicator not in self._reporters:
            rows = self.facts.reported
            self._reporters[indicator] = frozenset(rows.loc[rows["indicator"] == indicator, "region"].unique())
        return self._reporters[indicator]


class _Context:
    """What every row of one run shares."""

    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        as_of: pd.Timestamp,
        with_previous: bool,
        estimate_splits: bool,
        with_met_on: bool,
    ):
        self.store, self.catalog, self.as_of = store, catalog, as_of
        self.period = as_of.strftime("%Y-%m")
        self._snapshots: dict[str, _Snapshot] = {}
        self.now = self.snapshot(self.period)
        self.previous = _Actuals(load_facts(store, previous_period(self.period))) if with_previous else None
        self.data_months = self.now.facts.data_months
        self.estimate_splits = estimate_splits
        self.with_met_on = with_met_on
        self._data_month: dict = {}
        self._dated: dict | None = None
        self.parts = store.parts()
        self._register_periods = sorted(set(self.parts.loc[self.parts["sheet"].isin(REGISTER_SHEETS), "period"]))

    def snapshot(self, period: str) -> _Snapshot:
        if period not in self._snapshots:
            self._snapshots[period] = _Snapshot(self.store, self.catalog, period)
        return self._snapshots[period]

    def judging_period(self, target: Target, term: Term) -> str | None:
        """The reporting period a final term is judged on: its deadline's month, the data then available (a
        store that begins later: its first period with registers); a ratio over annual accounts, the period by
        which its year's accounts are in (data/progress.yml annual_accounts_month). None: not yet in."""
        if target.kind == "ratio" and "numerator" in target.measure:
            month = int(settings().get("annual_accounts_month", 4))
            period = f"{term.deadline.year + 1}-{month:02d}"
            return period if period <= self.period else None
        period = term.deadline.strftime("%Y-%m")
        if self._register_periods and self._register_periods[0] > period:
            period = self._register_periods[0]
        return min(period, self.period)

    def dated_years(self, target: Target) -> frozenset:
        """Years for which the target's plan sets a level target of the same indicator (see allocations);
        built once per run for every (plan, indicator), not once per target and term."""
        if self._dated is None:
            dated: dict[tuple[str, str], set[str]] = {}
            for t in self.catalog.targets:
                if t.period != "annual" and t.kind not in alloc.YEARLY_KINDS:
                    dated.setdefault((t.plan, t.indicator), set()).add(t.period)
            self._dated = {key: frozenset(years) for key, years in dated.items()}
        return self._dated.get((target.plan, target.indicator), frozenset())

    def data_month(self, place: str):
        """The newest month the place, or else any unit below it, has submitted (NaN: none)."""
        if place not in self._data_month:
            months = self.data_months
            self._data_month[place] = (
                months[place] if place in months.index else months.reindex(_units_below(place)).max()
            )
        return self._data_month[place]


def _goals(
    ctx: _Context,
    snap: _Snapshot,
    target: Target,
    term: Term,
    base: pd.DataFrame,
    now: pd.DataFrame,
    reports: pd.DataFrame,
) -> dict[str, Goal | None]:
    """The plan's goal for its jurisdiction, and each child's issued (or estimated) goal, or None."""
    goal = target.low * term.years
    out: dict[str, Goal | None] = {target.jurisdiction: Goal(goal, BASIS_PLAN)}
    children = _children(target.jurisdiction)
    if not children:
        return out
    issued = (
        alloc.issued_goals(snap.allocations_of(target.indicator), target, term.label, children, ctx.dated_years(target))
        if alloc.can_split(target)
        else {}
    )
    estimated = {}
    if ctx.estimate_splits:
        estimated = alloc.estimated_split(target, goal, base, children, _parent_report(target, now, reports))
    for child in children:
        out[child] = issued.get(child) or estimated.get(child)
    return out


def _rows_for_target(ctx: _Context, target: Target) -> list[dict]:
    plan = ctx.catalog.plans[target.plan]
    rows: list[dict] = []
    for term in terms(target, plan, ctx.as_of):
        if term.is_total:
            rows += total_rows(rows, term)  # the years' own results, added up
        else:
            rows += _rows_for_term(ctx, target, term)
    return rows


def _rows_for_term(ctx: _Context, target: Target, term: Term) -> list[dict]:
    window = (term.start, term.deadline)
    eval_date = min(ctx.as_of, term.deadline)
    period = ctx.judging_period(target, term) if term.final else ctx.period
    if period is None:
        return _awaiting_rows(ctx, target, term)
    snap = ctx.snapshot(period)
    now = snap.actuals(target, eval_date, window)
    # a flow's base (the stock at the start) only serves an estimated split
    base = (
        _base_values(target, snap.actuals, window)
        if target.kind in LEVEL_KINDS or ctx.estimate_splits
        else pd.DataFrame(columns=["value", "source"])
    )
    reports = snap.first_reports(target.indicator, window[0])
    prev_frame = None
    prev_date = month_end(previous_period(ctx.period))
    if ctx.previous is not None and not term.final:
        prev_frame = ctx.previous(target, min(prev_date, term.deadline), window)
    goals = _goals(ctx, snap, target, term, base, now, reports)
    parts = _share_parts(now)
    # per place, plain dicts: a Series look-up costs microseconds, ~2,700 rows × several look-ups add up
    now_at, base_at = _by_place(now), _by_place(base)
    prev = _by_place(prev_frame) if prev_frame is not None else None
    parent_actual = float(now_at["value"].get(target.jurisdiction, np.nan))
    rows = []
    for place, goal in goals.items():
        actual = float(now_at["value"].get(place, np.nan))
        base_value, base_date = _base_for(target, place, now_at, base_at, reports, window[0])
        source = now_at["source"].get(place, "")
        row = _row(
            ctx,
            snap,
            target,
            term,
            place,
            goal,
            actual,
            source,
            base_value,
            base_date,
            eval_date,
            prev,
            prev_date,
        )
        row.update(_coverage(ctx, snap, target, place, source))
        if place in parts:
            row.update(parts[place])
        if goal is not None and row["units_covered"] < row["units_total"] and not _bound_met(row, source):
            _partial(row)
        # a unit's share of the parent's count (a rate has no share: it is not additive)
        if place != target.jurisdiction and parent_actual and target.unit != "%":
            row["share_of_parent"] = 100 * actual / parent_actual
        rows.append(row)
    return rows


PARTIAL_SOURCES = (SOURCE_COUNTED, SOURCE_SUMMED, SOURCE_AVERAGED)


def _coverage(ctx: _Context, snap: _Snapshot, target: Target, place: str, source: str) -> dict:
    """How many of the place's county-level units a counted or rolled-up figure covers (N of M units). A figure
    the place reported itself (填报) is its own: it covers the place whole."""
    units = _units_below(place)
    own = str(source).split("/")[0]  # a share: its numerator's source
    if own not in PARTIAL_SOURCES or len(units) <= 1:
        return {"units_covered": len(units), "units_total": len(units)}
    known = snap.register_units(ctx.parts) if own == SOURCE_COUNTED else snap.reporters(target.indicator)
    return {"units_covered": sum(u in known for u in units), "units_total": len(units)}


def _bound_met(row: dict, source: str) -> bool:
    """A sum over some of the units is a lower bound of the whole: when it already meets an at-least target, the
    whole does too. Any other partial figure (an average, a shortfall, an at-most target) says nothing."""
    summed = str(source).split("/")[0] in (SOURCE_COUNTED, SOURCE_SUMMED)
    return summed and row["comparison"] in ("≥", ">", "≈") and bool(row["met"])


def _partial(row: dict) -> None:
    """A total that covers only some of the place's units is shown as such and not judged."""
    row.update(
        status=STATUS_PARTIAL,
        met=False,
        exceeded=False,
        shortfall=np.nan,
        met_on="",
        light="",
        expected=np.nan,
        expected_pct=np.nan,
        gap_pp=np.nan,
        trajectory="",
        projected=np.nan,
    )


def _share_parts(now: pd.DataFrame) -> dict[str, dict]:
    """A share's numerator and denominator per place (and the denominator's source), when the measure gives them."""
    if "numerator" not in now:
        return {}
    return {
        place: {"numerator": float(n), "denominator": float(d), "denominator_source": str(s)}
        for place, n, d, s in zip(
            now.index.tolist(),
            now["numerator"].tolist(),
            now["denominator"].tolist(),
            now["denominator_source"].tolist(),
            strict=True,
        )
    }


def _awaiting_rows(ctx: _Context, target: Target, term: Term) -> list[dict]:
    """Rows of a final term whose figures are not in yet (a year's annual accounts before they are due)."""
    snap = ctx.now
    empty = pd.DataFrame(columns=["value", "source"])
    goals = _goals(ctx, snap, target, term, empty, empty, snap.first_reports(target.indicator, term.start))
    rows = []
    for place, goal in goals.items():
        row = _row(ctx, snap, target, term, place, goal, np.nan, "", np.nan, None, term.deadline, None, term.deadline)
        row.update(_coverage(ctx, snap, target, place, ""))
        if goal is not None:
            row["status"] = STATUS_AWAITING
        rows.append(row)
    return rows


def total_rows(rows: list[dict], term: Term) -> list[dict]:
    """A 每年 target's plan-period total: per place, the sum of its years' actuals and goals, judged year by year
    (met when every year was met; `years_met` of `years_total`), never on the sum itself. A place has a goal for
    the total only when every year had one (an issued total needs every year issued)."""
    by_place: dict[str, list[dict]] = {}
    for r in rows:
        if "-" not in str(r["term"]):
            by_place.setdefault(r["jurisdiction"], []).append(r)
    out = [_total_row(own, term) for own in by_place.values()]
    if out:  # the plan's jurisdiction comes first, as in the years
        parent = out[0]["actual"]
        for row in out[1:]:
            if row["unit"] != "%" and parent and not pd.isna(parent):
                row["share_of_parent"] = 100 * row["actual"] / parent
    return out


def sum_or_nan(values: list[float]) -> float:
    """The sum of the years' values; NaN when any year has none (a sum of what is known would read as complete)."""
    return float(np.sum(values)) if values and not any(pd.isna(v) for v in values) else np.nan


def _total_row(own: list[dict], term: Term) -> dict:
    last = own[-1]
    judged = all(r["basis"] for r in own) and len(own) == term.years
    actual = sum_or_nan([r["actual"] for r in own])
    goal = float(sum(r["target_value"] for r in own)) if judged else np.nan
    statuses = [r["status"] for r in own]
    met = [s in (STATUS_DONE, STATUS_EXCEEDED) for s in statuses]
    if not judged:
        status = ""
    elif all(met):
        status = STATUS_DONE
    elif STATUS_MISSED in statuses:
        status = STATUS_MISSED
    elif STATUS_PARTIAL in statuses:
        status = STATUS_PARTIAL
    else:
        status = STATUS_NO_DATA
    docs = "、".join(dict.fromkeys(r["basis_source"] for r in own if r["basis_source"]))
    return {
        **last,
        "term": term.label,
        "window_start": own[0]["window_start"],
        "window_end": last["window_end"],
        "actual": actual,
        "target_value": goal,
        "progress_pct": 100 * actual / goal if judged and goal else np.nan,
        "status": status,
        "met": judged and all(met),
        "exceeded": judged and all(r["exceeded"] for r in own),
        "shortfall": np.nan,  # each missed year carries its own
        "met_on": "",
        "basis": last["basis"] if judged else "",
        "basis_source": docs if judged else "",
        "years_met": int(sum(met)) if judged else np.nan,
        "years_total": len(own),
        "years_unjudged": int(sum(s in (STATUS_NO_DATA, STATUS_PARTIAL, STATUS_AWAITING) for s in statuses)),
        "units_covered": min(r["units_covered"] for r in own),
        "share_of_parent": np.nan,
        "previous": np.nan,
        "mom": np.nan,
    }


def _by_place(frame: pd.DataFrame) -> dict[str, dict]:
    """A measure's frame (value, source by jurisdiction) as dicts, looked up like the Series they were."""
    # zip of tolist(): Series.to_dict walks a string array element by element (a tenth of the run)
    return {
        name: dict(zip(frame.index.tolist(), frame[name].tolist(), strict=True)) if name in frame else {}
        for name in ("value", "source")
    }


def _children(name: str) -> list[str]:
    return [r.name for r in load_regions().children(name)]


def _parent_report(target: Target, now: pd.DataFrame, reports: pd.DataFrame) -> float | None:
    """The plan jurisdiction's first own report, when its current value is a report."""
    place = target.jurisdiction
    if now["source"].get(place) == SOURCE_REPORTED and place in reports.index:
        return float(reports["value"].loc[place])
    return None


def _base_values(target: Target, actuals: _Actuals, window) -> pd.DataFrame:
    """Values at the window's start: the path's origin for levels; for flows, the stock an estimate splits by."""
    if target.kind in LEVEL_KINDS:
        return actuals(target, window[0], window)
    if "award" in target.measure:
        return actuals(replace(target, kind="stock"), window[0], window)
    return pd.DataFrame(columns=["value", "source"])


def _base_for(target: Target, place: str, now: dict, base: dict, reports, start: pd.Timestamp):
    """(base value, base date): zero at the start for flows; for levels the value at the start, except that a
    count the region reports itself is compared with its own first report, not with a count. A ratio or rate
    reported later than the start has no baseline (it is compared as a level: 达标 / 未达标)."""
    if target.kind not in LEVEL_KINDS:
        return 0.0, start
    reported_now = now["source"].get(place) == SOURCE_REPORTED
    if reported_now and base["source"].get(place) != SOURCE_REPORTED:
        if target.kind not in NO_BASELINE_KINDS and reports is not None and place in reports.index:
            return float(reports.loc[place, "value"]), reports.loc[place, "date"]
        return np.nan, None
    return float(base["value"].get(place, np.nan)), start


def _units_below(place: str) -> list[str]:
    return [u.name for u in load_regions().units_under(place)]


def _open_verdict(
    target: Target,
    term: Term,
    goal: float,
    actual: float,
    base_value: float,
    base_date,
    eval_date: pd.Timestamp,
    met: bool,
) -> dict:
    """序时 comparison, status and trajectory of an open row."""
    fraction = time_fraction(term.start, term.deadline, eval_date)
    out: dict[str, Any] = {"time_pct": 100 * fraction, "expected": np.nan, "expected_pct": np.nan, "gap_pp": np.nan}
    no_baseline = target.kind in NO_BASELINE_KINDS and pd.isna(base_value)
    if pd.isna(actual):
        status = STATUS_NO_DATA
    elif no_baseline:
        status = STATUS_LEVEL_MET if met else STATUS_LEVEL_MISSED
    else:
        if target.kind in LEVEL_KINDS:
            expected = base_value + (goal - base_value) * fraction
        elif target.kind == "growth":
            expected = goal
        else:
            expected = goal * fraction
        expected_pct = 100 * expected / goal if goal else np.nan
        gap = 100 * actual / goal - expected_pct if goal else np.nan
        out.update(expected=expected, expected_pct=expected_pct, gap_pp=gap)
        if met and target.kind != "growth":
            status = STATUS_DONE
        else:
            status = calendar_status(gap)
            months = _batch_months(target)
            if status in (STATUS_BEHIND, STATUS_FAR_BEHIND) and months and eval_date.month < min(months):
                status = STATUS_BATCH  # a batch award is not behind before its batch (docs/methodology.md)
    traj = trajectory(target.kind, base_value, base_date, actual, eval_date, goal, term.deadline)
    out.update(status=status, trajectory=traj)
    return out


def _row(
    ctx: _Context,
    snap: _Snapshot,
    target: Target,
    term: Term,
    place: str,
    goal: Goal | None,
    actual: float,
    source: str,
    base_value: float,
    base_date,
    eval_date: pd.Timestamp,
    prev,
    prev_date,
) -> dict:
    value = goal.value if goal is not None else np.nan
    met = goal is not None and is_met(actual, value, target.comparison)
    exceeded = goal is not None and is_exceeded(actual, value, target.low, target.high)
    verdict: dict[str, Any] = {
        "time_pct": 100.0,
        "expected": np.nan,
        "expected_pct": np.nan,
        "gap_pp": np.nan,
        "status": "",
        "trajectory": Trajectory(label=""),
    }
    if goal is None:
        pass  # nothing issued: the actual is shown, nothing is judged
    elif term.final:
        verdict["status"] = final_status(actual, met, exceeded)
    else:
        verdict = _open_verdict(target, term, value, actual, base_value, base_date, eval_date, met)
    traj = verdict["trajectory"]
    previous_value = np.nan
    if prev is not None:
        previous_value = float(
            prev["value"].get(place, 0.0 if (target.kind in FLOW_KINDS and prev_date < term.start) else np.nan)
        )
    data_month = ctx.data_month(place)
    status = verdict["status"]
    dated = target.period != "annual" and target.kind in DATED_KINDS  # 提前N个月: never a sum or a yearly rate
    met_on = _met_on(snap, target, term, place, value) if (term.final and met and dated and ctx.with_met_on) else ""
    return {
        "plan": target.plan,
        "jurisdiction": place,
        "indicator": target.indicator,
        "kind": target.kind,
        "period": target.period,
        "low": target.low,
        "high": target.high,
        "actual": actual,
        "expected": verdict["expected"],
        "progress_pct": 100 * actual / value if value else np.nan,
        "time_pct": verdict["time_pct"],
        "status": status,
        "projected": traj.projected,
        "source": target.source,
        "target_id": target.id,
        "indicator_name": ctx.catalog.indicators[target.indicator].name,
        "basis": goal.basis if goal is not None else "",
        "target_value": value,
        "comparison": target.comparison,
        "unit": target.unit,
        "aspirational": target.aspirational,
        "actual_source": source,
        "as_of": ctx.as_of.date().isoformat(),
        "eval_date": eval_date.date().isoformat(),
        "window_start": term.start.date().isoformat(),
        "window_end": term.deadline.date().isoformat(),
        "expected_pct": verdict["expected_pct"],
        "gap_pp": verdict["gap_pp"],
        "met": met,
        "exceeded": exceeded,
        "base_value": base_value,
        "base_date": pd.Timestamp(base_date).date().isoformat() if base_date is not None else "",
        "cagr_observed": traj.cagr_observed,
        "cagr_required": traj.cagr_required,
        "trajectory_ratio": traj.ratio,
        "trajectory": traj.label,
        "previous": previous_value,
        "mom": actual - previous_value,
        "data_month": data_month if not pd.isna(data_month) else "",
        "stale": bool(pd.isna(data_month) or str(data_month) < ctx.period),
        "closed": term.final,
        "quote": target.quote,
        "in_force": term.in_force,
        "final": term.final,
        "shortfall": shortfall(actual, value, met, target.comparison) if goal is not None else np.nan,
        "met_on": met_on,
        "term": term.label,
        "light": light_of(status) if not term.final else "",
        "basis_source": goal.source if goal is not None else "",
        "share_of_parent": np.nan,
        "responsible": target.extra.get("responsible", ""),
        "units_covered": 1,
        "units_total": 1,
        "numerator": np.nan,
        "denominator": np.nan,
        "denominator_source": "",
        "years_met": np.nan,
        "years_total": np.nan,
        "years_unjudged": np.nan,
    }


def _met_on(snap: _Snapshot, target: Target, term: Term, place: str, goal: float) -> str:
    """The first month-end (YYYY-MM) in the term at which the place's value met the goal, as the data show it."""
    window = (term.start, term.deadline)
    series = snap.flow_series(target, window)
    if series is not None:
        if place not in series.index:
            return ""
        row = series.loc[place]
        assert isinstance(row, pd.Series)  # the index holds each place once
        hits = [str(m) for m, v in row.items() if is_met(float(v), goal, target.comparison)]
        return hits[0] if hits else ""
    for month in pd.period_range(term.start, term.deadline, freq="M"):
        day = month.to_timestamp(how="end").normalize()
        value = snap.actuals(target, day, window)["value"].get(place, np.nan)
        if is_met(float(value), goal, target.comparison):
            return month.strftime("%Y-%m")
    return ""


def _as_timestamp(as_of) -> pd.Timestamp:
    return pd.Timestamp(as_of if not isinstance(as_of, str) else dt.date.fromisoformat(as_of))


def compute_progress(
    store: Store,
    as_of,
    targets: list[Target] | None = None,
    with_previous: bool = True,
    estimate_splits: bool = False,
    with_met_on: bool = True,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """Progress of `targets` (default: every progress target) at the as-of date.

    `estimate_splits`: give units without an issued allocation an estimated share (basis 测算), for analysts.
    `catalog`: another catalog than data/'s (a test adding a successor plan).
    """
    catalog = catalog or load_catalog()
    ctx = _Context(store, catalog, _as_timestamp(as_of), with_previous, estimate_splits, with_met_on)
    chosen = [t for t in (targets if targets is not None else catalog.progress_targets()) if t.is_progress]
    rows = [row for t in chosen for row in _rows_for_target(ctx, t)]
    frame = pd.DataFrame(rows, columns=PROGRESS_COLUMNS)
    # a region's own plans first, then the targets issued (or estimated) down to it
    frame["_order"] = (frame["basis"] != BASIS_PLAN).astype(int)
    return frame.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)
