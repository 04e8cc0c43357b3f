"""The one place where the 报送平台 meets the store: validate and ingest exactly as the command line does.

Everything the web layer reads from or writes to the store goes through this module, so that a new store interface
changes this file only. An upload is checked by the validator (`read_checked`, the same one `ingest` runs) with the
uploading account as its submitter (`account=unit`: `submitter.decide`, the one rule of who may submit what),
its figures are compared with the month before (warnings), and only then is it stored by `ingest_file` under
the store's ingest lock: the check inside the lock and ingest's own see the same store, so the outcome is the one
`python -m analysis ingest` would give for the same file.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
from django.conf import settings

from analysis.errors import UserError
from analysis.store import ingest
from analysis.store.history import ISSUED_SHEETS as ISSUED_SHEETS  # targets a level above issues, not a report
from analysis.store.history import Store
from analysis.submissions.validate import SubmissionRejected, read_checked
from analysis.web import jumps

STORED_STATUSES = ("added", "correction", "restored", "duplicate")


@dataclass
class Verdict:
    """What became of one upload."""

    outcome: str  # rejected | checked | needs_explanation | added | correction | restored | duplicate
    period: str | None = None
    problems: list[dict] = field(default_factory=list)  # file, sheet, row, column, value, reason
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    units: list[str] = field(default_factory=list)
    submission_id: int | None = None
    superseded: list[int] = field(default_factory=list)


_STORES: dict[str, Store] = {}
_KNOWN: dict[str, tuple[tuple, float, dict]] = {}  # store location -> (store token, when read, known names)
_KNOWN_LOCK = threading.Lock()
KNOWN_MAX_AGE = 30.0  # seconds a process keeps the store's enterprises and clusters between uploads


def open_store() -> Store:
    """One Store per process and location (it checks the database once before its first write, not per upload)."""
    location = str(settings.STORE_LOCATION)
    if location not in _STORES:
        _STORES[location] = Store(location)
    return _STORES[location]


def _known(store: Store) -> dict:
    """The store's enterprises and clusters (ingest.known_names), kept between uploads like one long ingest run:
    each stored file adds what it defines (ingest_file does), and the names are read again when another writer
    changed the store or after KNOWN_MAX_AGE seconds. Reading them costs about 0.6 s at province size; as within an
    ingest run, an enterprise a correction dropped stays referable until they are read again (a looser check, never a
    stricter one)."""
    token = _store_token(store)
    with _KNOWN_LOCK:
        cached = _KNOWN.get(str(store.dir))
        if cached is None or cached[0] != token or time.monotonic() - cached[1] > KNOWN_MAX_AGE:
            cached = (token, time.monotonic(), ingest.known_names(store))
            _KNOWN[str(store.dir)] = cached
        return cached[2]


def _store_token(store: Store) -> tuple:
    """What changes whenever anything is stored: the number of submissions and the newest id."""
    stored = store.submissions(include_superseded=True)
    return (len(stored), int(stored["id"].max()) if len(stored) else 0)


def _remember(store: Store, known: dict) -> None:
    """After this process stored a file: the names ingest_file added are current, and so is the token."""
    with _KNOWN_LOCK:
        cached = _KNOWN.get(str(store.dir))
        if cached is not None and cached[2] is known:
            _KNOWN[str(store.dir)] = (_store_token(store), cached[1], known)


def stored_name(unit: str, period: str, kind: str, sheet: str = "") -> str:
    """The name the file is ingested under: the account's unit and the period (a CSV: and its sheet), so that the
    file name rule names the account as the submitter. The name the user gave is only shown."""
    return f"{unit}-{period}{'-' + sheet if sheet else ''}.{kind}"


def process(
    path: Path,
    unit: str,
    period: str,
    shown_name: str,
    *,
    commit: bool,
    explanation: str = "",
    received_at: str | None = None,
) -> Verdict:
    """Check the file at `path` for `unit`; with `commit`, store it when it passes (and its warnings are explained),
    as received at `received_at` (local time 'YYYY-MM-DD HH:MM:SS': when the request came in)."""
    store = open_store()
    with store.ingest_lock(), store.writing():  # a dry run too: the names it reads are being added to
        known = _known(store)
        if not commit:
            return _check(store, path, unit, period, shown_name, known)
        verdict = _check(store, path, unit, period, shown_name, known)
        if verdict.outcome == "rejected" or (verdict.warnings and not explanation.strip()):
            return dataclasses.replace(verdict, outcome="rejected" if verdict.problems else "needs_explanation")
        outcome = ingest.ingest_file(store, path, period, known, received_at)
        _remember(store, known)
    return _stored(verdict, outcome, path.name, shown_name)


def _check(store: Store, path: Path, unit: str, period: str, shown: str, known: dict) -> Verdict:
    """The validator's verdict on the file, the submitter rule for the account's unit, and the warnings."""
    try:
        checked = read_checked(
            path, period, known_enterprises=known["enterprises"], known_clusters=known["clusters"], account=unit
        )
    except SubmissionRejected as err:
        return Verdict("rejected", period, [_problem(p, shown) for p in err.problems])
    except UserError as err:
        return Verdict("rejected", period, [_message(str(err), path.name, shown)])
    except Exception as err:  # noqa: BLE001 - as ingest: a file the reader chokes on is refused, not a server error
        if os.environ.get(ingest.DEBUG_ENV):
            raise
        reason = f"无法读取该文件（{type(err).__name__}）；如确认文件无误，请将其发给维护人员"
        return Verdict("rejected", period, [_message(reason, path.name, shown)])
    units = sorted(checked.units)
    rows = {name: len(table) for name, table in checked.tables.items()}
    earlier = _earlier(store, units, checked.period)
    warnings = jumps.jump_warnings(checked.tables, checked.period, earlier, settings.JUMP_FACTOR, settings.JUMP_FLOOR)
    return Verdict("checked", checked.period, [], warnings, list(checked.notes), rows, units)


def _earlier(store: Store, units: list[str], period: str) -> dict[str, pd.DataFrame]:
    """The store's rows of the two months before `period` that the warnings compare with."""
    first, last = jumps.months_needed(period)
    out = {}
    for sheet in (jumps.INDICATOR_SHEET, jumps.CLUSTER_SHEET):
        frame = store.snapshot(sheet, as_of_period=last, units=units, provenance=False)
        out[sheet] = frame[frame["年月"].astype(str).between(first, last)] if "年月" in frame else frame
    return out


