"""Bringing an older SQLite store up to date (PostgreSQL stores start at the current version).

Each step is one transaction, run by the store's first use where its folder is writable:
1 → 2: `submissions` rebuilt without UNIQUE (sha256, period) (a restore stores a file again);
2 → 3: the legacy bare unit names (LEGACY_UNIT_NAMES) renamed in parts, submissions and every data table;
3 → 4: digests of every part and submission computed from the rows as they are (after a structural check:
        a damaged store is refused, not sealed), the counters, and an archive log entry for each submission
        (marked as stored without its file: the archive did not exist yet);
4 → 5: `submissions.received_at`, NULL for every stored file (nobody recorded when it arrived, and the time it
        was stored says nothing about that); the digests stay as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.schema import CreateIndex, CreateTable

from analysis.store import schema
from analysis.store.faults import StoreError
from analysis.store.layout import SHEETS, UNIT_COLUMN

# The registry before the whole of Hebei knew one 桥西区 and one 新华区, both of 石家庄市: a store written then
# holds the bare names, which are now shared (张家口市桥西区, 沧州市新华区).
LEGACY_UNIT_NAMES = {"桥西区": "石家庄市桥西区", "新华区": "石家庄市新华区"}


def upgrade(backend, conn, version: int) -> None:
    """Every step from `version` to the current one."""
    if version == 1:
        _to_2(conn)
    if version in (1, 2):
        _to_3(backend, conn)
    if version in (1, 2, 3):
        _to_4(backend, conn)
    if version in (1, 2, 3, 4):
        _to_5(conn)


@contextmanager
def _immediate(conn) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _version(conn) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _to_2(conn) -> None:
    """Rebuild `submissions` without UNIQUE (sha256, period), keeping every row and id (SQLite's table rebuild:
    foreign keys off while the parent table is swapped, on again after)."""
    conn.execute("PRAGMA foreign_keys = OFF")  # only outside a transaction
    try:
        with _immediate(conn):
            if _version(conn) == 1:  # another writer may have done it
                conn.execute(
                    "CREATE TABLE submissions_v2 (id INTEGER PRIMARY KEY, file_name TEXT NOT NULL,"
                    " sha256 TEXT NOT NULL, period TEXT NOT NULL, units TEXT NOT NULL, ingested_at TEXT NOT NULL,"
                    " extra_columns TEXT NOT NULL)"
                )
                conn.execute(
                    "INSERT INTO submissions_v2 SELECT id, file_name, sha256, period, units, ingested_at,"
                    " extra_columns FROM submissions"
                )
                conn.execute("DROP TABLE submissions")
                conn.execute("ALTER TABLE submissions_v2 RENAME TO submissions")
                conn.execute("CREATE INDEX IF NOT EXISTS submissions_by_file ON submissions(sha256, period)")
                conn.execute("PRAGMA user_version = 2")
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _to_3(backend, conn) -> None:
    """The legacy bare unit names renamed; nothing else changes (ids, provenance, superseded links)."""
    q = backend.quote
    with _immediate(conn):
        if _version(conn) not in (1, 2):
            return
        tables = backend.table_names(conn)
        for old, new in LEGACY_UNIT_NAMES.items():
            conn.execute("UPDATE parts SET unit = ? WHERE unit = ?", (new, old))
            for sheet in SHEETS:
                if sheet not in tables:
                    continue
                names = {row[1] for row in conn.execute(f"PRAGMA table_info({q(sheet)})")}
                for column in names & {UNIT_COLUMN, "所属地区"}:
                    conn.execute(f"UPDATE {q(sheet)} SET {q(column)} = ? WHERE {q(column)} = ?", (new, old))
            for sid, units in conn.execute(
                "SELECT id, units FROM submissions WHERE units LIKE ?", (f'%"{old}"%',)
            ).fetchall():
                renamed = [new if u == old else u for u in json.loads(units)]
                conn.execute(
                    "UPDATE submissions SET units = ? WHERE id = ?", (json.dumps(renamed, ensure_ascii=False), sid)
                )
        conn.execute("PRAGMA user_version = 3")


_EMPTY_NAME = re.compile(r"^.+?-\d{4}-\d{2}-.+?（本期无数据(?:：(?P<note>.*))?）$")


def _to_4(backend, conn) -> None:
    """Digests, counters and archive log entries for a store written before they existed."""
    from analysis.store import verify, writing
    from analysis.store.digests import submission_digest

    with _immediate(conn):
        if _version(conn) != 3:
            return
        if backend.structure_problems(conn):
            raise StoreError(
                f"数据库 {backend.location} 已损坏，无法升级到新的结构（升级会把损坏的内容当作入库时的内容）；"
                "请用备份恢复，或运行 python -m analysis store check 查看"
            )
        for name in ("submissions", "parts"):
            if "digest" not in {row[1] for row in conn.execute(f"PRAGMA table_info({name})")}:
                conn.execute(f"ALTER TABLE {name} ADD COLUMN digest TEXT")
        for table in (schema.meta, schema.archive_log):
            conn.execute(str(CreateTable(table, if_not_exists=True).compile(dialect=backend.dialect)))
            for index in table.indexes:
                conn.execute(str(CreateIndex(index, if_not_exists=True).compile(dialect=backend.dialect)))
        stored, _ = verify.stored_digests(backend, conn)
        empty = writing.empty_part_digest()
        parts: dict[int, list] = {}
        for sid, unit, sheet, period, n_rows in conn.execute(
            "SELECT submission_id, unit, sheet, period, n_rows FROM parts"
        ).fetchall():
            digest = stored.get((sid, unit, sheet), (0, empty))[1]
            conn.execute(
                "UPDATE parts SET digest = ? WHERE submission_id = ? AND unit = ? AND sheet = ?",
                (digest, sid, unit, sheet),
            )
            parts.setdefault(sid, []).append((unit, sheet, period, n_rows, digest))
        rows = conn.execute(
            "SELECT id, file_name, sha256, period, units, ingested_at, extra_columns FROM submissions ORDER BY id"
        ).fetchall()
        for row in rows:
            digest = submission_digest(row, parts.get(row[0], []))
            conn.execute("UPDATE submissions SET digest = ? WHERE id = ?", (digest, row[0]))
            writing.log_entry(backend, conn, _legacy_entry(row, parts.get(row[0], []), digest))
        writing.init_meta(backend, conn)
        writing.seal(backend, conn, {**writing.prelude(backend, conn), "count": "0"}, len(rows))
        conn.execute("PRAGMA user_version = 4")


def _to_5(conn) -> None:
    """When each file was received: not known for anything stored before."""
    with _immediate(conn):
        if _version(conn) != 4:  # another writer may have done it
            return
        if "received_at" not in {row[1] for row in conn.execute("PRAGMA table_info(submissions)")}:
            conn.execute("ALTER TABLE submissions ADD COLUMN received_at TEXT")
        conn.execute("PRAGMA user_version = 5")


def _legacy_entry(row, parts: list, digest: str) -> dict:
    sid, file_name, sha256, period, units, ingested_at, _ = row
    entry = {
        "id": sid,
        "kind": "file",
        "file_name": file_name,
        "sha256": sha256,
        "period": period,
        "ingested_at": ingested_at,
        "units": json.loads(units),
        "parts": [list(p) for p in parts],
        "digest": digest,
        "archived": False,
        "restored": None,
    }
    match = _EMPTY_NAME.match(file_name)
    if match and len(parts) == 1 and parts[0][3] == 0:
        entry.update(kind="empty", unit=parts[0][0], sheet=parts[0][1], note=match["note"] or "")
    return entry
