"""Digesting some of a store's tables in a second process while the verifying process digests the others.

A whole-store verification spends most of its time reading rows into Python and hashing them, table after table,
on one core (the GIL serialises threads). A second process digests the largest tables meanwhile. It is a fresh
interpreter that imports only this module, `digests` and the driver (not pandas), reads the store (SQLite:
read-only, in a snapshot of its own; PostgreSQL: in the parent's snapshot, exported and imported) and digests the
tables it is given with the same code as the parent (`digests.stored_part_digests`).

Its digests count only if the write counter it read equals the one the parent read: both then saw the same store
(every committed write moves the counter). Otherwise, or if the child fails in any way, the parent digests those
tables itself, so the outcome never depends on the child.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

MIN_CELLS = 400_000  # below this many cells (rows × columns) in all, a second process costs more than it saves
WAIT_SECONDS = 900  # a child that has not answered by then is stopped and its tables digested here

_SRC = Path(__file__).resolve().parents[2]
_CHILD = f"import sys; sys.path.insert(0, {str(_SRC)!r}); from analysis.store.digest_apart import main; main()"

Job = tuple[str, str, Sequence[str]]  # (sheet, the SELECT of its rows, the names of its columns after the id)
PartDigests = dict[tuple[int, str, str], tuple[int, str]]  # (submission id, unit, sheet) -> (rows, digest)


def split(cells: dict[str, int]) -> tuple[list[str], list[str]]:
    """(tables kept, tables sent to the child) by their cells, each in turn to the lighter side, the heaviest
    first; nothing is sent when the store is too small for a child to pay."""
    if sum(cells.values()) < MIN_CELLS:
        return list(cells), []
    sent_load = kept_load = 0
    sent: set[str] = set()
    for table in sorted(cells, key=cells.__getitem__, reverse=True):
        if sent_load <= kept_load:
            sent.add(table)
            sent_load += cells[table]
        else:
            kept_load += cells[table]
    return [t for t in cells if t not in sent], [t for t in cells if t in sent]


class Apart:
    """A child process digesting `jobs` of the store `target` reaches (`Backend.apart_target`: the driver, the
    database, the snapshot). The job goes through a pipe, never the command line: a URL may hold a password."""

    def __init__(self, target: dict, counter_sql: str, jobs: list[Job]):
        self.sheets = [sheet for sheet, _, _ in jobs]
        job = {**target, "counter": counter_sql, "tables": [[s, sql, list(n)] for s, sql, n in jobs]}
        flags = ["-I", "-S"] if target["driver"] == "sqlite" else ["-I"]  # psycopg is in site-packages
        self.process: subprocess.Popen | None = None
        try:
            self.process = subprocess.Popen(
                [sys.executable, *flags, "-c", _CHILD],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            stdin, self.process.stdin = self.process.stdin, None  # given now, whole: communicate() only reads
            assert stdin is not None
            with stdin:
                stdin.write(json.dumps(job).encode())  # a few kilobytes: within the pipe's buffer
        except OSError:  # cannot start a process here, or it is gone already: the parent does it all
            self.close()
            self.process = None

    def result(self, counter) -> tuple[PartDigests, list[str]] | None:
        """(part digests, unreadable sheets) if the child read the same store as the parent, else None."""
        if self.process is None:
            return None
        try:
            out, _ = self.process.communicate(timeout=WAIT_SECONDS)
        except (subprocess.TimeoutExpired, OSError):
            self.close()
            return None
        if self.process.returncode != 0:
            return None
        try:
            data = json.loads(out)
            if data["counter"] != counter:
                return None
            parts = {(sid, unit, sheet): (n, digest) for sid, unit, sheet, n, digest in data["parts"]}
            return parts, list(data["unreadable"])
        except (ValueError, KeyError, TypeError):
            return None

    def close(self) -> None:
        """Stop the child if it is still running (the parent was interrupted or gave up waiting)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def main() -> None:
    """The child: read the job from stdin, write the digests to stdout (JSON)."""
    from analysis.store.digests import as_text, stored_part_digests

    job = json.load(sys.stdin)
    conn, damaged, other = _sqlite(job) if job["driver"] == "sqlite" else _postgresql(job)
    row = conn.execute(job["counter"]).fetchone()
    parts, unreadable = [], []
    for sheet, sql, names in job["tables"]:
        try:
            rows = conn.execute(sql).fetchall()
        except other:  # a lock, a missing table: not the child's to judge; the parent reads these tables itself
            raise
        except damaged:  # SQLite: this table's pages cannot be read (PostgreSQL: any error fails the whole job)
            unreadable.append(sheet)
            continue
        parts += [[sid, unit, sheet, n, d] for (sid, unit), n, d in stored_part_digests(rows, names)]
    conn.execute("ROLLBACK")
    conn.close()
    counter = as_text(row[0]) if row else None
    json.dump({"counter": counter, "parts": parts, "unreadable": unreadable}, sys.stdout)  # ASCII: any locale


def _sqlite(job: dict):
    import sqlite3

    from analysis.store.digests import STORED_TEXT

    conn = sqlite3.connect(job["database"], uri=True, timeout=30, isolation_level=None)
    conn.text_factory = STORED_TEXT  # as SQLiteBackend.rows_for_digest
    conn.execute("BEGIN")
    return conn, sqlite3.DatabaseError, sqlite3.OperationalError


def _postgresql(job: dict):
    import re

    import psycopg

    conn = psycopg.connect(job["database"], autocommit=True, connect_timeout=30)
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    snapshot = job.get("snapshot")
    if snapshot:
        if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):
            raise SystemExit(2)
        conn.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
    return conn, (), ()


if __name__ == "__main__":
    main()