def _stored(verdict: Verdict, outcome: ingest.Outcome, stored: str, shown: str) -> Verdict:
    if outcome.rejected or outcome.result is None:  # the store changed under a concurrent writer: as ingest says
        problems = [_message(text, stored, shown) for text in outcome.problems]
        return dataclasses.replace(verdict, outcome="rejected", problems=problems)
    result = outcome.result
    return dataclasses.replace(
        verdict,
        outcome=outcome.status,
        notes=list(outcome.notes),
        submission_id=result.submission_id,
        superseded=list(result.superseded),
        rows=dict(result.rows) or verdict.rows,
    )


def _problem(problem, shown: str) -> dict:
    return {
        "file": shown,
        "sheet": problem.sheet,
        "row": problem.row,
        "column": problem.column,
        "value": problem.value,
        "reason": problem.reason,
    }


# The file is stored under the period chosen on the upload page (stored_name), so the validator's "the period in
# the file name" is, to the person uploading, the period they chose: their own file name may say something else.
_NAMED_PERIOD = "文件名中的填报期"
_CHOSEN_PERIOD = "上传时所选的填报期"


def _message(text: str, stored: str, shown: str) -> dict:
    """A problem without a cell (an unreadable file): the message with the user's own file name."""
    reason = text.removeprefix(f"{stored}：").removeprefix(stored).replace(_NAMED_PERIOD, _CHOSEN_PERIOD)
    return {"file": shown, "sheet": None, "row": None, "column": None, "value": None, "reason": reason}


def problem_line(problem: dict) -> str:
    """文件｜工作表“…”｜第N行｜列“…”｜值“…”：原因 — the form the command line prints."""
    parts = [problem["file"]]
    if problem.get("sheet") is not None:
        parts.append(f"工作表“{problem['sheet']}”")
    if problem.get("row") is not None:
        parts.append(f"第{problem['row']}行")
    if problem.get("column") is not None:
        parts.append(f"列“{problem['column']}”")
    if problem.get("value") is not None:
        parts.append(f"值“{problem['value']}”")
    return "｜".join(parts) + "：" + problem["reason"]


def local_now() -> str:
    """Now, in the store's convention for its times (the machine's local time, 'YYYY-MM-DD HH:MM:SS')."""
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


# --- reading what the store holds, for the bureau's views ------------------------------------


def parts(include_superseded: bool = True) -> pd.DataFrame:
    """submission_id, unit, sheet, period, n_rows, superseded_by (every part, replaced ones included)."""
    return open_store().parts(include_superseded=include_superseded)


def submissions() -> pd.DataFrame:
    """id, file_name, sha256, period, units, ingested_at, status, received_at of every stored submission."""
    return open_store().submissions(include_superseded=True)
