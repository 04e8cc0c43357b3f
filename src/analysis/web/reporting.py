"""报送情况: a bureau's units × months, each cell 按时, 逾期, 未报 (待报 before the deadline), 退回 or 已更正,
with the 报送率 and 按时率 of each month.

A month's deadline is data: `submission_deadline_day` of data/progress.yml (the 10th) of the next month
(batch.schedule.deadline). A unit-month is on time when its first accepted file reached the store by the end of
that day; 已更正 once one of its parts was replaced by a correction or a return was answered; 退回 while a return
is open. The rates count units with a current submission (报送率) and those whose first file was on time (按时率)
against every unit the bureau follows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analysis.batch.schedule import deadline
from analysis.periods import latest_complete_month, previous_period

ON_TIME, LATE, MISSING, NOT_DUE, RETURNED, CORRECTED = "按时", "逾期", "未报", "待报", "退回", "已更正"
STATE_CLASS = {
    ON_TIME: "ok",
    LATE: "late",
    MISSING: "missing",
    NOT_DUE: "notdue",
    RETURNED: "returned",
    CORRECTED: "corrected",
}


@dataclass
class Cell:
    unit: str
    period: str
    state: str
    first_at: str = ""  # when its first file was stored
    on_time: bool = False
    submitted: bool = False
    submission_ids: tuple[int, ...] = ()

    @property
    def css(self) -> str:
        return STATE_CLASS[self.state]


@dataclass
class Rate:
    period: str
    expected: int
    submitted: int
    on_time: int
    deadline: dt.date

    @property
    def submitted_pct(self) -> str:
        return f"{100 * self.submitted / self.expected:.1f}%" if self.expected else "—"

    @property
    def on_time_pct(self) -> str:
        return f"{100 * self.on_time / self.expected:.1f}%" if self.expected else "—"


def collecting_period(today: dt.date | None = None) -> str:
    """The month being collected: the last complete month (due by the 10th of this one)."""
    return latest_complete_month(today)


def months_ending(end: str, count: int) -> list[str]:
    months = [end]
    while len(months) < count:
        months.insert(0, previous_period(months[0]))
    return months


def matrix(
    units: list[str],
    months: list[str],
    parts: pd.DataFrame,
    submissions: pd.DataFrame,
    returns: dict[tuple[str, str], bool],
    now: dt.datetime,
) -> dict[tuple[str, str], Cell]:
    """Every (unit, month) cell (`returns`: (unit, period) → open; `now`: local time, for 未报 against 待报)."""
    stored_at = dict(zip(submissions["id"].tolist(), submissions["ingested_at"].tolist(), strict=True))
    wanted = parts[parts["unit"].isin(units) & parts["period"].isin(months)]
    groups = {key: frame for key, frame in wanted.groupby(["unit", "period"], sort=False)}
    cells = {}
    for unit in units:
        for month in months:
            cells[(unit, month)] = _cell(unit, month, groups.get((unit, month)), stored_at, returns, now)
    return cells


def _cell(unit, month, frame, stored_at, returns, now) -> Cell:
    due = deadline(month)
    if frame is None or frame.empty:
        state = NOT_DUE if now.date() <= due else MISSING
        return Cell(unit, month, RETURNED if returns.get((unit, month)) else state)
    ids = tuple(sorted(set(frame["submission_id"].tolist())))
    first = min(stored_at.get(i, "") for i in ids)
    on_time = bool(first) and dt.date.fromisoformat(first[:10]) <= due
    submitted = bool(frame["superseded_by"].isna().any())
    replaced = bool(frame["superseded_by"].notna().any())
    if returns.get((unit, month)):
        state = RETURNED
    elif replaced or (unit, month) in returns:
        state = CORRECTED
    elif not submitted:
        state = MISSING
    else:
        state = ON_TIME if on_time else LATE
    return Cell(unit, month, state, first, on_time, submitted, ids)


def rates(cells: dict[tuple[str, str], Cell], units: list[str], months: list[str]) -> list[Rate]:
    out = []
    for month in months:
        row = [cells[(u, month)] for u in units]
        submitted = sum(c.submitted for c in row)
        on_time = sum(c.submitted and c.on_time for c in row)
        out.append(Rate(month, len(units), submitted, on_time, deadline(month)))
    return out


def missing_units(cells: dict[tuple[str, str], Cell], units: list[str], month: str) -> list[str]:
    """Units without a current submission for `month` (returned ones included: they owe a corrected file)."""
    return [u for u in units if not cells[(u, month)].submitted or cells[(u, month)].state == RETURNED]
