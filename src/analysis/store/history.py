"""The submission store: every accepted submission, with provenance, in one SQLite file.

Layout (see docs/store.md for the full schema and semantics):

- ``submissions``: one row per accepted file (file name, sha256, period, ingested_at, received_at: when the file
  reached the bureau, if known).
- ``parts``: one row per (submission, unit, sheet) — the unit of replacement.  A later
  submission of the same (unit, sheet, period) supersedes the earlier part
  (``superseded_by``); nothing is ever deleted.
- one data table per canonical sheet (``"企业名录"`` …), rows keyed by
  ``submission_id`` + ``地区`` with the provenance columns ``_sheet``/``_row``.
- ``columns``: the value kind (text/int/float/bool/date) of every data column, so
  snapshots come back with the dtypes they went in with.

Register sheets are snapshots (a unit's latest part wins); monthly sheets are
per 年月 (for each unit and month, the latest part carrying that month wins).
Each ``add`` is one transaction: a crash leaves the store as it was.

This module holds the `Store` class (schema, writes, snapshots and queries);
converting and staging submissions for it is in `analysis.store.staging`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Set
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import paths
from analysis.errors import UserError
from analysis.store.staging import (
    ISSUED_SHEETS as ISSUED_SHEETS,
)

# Preparing/staging lives in staging; the public names stay importable from here.
from analysis.store.staging import (
    META_COLUMNS as META_COLUMNS,
)
from analysis.store.staging import (
    MONTH_COLUMN as MONTH_COLUMN,
)
from analysis.store.staging import (
    MONTHLY_SHEETS as MONTHLY_SHEETS,
)
from analysis.store.staging import (
    REGISTER_SHEETS as REGISTER_SHEETS,
)
from analysis.store.staging import (
    SHEETS as SHEETS,
)
from analysis.store.staging import (
    UNIT_COLUMN as UNIT_COLUMN,
)
from analysis.store.staging import (
    PreparedSheet as PreparedSheet,
)
from analysis.store.staging import (
    PreparedSubmission as PreparedSubmission,
)
from analysis.store.staging import (
    _from_db,
    _stage_table,
    _widen,
)
from analysis.store.staging import (
    prepare as prepare,
)
from analysis.store.staging import (
    stage as stage,
)

DB_NAME = "workbook.sqlite"
INGEST_LOCK = ".ingest.lock"
YEAR_COLUMNS = {"企业年度财务": "年度"}  # registers read per year as well (snapshot's latest_per)
SCHEMA_VERSION = 4  # 2: the same file may be stored again (a restore), so (sha256, period) is not unique
#                      3: units stored under a name the registry now gives to several places carry their city
#                      4: submissions.received_at, when the file reached the bureau (NULL: not known)
# The registry before the whole of Hebei knew one 桥西区 and one 新华区, both of 石家庄市: a store written then
# holds the bare names, which are now shared (张家口市桥西区, 沧州市新华区).
LEGACY_UNIT_NAMES = {"桥西区": "石家庄市桥西区", "新华区": "石家庄市新华区"}
# Test hook: seconds to sleep inside the write transaction (crash-safety tests).
SLEEP_HOOK_ENV = "WORKBOOK_STORE_TEST_SLEEP"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id            INTEGER PRIMARY KEY,
    file_name     TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    period        TEXT NOT NULL,
    units         TEXT NOT NULL,      -- JSON list of unit names
    ingested_at   TEXT NOT NULL,      -- local time, 'YYYY-MM-DD HH:MM:SS'
    extra_columns TEXT NOT NULL,      -- JSON {sheet: [column, ...]}
    received_at   TEXT                -- local time the file was received, 'YYYY-MM-DD[ HH:MM:SS]' (NULL: unknown)
);
CREATE INDEX IF NOT EXISTS submissions_by_file ON submissions(sha256, period);
CREATE TABLE IF NOT EXISTS parts (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    unit          TEXT NOT NULL,
    sheet         TEXT NOT NULL,
    period        TEXT NOT NULL,
    n_rows        INTEGER NOT NULL,
    superseded_by INTEGER REFERENCES submissions(id),
    PRIMARY KEY (submission_id, unit, sheet)
);
CREATE UNIQUE INDEX IF NOT EXISTS parts_current
    ON parts(unit, sheet, period) WHERE superseded_by IS NULL;
CREATE INDEX IF NOT EXISTS parts_by_sheet ON parts(sheet, unit, period);
CREATE INDEX IF NOT EXISTS parts_by_period ON parts(period, unit);
CREATE TABLE IF NOT EXISTS columns (
    sheet    TEXT NOT NULL,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL,           -- text | int | float | bool | date
    position INTEGER NOT NULL,
    PRIMARY KEY (sheet, name)
);
"""


