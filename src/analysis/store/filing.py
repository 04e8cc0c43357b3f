"""One validated file into the store: what became of it (Outcome), when it was received, what it defines for
the files after it (enterprises and clusters) and the 企业迁移 it makes.

`analysis.store.ingest` runs folders of files through this, one after another or with `readahead`'s workers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from analysis.errors import UserError
from analysis.store.history import AddResult, Store

DEBUG_ENV = "WORKBOOK_DEBUG"  # set to see the traceback of a file the reader cannot handle


@dataclass
class Outcome:
    """What happened to one file."""

    path: Path
    status: str  # added | correction | duplicate | rejected
    result: AddResult | None = None
    problems: list[str] = field(default_factory=list)  # Chinese lines, for rejections
    notes: list[str] = field(default_factory=list)  # Chinese lines the user must see (a former name resolved …)
    moves: int = 0  # enterprises the file moved from another unit (企业迁移)
    omitted: int = 0  # problems found beyond those listed (the reader lists at most limits.Limits.problems)

    @property
    def rejected(self) -> bool:
        return self.status == "rejected"


RECEIVED_FROM_FILE = "mtime"  # --received-on mtime: each file's modification time is when it was received


def check_received_on(text: str | None) -> str | None:
    """--received-on as given: None (not known), "mtime", or a local date or time 'YYYY-MM-DD[ HH:MM[:SS]]',
    normalised; a time in the future is refused (nothing can have been received then)."""
    from datetime import datetime

    if text is None or not text.strip():
        return None
    text = text.strip()
    if text.lower() == RECEIVED_FROM_FILE:
        return RECEIVED_FROM_FILE
    for form, shown in (("%Y-%m-%d", "%Y-%m-%d"), ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:00"), ("%Y-%m-%d %H:%M:%S", None)):
        try:
            when = datetime.strptime(text.replace("T", " "), form)
        except ValueError:
            continue
        if when > datetime.now():
            raise UserError(f"--received-on {text} 晚于当前时间：接收时间不能在将来")
        return when.strftime(shown or "%Y-%m-%d %H:%M:%S")
    raise UserError(
        f"--received-on 的值“{text}”无法识别：应为接收日期（如 2025-10-08）、日期和时间（如 2025-10-08 14:30），"
        f"或 {RECEIVED_FROM_FILE}（取各文件的修改时间）"
    )


def received_time(path: Path, received_on: str | None) -> str | None:
    """When `path` reached the bureau, by --received-on (checked): its mtime in local time, the given time, or None."""
    from datetime import datetime

    if received_on == RECEIVED_FROM_FILE:
        return datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M:%S")
    return received_on


def ingest_file(store: Store, path: Path, period: str | None, known: dict, received_at: str | None = None) -> Outcome:
    """Read, validate and store one file (received at `received_at`, if known); a rejected file leaves the store
    untouched."""
    return _ingest_one(store, path, period, known, received_at)[0]


def _ingest_one(
    store: Store, path: Path, period: str | None, known: dict, received_at: str | None = None
) -> tuple[Outcome, dict]:
    """ingest_file, plus the enterprises and clusters the file defined (empty unless stored)."""
    from analysis.store.staging import prepare_checked
    from analysis.submissions.validate import SubmissionRejected, read_checked

    try:
        checked = read_checked(path, period, known_enterprises=known["enterprises"], known_clusters=known["clusters"])
    except SubmissionRejected as err:
        return _rejected(path, err), _NOTHING
    except UserError as err:
        return Outcome(path, "rejected", problems=[str(err)]), _NOTHING
    except Exception as err:  # noqa: BLE001 - a file the reader chokes on must not stop the batch
        if os.environ.get(DEBUG_ENV):
            raise
        return Outcome(
            path,
            "rejected",
            problems=[f"无法读取该文件（{type(err).__name__}: {err}）；如确认文件无误，请将其发给维护人员"],
        ), _NOTHING
    defined, names = defined_names(checked.tables), enterprise_names(checked.tables)
    return _store(store, path, prepare_checked(checked), defined, known, names, received_at)


_NOTHING: dict = {"enterprises": {}, "clusters": {}}


def _rejected(path: Path, err: UserError) -> Outcome:
    """The Outcome of a file the reader refused (SubmissionRejected: its problems, listed and counted)."""
    problems = [str(p) for p in getattr(err, "problems", ())] or [str(err)]
    return Outcome(path, "rejected", problems=problems, omitted=getattr(err, "omitted", 0))


def defined_names(tables: dict) -> dict[str, dict]:
    """The enterprises (credit code -> 地区) and clusters (name -> 地区) a submission defines
    (`tables`: a Submission's DataFrames or a CheckedSubmission's CheckedTables)."""
    out = {}
    for name, sheet, key in (("enterprises", "企业名录", "统一社会信用代码"), ("clusters", "集群名录", "集群名称")):
        table = tables.get(sheet)
        out[name] = (
            dict(zip(table[key].tolist(), table["地区"].tolist(), strict=True))
            if table is not None and key in table
            else {}
        )
    return out


def enterprise_names(tables: dict) -> dict[str, str]:
    """Credit code -> 企业名称 of the enterprises a submission lists (for the 企业迁移 notes)."""
    table = tables.get("企业名录")
    if table is None or "企业名称" not in table:
        return {}
    return dict(zip(table["统一社会信用代码"].tolist(), table["企业名称"].tolist(), strict=True))


def _store(
    store: Store,
    path: Path,
    submission,
    defined: dict,
    known: dict,
    names: dict[str, str],
    received_at: str | None = None,
) -> tuple[Outcome, dict]:
    """Store a validated submission and make what it defines known to the files after it
    (`names`: enterprise_names of the file, for its 企业迁移 notes; `received_at`: when the file was received).

    Incremental (not re-read from the store) so a batch stays linear; an enterprise a
    correction dropped stays referable until the next run, which only loosens a check.
    """
    result = store.add(submission, known.get("sent"), received_at)
    notes = list(getattr(submission, "notes", None) or [])
    if result.status == "duplicate":  # what it defines is current in the store: known, as to a run after it
        for name, names_ in defined.items():
            known[name].update(names_)
        return Outcome(path, result.status, result, notes=notes), _NOTHING
    known["state"] = store.state()
    moves = moved_enterprises(defined["enterprises"], known["enterprises"])
    notes += migration_notes(moves, names)
    for name, names in defined.items():
        known[name].update(names)
    return Outcome(path, result.status, result, notes=notes, moves=len(moves)), defined


MOVES_SHOWN = 10


def moved_enterprises(defined: dict[str, str], known: dict[str, str]) -> list[tuple[str, str, str]]:
    """(credit code, from unit, to unit) of each enterprise a file lists under another unit than the store did
    (both sides carry the registry's names: the validator wrote the file's, known_names resolved the store's)."""
    return [(code, known[code], unit) for code, unit in defined.items() if code in known and unit != known[code]]


def migration_notes(moves: list[tuple[str, str, str]], names: dict[str, str]) -> list[str]:
    """企业迁移 lines (`names`: credit code -> 企业名称): the enterprise now in its new unit's register; the old
    unit's rows are left as they are."""
    lines = [
        f"企业迁移：{names.get(code, '')}（{code}）由{old}迁至{new}；{old}已报送的其他内容不变，"
        f"请{old}在下次报送的企业名录中删去该企业"
        for code, old, new in moves[:MOVES_SHOWN]
    ]
    if len(moves) > MOVES_SHOWN:
        lines.append(f"另有 {len(moves) - MOVES_SHOWN} 家企业迁移，未逐一列出")
    return lines


def known_names(store: Store) -> dict:
    """The store's enterprises and clusters with their regions resolved, once per run."""
    from analysis.submissions.validate import known_names as resolved

    return {"enterprises": resolved(store.known_enterprises()), "clusters": resolved(store.known_clusters())}
