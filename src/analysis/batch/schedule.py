"""Which reports are due: `python -m analysis due` and `run-due`.

A 月调度 for month M is due once its submission deadline has passed — day
`submission_deadline_day` (data/progress.yml) of month M+1 — that is, from the day
after. A 季通报 is due once its quarter's last month is due in that sense (its
last monthly data is in). Only months the store holds data for count. A due report
is listed until it has been rendered from the store's current data (so a late
correction makes it due again).
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
    from analysis.progress.engine import settings

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


def due_reports(today: dt.date, store=None, out: Path | None = None, since: str | None = None,
                regions=None, formats=FORMATS) -> list[DueReport]:
    from analysis import paths
    from analysis.batch.run import Job, input_key, is_current, read_manifest, select_regions
    from analysis.reports.render import output_dir
    from analysis.store.history import Store

    db = Store(store)
    out = Path(out or paths.REPORTS_DIR)
    months = [m for m in db.periods() if not since or m >= since]
    names = select_regions(regions)
    result = []
    for kind, period in due_periods(today, months):
        manifest = read_manifest(output_dir(out, kind, period))["reports"]
        for region in names:
            job = Job(kind, period, region, input_key(db, kind, period, region, formats))
            if is_current(out, job):
                continue
            entry = manifest.get(region)
            reason = "未生成" if not entry else ("上次生成失败" if entry.get("status") == "failed" else "数据或笔记本已更新")
            result.append(DueReport(kind, period, region, reason))
    return result


def plan(due: list[DueReport]) -> list[tuple[str, str, list[str]]]:
    """Group due reports into batch groups (kind, period, regions)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for item in due:
        groups.setdefault((item.kind, item.period), []).append(item.region)
    return [(kind, period, regions) for (kind, period), regions in groups.items()]
