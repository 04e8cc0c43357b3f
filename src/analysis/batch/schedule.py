"""Which reports are due: `python -m analysis due` and `run-due`.

A 月调度 for month M is due once its submission deadline has passed — day
`submission_deadline_day` (data/progress.yml) of month M+1 — that is, from the day
after. A 季通报 is due once its quarter's last month is due in that sense (its
last monthly data is in). Only months the store holds data for count, and only for
a region with one of its plans in force in the period (reports.plans): after a
plan ends, nothing is due but its final assessment. A due report
is listed until it has been rendered from the store's current data (so a late
correction makes it due again). A plan's 终期评估 is due once its horizon has passed
and the data of its last month are in (that month's submission deadline has passed
and the store holds it), for its jurisdiction and each unit it issued targets to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.reports.render import FORMATS


@dataclass(frozen=True)
class DueReport:
    kind: str
    period: str
    region: str
    reason: str


def deadline(month: str) -> dt.date:
    """The submission deadline of monthly data for `month` (YYYY-MM)."""
    from analysis.progress.verdicts import settings

    day = int(settings()["submission_deadline_day"])
    nxt = pd.Period(month, "M") + 1
    return dt.date(nxt.year, nxt.month, min(day, nxt.days_in_month))


def due_periods(today: dt.date, months: list[str]) -> list[tuple[str, str]]:
    """(kind, period) pairs due on `today`, among the months the store holds."""
    out = []
    for month in sorted(months):
        if today <= deadline(month):
            continue
        out.append(("monthly", month))
        m = pd.Period(month, "M")
        if m.month % 3 == 0:
            out.append(("quarterly", f"{m.year}-Q{m.quarter}"))
    return out


def due_reports(
    today: dt.date, store=None, out: Path | None = None, since: str | None = None, regions=None, formats=FORMATS
) -> list[DueReport]:
    from analysis import paths
    from analysis.batch.run import Job, input_key, report_state, select_regions
    from analysis.reports.plans import plans_in_force
    from analysis.store.history import Store

    db = Store(store)
    out = Path(out or paths.REPORTS_DIR)
    months = [m for m in db.periods() if not since or m >= since]
    names = select_regions(regions, db)
    result = []
    # a 调度/通报 only for a region with a plan in force in the period (after that: its final assessment)
    wanted = [
        (kind, period, [r for r in names if plans_in_force(r, kind, period)])
        for kind, period in due_periods(today, months)
    ]
    wanted += [("final", plan_id, [r for r in regions_ if r in names]) for plan_id, regions_ in due_finals(today, db)]
    for kind, period, region_names in wanted:
        for region in region_names:
            reason = report_state(out, Job(kind, period, region, input_key(db, kind, period, region)), formats)
            if reason:
                result.append(DueReport(kind, period, region, reason))
    return result


def due_finals(today: dt.date, db) -> list[tuple[str, list[str]]]:
    """(plan id, regions) of the final assessments due on `today`."""
    from analysis.catalog.targets import load_catalog
    from analysis.reports.final import final_regions

    newest = db.latest_period() or ""
    out = []
    for plan in load_catalog().plans.values():
        last = plan.end.strftime("%Y-%m")
        # the last month is in once the store holds it or a later one (registers carry the history)
        if newest >= last and today > deadline(last):
            out.append((plan.id, final_regions(db, plan)))
    return out


def plan(due: list[DueReport]) -> list[tuple[str, str, list[str]]]:
    """Group due reports into batch groups (kind, period, regions)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for item in due:
        groups.setdefault((item.kind, item.period), []).append(item.region)
    return [(kind, period, regions) for (kind, period), regions in groups.items()]
