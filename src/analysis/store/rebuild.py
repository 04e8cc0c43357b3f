"""`store rebuild`: the store made again from its archive, submission by submission, in the original order.

Each archived file is read and validated again (knowing what the files before it defined, as its ingest did)
and stored with its original number and time; each 本期无数据 is registered again. Every replayed submission
must come out with the digest the log recorded for it (the same rows, parts and supersessions), else the
rebuild stops and says which. The new store is built beside the old one (SQLite: a scratch file in the store's
folder; PostgreSQL: a scratch SQLite store, then copied in one transaction), verified, and only then put in
place; the damaged SQLite file is kept in `<store>/damaged-<time>/`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from analysis.store import reading
from analysis.store.archive import unarchived
from analysis.store.faults import StoreError


def log_for_rebuild(store) -> list[dict]:
    """The archive log to replay: the log file outside the database (SQLite), completed by the database's own
    log where that can still be read."""
    backend = store.backend
    entries = {e["id"]: e for e in backend.archive().file_log() or []}
    try:
        with backend.reading() as conn:
            for entry in reading.log_entries(backend, conn):
                entries.setdefault(entry["id"], entry)
    except (StoreError, *backend.errors):
        if not entries:
            raise StoreError(f"数据库 {store.location} 无法读取，存档中也没有日志，无法重建") from None
    ordered = [entries[k] for k in sorted(entries)]
    if not ordered:
        raise StoreError(f"数据库 {store.location} 的存档中没有任何报送，无法重建")
    missing = sorted(set(range(1, ordered[-1]["id"] + 1)) - set(entries))
    if missing:
        raise StoreError(f"存档的日志缺少第 {'、'.join(map(str, missing[:10]))} 号报送，无法完整重建")
    lacking = unarchived(ordered)
    if lacking:
        shown = "、".join(f"第 {e['id']} 号“{e['file_name']}”" for e in lacking[:5])
        raise StoreError(
            f"有 {len(lacking)} 份报送没有原始文件（{shown}{'等' if len(lacking) > 5 else ''}：在启用存档前入库，"
            "或由程序直接写入），无法从存档重建；请用 store backup 做的备份恢复"
        )
    return ordered


def rebuild(store, on_progress=None) -> dict:
    """Rebuild `store` from its archive and put the result in its place. Returns a summary (counts, where the
    damaged file went)."""
    entries = log_for_rebuild(store)
    backend = store.backend
    base = backend.dir if backend.name == "sqlite" else None
    if base is not None:
        base.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".rebuild-", dir=base))
    try:
        fresh = type(store)(scratch / "store")  # a new SQLite store of the same interface
        _replay(store, fresh, entries, scratch / "files", on_progress)
        problems = fresh.check()
        if problems:
            raise StoreError(f"重建出的数据库核对不一致（{problems[0]}），原数据库未改动")
        fresh.close()
        moved = _install(store, fresh)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {"submissions": len(entries), "damaged": moved}


def _replay(store, fresh, entries: list[dict], files: Path, on_progress) -> None:
    from analysis.store.ingest import defined_names
    from analysis.store.staging import prepare_checked
    from analysis.submissions.validate import SubmissionRejected, read_checked

    archive = store.backend.archive()
    known: dict[str, dict] = {"enterprises": {}, "clusters": {}}
    with store.backend.archive_reading() as conn, fresh.writing():
        for done, entry in enumerate(entries, 1):
            if entry["kind"] == "empty":
                result = fresh.empty(entry["sheet"], entry["unit"], entry["period"], entry["note"], replay=entry)
            else:
                path = files / str(entry["id"]) / entry["file_name"]
                path.parent.mkdir(parents=True)
                content = archive.get(conn, entry["sha256"])
                if content is None:
                    raise StoreError(f"存档中缺少第 {entry['id']} 号报送“{entry['file_name']}”的原始文件，无法重建")
                path.write_bytes(content)
                try:
                    checked = read_checked(
                        path,
                        entry["period"],
                        known_enterprises=known["enterprises"],
                        known_clusters=known["clusters"],
                    )
                except SubmissionRejected as err:
                    raise StoreError(
                        f"重建时第 {entry['id']} 号报送“{entry['file_name']}”未通过校验（{err.problems[0]}"
                        "；校验规则可能已变化），重建已停止，原数据库未改动"
                    ) from None
                result = fresh.add(prepare_checked(checked), replay=entry)
                for name, names in defined_names(checked.tables).items():
                    known[name].update(names)
                path.unlink()
            _compare(entry, result, fresh)
            if on_progress:
                on_progress(done, len(entries))


def _compare(entry: dict, result, fresh) -> None:
    if result.submission_id != entry["id"]:
        raise StoreError(f"重建时报送号不一致（第 {entry['id']} 号成了第 {result.submission_id} 号），原数据库未改动")
    if result.digest != entry["digest"]:
        raise StoreError(
            f"重建的第 {entry['id']} 号报送“{entry['file_name']}”与入库时不同（读取或校验规则可能已变化），"
            "重建已停止，原数据库未改动"
        )


def _install(store, fresh) -> str | None:
    """Put the rebuilt store in place of the damaged one; where the damaged SQLite files went."""
    from analysis.store.transfer import copy_store

    if store.backend.name != "sqlite":
        copy_store(fresh, store, replace=True, expect_last_id=len(fresh.log()))
        return None
    entries = fresh.log()
    fresh.backend.checkpoint()
    folder = store.dir / f"damaged-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    folder.mkdir()
    for suffix in ("", "-wal", "-shm"):
        old = store.db_path.with_name(store.db_path.name + suffix)
        if old.exists():
            os.replace(old, folder / old.name)
    (store.dir / ".verified").unlink(missing_ok=True)
    os.replace(fresh.db_path, store.db_path)
    for suffix in ("-wal", "-shm"):
        Path(str(fresh.db_path) + suffix).unlink(missing_ok=True)
    store.backend.archive().reconcile(entries)
    with open(folder / "说明.txt", "w", encoding="utf-8") as note:
        note.write(f"{datetime.now():%Y-%m-%d %H:%M:%S} 从存档重建数据库时移到此处的原数据库文件（已损坏）。\n")
    return str(folder)
