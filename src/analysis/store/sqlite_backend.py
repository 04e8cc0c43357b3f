"""The embedded backend: one SQLite file, `<store>/workbook.sqlite`, and its archive folder beside it.

WAL journal mode (readers never block the writer), synchronous=FULL (a committed ingest survives a power cut),
BEGIN IMMEDIATE for each write. Readers open the file read-only, so a published copy, a read-only disk or a
folder owned by someone else can be read; where the folder is not writable and the WAL is empty, the file is
opened as immutable (SQLite then needs no -shm file). One ingest run at a time (`<store>/.ingest.lock`).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from analysis.store import schema
from analysis.store.backends import Backend
from analysis.store.digests import STORED_TEXT
from analysis.store.faults import StoreError, sqlite_fault
from analysis.store.layout import META_COLUMNS, UNIT_COLUMN
from analysis.store.values import canon

DB_NAME = "workbook.sqlite"
INGEST_LOCK = ".ingest.lock"
VERIFIED_FILE = ".verified"  # the file state a whole-store verification last found sound
ARCHIVE_DIR = "archive"


class SQLiteBackend(Backend):
    name = "sqlite"
    errors = (sqlite3.Error,)
    dir: Path
    db_path: Path

    def __init__(self, folder: Path):
        super().__init__()
        self.dialect = sqlite_dialect.dialect(paramstyle="named")
        self.dir = Path(folder)
        self.db_path = self.dir / DB_NAME
        self.location = str(self.db_path)
        self.store_arg = str(self.dir)

    def exists(self) -> bool:
        return self.db_path.exists()

    # -- connections ----------------------------------------------------------------------------------

    def connect(self, write: bool = False) -> sqlite3.Connection:
        """A connection (autocommit: transactions are begun explicitly); writers bring an older schema up to date."""
        from analysis.store.migrations import upgrade

        if self.db_path.exists() and self.db_path.stat().st_size == 0:
            # SQLite would take an empty file for a new store and start numbering again at 1
            raise StoreError(
                f"数据库文件 {self.db_path} 为空（0 字节），可能已损坏或被截断；请从存档重建"
                f"（python -m analysis store rebuild --store {self.dir}）或用备份恢复"
            )
        if write:
            self.check_writable()
        try:
            if write:
                conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
            else:
                conn = sqlite3.connect(self._read_only_uri(), uri=True, timeout=30, isolation_level=None)
            conn.execute("PRAGMA foreign_keys = ON")
            version = self.schema_version(conn)
            if version > schema.SCHEMA_VERSION:
                conn.close()
                raise StoreError(f"数据库 {self.db_path} 由更新版本的工作簿创建（结构版本 {version}），请升级本工具")
            if write and 0 < version < schema.SCHEMA_VERSION:
                upgrade(self, conn, version)
            if not write and 0 < version < schema.SCHEMA_VERSION and os.access(self.dir, os.W_OK):
                conn.close()  # an older store is brought up to date by its first use, read or write
                self.connect(write=True).close()
                return self.connect()
            conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as err:
            raise self.fault(err) from None
        return conn

    def check_writable(self) -> None:
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
        from urllib.parse import quote

        uri = f"file:{quote(str(self.db_path.resolve()))}?mode=ro"
        wal = self.db_path.with_name(self.db_path.name + "-wal")
        if not os.access(self.dir, os.W_OK) and not (wal.exists() and wal.stat().st_size > 0):
            uri += "&immutable=1"
        return uri

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection | None]:
        if not self.exists():
            yield None
            return
        conn = self.connect()
        try:
            yield conn if self.schema_version(conn) else None
        finally:
            conn.close()

    def connect_writer(self) -> sqlite3.Connection:
        conn = self.connect(write=True)
        if self.schema_version(conn) < schema.SCHEMA_VERSION:
            conn.execute("PRAGMA journal_mode = WAL")  # persistent; cannot be set inside a transaction
        return conn

    def archive_reading(self):
        from contextlib import nullcontext

        return nullcontext(None)

    def checkpoint(self) -> None:
        """Fold the WAL into the database file (before the file is moved as a whole)."""
        conn = sqlite3.connect(self.db_path)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()

    def begin_write(self, conn) -> None:
        conn.execute("BEGIN IMMEDIATE")

    def in_transaction(self, conn) -> bool:
        return conn.in_transaction

    def fault(self, err: BaseException) -> Exception:
        if isinstance(err, StoreError):
            return err
        return sqlite_fault(str(self.db_path), err, self.store_arg)

    @contextmanager
    def ingest_lock(self, on_wait=None) -> Iterator[None]:
        """One ingest at a time per store: a second one waits (calling `on_wait` once) instead of validating its
        files against enterprises the first is still adding."""
        import fcntl

        self.check_writable()
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

    # -- schema ---------------------------------------------------------------------------------------

    def schema_version(self, conn) -> int:
        return conn.execute("PRAGMA user_version").fetchone()[0]

    def create_schema(self, conn) -> bool:
        if self.schema_version(conn) == schema.SCHEMA_VERSION:
            return False
        for table in schema.FIXED_TABLES:
            conn.execute(str(CreateTable(table, if_not_exists=True).compile(dialect=self.dialect)))
            for index in table.indexes:
                conn.execute(str(CreateIndex(index, if_not_exists=True).compile(dialect=self.dialect)))
        conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION}")
        return True

    def table_names(self, conn) -> set[str]:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def create_data_table(self, conn, sheet: str) -> None:
        q = self.quote
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {q(sheet)} (submission_id INTEGER NOT NULL REFERENCES submissions(id),"
            f" {q(UNIT_COLUMN)} TEXT NOT NULL, _sheet TEXT, _row INTEGER, _extra TEXT)"
        )

    def add_data_column(self, conn, sheet: str, name: str, kind: str) -> None:
        # No declared type: BLOB affinity stores values exactly as given ('0012' stays text).
        conn.execute(f"ALTER TABLE {self.quote(sheet)} ADD COLUMN {self.quote(name)}")

    def widen_column(self, conn, sheet: str, name: str, old: str, new: str) -> None:
        """Values keep their storage class (a column has no type); only a column that now holds text too has its
        other values rewritten, as their canon text."""
        if new != "text":
            return
        t, c = self.quote(sheet), self.quote(name)
        changed = conn.execute(f"SELECT rowid, {c} FROM {t} WHERE {c} IS NOT NULL AND typeof({c}) != 'text'").fetchall()
        conn.executemany(f"UPDATE {t} SET {c} = ? WHERE rowid = ?", [(canon(v), rowid) for rowid, v in changed])

    # -- bulk -----------------------------------------------------------------------------------------

    def insert_rows(self, conn, sheet: str, names: Sequence[str], rows: Iterable[Sequence]) -> None:
        columns = ", ".join(self.quote(n) for n in names)
        conn.executemany(f"INSERT INTO {self.quote(sheet)} ({columns}) VALUES ({', '.join('?' * len(names))})", rows)

    def attach_stage(self, conn, stage: Path) -> None:
        conn.execute("ATTACH DATABASE ? AS stage", (str(stage),))  # not allowed inside a transaction

    def detach_stage(self, conn) -> None:
        conn.execute("DETACH DATABASE stage")

    def insert_staged(self, conn, sid: int, sheet, stage: Path, index: int, names: Sequence[str]) -> bool:
        from analysis.store.staging import _stage_table

        width = len(META_COLUMNS) - 1 + len(sheet.columns)
        picks = ", ".join("?" if pos in sheet.constants else f"c{pos}" for pos in range(width))
        columns = ", ".join(self.quote(n) for n in names)
        conn.execute(
            f"INSERT INTO {self.quote(sheet.name)} ({columns}) "
            f"SELECT {int(sid)}, {picks} FROM stage.{_stage_table(index)} ORDER BY rowid",
            [sheet.constants[pos] for pos in sorted(sheet.constants)],
        )
        return True

    def rows_for_digest(self, conn, statement) -> list:
        """Text as its stored UTF-8 bytes: a digest hashes those, so nothing is decoded and encoded again (a
        fifth of a whole-store verification); a value that is not UTF-8 is a changed digest, not an error."""
        conn.text_factory = STORED_TEXT
        try:
            return super().rows_for_digest(conn, statement)
        finally:
            conn.text_factory = str

    def apart_target(self, conn) -> dict | None:
        return {"driver": "sqlite", "database": self._read_only_uri()}

    # -- the whole store ------------------------------------------------------------------------------

    def structure_problems(self, conn) -> list[str]:
        lines = _integrity(conn, None)
        if lines == ["ok"]:
            return []
        owners = _page_owners(conn)
        described = [_structure_line(line, owners) for line in lines if _structure_line(line, owners)]
        if any(_GENERIC in line for line in described):  # SQLite could not say where: ask table by table
            described = [line for line in described if _GENERIC not in line]
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
                for line in _integrity(conn, name):
                    text = _structure_line(line, owners)
                    if text and _GENERIC in text:
                        text = f"表“{name}”（或其索引）结构损坏，无法完整读取"
                    if text and line != "ok":
                        described.append(text)
        return list(dict.fromkeys(described)) or [f"数据库文件{_GENERIC}"]

    def structure_check_apart(self):
        def check() -> list[str]:
            with self.reading() as conn:
                return [] if conn is None else self.structure_problems(conn)

        return check

    def state(self, conn=None) -> tuple:
        """The files' identity, size and time: any write (a commit, a checkpoint, bytes changed by anything)
        changes it."""
        out: list[tuple | None] = []
        for path in (self.db_path, self.db_path.with_name(self.db_path.name + "-wal")):
            try:
                info = path.stat()
            except FileNotFoundError:
                out.append(None)
                continue
            # an empty WAL holds nothing (a read-only reader leaves one behind: it may not delete it)
            out.append((info.st_ino, info.st_size, info.st_mtime_ns) if info.st_size else None)
        return tuple(out)

    def remembered(self, conn=None) -> tuple | None:
        try:
            data = json.loads((self.dir / VERIFIED_FILE).read_text(encoding="utf-8"))
            return tuple(tuple(x) if x is not None else None for x in data["state"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def remember(self, state: tuple, conn=None) -> None:
        """Kept when the folder is writable; a read-only store is verified by each command that reads it."""
        path = self.dir / VERIFIED_FILE
        tmp = path.with_name(f"{VERIFIED_FILE}.{os.getpid()}")
        try:
            tmp.write_text(json.dumps({"state": state}), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            with suppress(OSError):
                tmp.unlink(missing_ok=True)

    def archive(self):
        from analysis.store.archive import FolderArchive

        return FolderArchive(self.dir / ARCHIVE_DIR)


_GENERIC = "结构损坏（SQLite 的结构检查未通过）"


def _integrity(conn, table: str | None) -> list[str]:
    """SQLite's integrity_check (of one table and its indexes), one line per finding."""
    pragma = "PRAGMA integrity_check" if table is None else f"PRAGMA integrity_check({_quote(table)})"
    try:
        rows = conn.execute(pragma).fetchall()
    except sqlite3.DatabaseError:
        return ["database disk image is malformed"]
    return [line for row in rows for line in str(row[0]).splitlines() if not line.startswith("*** in database")]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _page_owners(conn) -> dict[int, tuple[str, str]]:
    """Page number -> (type, name) of the table or index it belongs to (SQLite's dbstat), where readable."""
    kinds = {name: kind for kind, name in conn.execute("SELECT type, name FROM sqlite_master")}
    owners: dict[int, tuple[str, str]] = {}
    for name, kind in kinds.items():
        try:
            for (page,) in conn.execute("SELECT pageno FROM dbstat WHERE name = ?", (name,)):
                owners[page] = (kind, name)
        except sqlite3.Error:  # a b-tree too damaged to walk: its root page at least
            pass
    for kind, name, root in conn.execute("SELECT type, name, rootpage FROM sqlite_master WHERE rootpage > 0"):
        owners.setdefault(root, (kind, name))
    return owners


