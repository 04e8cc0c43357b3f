"""Writing into the store: one accepted submission (or one explicit 本期无数据) per transaction.

Everything here runs inside a write transaction the caller began (`history.Store.add` / `empty`): the new
submission's row, its rows in each sheet, its parts (superseding the current part of the same unit, sheet and
period), its archive log entry and the store's counters. Ids are the previous largest plus one, given under the
write lock, so every backend numbers submissions alike and a rebuild gives back the same numbers.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import and_, bindparam, case, func, insert, literal, or_, select, update

from analysis.store import schema
from analysis.store.backends import Backend
from analysis.store.digests import catalogue_digest, part_digest, submission_digest
from analysis.store.layout import META_COLUMNS, ROW_COLUMNS
from analysis.store.staging import PreparedSheet, PreparedSubmission
from analysis.store.values import coerce, widen

# Test hook: seconds to sleep inside the write transaction (crash-safety tests).
SLEEP_HOOK_ENV = "WORKBOOK_STORE_TEST_SLEEP"

S, P, C, M, L = schema.submissions, schema.parts, schema.columns, schema.meta, schema.archive_log


@dataclass
class AddResult:
    status: str  # 'added' | 'duplicate' | 'correction' | 'restored' | 'emptied'
    submission_id: int
    period: str
    units: list[str]
    rows: dict[str, int] = field(default_factory=dict)  # sheet -> rows stored
    superseded: list[int] = field(default_factory=list)  # ids of submissions replaced (in part)
    restored: int | None = None  # a restore: the id of the earlier submission of the same file
    sha256: str = ""  # of the file's bytes (the receipt's SHA-256)
    ingested_at: str = ""
    digest: str = ""  # the submission's digest (digests.submission_digest)


def now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


def sleep_hook() -> None:
    seconds = os.environ.get(SLEEP_HOOK_ENV)
    if seconds:
        print("store: inside transaction", flush=True, file=sys.stderr)
        time.sleep(float(seconds))


# ---------------------------------------------------------------- statements (compiled once per backend)


def _meta_value(key: str):
    return select(M.c.value).where(M.c.key == key).scalar_subquery()


# What a write needs to know before it writes, in one query: the counters, the latest submission of the same bytes
# for the period, the next id (each a round trip of its own to a database server otherwise).
_PRELUDE = select(
    _meta_value(schema.WRITE_COUNTER).label("counter"),
    _meta_value(schema.CHANGES).label("changes"),
    _meta_value(schema.SUBMISSION_COUNT).label("count"),
    _meta_value(schema.CATALOGUE_DIGEST).label("catalogue"),
    select(func.max(S.c.id))
    .where(S.c.sha256 == bindparam("sha"), S.c.period == bindparam("period"))
    .scalar_subquery()
    .label("same"),
    select(func.coalesce(func.max(S.c.id), 0) + 1).scalar_subquery().label("next"),
)
_SUPERSEDED_PARTS = select(func.count()).where(P.c.submission_id == bindparam("sid"), P.c.superseded_by.is_not(None))
_INSERT_SUBMISSION = insert(S).values({c.name: bindparam(c.name) for c in S.columns})
_INSERT_LOG = insert(L).values(id=bindparam("id"), entry=bindparam("entry"))
_INSERT_COLUMN = insert(C).values(
    sheet=bindparam("sheet"), name=bindparam("name"), kind=bindparam("kind"), position=bindparam("position")
)
_SET_KIND = (
    update(C).where(C.c.sheet == bindparam("sheet"), C.c.name == bindparam("name")).values(kind=bindparam("kind"))
)
_ALL_COLUMNS = select(C.c.sheet, C.c.name, C.c.kind, C.c.position)
_META = select(M.c.key, M.c.value)
_SET_META = update(M).where(M.c.key == bindparam("k")).values(value=bindparam("v"))
_INSERT_META = insert(M).values(key=bindparam("k"), value=bindparam("v"))
# The counters moved on, and the state this write leaves, "counter:changes" (changes: counted by PostgreSQL's
# triggers, including this transaction's statements), remembered as verified, in one statement.
_SEAL = (
    update(M)
    .where(or_(M.c.key == schema.WRITE_COUNTER, M.c.key == schema.SUBMISSION_COUNT, M.c.key == schema.VERIFIED_AT))
    .values(
        value=case(
            (M.c.key == schema.WRITE_COUNTER, bindparam("counter")),
            (M.c.key == schema.SUBMISSION_COUNT, bindparam("count")),
            else_=bindparam("counter") + literal(":") + _meta_value(schema.CHANGES),
        )
    )
    .returning(M.c.key, M.c.value)
)


def _superseders(backend: Backend, conn, sid: int) -> set[str]:
    """The sha256 of every submission that superseded `sid`, directly or through later corrections."""
    later = (
        select(P.c.superseded_by.label("id"))
        .where(P.c.submission_id == sid, P.c.superseded_by.is_not(None))
        .cte("later", recursive=True)
    )
    step = P.alias("step")
    later = later.union(
        select(step.c.superseded_by)
        .join(later, step.c.submission_id == later.c.id)
        .where(step.c.superseded_by.is_not(None))
    )
    query = select(S.c.sha256).distinct().join(later, S.c.id == later.c.id)
    return {row[0] for row in backend.rows(conn, query)}


def prelude(backend: Backend, conn, sha256: str = "", period: str = "") -> dict:
    """The counters (counter, changes, count, catalogue), the latest submission of these bytes for the period
    (same) and the next submission id (next), read at the start of a write transaction."""
    row = backend.run(conn, _PRELUDE, {"sha": sha256, "period": period}).fetchone()
    return dict(zip(("counter", "changes", "count", "catalogue", "same", "next"), row, strict=True))


def same_file(backend: Backend, conn, prepared: PreparedSubmission, sent_with, same: int | None) -> bool:
    """Whether a submission whose bytes are those of `same` (the latest stored for the period) is a duplicate.

    It is stored again (a restore) when a later file superseded `same` — unless a file that superseded it is sent
    in the same run (`sent_with()`: the sha256 of the run's files): a folder ingested again as a whole is its
    current state."""
    if same is None:
        return False
    current = backend.run(conn, _SUPERSEDED_PARTS, {"sid": same}).fetchone()[0] == 0
    return current or (sent_with is not None and bool(_superseders(backend, conn, same) & sent_with()))


def planned_parts(prepared: PreparedSubmission) -> list[tuple[str, str, str, int, str]]:
    """(unit, sheet, period, n_rows, digest) of the parts a submission makes: one per unit and sheet where the file
    carries rows of that unit (one stray row of another unit must not wipe that unit's other sheets)."""
    out = []
    for sheet in prepared.sheets:
        for unit in prepared.units:
            if sheet.unit_rows.get(unit, 0) > 0:
                out.append((unit, sheet.name, prepared.period, sheet.unit_rows[unit], sheet.digests[unit]))
    return out


def insert_submission(
    backend: Backend, conn, sid: int, prepared: PreparedSubmission, at: str, parts: list, received_at: str | None = None
) -> str:
    """The submission's row, with its digest (over the row, `received_at` and `parts`); returns the digest."""
    row = [
        sid,
        prepared.file_name,
        prepared.sha256,
        prepared.period,
        json.dumps(prepared.units, ensure_ascii=False),
        at,
        json.dumps(prepared.extra_columns, ensure_ascii=False),
    ]
    digest = submission_digest(row, parts, received_at)
    names = ["id", "file_name", "sha256", "period", "units", "ingested_at", "extra_columns"]
    values = {**dict(zip(names, row, strict=True)), "digest": digest, "received_at": received_at}
    backend.run(conn, _INSERT_SUBMISSION, values)
    return digest


def write_sheets(
    backend: Backend, conn, sid: int, prepared: PreparedSubmission
) -> tuple[dict[str, int], set[int], bool]:
    """Every sheet's rows and the submission's parts: (rows per sheet, ids of the submissions superseded, whether
    the column catalogue changed)."""
    rows: dict[str, int] = {}
    catalogue = catalogue_of(backend, conn) if prepared.sheets else {}
    tables = set(catalogue)  # a sheet's table is created with its first columns, in one transaction
    grew = False
    for index, sheet in enumerate(prepared.sheets):
        stored, changed = ensure_columns(backend, conn, sheet, tables, catalogue.setdefault(sheet.name, {}))
        grew |= changed
        rows[sheet.name] = _insert_rows(backend, conn, sid, sheet, prepared, index, stored)
    return rows, add_parts(backend, conn, sid, planned_parts(prepared)), grew


def add_parts(backend: Backend, conn, sid: int, parts: list[tuple]) -> set[int]:
    """Make the (unit, sheet, period, n_rows, digest) parts of submission `sid` current (one period); the ids of
    the submissions whose current parts they supersede."""
    if not parts:
        return set()
    keys = {f"u{i}": unit for i, (unit, *_) in enumerate(parts)}
    keys.update({f"s{i}": sheet for i, (_, sheet, *_) in enumerate(parts)})
    superseded = backend.rows(conn, _supersede(len(parts)), {"sid": sid, "period": parts[0][2], **keys})
    names = ["submission_id", "unit", "sheet", "period", "n_rows", "digest"]
    backend.insert_rows(conn, "parts", names, [(sid, *part) for part in parts])
    return {row[0] for row in superseded}


@lru_cache(maxsize=64)
def _supersede(n: int):
    """Mark the current parts of n (unit u<i>, sheet s<i>) pairs of one period superseded by :sid, returning the
    ids of their submissions: one statement per n, compiled once (a file's parts are few: one per unit and sheet)."""
    pairs = [and_(P.c.unit == bindparam(f"u{i}"), P.c.sheet == bindparam(f"s{i}")) for i in range(n)]
    return (
        update(P)
        .where(P.c.superseded_by.is_(None), P.c.period == bindparam("period"), or_(*pairs))
        .values(superseded_by=bindparam("sid"))
        .returning(P.c.submission_id)
    )


def _insert_rows(
    backend: Backend, conn, sid: int, sheet: PreparedSheet, prepared: PreparedSubmission, index: int, stored_kinds
) -> int:
    names = [*META_COLUMNS, *sheet.columns]
    if sheet.copy_rows is not None:  # canon texts: read as the stored kind, widened or not (see copy_ready)
        backend.insert_copy(conn, sid, sheet.name, names, sheet.copy_rows)
        return sum(sheet.unit_rows.values())
    differs = [pos for pos, col in enumerate(sheet.columns) if stored_kinds[col] != sheet.kinds[col]]
    if (
        prepared.stage is not None
        and not differs
        and backend.insert_staged(conn, sid, sheet, prepared.stage, index, names)
    ):
        return sum(sheet.unit_rows.values())
    values = sheet.values if sheet.values is not None else staged_values(prepared.stage, index, sheet)
    values = list(values)
    for pos in differs:
        at = len(ROW_COLUMNS) + pos
        values[at] = coerce(values[at], stored_kinds[sheet.columns[pos]])
    n = len(values[0]) if values else 0
    backend.insert_rows(conn, sheet.name, names, zip([sid] * n, *values, strict=True))
    return sum(sheet.unit_rows.values())


def staged_values(stage, index: int, sheet: PreparedSheet) -> list[list]:
    """A staged sheet's values read back from its scratch file, column by column (constants filled in)."""
    import sqlite3

    from analysis.store.staging import _stage_table

    width = len(ROW_COLUMNS) + len(sheet.columns)
    staged = [pos for pos in range(width) if pos not in sheet.constants]
    scratch = sqlite3.connect(stage)
    try:
        rows = scratch.execute(
            f"SELECT {', '.join(f'c{pos}' for pos in staged)} FROM {_stage_table(index)} ORDER BY rowid"
        ).fetchall()
    finally:
        scratch.close()
    by_position = dict(zip(staged, zip(*rows, strict=True), strict=True)) if rows else {pos: () for pos in staged}
    n = len(rows)
    return [list(by_position[pos]) if pos in by_position else [sheet.constants[pos]] * n for pos in range(width)]


def catalogue_of(backend: Backend, conn) -> dict[str, dict[str, str]]:
    """Sheet -> column -> kind, of every stored data column."""
    out: dict[str, dict[str, str]] = {}
    for sheet, name, kind, _ in backend.run(conn, _ALL_COLUMNS, {}).fetchall():
        out.setdefault(sheet, {})[name] = kind
    return out


def ensure_columns(backend: Backend, conn, sheet: PreparedSheet, tables: set, known: dict) -> tuple[dict, bool]:
    """Create the sheet's table (`tables`: those that exist) and new columns, widen kinds (`known`: the sheet's
    stored kinds; both kept up to date). The kind each of the sheet's columns is stored as, and whether any
    column was added or widened."""
    changed = False
    if sheet.name not in tables:
        backend.create_data_table(conn, sheet.name)
        tables.add(sheet.name)
        for name, cols in schema.data_table_indexes(sheet.name):
            backend.create_index(conn, name, sheet.name, cols)
    for col in sheet.columns:
        kind = sheet.kinds[col]
        if col not in known:
            backend.add_data_column(conn, sheet.name, col, kind)
            backend.run(conn, _INSERT_COLUMN, {"sheet": sheet.name, "name": col, "kind": kind, "position": len(known)})
            known[col], changed = kind, True
            for name, cols in schema.column_indexes(sheet.name, col):
                backend.create_index(conn, name, sheet.name, cols)
            continue
        if col in sheet.empty:  # no value: says nothing about the kind
            continue
        wider = widen(known[col], kind)
        if wider != known[col]:
            backend.widen_column(conn, sheet.name, col, known[col], wider)
            backend.run(conn, _SET_KIND, {"sheet": sheet.name, "name": col, "kind": wider})
            known[col], changed = wider, True
    return {col: known[col] for col in sheet.columns}, changed


def log_entry(backend: Backend, conn, entry: dict) -> None:
    backend.run(conn, _INSERT_LOG, {"id": entry["id"], "entry": json.dumps(entry, ensure_ascii=False, sort_keys=True)})


def read_meta(backend: Backend, conn) -> dict[str, str]:
    return {key: value for key, value in backend.run(conn, _META, {}).fetchall()}


def init_meta(backend: Backend, conn) -> None:
    """The counters of a new store (inside its first write transaction)."""
    have = read_meta(backend, conn)
    initial = {
        schema.WRITE_COUNTER: "0",
        schema.SUBMISSION_COUNT: "0",
        schema.CATALOGUE_DIGEST: catalogue_digest([]),
        schema.VERIFIED_AT: "",
        schema.CHANGES: "0",
    }
    for key, value in initial.items():
        if key not in have:
            backend.run(conn, _INSERT_META, {"k": key, "v": value})


def seal(backend: Backend, conn, meta: dict, submissions_added: int, columns_changed: bool = True) -> tuple:
    """Count the write (the write counter), bring the submission count and (when the columns changed) the catalogue
    digest up to date, and remember the state the write leaves as verified (`meta`: the prelude's counters; every
    write verifies the store first, so what it leaves is verified too). The state: (write counter, changes)."""
    if columns_changed:
        catalogue = catalogue_digest(backend.run(conn, _ALL_COLUMNS, {}).fetchall())
        if catalogue != meta["catalogue"]:
            backend.run(conn, _SET_META, {"k": schema.CATALOGUE_DIGEST, "v": catalogue})
    counter = int(meta["counter"]) + 1
    count = int(meta["count"]) + submissions_added
    rows = backend.run(conn, _SEAL, {"counter": str(counter), "count": str(count)}).fetchall()
    state = dict(rows)[schema.VERIFIED_AT]
    return tuple(state.split(":"))


def empty_part_digest() -> str:
    return part_digest([], 0)
