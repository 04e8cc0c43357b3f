"""报送情况: a bureau's units × months, each cell 按时, 逾期, 已报 (received when, nobody knows), 未报 (待报 before
the deadline), 退回 or 已更正, with the 报送率 and 按时率 of each month.

A month's deadline is data: `submission_deadline_day` of data/progress.yml (the 10th) of the next month
(batch.schedule.deadline). On time or late is judged by when a file was *received* (the store's received_at: the
upload's time for the 报送平台, `ingest --received-on` for the command line), never by when it was stored: an
analyst who loads a year of e-mailed files today has not made them all late. A unit-month is on time when a file of
it was received by the end of the deadline day, late when every file was received after it; when a file's receipt
is unknown and no known one was on time, the cell is 已报 and has no verdict. 已更正 once one of its parts was
replaced by a correction or a return was answered; 退回 while a return is open. 报送率: units with a current
submission / all units; 按时率: units on time / the units with a verdict (all but the 已报 ones).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analysis.batch.schedule import deadline
from analysis.periods import latest_complete_month, previous_period

ON_TIME, LATE, UNTIMED, MISSING, NOT_DUE, RETURNED, CORRECTED = "按时", "逾期", "已报", "未报", "待报", "退回", "已更正"
STATE_CLASS = {
    ON_TIME: "ok",
    LATE: "late",
    UNTIMED: "untimed",
    MISSING: "missing",
    NOT_DUE: "notdue",
    RETURNED: "returned",
    CORRECTED: "corrected",
}
STATE_MEANING = {
    ON_TIME: "截止日前收到",
    LATE: "截止日后收到",
    UNTIMED: "已报送，但导入时未记录接收时间，不判断按时与否",
    MISSING: "已过截止日仍未报送",
    NOT_DUE: "尚未到截止日，未报送",
    RETURNED: "已退回，待单位重新报送",
    CORRECTED: "报送后又有更正",
}


@dataclass
class Cell:
    unit: str
    period: str
    state: str
    first_at: str = ""  # when its first file was stored
    on_time: bool | None = None  # None: not submitted, or received at a time nobody recorded
    submitted: bool = False
    submission_ids: tuple[int, ...] = ()
    received_at: str = ""  # when its first file of known receipt was received

    @property
    def css(self) -> str:
        return STATE_CLASS[self.state]

    @property
    def note(self) -> str:
        """The cell's tooltip: what the state means, and the times behind it."""
        parts = [STATE_MEANING[self.state]]
        if self.received_at:
            parts.append(f"收到 {self.received_at}")
        if self.first_at:
            parts.append(f"入库 {self.first_at}")
        return "；".join(parts)


@dataclass
class Rate:
    period: str
    expected: int
    submitted: int
    on_time: int
    deadline: dt.date
    untimed: int = 0  # units submitted at a time nobody recorded: left out of the 按时率
    closed: bool = True  # the deadline has passed: the 按时率 is final

    @property
    def judged(self) -> int:
        return self.expected - self.untimed

    @property
    def submitted_pct(self) -> str:
        return f"{100 * self.submitted / self.expected:.1f}%" if self.expected else "—"

    @property
    def on_time_pct(self) -> str:
        """On time / units with a verdict; "—" when no reported unit has one (only the missing would be counted)."""
        if not self.judged or (self.untimed and self.submitted == self.untimed):
            return "—"
        return f"{100 * self.on_time / self.judged:.1f}%"


def collecting_period(today: dt.date | None = None) -> str:
    """The month being collected: the last complete month (due by the 10th of this one)."""
    return latest_complete_month(today)


def next_period(period: str, count: int = 1) -> str:
    year, month = divmod(int(period[:4]) * 12 + int(period[5:7]) - 1 + count, 12)
    return f"{year:04d}-{month + 1:02d}"


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
    ids = submissions["id"].tolist()
    stored_at = dict(zip(ids, submissions["ingested_at"].tolist(), strict=True))
    received = submissions["received_at"] if "received_at" in submissions else [None] * len(ids)
    received_at = {i: str(r) for i, r in zip(ids, received, strict=True) if isinstance(r, str) and r}
    wanted = parts[parts["unit"].isin(units) & parts["period"].isin(months)]
    groups = {key: frame for key, frame in wanted.groupby(["unit", "period"], sort=False)}
    cells = {}
    for unit in units:
        for month in months:
            frame = groups.get((unit, month))
            cells[(unit, month)] = _cell(unit, month, frame, stored_at, received_at, returns, now)
    return cells


def _cell(unit, month, frame, stored_at, received_at, returns, now) -> Cell:
    due = deadline(month)
    if frame is None or frame.empty:
        state = NOT_DUE if now.date() <= due else MISSING
        return Cell(unit, month, RETURNED if returns.get((unit, month)) else state)
    ids = tuple(sorted(set(frame["submission_id"].tolist())))
    first = min(stored_at.get(i, "") for i in ids)
    on_time, received = timeliness([received_at.get(i) for i in ids], due)
    submitted = bool(frame["superseded_by"].isna().any())
    replaced = bool(frame["superseded_by"].notna().any())
    if returns.get((unit, month)):
        state = RETURNED
    elif replaced or (unit, month) in returns:
        state = CORRECTED
    elif not submitted:
        state = MISSING
    else:
        state = UNTIMED if on_time is None else ON_TIME if on_time else LATE
    return Cell(unit, month, state, first, on_time, submitted, ids, received)


def timeliness(received: list[str | None], due: dt.date) -> tuple[bool | None, str]:
    """(on time?, the earliest known receipt) of a unit-month's files: on time when any file was received by the
    deadline day; late when every file's receipt is known and after it; None when a file of unknown receipt could
    have been the first."""
    known = sorted(r for r in received if r)
    if known and dt.date.fromisoformat(known[0][:10]) <= due:
        return True, known[0]
    if not known or len(known) < len(received):
        return None, known[0] if known else ""
    return False, known[0]


def rates(
    cells: dict[tuple[str, str], Cell], units: list[str], months: list[str], today: dt.date | None = None
) -> list[Rate]:
    """The rates of each month (`today`: to tell the months whose deadline has not passed yet)."""
    out = []
    for month in months:
        row = [cells[(u, month)] for u in units]
        submitted = sum(c.submitted for c in row)
        on_time = sum(bool(c.submitted and c.on_time) for c in row)
        untimed = sum(c.submitted and c.on_time is None for c in row)
        due = deadline(month)
        out.append(Rate(month, len(units), submitted, on_time, due, untimed, today is None or today > due))
    return out


def missing_units(cells: dict[tuple[str, str], Cell], units: list[str], month: str) -> list[str]:
    """Units without a current submission for `month` (returned ones included: they owe a corrected file)."""
    return [u for u in units if not cells[(u, month)].submitted or cells[(u, month)].state == RETURNED]