@dataclass
class AddResult:
    status: str  # 'added' | 'duplicate' | 'correction' | 'restored' | 'emptied'
    submission_id: int
    period: str
    units: list[str]
    rows: dict[str, int] = field(default_factory=dict)  # sheet -> rows stored
    superseded: list[int] = field(default_factory=list)  # ids of submissions replaced (in part)
    restored: int | None = None  # a restore: the id of the earlier submission of the same file


class StoreError(UserError):
    """The store file cannot be used (locked, corrupt, full, read-only, newer schema): exit code 1."""

    exit_code = 1


def store_fault(db_path: Path, err: sqlite3.Error) -> StoreError:
    """One Chinese line naming the store and what to do, for what SQLite says went wrong."""
    text = str(err).lower()
    if "locked" in text or "busy" in text:
        return StoreError(f"数据库 {db_path} 正被其他程序占用，请稍后重试")
    if "full" in text:
        return StoreError(
            f"磁盘已满，数据库 {db_path} 未能写入：正在导入的文件未入库，此前已入库的不受影响；请清理磁盘空间后重新导入"
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(
            f"数据库 {db_path} 只读（或其所在文件夹不可写），无法写入；请换用可写的数据库目录或联系管理员"
        )
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return StoreError(
            f"数据库 {db_path} 已损坏（{err}），未作任何改动；请用备份恢复（python -m analysis store backup 做的备份）"
        )
    if "unable to open" in text:
        return StoreError(f"无法打开数据库 {db_path}：文件夹不存在或没有权限")
    return StoreError(f"数据库 {db_path} 出错：{err}")


def _q(name: str) -> str:
    """Quote an identifier (sheet and column names are Chinese, user-derived)."""
    return '"' + name.replace('"', '""') + '"'


def _now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


# ---------------------------------------------------------------- the store


class Store:
    """The embedded submission store under a directory (default: `paths.store_dir()`)."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.dir = paths.store_dir(path)
        self.db_path = self.dir / DB_NAME
        self._writing = False  # inside writing()
        self._writer: sqlite3.Connection | None = None  # its connection, once opened
        self._checked = False  # PRAGMA quick_check passed before the first write

    # -- connection -------------------------------------------------------

    def exists(self) -> bool:
        return self.db_path.exists()

    def _connect(self, write: bool = False) -> sqlite3.Connection:
        if self.db_path.exists() and self.db_path.stat().st_size == 0:
            # SQLite would take an empty file for a new store and start numbering again at 1
            raise StoreError(
                f"数据库文件 {self.db_path} 为空（0 字节），可能已损坏或被截断；请用备份恢复，或删除该文件后重新导入"
            )
        if write:
            self._check_writable()
        try:
            if write:
                conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
            else:
                conn = sqlite3.connect(self._read_only_uri(), uri=True, timeout=30, isolation_level=None)
            conn.execute("PRAGMA foreign_keys = ON")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"数据库 {self.db_path} 由更新版本的工作簿创建（结构版本 {version}），请升级本工具")
            if write and version < SCHEMA_VERSION:
                conn.execute("PRAGMA journal_mode = WAL")  # persistent; cannot be set inside a transaction
            if write and version == 1:
                _migrate_to_2(conn)
            if write and version in (1, 2):
                _migrate_to_3(conn)
            if write and version in (1, 2, 3):
                _migrate_to_4(conn)
            if not write and 0 < version < SCHEMA_VERSION and os.access(self.dir, os.W_OK):
                conn.close()  # an older store is brought up to date by its first use, read or write
                self._connect(write=True).close()
                return self._connect()
            if write and version and not self._checked:
                self._quick_check(conn)
            conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.DatabaseError as err:
            raise store_fault(self.db_path, err) from None
        return conn

    def _check_writable(self) -> None:
        """A read-only store (a published copy, a read-only disk, a folder or file owned by someone else) is
        refused in one line before anything is tried."""
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(
                f"无法创建数据库目录 {self.dir}（{os.strerror(err.errno or 0)}）；请换用可写的目录"
            ) from None
        files = [self.db_path] if self.db_path.exists() else []
        if not os.access(self.dir, os.W_OK) or any(not os.access(f, os.W_OK) for f in files):
            raise StoreError(
                f"数据库 {self.db_path} 只读（或其所在文件夹不可写），本次未写入任何内容；"
                "只读的数据库可以查询，导入请换用可写的数据库目录或联系管理员"
            )

    def _read_only_uri(self) -> str:
        """Reads open the store read-only, so a published copy, a read-only disk or a folder owned by someone else
        can be read. SQLite reads a WAL store through its -shm file, which it must be able to create: where the
        folder is not writable and nothing is left in a WAL, the file is opened as immutable (no -shm needed)."""
        from urllib.parse import quote

        uri = f"file:{quote(str(self.db_path.resolve()))}?mode=ro"
        wal = self.db_path.with_name(self.db_path.name + "-wal")
        if not os.access(self.dir, os.W_OK) and not (wal.exists() and wal.stat().st_size > 0):
            uri += "&immutable=1"
        return uri

    def _quick_check(self, conn: sqlite3.Connection) -> None:
        """Refuse to write into a damaged store (a write would spread the damage); ~0.3 s for 200 MB."""
        result = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        if result != "ok":
            conn.close()
            first = result.replace("*** in database main ***", "").strip().splitlines()[0]
            raise StoreError(
                f"数据库 {self.db_path} 已损坏（{first}），本次未写入任何内容；请用备份恢复"
                "（python -m analysis store backup 做的备份）"
            )
        self._checked = True

    def check(self) -> list[str]:
        """What SQLite's integrity check finds (empty: the store is sound)."""
        conn = self._connect()
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as err:
            raise store_fault(self.db_path, err) from None
        finally:
            conn.close()
        return [] if rows == ["ok"] else rows

    def backup(self, target_dir) -> Path:
        """A consistent copy of the store (SQLite's online backup: the WAL included) as target_dir/workbook.sqlite."""
        target = Path(target_dir) / DB_NAME
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise StoreError(f"备份目标 {target} 已存在；请换一个文件夹")
        source, copy = self._connect(), sqlite3.connect(target)
        try:
            source.backup(copy)
        except sqlite3.DatabaseError as err:
            copy.close()
            target.unlink(missing_ok=True)
            raise store_fault(self.db_path, err) from None
        finally:
            source.close()
            copy.close()
        return target

    def _read(self, sql: str, params: Iterable = ()) -> list[tuple]:
        """Rows of a query; no rows when the store has not been created yet."""
        if not self.exists():
            return []
        conn = self._connect()
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
                return []
            return conn.execute(sql, tuple(params)).fetchall()
        except sqlite3.OperationalError as err:
            if "no such table" in str(err):
                return []
            raise store_fault(self.db_path, err) from None
        except sqlite3.DatabaseError as err:
            raise store_fault(self.db_path, err) from None
        finally:
            conn.close()

    # -- writing ----------------------------------------------------------

    @contextmanager
    def ingest_lock(self, on_wait=None) -> Iterator[None]:
        """One ingest at a time per store: a second one waits (calling `on_wait` once) instead of validating its
        files against enterprises the first is still adding. Each add() is a transaction of its own anyway;
        the lock keeps what a run knows at its start true until its end."""
        import fcntl

        self._check_writable()
        with open(self.dir / INGEST_LOCK, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if on_wait:
                    on_wait()
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """Keep one connection, opened at the first add(), for the add() calls of a run
        (each still one transaction). A run that stores nothing creates nothing."""
        self._writing = True
        try:
            yield self
        finally:
            self._writing = False
            if self._writer is not None:
                self._writer.close()
                self._writer = None

    def add(
        self, submission, sent_with: Callable[[], Set[str]] | None = None, received_at: str | None = None
    ) -> AddResult:
        """Store an accepted submission (a Submission or a PreparedSubmission) in one
        transaction; idempotent on (sha256, period). `received_at`: when the file reached the bureau (local time
        'YYYY-MM-DD[ HH:MM:SS]'), None when nobody knows (a duplicate keeps the first file's).

        The bytes of a file a later one superseded restore it — unless a file that superseded it is sent in the
        same run (`sent_with()`: the sha256 of the run's files, asked for only then): a folder ingested again as a
        whole is its current state, and must not restore the original and then the correction every time."""
        prepared = submission if isinstance(submission, PreparedSubmission) else prepare(submission)
        if self._writing and self._writer is None:
            self._writer = self._connect(write=True)
        shared = self._writer
        conn = shared or self._connect(write=True)
        if prepared.stage is not None:
            conn.execute("ATTACH DATABASE ? AS stage", (str(prepared.stage),))  # not allowed inside a transaction
        try:
            conn.execute("BEGIN IMMEDIATE")
            _create_schema(conn)
            same = conn.execute(
                "SELECT MAX(id) FROM submissions WHERE sha256 = ? AND period = ?", (prepared.sha256, prepared.period)
            ).fetchone()[0]
            if same is not None and (
                _is_current(conn, same) or (sent_with is not None and _superseders(conn, same) & sent_with())
            ):
                conn.execute("ROLLBACK")
                return AddResult("duplicate", same, prepared.period, prepared.units)
            result = self._insert(conn, prepared, received_at)
            if same is not None:  # the same bytes as a file a later one superseded: stored again, as a correction
                result.status, result.restored = "restored", same
            _sleep_hook()
            conn.execute("COMMIT")
            return result
        except sqlite3.DatabaseError as err:  # locked, full, read-only, damaged: nothing was written
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise store_fault(self.db_path, err) from None
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            if prepared.stage is not None:
                conn.execute("DETACH DATABASE stage")
            if shared is None:
                conn.close()

    def _insert(self, conn, prepared: PreparedSubmission, received_at: str | None = None) -> AddResult:
        period, units = prepared.period, prepared.units
        sid = conn.execute(
            "INSERT INTO submissions (file_name, sha256, period, units, ingested_at, extra_columns, received_at) "
            "VALUES (?,?,?,?,?,?,?)",
            (
                prepared.file_name,
                prepared.sha256,
                period,
                json.dumps(units, ensure_ascii=False),
                _now(),
                json.dumps(prepared.extra_columns, ensure_ascii=False),
                received_at,
            ),
        ).lastrowid
        rows, superseded = {}, set()
        for index, sheet in enumerate(prepared.sheets):
            rows[sheet.name] = self._insert_rows(conn, sid, sheet, _stage_table(index))
            # a file replaces a unit's sheet only where it carries rows of that unit in that sheet: one stray row
            # of another unit must not wipe that unit's other sheets (emptying a sheet is explicit: `empty`)
            for unit in units:
                if sheet.unit_rows.get(unit, 0) > 0:
                    superseded |= self._add_part(conn, sid, unit, sheet.name, period, sheet.unit_rows[unit])
        status = "correction" if superseded else "added"
        return AddResult(status, sid, period, units, rows, sorted(superseded))

    def _add_part(self, conn, sid: int, unit: str, sheet: str, period: str, n_rows: int) -> set[int]:
        """Make (unit, sheet, period) of submission `sid` current; return the submissions it supersedes."""
        superseded = self._supersede(conn, sid, unit, sheet, period)
        conn.execute(
            "INSERT INTO parts (submission_id, unit, sheet, period, n_rows) VALUES (?,?,?,?,?)",
            (sid, unit, sheet, period, n_rows),
        )
        return superseded

    def empty(self, sheet: str, unit: str, period: str, note: str = "") -> AddResult:
        """Record explicitly that `unit` has no rows in `sheet` for `period` (本期无数据): a submission without rows
        that supersedes the current part, kept in the log like every correction."""
        if sheet not in SHEETS:
            raise StoreError(f"未知工作表“{sheet}”，应为：{'、'.join(SHEETS)}")
        conn = self._connect(write=True)
        try:
            with _immediate(conn):
                _create_schema(conn)
                text = f"{unit}-{period}-{sheet}（本期无数据{('：' + note) if note else ''}）"
                digest = hashlib.sha256(f"empty|{unit}|{sheet}|{period}|{_now()}|{time.time_ns()}".encode()).hexdigest()
                sid = conn.execute(
                    "INSERT INTO submissions (file_name, sha256, period, units, ingested_at, extra_columns) "
                    "VALUES (?,?,?,?,?,?)",
                    (text, digest, period, json.dumps([unit], ensure_ascii=False), _now(), "{}"),
                ).lastrowid
                assert sid is not None  # set by the INSERT
                superseded = self._add_part(conn, sid, unit, sheet, period, 0)
        except sqlite3.DatabaseError as err:
            raise store_fault(self.db_path, err) from None
        finally:
            conn.close()
        return AddResult("emptied", sid, period, [unit], {sheet: 0}, sorted(superseded))

    @staticmethod
    def _supersede(conn, sid: int, unit: str, sheet: str, period: str) -> set[int]:
        old = [
            r[0]
            for r in conn.execute(
                "SELECT submission_id FROM parts WHERE unit=? AND sheet=? AND period=? AND superseded_by IS NULL",
                (unit, sheet, period),
            )
        ]
        if old:
            conn.execute(
                "UPDATE parts SET superseded_by=? WHERE unit=? AND sheet=? AND period=? AND superseded_by IS NULL",
                (sid, unit, sheet, period),
            )
        return set(old)

    def _insert_rows(self, conn, sid: int, sheet: PreparedSheet, stage_table: str) -> int:
        to_text = self._ensure_columns(conn, sheet)
        names = ",".join(_q(c) for c in (*META_COLUMNS, *sheet.columns))
        insert = f"INSERT INTO {_q(sheet.name)} ({names})"
        if sheet.values is None:
            width = len(META_COLUMNS) - 1 + len(sheet.columns)
            picks = ", ".join("?" if pos in sheet.constants else f"c{pos}" for pos in range(width))
            conn.execute(
                f"{insert} SELECT {int(sid)}, {picks} FROM stage.{stage_table} ORDER BY rowid",
                [sheet.constants[pos] for pos in sorted(sheet.constants)],
            )
        else:
            marks = ",".join("?" * (len(META_COLUMNS) - 1 + len(sheet.columns)))
            conn.executemany(f"{insert} VALUES ({int(sid)}, {marks})", zip(*sheet.values, strict=True))
        for col in to_text:
            # SQLite's own text form, the same the rows stored before the widening get.
            conn.execute(
                f"UPDATE {_q(sheet.name)} SET {_q(col)} = CAST({_q(col)} AS TEXT) "
                f"WHERE {_q(col)} IS NOT NULL AND typeof({_q(col)}) != 'text'"
            )
        return sum(sheet.unit_rows.values())

    def _ensure_columns(self, conn, sheet: PreparedSheet) -> list[str]:
        """Create the sheet table / new columns and widen kinds; return the columns whose
        values must become text (a column that held numbers now also holds words)."""
        table = _q(sheet.name)
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (submission_id INTEGER NOT NULL REFERENCES submissions(id),"
            f" {_q(UNIT_COLUMN)} TEXT NOT NULL, _sheet TEXT, _row INTEGER, _extra TEXT)"
        )
        conn.execute(
            f"CREATE INDEX IF NOT EXISTS {_q(sheet.name + '_by_part')} ON {table}(submission_id, {_q(UNIT_COLUMN)})"
        )
        known = {n: k for n, k in conn.execute("SELECT name, kind FROM columns WHERE sheet=?", (sheet.name,))}
        to_text = []
        for col in sheet.columns:
            kind = sheet.kinds[col]
            if col not in known:
                # No declared type: BLOB affinity stores values exactly as given ('0012' stays text).
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {_q(col)}")
                conn.execute("INSERT INTO columns VALUES (?,?,?,?)", (sheet.name, col, kind, len(known)))
                known[col] = kind
                if col == MONTH_COLUMN:
                    conn.execute(
                        f"CREATE INDEX IF NOT EXISTS {_q(sheet.name + '_by_month')} ON {table}"
                        f"({_q(UNIT_COLUMN)}, {_q(MONTH_COLUMN)})"
                    )
                if col == YEAR_COLUMNS.get(sheet.name):
                    # covers snapshot(latest_per=年度): which part last listed each unit's year
                    conn.execute(
                        f"CREATE INDEX IF NOT EXISTS {_q(sheet.name + '_by_year')} ON {table}"
                        f"(submission_id, {_q(UNIT_COLUMN)}, {_q(col)})"
                    )
                continue
            if col in sheet.empty:
                continue
            wider = _widen(known[col], kind)
            if wider != known[col]:
                conn.execute("UPDATE columns SET kind=? WHERE sheet=? AND name=?", (wider, sheet.name, col))
            if wider == "text" and (kind != "text" or known[col] != "text"):
                to_text.append(col)
        return to_text

    # -- reading ----------------------------------------------------------

    def _columns(self, sheet: str) -> list[tuple[str, str]]:
        """(name, kind) of a sheet's stored columns: contract order first, then first-seen order."""
        order = _contract_columns(sheet)
        rows = self._read("SELECT name, kind FROM columns WHERE sheet=? ORDER BY position", (sheet,))
        return sorted(rows, key=lambda r: order.index(r[0]) if r[0] in order else len(order))

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
        cols = stored = self._columns(sheet)
        if cols and columns is not None:
            wanted = {*columns, MONTH_COLUMN, latest_per}  # the query orders and groups by these
            cols = [(n, k) for n, k in cols if n in wanted]
        names = [n for n, _ in cols]
        trail = [UNIT_COLUMN, *(PROVENANCE_COLUMNS if provenance else ())]
        out_cols = [*names, *trail]
        if not stored:
            names = [c for c in _contract_columns(sheet) if c != UNIT_COLUMN]
            return pd.DataFrame(columns=_with_unit_in_place(sheet, [*names, *trail]))
        vis_sql, params = _visible_parts_sql(sheet, as_of_period, units, as_at)
        select = ", ".join(
            [
                *(f"t.{_q(n)}" for n in names),
                f"t.{_q(UNIT_COLUMN)}",
                *(("v.period", "t.submission_id", "t._sheet", "t._row") if provenance else ()),
            ]
        )
        join = f"FROM {_q(sheet)} t JOIN vis v ON t.submission_id = v.submission_id AND t.{_q(UNIT_COLUMN)} = v.unit"
        if sheet in ISSUED_SHEETS:
            sql = f"WITH vis AS ({vis_sql}) SELECT {select} {join} ORDER BY v.period, v.unit, t.rowid"
        elif sheet in REGISTER_SHEETS and latest_per is None:
            sql = (
                f"WITH vis0 AS ({vis_sql}), best AS (SELECT unit, MAX(period) AS period FROM vis0 GROUP BY unit), "
                f"vis AS (SELECT vis0.* FROM vis0 JOIN best USING (unit, period)) "
                f"SELECT {select} {join} ORDER BY v.unit, t.rowid"
            )
        elif latest_per is not None:
            # the latest period per (unit, value) first, from the covering index (see _ensure_columns)
            key, unit = _q(latest_per), _q(UNIT_COLUMN)
            best = f"SELECT t.{unit} AS unit, t.{key} AS k, MAX(v.period) AS period {join} GROUP BY t.{unit}, t.{key}"
            sql = (
                f"WITH vis AS ({vis_sql}), best AS ({best}) SELECT {select} {join} "
                f"JOIN best b ON b.unit = t.{unit} AND b.k IS t.{key} AND b.period = v.period "
                f"ORDER BY t.{unit}, t.{key}, t.rowid"
            )
        else:
            month_filter = f"WHERE t.{_q(MONTH_COLUMN)} <= ?" if as_of_period else ""
            params += [as_of_period] if as_of_period else []
            rank = f"RANK() OVER (PARTITION BY t.{_q(UNIT_COLUMN)}, t.{_q(MONTH_COLUMN)} ORDER BY v.period DESC)"
            sql = (
                f"WITH vis AS ({vis_sql}), "
                f"cand AS (SELECT {select}, {rank} AS rk, t.rowid AS rid {join} {month_filter}) "
                f"SELECT * FROM cand WHERE rk = 1 ORDER BY {_q(UNIT_COLUMN)}, {_q(MONTH_COLUMN)}, rid"
            )
        rows = self._read(sql, params)
        width = len(out_cols)  # (the monthly query adds its rank and rowid)
        cells = np.empty((len(rows), width), dtype=object)  # every column is converted below: no inference
        if rows:
            cells[:] = rows if len(rows[0]) == width else [r[:width] for r in rows]
        frame = pd.DataFrame(cells, columns=out_cols, dtype=object)
        texts = [(UNIT_COLUMN, "text"), *((("period", "text"), ("_sheet", "text")) if provenance else ())]
        for name, kind in [*cols, *texts]:
            frame[name] = _from_db(frame[name].astype(object), kind)
        if provenance:
            frame["submission_id"] = frame["submission_id"].astype("int64")
            frame["_row"] = frame["_row"].astype("Int64")  # NULL only for rows stored without provenance
        return frame[_with_unit_in_place(sheet, list(frame.columns))]

    def known_enterprises(self) -> dict[str, str]:
        """Credit code -> unit, from every unit's current 企业名录 (the latest period wins)."""
        return self._key_to_unit("企业名录", "统一社会信用代码")

    def known_clusters(self) -> dict[str, str]:
        """Cluster name -> unit, from every unit's current 集群名录."""
        return self._key_to_unit("集群名录", "集群名称")

    def _key_to_unit(self, sheet: str, key: str) -> dict[str, str]:
        if key not in {n for n, _ in self._columns(sheet)}:
            return {}
        vis_sql, params = _visible_parts_sql(sheet, None, None, None)
        sql = (
            f"WITH vis0 AS ({vis_sql}), best AS (SELECT unit, MAX(period) AS period FROM vis0 GROUP BY unit), "
            f"vis AS (SELECT vis0.* FROM vis0 JOIN best USING (unit, period)) "
            f"SELECT t.{_q(key)}, t.{_q(UNIT_COLUMN)} FROM {_q(sheet)} t JOIN vis v "
            f"ON t.submission_id = v.submission_id AND t.{_q(UNIT_COLUMN)} = v.unit "
            f"WHERE t.{_q(key)} IS NOT NULL ORDER BY v.period, v.submission_id"
        )
        return {str(k): u for k, u in self._read(sql, params)}

    def submissions(self, include_superseded: bool = False) -> pd.DataFrame:
        """One row per stored submission: id, file_name, sha256, period, units, ingested_at, status, received_at.

        status is 'current' while any of its (unit, sheet) parts is current, else
        'superseded' (every part replaced by corrections). `units` is a tuple. received_at is None where the
        time the file reached the bureau is not known (and in a read-only store older than version 4).
        """
        received = "s.received_at" if self._has_received_at() else "NULL"
        rows = self._read(
            "SELECT s.id, s.file_name, s.sha256, s.period, s.units, s.ingested_at, "
            "CASE WHEN EXISTS (SELECT 1 FROM parts p WHERE p.submission_id = s.id AND p.superseded_by IS NULL) "
            f"THEN 'current' ELSE 'superseded' END, {received} FROM submissions s ORDER BY s.id"
        )
        cols = ["id", "file_name", "sha256", "period", "units", "ingested_at", "status", "received_at"]
        frame = pd.DataFrame.from_records(rows, columns=cols)
        frame["units"] = [tuple(json.loads(u)) for u in frame["units"]]
        frame["id"] = frame["id"].astype("int64")
        frame["received_at"] = frame["received_at"].astype(object).where(frame["received_at"].notna(), None)
        if not include_superseded:
            frame = frame[frame["status"] == "current"].reset_index(drop=True)
        return frame

    def _has_received_at(self) -> bool:
        """A read-only store older than version 4 (not brought up to date) has no received_at column."""
        return any(row[1] == "received_at" for row in self._read("PRAGMA table_info(submissions)"))

    def parts(self, include_superseded: bool = False) -> pd.DataFrame:
        """One row per (submission, unit, sheet): submission_id, unit, sheet, period, n_rows, superseded_by."""
        where = "" if include_superseded else "WHERE superseded_by IS NULL"
        rows = self._read(
            f"SELECT submission_id, unit, sheet, period, n_rows, superseded_by FROM parts {where} "
            "ORDER BY period, unit, submission_id"
        )
        cols = ["submission_id", "unit", "sheet", "period", "n_rows", "superseded_by"]
        frame = pd.DataFrame.from_records(rows, columns=cols)
        frame["superseded_by"] = frame["superseded_by"].astype("Int64")
        return frame

    def periods(self) -> list[str]:
        """Periods with current data, ascending."""
        return [
            r[0] for r in self._read("SELECT DISTINCT period FROM parts WHERE superseded_by IS NULL ORDER BY period")
        ]

    def latest_period(self) -> str | None:
        periods = self.periods()
        return periods[-1] if periods else None

    def require_latest_period(self) -> str:
        """The latest period, or a Chinese error for a store with nothing in it (the one message everyone uses)."""
        latest = self.latest_period()
        if latest is None:
            raise StoreError(
                f"数据库 {self.dir} 不存在或还没有报送数据：请先用 ingest 导入报送文件（或运行 make demo），"
                "或用 --store / 环境变量 WORKBOOK_STORE 指定数据库目录"
            )
        return latest

    def submitted_units(self, period: str) -> set[str]:
        """Units with a current submission for `period`."""
        return {
            r[0]
            for r in self._read("SELECT DISTINCT unit FROM parts WHERE period = ? AND superseded_by IS NULL", (period,))
        }

    def fingerprint(self, units: Iterable[str] | str, period: str | None = None) -> str:
        """A hash of everything the store holds for `units` up to `period` (default: latest).

        It changes whenever a submission or correction that a snapshot of those
        units as of `period` could draw on is added; it does not change for later periods
        or other units.
        """
        period = period or self.latest_period() or ""
        unit_list = sorted([units] if isinstance(units, str) else set(units))
        marks = ",".join("?" * len(unit_list))
        rows = self._read(
            f"SELECT p.unit, p.sheet, p.period, p.submission_id, s.sha256 FROM parts p JOIN submissions s "
            f"ON s.id = p.submission_id WHERE p.superseded_by IS NULL AND p.period <= ? AND p.unit IN ({marks}) "
            f"ORDER BY p.unit, p.sheet, p.period",
            [period, *unit_list],
        )
        digest = hashlib.sha256(f"v{SCHEMA_VERSION}|{period}|{unit_list}".encode())
        for row in rows:
            digest.update("|".join(map(str, row)).encode() + b"\n")
        return digest.hexdigest()


def _create_schema(conn: sqlite3.Connection) -> None:
    """Create (or bring up to date) the tables inside the caller's transaction (a killed first ingest leaves none)."""
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _migrate_to_2(conn: sqlite3.Connection) -> None:
    """Version 1 → 2: rebuild `submissions` without UNIQUE (sha256, period), keeping every row and id, in one
    transaction (SQLite's table rebuild: foreign keys off while the parent table is swapped, on again after)."""
    conn.execute("PRAGMA foreign_keys = OFF")  # only outside a transaction
    try:
        with _immediate(conn):
            if conn.execute("PRAGMA user_version").fetchone()[0] == 1:  # another writer may have done it
                _drop_file_uniqueness(conn)
                conn.execute("CREATE INDEX IF NOT EXISTS submissions_by_file ON submissions(sha256, period)")
                conn.execute("PRAGMA user_version = 2")
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _migrate_to_3(conn: sqlite3.Connection) -> None:
    """Version 2 → 3: the legacy bare unit names (LEGACY_UNIT_NAMES) renamed in parts, submissions and every data
    table's 地区, in one transaction; nothing else changes (ids, provenance, superseded links)."""
    with _immediate(conn):
        if conn.execute("PRAGMA user_version").fetchone()[0] not in (1, 2):  # another writer may have done it
            return
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for old, new in LEGACY_UNIT_NAMES.items():
            conn.execute("UPDATE parts SET unit = ? WHERE unit = ?", (new, old))
            for sheet in SHEETS:
                if sheet not in tables:
                    continue
                names = {row[1] for row in conn.execute(f"PRAGMA table_info({_q(sheet)})")}
                for column in names & {UNIT_COLUMN, "所属地区"}:
                    conn.execute(f"UPDATE {_q(sheet)} SET {_q(column)} = ? WHERE {_q(column)} = ?", (new, old))
            for sid, units in conn.execute(
                "SELECT id, units FROM submissions WHERE units LIKE ?", (f'%"{old}"%',)
            ).fetchall():
                renamed = [new if u == old else u for u in json.loads(units)]
                conn.execute(
                    "UPDATE submissions SET units = ? WHERE id = ?", (json.dumps(renamed, ensure_ascii=False), sid)
                )
        conn.execute("PRAGMA user_version = 3")


def _migrate_to_4(conn: sqlite3.Connection) -> None:
    """Version 3 → 4: `submissions.received_at` (when the file reached the bureau), NULL for every stored file:
    nobody recorded it, and the time it was stored says nothing about it. Nothing else changes."""
    with _immediate(conn):
        if conn.execute("PRAGMA user_version").fetchone()[0] not in (1, 2, 3):  # another writer may have done it
            return
        if "received_at" not in {row[1] for row in conn.execute("PRAGMA table_info(submissions)")}:
            conn.execute("ALTER TABLE submissions ADD COLUMN received_at TEXT")
        conn.execute("PRAGMA user_version = 4")


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction: committed when the block ends, rolled back on any exception (a kill included)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _drop_file_uniqueness(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE submissions_v2 (id INTEGER PRIMARY KEY, file_name TEXT NOT NULL, sha256 TEXT NOT NULL, "
        "period TEXT NOT NULL, units TEXT NOT NULL, ingested_at TEXT NOT NULL, extra_columns TEXT NOT NULL)"
    )
    conn.execute(
        "INSERT INTO submissions_v2 SELECT id, file_name, sha256, period, units, ingested_at, extra_columns "
        "FROM submissions"
    )
    conn.execute("DROP TABLE submissions")
    conn.execute("ALTER TABLE submissions_v2 RENAME TO submissions")


def _superseders(conn: sqlite3.Connection, sid: int) -> set[str]:
    """The sha256 of every submission that superseded `sid`, directly or through later corrections."""
    rows = conn.execute(
        """
        WITH RECURSIVE later(id) AS (
            SELECT superseded_by FROM parts WHERE submission_id = ? AND superseded_by IS NOT NULL
            UNION
            SELECT p.superseded_by FROM parts p JOIN later ON p.submission_id = later.id
            WHERE p.superseded_by IS NOT NULL)
        SELECT DISTINCT s.sha256 FROM submissions s JOIN later ON s.id = later.id""",
        (sid,),
    ).fetchall()
    return {row[0] for row in rows}


def _is_current(conn: sqlite3.Connection, sid: int) -> bool:
    """Every part of the submission is still current (nothing superseded it)."""
    return (
        conn.execute(
            "SELECT COUNT(*) FROM parts WHERE submission_id = ? AND superseded_by IS NOT NULL", (sid,)
        ).fetchone()[0]
        == 0
    )


def _with_unit_in_place(sheet: str, columns: list[str]) -> list[str]:
    """Column order with 地区 where the contract puts it (指标填报, 情况说明 start with it)."""
    order = _contract_columns(sheet)
    if UNIT_COLUMN not in order:
        return columns
    rest = [c for c in columns if c != UNIT_COLUMN]
    return rest[: order.index(UNIT_COLUMN)] + [UNIT_COLUMN] + rest[order.index(UNIT_COLUMN) :]


def _contract_columns(sheet: str) -> list[str]:
    from analysis.submissions.contract import (
        SHEETS_BY_NAME,  # contract is data only; imported late to keep the store standalone
    )

    spec = SHEETS_BY_NAME.get(sheet)
    return [c.name for c in spec.columns] if spec else []


PROVENANCE_COLUMNS = ("period", "submission_id", "_sheet", "_row")


def _visible_parts_sql(sheet: str, as_of_period: str | None, units, as_at: str | None) -> tuple[str, list]:
    """SQL for the (submission_id, unit, period) parts of a sheet visible at a period/time."""
    where, params = ["p.sheet = ?"], [sheet]
    if as_of_period:
        where.append("p.period <= ?")
        params.append(as_of_period)
    if units is not None:
        unit_list = [units] if isinstance(units, str) else list(units)
        where.append(f"p.unit IN ({','.join('?' * len(unit_list))})")
        params += unit_list
    if as_at:
        where.append("s.ingested_at <= ? AND (p.superseded_by IS NULL OR x.ingested_at > ?)")
        params += [as_at, as_at]
        source = (
            "parts p JOIN submissions s ON s.id = p.submission_id LEFT JOIN submissions x ON x.id = p.superseded_by"
        )
    else:
        where.append("p.superseded_by IS NULL")
        source = "parts p"
    return f"SELECT p.submission_id, p.unit, p.period FROM {source} WHERE {' AND '.join(where)}", params


def _sleep_hook() -> None:
    seconds = os.environ.get(SLEEP_HOOK_ENV)
    if seconds:
        print("store: inside transaction", flush=True, file=sys.stderr)
        time.sleep(float(seconds))
