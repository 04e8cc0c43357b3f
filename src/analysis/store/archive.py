"""The archive: every accepted file's bytes, kept by SHA-256, and the log of how to replay each submission.

- SQLite store: a folder beside the database file, `<store>/archive/`: `files/ab/abcdef…` (the bytes, named by
  their SHA-256) and `log.jsonl` (one JSON line per stored submission, in order). The folder is outside the
  database file on purpose: a damaged database can be rebuilt from it (`store rebuild`).
- PostgreSQL store: the table `archive_files` (sha256, content) in the same database.

Either way the log is also the table `archive_log`, written in the submission's own transaction; SQLite's
`log.jsonl` mirrors it after the commit and is made whole again from the table by the next write (a crash
between the two loses nothing). A file's bytes are written, durably, before the transaction that records
the submission commits; a file already archived (the same bytes) is not written again.

A log entry (a dict): id, kind ('file' | 'empty'), file_name, sha256, period, ingested_at, units, parts
([unit, sheet, period, rows, digest], …), digest (the submission's), archived (False: stored without its
bytes, from a Python object or before the archive existed), restored (the id it restored, if any), and for
'empty': unit, sheet, note.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

LOG_NAME = "log.jsonl"
FILES_DIR = "files"


def entry_text(entry: dict) -> str:
    return json.dumps(entry, ensure_ascii=False, sort_keys=True)


class FolderArchive:
    """The archive of an SQLite store: a folder of files and a log (see the module docstring)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.log_path = self.root / LOG_NAME

    def path_of(self, sha256: str) -> Path:
        return self.root / FILES_DIR / sha256[:2] / sha256

    def put(self, conn, sha256: str, content: bytes) -> None:
        """Keep the bytes (fsync'd, renamed into place) unless the same bytes are kept already."""
        target = self.path_of(sha256)
        if target.is_file() and target.stat().st_size == len(content):
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{sha256}.{os.getpid()}.part")
        try:
            with open(tmp, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(target.parent)

    def has(self, sha256: str, size: int | None = None) -> bool:
        path = self.path_of(sha256)
        return path.is_file() and (size is None or path.stat().st_size == size)

    def get(self, conn, sha256: str) -> bytes | None:
        try:
            return self.path_of(sha256).read_bytes()
        except OSError:
            return None

    def hashes(self, conn) -> set[str]:
        folder = self.root / FILES_DIR
        return {p.name for p in folder.glob("??/*") if p.is_file() and not p.name.startswith(".")}

    # -- the log file ----------------------------------------------------------------------------------

    def mirror(self, entries: list[dict]) -> None:
        """Append entries just committed to the log file (made whole again by `reconcile` after a crash)."""
        if not entries:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a", encoding="utf-8") as handle:
            handle.writelines(entry_text(e) + "\n" for e in entries)

    def file_log(self) -> list[dict] | None:
        """The entries of the log file (None: no file); unreadable lines are skipped."""
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return None
        out = []
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("id"), int):
                out.append(entry)
        return out

    def reconcile(self, entries: list[dict]) -> None:
        """Make the log file hold exactly `entries` (the log of a database just verified), rewriting it when it
        does not (a crash between a commit and its line, a database restored from a backup)."""
        if self.file_log() == entries:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.log_path.with_name(f".{LOG_NAME}.{os.getpid()}")
        tmp.write_text("".join(entry_text(e) + "\n" for e in entries), encoding="utf-8")
        os.replace(tmp, self.log_path)

    def copy_to(self, target_root: Path, entries: list[dict]) -> None:
        """The files of `entries` and their log into another store's archive folder (a backup)."""
        target = FolderArchive(target_root)
        for sha in sorted({e["sha256"] for e in entries if e.get("archived")}):
            source = self.path_of(sha)
            if source.is_file():
                destination = target.path_of(sha)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)
        target.reconcile(entries)


class TableArchive:
    """The archive of a PostgreSQL store: the table archive_files, written in the submission's transaction."""

    def __init__(self, backend):
        self.backend = backend

    def put(self, conn, sha256: str, content: bytes) -> None:
        conn.execute(
            "INSERT INTO archive_files (sha256, content) VALUES (%s, %s) ON CONFLICT (sha256) DO NOTHING",
            (sha256, content),
        )

    def get(self, conn, sha256: str) -> bytes | None:
        row = conn.execute("SELECT content FROM archive_files WHERE sha256 = %s", (sha256,)).fetchone()
        return bytes(row[0]) if row else None

    def hashes(self, conn) -> set[str]:
        return {row[0] for row in conn.execute("SELECT sha256 FROM archive_files").fetchall()}

    def mirror(self, entries: list[dict]) -> None:
        """Nothing to do: the log table is the log."""

    def file_log(self) -> list[dict] | None:
        return None

    def reconcile(self, entries: list[dict]) -> None:
        """Nothing to do (see mirror)."""


def archive_problems(archive, conn, entries: list[dict], submission_rows: dict[int, tuple]) -> list[str]:
    """What is wrong with the archive: log entries that differ from the submissions, files missing or changed.
    `submission_rows`: id -> (id, file_name, sha256, period, units, ingested_at, …)."""
    found = []
    logged = {e["id"]: e for e in entries}
    for sid, row in sorted(submission_rows.items()):
        entry = logged.get(sid)
        if entry is None:
            found.append(f"存档的日志中缺少第 {sid} 号报送“{row[1]}”，无法据以重建")
        elif (entry.get("sha256"), entry.get("period"), entry.get("ingested_at")) != (row[2], row[3], row[5]):
            found.append(f"存档的日志中第 {sid} 号报送的记录与数据库不一致")
    for sid in sorted(set(logged) - set(submission_rows)):
        found.append(f"存档的日志中有第 {sid} 号报送，数据库中却没有")
    for entry in entries:
        if entry.get("kind") != "file" or not entry.get("archived"):
            continue
        content = archive.get(conn, entry["sha256"])
        if content is None:
            found.append(f"存档中缺少第 {entry['id']} 号报送“{entry['file_name']}”的原始文件")
        elif hashlib.sha256(content).hexdigest() != entry["sha256"]:
            found.append(f"存档中第 {entry['id']} 号报送“{entry['file_name']}”的原始文件已被改动")
    return found


def unarchived(entries: list[dict]) -> list[dict]:
    """Entries of files stored without their bytes (from a Python object, or before the archive existed)."""
    return [e for e in entries if e.get("kind") == "file" and not e.get("archived")]


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
