"""The server backend: a PostgreSQL database (`--store postgresql://user@host/db`, any libpq URL), through
psycopg 3.

- The same tables as SQLite, with the contract's Chinese names; data columns typed by kind (text and dates
  TEXT COLLATE "C", int BIGINT, float DOUBLE PRECISION, bool BOOLEAN), an identity column `rowid` keeping rows'
  order, and every text compared byte-wise (COLLATE "C"), so both backends list and sort alike.
- Each write is one transaction that first takes a transaction-level advisory lock (per schema): writers from
  any number of processes and machines take turns write by write, never for a whole run, and each sees what
  the one before it committed. Rows are loaded with COPY.
- The archive's files are the table `archive_files`. The verification readers remember is the meta row
  `verified_state`: the (write counter, changes) it found sound, moved on by each writer in its own
  transaction; `changes` is counted by a statement trigger on every store table, so a change made by hand
  (psql, another program) makes the next read verify the whole store again.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from analysis.store import schema
from analysis.store.backends import Backend
from analysis.store.faults import StoreError, postgres_fault
from analysis.store.layout import UNIT_COLUMN
from analysis.store.values import canon

_LOCK_KEY = "hashtextextended('analysis.store:' || current_schema(), 0)"
_CHANGED = "workbook_store_changed"  # the trigger function counting changes
ANALYZE_AFTER_ROWS = 5000  # rows a run adds to a table before it refreshes the table's statistics itself
ANALYZE_TARGET = 10  # statistics target of that ANALYZE (PostgreSQL's default: 100)
READ_WORK_MEM = "64MB"  # a snapshot's sort of a province's rows fits in memory (the default 4MB spills to disk)


def display_url(url: str) -> str:
    """The URL without its password (messages, logs)."""
    url = re.sub(r"^(\w+://[^/@:?]*):[^@/?]*@", r"\1@", url)
    return re.sub(r"([?&])password=[^&]*&?", r"\1", url).rstrip("?&")


class PostgresBackend(Backend):
    name = "postgresql"
    errors = (psycopg.Error,)

    def __init__(self, url: str):
        super().__init__()
        self.dialect = psycopg_dialect.dialect()
        self.url = url
        self.location = display_url(url)
        self.store_arg = self.location
        self._reader: psycopg.Connection | None = None
        self._reader_pid = 0
        self._created = False
        self._version = 0

    # -- connections ----------------------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection:
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=30)
        except psycopg.Error as err:
            raise self.fault(err) from None

    def _read_connection(self) -> psycopg.Connection:
        """One connection kept for reading (per process: a forked child opens its own)."""
        if self._reader is None or self._reader.closed or self._reader_pid != os.getpid():
            self._reader, self._reader_pid = self._connect(), os.getpid()
            self._reader.execute(f"SET work_mem = '{READ_WORK_MEM}'")
        elif self._reader.info.transaction_status == TransactionStatus.INERROR:
            self._reader.rollback()
        return self._reader

    def exists(self) -> bool:
        if not self._created:
            conn = self._read_connection()
            row = conn.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()
            self._created = bool(row and row[0])
        return self._created

    @contextmanager
    def reading(self) -> Iterator[psycopg.Connection | None]:
        if not self.exists():
            yield None
            return
        conn = self._read_connection()
        version = self.schema_version(conn)
        if version > schema.SCHEMA_VERSION:
            raise StoreError(f"数据库 {self.location} 由更新版本的工作簿创建（结构版本 {version}），请升级本工具")
        yield conn

    def connect_writer(self) -> psycopg.Connection:
        conn = self._connect()
        if self.exists() and self.schema_version(conn) > schema.SCHEMA_VERSION:
            conn.close()
            raise StoreError(f"数据库 {self.location} 由更新版本的工作簿创建，请升级本工具")
        return conn

    def begin_write(self, conn) -> None:
        conn.execute(f"BEGIN; SELECT pg_advisory_xact_lock({_LOCK_KEY})")  # one round trip

    def begin_snapshot(self, conn) -> None:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def apart_target(self, conn) -> dict | None:
        """The URL, and the snapshot this connection reads in (exported: the child imports it and reads exactly
        what this transaction reads)."""
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0] if self.in_transaction(conn) else None
        return {"driver": "postgresql", "database": self.url, "snapshot": snapshot}

    def in_transaction(self, conn) -> bool:
        return conn.info.transaction_status != TransactionStatus.IDLE

    def fault(self, err: BaseException) -> Exception:
        if isinstance(err, StoreError):
            return err
        return postgres_fault(self.location, err)

    def close(self) -> None:
        if self._reader is not None and self._reader_pid == os.getpid():
            self._reader.close()
        self._reader = None

    # -- schema ---------------------------------------------------------------------------------------

    def schema_version(self, conn) -> int:
        if self._version == schema.SCHEMA_VERSION:  # it never goes back
            return self._version
        if not conn.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()[0]:
            return 0
        row = conn.execute("SELECT value FROM meta WHERE key = %s", (schema.SCHEMA_KEY,)).fetchone()
        self._version = int(row[0]) if row else 0
        return self._version

    def create_schema(self, conn) -> bool:
        if self.schema_version(conn) == schema.SCHEMA_VERSION:
            return False
        for table in (*schema.FIXED_TABLES, schema.archive_files):
            conn.execute(str(CreateTable(table, if_not_exists=True).compile(dialect=self.dialect)))
            for index in table.indexes:
                conn.execute(str(CreateIndex(index, if_not_exists=True).compile(dialect=self.dialect)))
        # archived files are mostly xlsx, zip-compressed already: stored as they are, not compressed again
        conn.execute("ALTER TABLE archive_files ALTER COLUMN content SET STORAGE EXTERNAL")
        # a store made at version 4 (before receipt times) gains the column; nothing else changed since
        conn.execute('ALTER TABLE submissions ADD COLUMN IF NOT EXISTS received_at TEXT COLLATE "C"')
        here = self.quote(conn.execute("SELECT current_schema()").fetchone()[0])
        conn.execute(
            f"CREATE OR REPLACE FUNCTION {here}.{_CHANGED}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"UPDATE {here}.meta SET value = (value::bigint + 1)::text WHERE key = '{schema.CHANGES}'; "
            "RETURN NULL; END $$"
        )
        for table in (*schema.FIXED_TABLES, schema.archive_files):
            if table is not schema.meta:
                self._watch(conn, table.name)
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (schema.SCHEMA_KEY, str(schema.SCHEMA_VERSION)),
        )
        self._created = True
        return True

    def table_names(self, conn) -> set[str]:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()
        return {row[0] for row in rows}

    def _type(self, kind: str) -> str:
        return schema.POSTGRES_KIND_TYPES[kind].compile(dialect=self.dialect)

    def create_data_table(self, conn, sheet: str) -> None:
        # No foreign key to submissions here: PostgreSQL checks one per row, which doubles COPY's time; that every
        # row belongs to a stored part is what verification checks (verify.content_problems).
        q, text = self.quote, self._type("text")
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {q(sheet)} (submission_id INTEGER NOT NULL,"
            f" {q(UNIT_COLUMN)} {text} NOT NULL, _sheet {text}, _row INTEGER, _extra {text},"
            " rowid BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)"
        )
        self._watch(conn, sheet)

    def _watch(self, conn, table: str) -> None:
        """Count every statement that changes `table` (meta's `changes`, see state)."""
        conn.execute(
            f"CREATE OR REPLACE TRIGGER {_CHANGED} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {self.quote(table)}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {_CHANGED}()"
        )

    def add_data_column(self, conn, sheet: str, name: str, kind: str) -> None:
        conn.execute(f"ALTER TABLE {self.quote(sheet)} ADD COLUMN {self.quote(name)} {self._type(kind)}")

    def widen_column(self, conn, sheet: str, name: str, old: str, new: str) -> None:
        """ALTER the column's type; a column becoming text gets each value's canon text (as SQLite's does)."""
        t, c = self.quote(sheet), self.quote(name)
        if new != "text":
            conn.execute(f"ALTER TABLE {t} ALTER COLUMN {c} TYPE {self._type(new)} USING {c}::{self._type(new)}")
            return
        pairs = conn.execute(f"SELECT DISTINCT {c}::text, {c} FROM {t} WHERE {c} IS NOT NULL").fetchall()
        conn.execute(f"ALTER TABLE {t} ALTER COLUMN {c} TYPE {self._type('text')} USING {c}::text")
        changed = [(canon(value), text) for text, value in pairs if canon(value) != text]
        if changed:
            conn.cursor().executemany(f"UPDATE {t} SET {c} = %s WHERE {c} = %s", changed)

    # -- bulk -----------------------------------------------------------------------------------------

    def insert_rows(self, conn, sheet: str, names: Sequence[str], rows: Iterable[Sequence]) -> None:
        columns = ", ".join(self.quote(n) for n in names)
        with conn.cursor().copy(f"COPY {self.quote(sheet)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    ahead_form = "copy"

    def insert_copy(self, conn, sid: int, sheet: str, names: Sequence[str], rows: bytes) -> None:
        if not rows:
            return
        prefix = b"%d\t" % sid  # each line gains its submission id (a value in COPY text never holds a newline)
        columns = ", ".join(self.quote(n) for n in names)
        with conn.cursor().copy(f"COPY {self.quote(sheet)} ({columns}) FROM STDIN") as copy:
            copy.write(prefix + rows.replace(b"\n", b"\n" + prefix) + b"\n")

    # -- the whole store ------------------------------------------------------------------------------

    def structure_problems(self, conn) -> list[str]:
        """The server keeps its own files sound (checksums, WAL); what is checked here is that every table and
        index of the store is there and usable."""
        problems = []
        names = self.table_names(conn)
        for table in (*schema.FIXED_TABLES, schema.archive_files):
            if table.name not in names:
                problems.append(f"缺少表“{table.name}”")
        invalid = conn.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND NOT i.indisvalid"
        ).fetchall()
        problems += [f"索引“{row[0]}”不可用" for row in invalid]
        return problems

    def state(self, conn=None) -> tuple:
        """(write counter, changes): `changes` counts every statement that changed a store table, by this
        program or by hand (a trigger on each table), so a verification is not trusted past a change by hand."""
        if conn is None:
            if not self.exists():
                return ()
            conn = self._read_connection()
        rows = dict(conn.execute(
            "SELECT key, value FROM meta WHERE key IN (%s, %s)", (schema.WRITE_COUNTER, schema.CHANGES)
        ).fetchall())  # fmt: skip
        return (rows.get(schema.WRITE_COUNTER), rows.get(schema.CHANGES))

    verified_in_store = True

    def state_of(self, meta: dict) -> tuple:
        return (meta["counter"], meta["changes"])

    def remembered(self, conn=None) -> tuple | None:
        conn = conn if conn is not None else self._read_connection()
        row = conn.execute("SELECT value FROM meta WHERE key = %s", (schema.VERIFIED_AT,)).fetchone()
        return tuple(row[0].split(":")) if row and row[0] else None

    def remember(self, state: tuple, conn=None) -> None:
        """Kept while the store is still in that state; a reader without the right to write leaves it (and
        verifies again next time)."""
        if len(state) != 2 or None in state:
            return
        conn = conn if conn is not None else self._read_connection()
        try:
            conn.execute(
                "UPDATE meta SET value = %s WHERE key = %s"
                " AND (SELECT value FROM meta WHERE key = %s) = %s AND (SELECT value FROM meta WHERE key = %s) = %s",
                (":".join(state), schema.VERIFIED_AT, schema.WRITE_COUNTER, state[0], schema.CHANGES, state[1]),
            )
        except psycopg.Error:
            if not self.in_transaction(conn):
                return
            raise

    def after_writes(self, conn, rows: dict[str, int]) -> None:
        """Bring the planner's statistics up to date after a bulk load (autovacuum would, a minute or more later;
        meanwhile reads run on plans made for empty tables, three times slower at province size)."""
        touched = [table for table, n in rows.items() if n >= ANALYZE_AFTER_ROWS]
        if touched:
            try:
                tables = dict.fromkeys([*touched, "parts", "submissions"])
                # a tenth of the default sample: the row counts and spreads the plans need, in a tenth of the
                # time (0.04 s instead of 0.37 s at province size); autovacuum's own ANALYZE refines it later
                conn.execute(f"SET default_statistics_target = {ANALYZE_TARGET}")
                conn.execute(f"ANALYZE {', '.join(self.quote(t) for t in tables)}")
                conn.execute("RESET default_statistics_target")
            except psycopg.Error:  # not the tables' owner: autovacuum will do it
                pass

    def drop_store_tables(self, conn) -> None:
        from analysis.store.layout import SHEETS

        names = self.table_names(conn)
        for name in [*SHEETS, "parts", "archive_log", "columns", "meta", "submissions"]:
            if name in names:
                conn.execute(f"DROP TABLE {self.quote(name)} CASCADE")
        self._version = 0

    def archive(self):
        from analysis.store.archive import TableArchive

        return TableArchive(self)
