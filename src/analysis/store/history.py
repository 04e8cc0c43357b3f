"""The submission store: every accepted submission, with provenance, its original file and its digests.

`Store(location)` is the one interface, whatever the database (see docs/store.md for the schema and semantics):
a folder holding an SQLite file (the default, `data/store`), or a PostgreSQL database (`postgresql://…`, any
libpq URL); `--store` or $WORKBOOK_STORE choose it.

- Writing (`add`, `empty`): each is one transaction; the file's bytes go into the archive, the rows and their
  digests into the tables, supersession and the counters move on together. On PostgreSQL, writers from
  several processes take turns transaction by transaction (an advisory lock), never for a whole run.
- Reading (`snapshot`, `submissions`, `parts`, `periods`, …): every read first makes sure the store holds what it
  accepted — a whole-store verification (`verify`), remembered against the store's state (SQLite: its files'
  identity, size and time; PostgreSQL: the write counter), so it is paid once after each change. A store that
  fails it is refused with one Chinese line naming the repair.
- Keeping (`check`, `backup`, `rebuild`, `migrate_to`): see `analysis.store.transfer`.

The modules behind it: `schema` (tables), `backends` (+ `sqlite_backend`, `postgres_backend`), `writing`,
`reading`, `digests` (+ `canonical`, `digest_apart`), `verify`, `archive`, `transfer` (backup, migrate, rebuild),
`migrations`, `staging` (preparing rows in worker processes), `ingest` (files into the store).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Set
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.store import reading, schema, verify, writing
from analysis.store.backends import Backend, is_url
from analysis.store.faults import StoreError, restore_hint
from analysis.store.layout import (
    ISSUED_SHEETS,
    META_COLUMNS,
    MONTH_COLUMN,
    MONTHLY_SHEETS,
    PROVENANCE_COLUMNS,
    REGISTER_SHEETS,
    SHEETS,
    UNIT_COLUMN,
    YEAR_COLUMNS,
)
from analysis.store.sqlite_backend import DB_NAME, INGEST_LOCK
from analysis.store.staging import PreparedSheet, PreparedSubmission, prepare, stage
from analysis.store.writing import SLEEP_HOOK_ENV, AddResult

SCHEMA_VERSION = schema.SCHEMA_VERSION

__all__ = [
    "DB_NAME",
    "INGEST_LOCK",
    "ISSUED_SHEETS",
    "META_COLUMNS",
    "MONTHLY_SHEETS",
    "MONTH_COLUMN",
    "PROVENANCE_COLUMNS",
    "REGISTER_SHEETS",
    "SCHEMA_VERSION",
    "SHEETS",
    "SLEEP_HOOK_ENV",
    "UNIT_COLUMN",
    "YEAR_COLUMNS",
    "AddResult",
    "PreparedSheet",
    "PreparedSubmission",
    "Store",
    "StoreError",
    "prepare",
    "stage",
]


def open_backend(location: str | os.PathLike | None = None) -> Backend:
    """The backend a location names: a postgresql:// URL, else a folder; none: $WORKBOOK_STORE, else data/store."""
    from analysis import paths

    raw = location if location else os.environ.get(paths.STORE_ENV_VAR)
    if is_url(raw):
        from analysis.store.postgres_backend import PostgresBackend

        return PostgresBackend(str(raw))
    from analysis.store.sqlite_backend import SQLiteBackend

    return SQLiteBackend(paths.store_dir(location))


