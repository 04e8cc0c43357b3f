"""One store interface, two databases: what differs between SQLite and PostgreSQL, behind `Backend`.

The SQL itself is written once with SQLAlchemy Core (`schema`, `reading`, `writing`, `verify`) and compiled for
the backend's dialect; it runs on the driver's own connection (sqlite3, psycopg 3), in autocommit mode with
transactions begun explicitly, so each write is exactly one transaction. What a backend adds: connecting,
the write lock, DDL for data columns, bulk loading (SQLite: INSERT … SELECT from a staged file; PostgreSQL:
COPY), structural checks, where verification is remembered and where the archive lives.

Which backend a location names: `history.open_backend` (a `postgresql://` or `postgres://` URL — any libpq
URL — is a PostgreSQL store; anything else a folder holding an SQLite file).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import ClauseElement

from analysis.store import schema

URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(location: object) -> bool:
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


class Backend(ABC):
    """What one kind of database needs done its own way. Connections are the driver's (autocommit)."""

    name: str  # 'sqlite' | 'postgresql'
    dialect: Dialect
    location: str  # how users see the store: the SQLite file's path, the URL without its password
    store_arg: str  # what --store takes to name this store again (the SQLite folder, the URL)
    dir: Path | None = None  # the SQLite store's folder
    db_path: Path | None = None  # the SQLite file
    errors: tuple[type[BaseException], ...]  # the driver's error classes

    def __init__(self) -> None:
        self._compiled: dict[int, tuple[ClauseElement, str, dict]] = {}

    # -- SQL ----------------------------------------------------------------------------------------

    def sql(self, statement: ClauseElement, params: dict | None = None) -> tuple[str, dict]:
        """The statement's SQL for this backend and its parameters. A statement without values of its own (built
        once, with bindparam()s, and given `params`) is compiled once."""
        if params is not None:
            cached = self._compiled.get(id(statement))
            if cached is None or cached[0] is not statement:
                compiled = statement.compile(dialect=self.dialect)
                cached = (statement, str(compiled), dict(compiled.params))
                self._compiled[id(statement)] = cached
            return cached[1], {**cached[2], **params}
        compiled = statement.compile(dialect=self.dialect, compile_kwargs={"render_postcompile": True})
        return str(compiled), dict(compiled.params)

    def run(self, conn: Any, statement: ClauseElement, params: dict | None = None) -> Any:
        """Execute a Core statement on a driver connection; the driver's cursor."""
        text, values = self.sql(statement, params)
        return conn.execute(text, values)

    def rows(self, conn: Any, statement: ClauseElement, params: dict | None = None) -> list[tuple]:
        return [tuple(row) for row in self.run(conn, statement, params).fetchall()]

    def rows_for_digest(self, conn: Any, statement: ClauseElement) -> list:
        """A statement's rows for `digests.part_digest`, which also takes stored text as `digests.STORED_TEXT`."""
        return self.run(conn, statement).fetchall()

    def digest_apart(self, conn: Any, jobs: Mapping[str, tuple[ClauseElement, list[str]]]) -> tuple[Any, list[str]]:
        """Start digesting some of `jobs` (sheet -> its rows' SELECT, column names) in another process: (a
        `digest_apart.Apart`, the sheets sent to it), or (None, []) when the store is too small for it to pay."""
        from analysis.store import digest_apart

        _, sent = digest_apart.split(
            {sheet: self.rows_estimate(conn, sheet) * len(names) for sheet, (_, names) in jobs.items()}
        )
        target = self.apart_target(conn) if sent else None  # PostgreSQL exports a snapshot: only when sending
        if target is None:
            return None, []
        counter = select(schema.meta.c.value).where(schema.meta.c.key == schema.WRITE_COUNTER)
        sql = {sheet: self.literal_sql(jobs[sheet][0]) for sheet in sent}
        apart = digest_apart.Apart(target, self.literal_sql(counter), [(s, sql[s], jobs[s][1]) for s in sent])
        return apart, sent

    def apart_target(self, conn: Any) -> dict | None:
        """How a child process reaches this store as `conn` sees it now (`digest_apart.main`), or None."""
        return None

    def rows_estimate(self, conn: Any, sheet: str) -> int:
        """About how many rows a sheet's table holds (its last rowid), cheaply; 0 when it cannot be read (the
        verification reports that, in this process)."""
        try:
            row = self.run(conn, select(func.max(schema.data_table(sheet, []).c.rowid))).fetchone()
        except self.errors:
            return 0
        return (row[0] if row else None) or 0

    def literal_sql(self, statement: ClauseElement) -> str:
        """A statement's SQL with its values written in (for a process that has no SQLAlchemy)."""
        return str(statement.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True}))

    def quote(self, name: str) -> str:
        return self.dialect.identifier_preparer.quote(name)

    def execute_many(self, conn: Any, text: str, rows: Iterable[Sequence]) -> None:
        conn.cursor().executemany(text, rows)

    # -- connections and transactions ---------------------------------------------------------------

    @abstractmethod
    def exists(self) -> bool:
        """The store has been created (something was stored)."""

    @abstractmethod
    def reading(self) -> AbstractContextManager[Any]:
        """A connection to read with, or None while the store does not exist."""

    @abstractmethod
    def connect_writer(self) -> Any:
        """A connection for a run of writes (the schema brought up to date first)."""

    @abstractmethod
    def begin_write(self, conn: Any) -> None:
        """Begin one write transaction, waiting for any other writer to finish its own."""

    def commit(self, conn: Any) -> None:
        conn.execute("COMMIT")

    def rollback(self, conn: Any) -> None:
        if self.in_transaction(conn):
            conn.execute("ROLLBACK")

    @abstractmethod
    def in_transaction(self, conn: Any) -> bool: ...

    def begin_snapshot(self, conn: Any) -> None:
        """Begin a read transaction: the reads that follow see one moment of the store (end it with rollback)."""
        conn.execute("BEGIN")

    def archive_reading(self) -> AbstractContextManager[Any]:
        """A connection the archive reads through (SQLite: none needed, the archive is a folder)."""
        return self.reading()

    @abstractmethod
    def fault(self, err: BaseException) -> Exception:
        """The StoreError (one Chinese line) for a driver error."""

    def ingest_lock(self, on_wait=None) -> AbstractContextManager[None]:
        """Held for a whole ingest run (SQLite: one run at a time); PostgreSQL runs side by side."""
        return _nothing()

    # -- schema -------------------------------------------------------------------------------------

    @abstractmethod
    def schema_version(self, conn: Any) -> int: ...

    @abstractmethod
    def create_schema(self, conn: Any) -> bool:
        """Create the tables inside the caller's write transaction (a killed first write leaves none); True when
        they were created now."""

    @abstractmethod
    def table_names(self, conn: Any) -> set[str]: ...

    @abstractmethod
    def create_data_table(self, conn: Any, sheet: str) -> None: ...

    @abstractmethod
    def add_data_column(self, conn: Any, sheet: str, name: str, kind: str) -> None: ...

    @abstractmethod
    def widen_column(self, conn: Any, sheet: str, name: str, old: str, new: str) -> None:
        """Give a column a wider kind, converting the rows stored so far (to text: each value's canon text)."""

    def drop_store_tables(self, conn: Any) -> None:
        """Drop every table of the store but the archive's files (inside a write transaction)."""
        from analysis.store.layout import SHEETS

        for name in [*SHEETS, "parts", "archive_log", "columns", "meta", "submissions"]:
            if name in self.table_names(conn):
                conn.execute(f"DROP TABLE {self.quote(name)}")

    def create_index(self, conn: Any, name: str, sheet: str, cols: Sequence[str]) -> None:
        q = self.quote
        conn.execute(f"CREATE INDEX IF NOT EXISTS {q(name)} ON {q(sheet)} ({', '.join(q(c) for c in cols)})")

    # -- bulk ---------------------------------------------------------------------------------------

    @abstractmethod
    def insert_rows(self, conn: Any, sheet: str, names: Sequence[str], rows: Iterable[Sequence]) -> None:
        """Append rows (values of `names`, in order) to a sheet's table, keeping their order."""

    # How ingest's workers hand rows to the writer: "stage" (a scratch SQLite file, staging.stage, for files of
    # staging's STAGE_MIN_ROWS rows or more) or "copy" (COPY text, staging.copy_ready, for every file).
    ahead_form = "stage"

    def insert_copy(self, conn: Any, sid: int, sheet: str, names: Sequence[str], rows: bytes) -> None:
        """Append rows given as COPY text without their submission id (staging.copy_ready) to a sheet's table."""
        raise NotImplementedError(f"{self.name} does not load COPY text")

    def insert_staged(self, conn: Any, sid: int, sheet, stage: Path, index: int, names: Sequence[str]) -> bool:
        """Copy a staged sheet's rows (staging.stage) straight from the scratch file; False: not done here, the
        caller inserts the rows itself."""
        return False

    def attach_stage(self, conn: Any, stage: Path) -> None:  # noqa: B027 - most backends need nothing
        """Make a staged file readable to insert_staged (outside any transaction)."""

    def detach_stage(self, conn: Any) -> None:  # noqa: B027 - most backends need nothing
        """Undo attach_stage (outside any transaction)."""

    # -- the whole store ----------------------------------------------------------------------------

    @abstractmethod
    def structure_problems(self, conn: Any) -> list[str]:
        """What the database's own structural check finds, as Chinese lines (empty: sound)."""

    def structure_check_apart(self) -> Callable[[], list[str]] | None:
        """structure_problems on a connection of its own, to run alongside the content's verification; None: the
        check is cheap, run it on the caller's connection."""
        return None

    @abstractmethod
    def state(self, conn: Any = None) -> tuple:
        """Cheap to ask, and different after any change to the stored content (the memo key of readers)."""

    verified_in_store = False  # True: a verification is remembered in the store itself, by the write's own seal

    def state_of(self, meta: dict) -> tuple:
        """The state at the start of a write transaction (`meta`: writing.prelude)."""
        return self.state()

    @abstractmethod
    def remembered(self, conn: Any = None) -> tuple | None:
        """The state a whole-store verification last found sound (kept with the store), if any."""

    @abstractmethod
    def remember(self, state: tuple, conn: Any = None) -> None: ...

    @abstractmethod
    def archive(self): ...

    def after_writes(self, conn: Any, rows: dict[str, int]) -> None:  # noqa: B027 - SQLite needs nothing
        """After a run of writes (`rows`: rows added per table), before its connection closes."""

    def close(self) -> None:  # noqa: B027 - a backend that keeps no connection has nothing to close
        """Close any connection kept for reading."""


@contextmanager
def _nothing() -> Iterator[None]:
    yield
