"""A target's terms: the spans it is judged over, and whether each is in force or final at a date.

A plan's targets live inside its period (docs/methodology.md, section 3):
- a dated target (到2025年) has one term, from the plan's baseline to 31 December
  of its year; from that day on (inclusive) it is final;
- a 每年 target has one term per year of the plan (`Plan.annual_years`), each
  final from its 31 December, and, once the last year is final, a plan-period
  total (the years' results against the sum of the yearly targets);
- after the plan's end nothing is in force: a target shows only final results.
A successor plan or an extension is data: a new plan file, or `valid_until` in
the plan's metadata.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.catalog.targets import Plan, Target


@dataclass(frozen=True)
class Term:
    label: str  # "2025", "2024" (a year of a 每年 target), "2023-2025" (the plan-period total)
    start: pd.Timestamp
    deadline: pd.Timestamp
    final: bool  # the as-of date is on or after the deadline
    in_force: bool  # open, inside the plan's period
    years: int = 1  # yearly targets a total adds up (the goal is low × years)

    @property
    def is_total(self) -> bool:
        return "-" in self.label


def _year_window(year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    return pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)


def _is_calendar_year(target: Target) -> bool:
    """Targets measured over one calendar year: flows of a year, and year-on-year growth of clusters."""
    return target.kind in ("annual", "in-year") or (target.kind == "growth" and "cluster" in target.measure)


def terms(target: Target, plan: Plan, as_of: pd.Timestamp) -> list[Term]:
    """The terms of `target` to show at `as_of`: final ones, then the one in force (if any)."""
    plan_end = pd.Timestamp(plan.end)
    if target.period == "annual":
        return _annual_terms(plan, as_of, plan_end)
    year = int(target.period)
    if _is_calendar_year(target):
        start, deadline = _year_window(year)
    else:
        start = pd.Timestamp(target.extra.get("baseline") or plan.baseline_date)
        deadline = pd.Timestamp(year, 12, 31)
    if as_of < start:
        return []
    final = as_of >= deadline
    return [Term(str(year), start, deadline, final, in_force=not final and as_of <= plan_end)]


def _annual_terms(plan: Plan, as_of: pd.Timestamp, plan_end: pd.Timestamp) -> list[Term]:
    years = [y for y in plan.annual_years if pd.Timestamp(y, 1, 1) <= as_of]
    out = []
    for year in years:
        start, deadline = _year_window(year)
        final = as_of >= deadline
        out.append(Term(str(year), start, deadline, final, in_force=not final and as_of <= plan_end))
    all_years = plan.annual_years
    if len(all_years) > 1 and as_of >= pd.Timestamp(all_years[-1], 12, 31):
        out.append(
            Term(
                f"{all_years[0]}-{all_years[-1]}",
                pd.Timestamp(all_years[0], 1, 1),
                pd.Timestamp(all_years[-1], 12, 31),
                final=True,
                in_force=False,
                years=len(all_years),
            )
        )
    return out