def _owner_text(owner: tuple[str, str] | None) -> str:
    if owner is None:
        return "所属的表或索引已无法确定"
    kind, name = owner
    if name.startswith("sqlite_autoindex_"):
        return f"表“{name.removeprefix('sqlite_autoindex_').rsplit('_', 1)[0]}”的主键索引"
    return f"{'索引' if kind == 'index' else '表'}“{name}”"


def _structure_line(line: str, owners: dict[int, tuple[str, str]]) -> str:
    """SQLite's integrity_check line in Chinese (its own wording never reaches the user)."""
    if line == "ok":
        return ""
    if match := re.search(r"row (\d+) missing from index (.+)$", line):
        return f"索引“{match[2]}”缺少表中的第 {match[1]} 行（索引与表不一致）"
    if match := re.search(r"wrong # of entries in index (.+)$", line):
        return f"索引“{match[1]}”的条目数与表不一致"
    if match := re.search(r"non-unique entry in index (.+)$", line):
        return f"索引“{match[1]}”有重复条目"
    if match := re.search(r"NULL value in ([^.]+)\.(.+)$", line):
        return f"表“{match[1]}”的列“{match[2]}”出现了不应有的空值"
    if match := re.search(r"[Pp]age (\d+)", line):
        page = int(match[1])
        return f"数据库文件第 {page} 页（{_owner_text(owners.get(page))}）结构损坏"
    return f"数据库文件{_GENERIC}"