class Store:
    """The submission store at `location`: a folder (SQLite) or a PostgreSQL URL (default: --store's default)."""

    def __init__(self, location: str | os.PathLike | None = None):
        self.backend = open_backend(location)
        self.location = self.backend.location  # shown in messages (a URL without its password)
        self.dir = self.backend.dir  # the SQLite store's folder (None on PostgreSQL)
        self.db_path: Path | str = self.backend.db_path or self.location
        self._writer: Any = None  # the connection kept by writing()
        self._writing = False
        self._trusted: tuple | None = None  # a state of the store this process verified
        self._log_checked = False  # the archive's log file was made whole (once per Store, before writing)
        self._written: dict[str, int] = {}  # rows added per table through the open writer connection

    def __repr__(self) -> str:
        return f"Store({self.location!r})"

    def exists(self) -> bool:
        try:
            return self.backend.exists()
        except self.backend.errors as err:
            raise self.backend.fault(err) from None

    # -- verification ---------------------------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[Any]:
        """A verified reading connection (None while nothing is stored); driver errors become one line."""
        try:
            with self.backend.reading() as conn:
                if conn is not None:
                    self._ensure_verified(conn)
                yield conn
        except self.backend.errors as err:
            raise self.backend.fault(err) from None

    def _ensure_verified(self, conn, state: tuple | None = None) -> None:
        state = state if state is not None else self.backend.state(conn)
        if state == self._trusted:
            return
        if self.backend.remembered(conn) == state:
            self._trusted = state
            return
        found = self._problems(conn)
        if found:
            arg = self.backend.store_arg
            raise StoreError(
                f"数据库 {self.location} 的内容与入库时不一致（{len(found)} 处，如：{found[0]}），本次未作任何改动；"
                f"查看：python -m analysis store check --store {arg}；{restore_hint(arg)}"
            )
        self._trusted = state
        if self.backend.state(conn) == state:
            self.backend.remember(state, conn)

    def _problems(self, conn) -> list[str]:
        if self.backend.schema_version(conn) < SCHEMA_VERSION:  # an old read-only copy: no digests to check
            return self.backend.structure_problems(conn)
        if self.backend.in_transaction(conn):  # a write transaction: every other writer waits for it
            return verify.problems(self.backend, conn)
        # A reading connection sees each statement's moment: another writer committing between the reads of the
        # parts and of their rows would look like damage. One snapshot for the whole verification.
        self.backend.begin_snapshot(conn)
        try:
            return verify.problems(self.backend, conn)
        finally:
            self.backend.rollback(conn)

    def verify(self) -> None:
        """Refuse (StoreError) a store whose content differs from what it accepted; remembered while unchanged."""
        with self._reading():
            pass

    def check(self) -> list[str]:
        """Everything that differs from what the store accepted, as Chinese lines (empty: sound). Not remembered:
        the whole store is read every time."""
        try:
            with self.backend.reading() as conn:
                return [] if conn is None else self._problems(conn)
        except self.backend.errors as err:
            raise self.backend.fault(err) from None

    # -- writing --------------------------------------------------------------------------------------

    def ingest_lock(self, on_wait=None):
        """Held by an ingest run (SQLite: one run at a time per store; PostgreSQL: none, writes take turns)."""
        return self.backend.ingest_lock(on_wait)

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """Keep one connection, opened at the first add(), for the add() calls of a run (each still one
        transaction). A run that stores nothing creates nothing."""
        self._writing = True
        try:
            yield self
        finally:
            self._writing = False
            if self._writer is not None:
                writer, self._writer = self._writer, None
                self._close_writer(writer)

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        if self._writing and self._writer is None:
            self._writer = self._open_writer()
        if self._writer is not None:
            yield self._writer
            return
        conn = self._open_writer()
        try:
            yield conn
        finally:
            self._close_writer(conn)

    def _open_writer(self):
        try:
            return self.backend.connect_writer()
        except self.backend.errors as err:
            raise self.backend.fault(err) from None

    def _close_writer(self, conn) -> None:
        """Close a writer; a checkpoint at close changes SQLite's files, not what they hold: still verified."""
        written, self._written = self._written, {}
        if written:
            self.backend.after_writes(conn, written)
        before = self.backend.state()
        conn.close()
        if self._trusted is not None and self._trusted == before:
            self._trusted = self.backend.state()
            self.backend.remember(self._trusted)

    def add(
        self,
        submission,
        sent_with: Callable[[], Set[str]] | None = None,
        received_at: str | None = None,
        *,
        replay: dict | None = None,
    ):
        """Store an accepted submission (a Submission, CheckedSubmission's PreparedSubmission …) in one
        transaction; idempotent on (sha256, period): AddResult.status 'duplicate' changes nothing.

        The bytes of a file a later one superseded restore it — unless a file that superseded it is sent in the
        same run (`sent_with()`: the sha256 of the run's files, asked for only then): a folder ingested again as
        a whole is its current state. `received_at`: when the file reached the bureau (local time
        'YYYY-MM-DD[ HH:MM:SS]'), None when nobody knows (a duplicate keeps the first file's). `replay`: an archive
        log entry being rebuilt (its id and times are kept)."""
        prepared = submission if isinstance(submission, PreparedSubmission) else prepare(submission)
        content = None if replay is not None else self._original(prepared)
        with self._connection() as conn:
            if prepared.stage is not None:
                self.backend.attach_stage(conn, prepared.stage)
            try:
                return self._transaction(
                    conn,
                    lambda meta: self._add(conn, prepared, sent_with, content, replay, meta, received_at),
                    (prepared.sha256, prepared.period),
                )
            finally:
                if prepared.stage is not None:
                    self.backend.detach_stage(conn)

    def _add(
        self,
        conn,
        prepared: PreparedSubmission,
        sent_with,
        content: bytes | None,
        replay: dict | None,
        meta,
        received_at: str | None = None,
    ):
        backend = self.backend
        same = meta["same"]
        duplicate = writing.same_file(backend, conn, prepared, sent_with, same)
        if duplicate and replay is None:
            assert same is not None  # a duplicate is of a stored submission
            return (
                writing.AddResult("duplicate", same, prepared.period, prepared.units, sha256=prepared.sha256),
                None,
                False,
            )
        sid = int(meta["next"])
        at = replay["ingested_at"] if replay else writing.now()
        received_at = replay.get("received_at") if replay else received_at
        if replay is not None and sid != replay["id"]:
            raise StoreError(
                f"重建时报送号不连续：应为第 {replay['id']} 号，实为第 {sid} 号；重建已停止，原数据库未改动"
            )
        if content is not None:
            backend.archive().put(conn, prepared.sha256, content)
        parts = writing.planned_parts(prepared)
        digest = writing.insert_submission(backend, conn, sid, prepared, at, parts, received_at)
        rows, superseded, grew = writing.write_sheets(backend, conn, sid, prepared)
        status = "restored" if same is not None else ("correction" if superseded else "added")
        result = AddResult(status, sid, prepared.period, prepared.units, rows, sorted(superseded),
                           same, prepared.sha256, at, digest)  # fmt: skip
        entry = {
            "id": sid,
            "kind": "file",
            "file_name": prepared.file_name,
            "sha256": prepared.sha256,
            "period": prepared.period,
            "ingested_at": at,
            "units": prepared.units,
            "parts": [list(p) for p in parts],
            "digest": digest,
            "archived": content is not None or prepared.archived or bool(replay and replay.get("archived")),
            "restored": same,
            "received_at": received_at,
        }
        return result, entry, grew

    def empty(self, sheet: str, unit: str, period: str, note: str = "", *, replay: dict | None = None) -> AddResult:
        """Record explicitly that `unit` has no rows in `sheet` for `period` (本期无数据): a submission without rows
        that supersedes the current part, kept in the log like every correction."""
        if sheet not in SHEETS:
            raise StoreError(f"未知工作表“{sheet}”，应为：{'、'.join(SHEETS)}")
        with self._connection() as conn:
            return self._transaction(conn, lambda meta: self._empty(conn, sheet, unit, period, note, replay, meta))

    def _empty(self, conn, sheet: str, unit: str, period: str, note: str, replay: dict | None, meta):
        backend = self.backend
        sid = int(meta["next"])
        at = replay["ingested_at"] if replay else writing.now()
        text = f"{unit}-{period}-{sheet}（本期无数据{('：' + note) if note else ''}）"
        sha = (
            replay["sha256"]
            if replay
            else hashlib.sha256(f"empty|{unit}|{sheet}|{period}|{at}|{time.time_ns()}".encode()).hexdigest()
        )
        prepared = PreparedSubmission(text, sha, period, [unit], {}, [])
        parts = [(unit, sheet, period, 0, writing.empty_part_digest())]
        digest = writing.insert_submission(backend, conn, sid, prepared, at, parts)
        superseded = writing.add_parts(backend, conn, sid, parts)
        result = AddResult("emptied", sid, period, [unit], {sheet: 0}, sorted(superseded), None, sha, at, digest)
        entry = {
            "id": sid, "kind": "empty", "file_name": text, "sha256": sha, "period": period, "ingested_at": at,
            "units": [unit], "parts": [list(parts[0])], "digest": digest, "archived": False, "restored": None,
            "unit": unit, "sheet": sheet, "note": note,
        }  # fmt: skip
        return result, entry, False

    def _transaction(self, conn, body, key: tuple[str, str] = ("", "")) -> AddResult:
        """One write transaction: verify what is there (unless this process knows it sound), write, count, commit."""
        backend = self.backend
        try:
            backend.begin_write(conn)
            fresh = backend.create_schema(conn)
            if fresh:
                writing.init_meta(backend, conn)
            meta = writing.prelude(backend, conn, *key)
            before = backend.state_of(meta)
            if not fresh:
                self._ensure_verified(conn, before)
                if not self._log_checked:
                    backend.archive().reconcile(reading.log_entries(backend, conn))
            self._log_checked = True
            result, entry, columns_changed = body(meta)
            if entry is None:  # a duplicate: nothing to write
                backend.rollback(conn)
                return result
            writing.log_entry(backend, conn, entry)
            # what was verified before, plus this verified write: still verified (every write verifies first)
            left = writing.seal(backend, conn, meta, 1, columns_changed)
            writing.sleep_hook()
            backend.commit(conn)
        except backend.errors as err:  # locked, full, read-only, damaged: nothing was written
            backend.rollback(conn)
            raise backend.fault(err) from None
        except BaseException:
            backend.rollback(conn)
            raise
        self._trusted = left if backend.verified_in_store else backend.state()
        if not backend.verified_in_store and not self._writing:  # a run remembers once, when its connection closes
            backend.remember(self._trusted, conn)
        backend.archive().mirror([entry])
        for table, n in result.rows.items():
            self._written[table] = self._written.get(table, 0) + n
        return result

    def archive_folder(self) -> Path | None:
        """The folder of an SQLite store's archive (None: the archive is in the database)."""
        archive = self.backend.archive()
        return getattr(archive, "root", None)

    def _original(self, prepared: PreparedSubmission) -> bytes | None:
        """The bytes of the file a submission was read from, for the archive; None when it has no file (a
        submission built in Python) or its bytes are in the archive already. A file changed since it was read is
        refused: its bytes are not what was validated."""
        if prepared.archived and getattr(self.backend.archive(), "has", lambda sha: False)(prepared.sha256):
            return None
        prepared.archived = False
        if prepared.source is None or not Path(prepared.source).is_file():
            return None
        content = Path(prepared.source).read_bytes()
        if hashlib.sha256(content).hexdigest() != prepared.sha256:
            raise StoreError(f"文件 {prepared.source} 在导入过程中被改动，未入库；请待其保存完毕后重新导入")
        return content

    # -- reading --------------------------------------------------------------------------------------

    def snapshot(
        self,
        sheet: str,
        as_of_period: str | None = None,
        units: Iterable[str] | str | None = None,
        *,
        as_at: str | None = None,
        latest_per: str | None = None,
        columns: Iterable[str] | None = None,
        provenance: bool = True,
    ) -> pd.DataFrame:
        """The rows of a sheet as the store saw them for a period.

        Register sheets (集群名录, 企业名录, 资质认定, 企业年度财务): for each unit, the
        rows of its latest current part with period <= `as_of_period`.
        Monthly sheets (集群月度, 指标填报, 情况说明): for each (unit, 年月 <= as_of_period),
        the rows of the latest current part carrying that month.
        Issued sheets (目标分解): the rows of every current part with period <= `as_of_period`
        (an allocation issued for 2024 does not withdraw the one issued for 2023).
        `latest_per`: a register sheet read like a monthly one, keyed by this column instead of 年月: for each
        unit and value, the rows of the latest part carrying it (企业年度财务 per 年度: a register lists its
        latest years only, and an older year stays as the last register that listed it gave it).
        `as_at` ('YYYY-MM-DD[ HH:MM:SS]') replays the store as it was at that time:
        later ingests are ignored and parts superseded later count as current.
        Columns: the sheet's columns in first-seen order (only those of `columns` that the sheet has, when
        given: reading fewer is faster), then 地区, period, submission_id, _sheet, _row (`provenance=False`: 地区
        alone, for readers that only count: a fifth fewer values to fetch). Rows are ordered by unit, then as
        submitted.
        """
        if sheet not in SHEETS:
            raise ValueError(f"unknown sheet {sheet!r}")
        with self._reading() as conn:
            return reading.snapshot(
                self.backend, conn, sheet, as_of_period, units, as_at, latest_per, columns, provenance
            )

    def known_enterprises(self) -> dict[str, str]:
        """Credit code -> unit, from every unit's current 企业名录 (the latest period wins)."""
        with self._reading() as conn:
            return reading.key_to_unit(self.backend, conn, "企业名录", "统一社会信用代码")

    def known_clusters(self) -> dict[str, str]:
        """Cluster name -> unit, from every unit's current 集群名录."""
        with self._reading() as conn:
            return reading.key_to_unit(self.backend, conn, "集群名录", "集群名称")

    def submissions(
        self, include_superseded: bool = False, *, units: Iterable[str] | str | None = None, period: str | None = None
    ) -> pd.DataFrame:
        """One row per stored submission: id, file_name, sha256, period, units, ingested_at, status, received_at.

        status is 'current' while any of its (unit, sheet) parts is current, else
        'superseded' (every part replaced by corrections). `units` is a tuple. received_at is None where the
        time the file reached the bureau is not known (and in an older store opened read-only).
        `units`, `period`: only the submissions with a part of those units, of that period (the 报送平台's
        view of an account's area).
        """
        with self._reading() as conn:
            return reading.submissions(self.backend, conn, include_superseded, units, period)

    def parts(
        self, include_superseded: bool = False, *, units: Iterable[str] | str | None = None, period: str | None = None
    ) -> pd.DataFrame:
        """One row per (submission, unit, sheet): submission_id, unit, sheet, period, n_rows, superseded_by;
        `units`, `period`: only those units' parts of that period."""
        with self._reading() as conn:
            return reading.parts(self.backend, conn, include_superseded, units, period)

    def periods(self) -> list[str]:
        """Periods with current data, ascending."""
        with self._reading() as conn:
            return reading.periods(self.backend, conn)

    def latest_period(self) -> str | None:
        periods = self.periods()
        return periods[-1] if periods else None

    def require_latest_period(self) -> str:
        """The latest period, or a Chinese error for a store with nothing in it (the one message everyone uses)."""
        latest = self.latest_period()
        if latest is None:
            raise StoreError(
                f"数据库 {self.dir or self.location} 不存在或还没有报送数据："
                "请先用 ingest 导入报送文件（或运行 make demo），或用 --store / 环境变量 WORKBOOK_STORE 指定数据库目录"
            )
        return latest

    def submitted_units(self, period: str) -> set[str]:
        """Units with a current submission for `period`."""
        with self._reading() as conn:
            return reading.submitted_units(self.backend, conn, period)

    def fingerprint(self, units: Iterable[str] | str, period: str | None = None) -> str:
        """A hash of everything the store holds for `units` up to `period` (default: latest).

        It changes whenever a submission or correction that a snapshot of those
        units as of `period` could draw on is added; it does not change for later periods
        or other units.
        """
        period = period or self.latest_period() or ""
        unit_list = sorted([units] if isinstance(units, str) else set(units))
        with self._reading() as conn:
            return reading.fingerprint(self.backend, conn, unit_list, period)

    @property
    def identity(self) -> str:
        """Which store this is, the same from any working directory (a memo or cache key)."""
        return str(self.dir.resolve()) if self.dir is not None else self.location

    def state(self) -> tuple:
        """Changes whenever the store's content may have (a memo key for what is computed from it)."""
        try:
            return (self.location, *self.backend.state())
        except self.backend.errors as err:
            raise self.backend.fault(err) from None

    def log(self) -> list[dict]:
        """The archive log: how each stored submission came in (see `analysis.store.archive`)."""
        with self._reading() as conn:
            return reading.log_entries(self.backend, conn)

    # -- keeping --------------------------------------------------------------------------------------

    def backup(self, target_dir) -> Path:
        """A consistent copy of the store, archive included, as an SQLite store in `target_dir`."""
        from analysis.store.transfer import backup

        if is_url(str(target_dir)):
            raise StoreError("备份目标应为一个文件夹（备份总是写成 SQLite 数据库和存档文件夹）")
        return backup(self, Store(Path(target_dir)))

    def archive_report(self) -> tuple[list[str], list[str]]:
        """(problems, notes) of the archive: log entries against the submissions, every original file present and
        unchanged; notes name what cannot be rebuilt (files stored without their bytes)."""
        from sqlalchemy import select

        from analysis.store.archive import archive_problems, unarchived

        backend = self.backend
        try:
            with backend.reading() as conn:
                if conn is None:
                    return [], []
                entries = reading.log_entries(backend, conn)
                s = schema.submissions
                rows = {r[0]: r for r in backend.rows(conn, select(s.c.id, s.c.file_name, s.c.sha256, s.c.period,
                                                                    s.c.units, s.c.ingested_at))}  # fmt: skip
                problems = archive_problems(backend.archive(), conn, entries, rows)
        except backend.errors as err:
            raise backend.fault(err) from None
        notes = []
        lacking = unarchived(entries)
        if lacking:
            notes.append(
                f"有 {len(lacking)} 份报送没有原始文件（在启用存档前入库，或由程序直接写入），"
                "不能从存档重建；请保留 store backup 做的备份"
            )
        mirrored = backend.archive().file_log()
        if mirrored is not None and mirrored != entries:
            notes.append("存档日志文件与数据库中的日志不一致（下次入库时自动补齐）")
        return problems, notes

    def migrate_to(self, location) -> Store:
        """Copy the store, archive included, into the empty store at `location` (the other backend), verified."""
        from analysis.store.transfer import migrate

        target = Store(location)
        migrate(self, target)
        return target

    def close(self) -> None:
        self.backend.close()
