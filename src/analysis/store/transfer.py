"""Copying a whole store: `store backup` (a consistent SQLite copy, archive included) and `store migrate --to`
(to the other backend), and installing a rebuilt store in place of a damaged one (`rebuild`).

A copy is read in one snapshot of the source (a read transaction), after the source has been verified, and
written in one transaction of the target; the target is then verified on its own backend (every part's and
submission's digest must come out the same) before the copy is called done.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from sqlalchemy import delete, func, select

from analysis.store import reading, schema, verify
from analysis.store.faults import StoreError
from analysis.store.layout import META_COLUMNS
from analysis.store.values import coerce

FIXED_COPY_ORDER = (schema.submissions, schema.columns, schema.meta, schema.archive_log, schema.parts)


def backup(store, target) -> Path:
    """A copy of `store` as the SQLite store `target` (whose folder must not hold one yet); the database file."""
    if target.exists():
        raise StoreError(f"备份目标 {target.location} 已存在；请换一个文件夹")
    if store.backend.name == "sqlite":
        _sqlite_backup(store, target)
    else:
        copy_store(store, target)
    return Path(target.location)


def _sqlite_backup(store, target) -> None:
    """SQLite's online backup (the WAL included), then the archive's files and log."""
    import sqlite3

    store.verify()
    target.dir.mkdir(parents=True, exist_ok=True)
    source, copy = store.backend.connect(), sqlite3.connect(target.db_path)
    try:
        source.backup(copy)
        entries = reading.log_entries(store.backend, copy)
    except sqlite3.Error as err:
        copy.close()
        target.db_path.unlink(missing_ok=True)
        raise store.backend.fault(err) from None
    finally:
        source.close()
        copy.close()
    store.backend.archive().copy_to(target.backend.archive().root, entries)


def migrate(store, target) -> None:
    """Copy `store` into the empty store `target` (another backend), archive included, and verify the copy."""
    if target.location == store.location:
        raise StoreError("迁移的目标与源数据库相同；请用 --to 指定另一个数据库")
    if target.exists() and target.submissions(include_superseded=True).shape[0]:
        raise StoreError(f"目标数据库 {target.location} 已有报送数据；迁移只写入空的数据库")
    copy_store(store, target)


def copy_store(source, target, *, replace: bool = False, expect_last_id: int | None = None) -> None:
    """Every table and archived file of `source` into `target` in one transaction; then `target` is verified.
    `replace`: drop the target's store tables first (keeping its archive files) — installing a rebuilt store,
    which is refused when the target's last submission is not `expect_last_id` (one came in meanwhile)."""
    src, dst = source.backend, target.backend
    with src.reading() as sconn:
        if sconn is None:
            raise StoreError(f"数据库 {source.location} 还没有报送数据，没有可复制的内容")
        src.begin_snapshot(sconn)
        try:
            found = verify.problems(src, sconn)
            if found:
                raise StoreError(
                    f"数据库 {source.location} 的内容与入库时不一致（{len(found)} 处，如：{found[0]}），未复制；"
                    f"请先运行 python -m analysis store rebuild --store {source.location}"
                )
            entries = reading.log_entries(src, sconn)
            _copy(src, sconn, dst, entries, replace, expect_last_id)
        finally:
            src.rollback(sconn)
    dst.archive().reconcile(entries)
    problems = target.check()
    if problems:
        raise StoreError(f"复制到 {target.location} 后核对不一致（{len(problems)} 处，如：{problems[0]}）")


def _copy(src, sconn, dst, entries: list[dict], replace: bool, expect_last_id: int | None) -> None:
    tconn = dst.connect_writer()
    try:
        dst.begin_write(tconn)
        if replace:
            last = dst.rows(tconn, select(func.max(schema.archive_log.c.id)))[0][0]
            if expect_last_id is not None and last is not None and last != expect_last_id:
                raise StoreError("重建期间又有报送入库，未替换原数据库；请重新运行 store rebuild")
            dst.drop_store_tables(tconn)
        dst.create_schema(tconn)
        catalogue = src.rows(sconn, select(schema.columns).order_by(schema.columns.c.position))
        for table in FIXED_COPY_ORDER[:-1]:
            _copy_table(src, sconn, dst, tconn, table)
        _copy_data(src, sconn, dst, tconn, catalogue)
        _copy_table(src, sconn, dst, tconn, FIXED_COPY_ORDER[-1])
        source_archive, target_archive = src.archive(), dst.archive()
        wanted = {e["sha256"] for e in entries if e.get("kind") == "file" and e.get("archived")}
        for sha in sorted(wanted if not replace else ()):  # a rebuilt store's files are the target's own
            content = source_archive.get(sconn, sha)
            if content is None:
                raise StoreError(f"存档中缺少原始文件 {sha[:12]}…，未复制；请运行 store check 查看")
            target_archive.put(tconn, sha, content)
        dst.commit(tconn)
        dst.after_writes(tconn, {sheet: 10**9 for sheet in dst.table_names(tconn)})
    except dst.errors as err:
        dst.rollback(tconn)
        raise dst.fault(err) from None
    except BaseException:
        dst.rollback(tconn)
        raise
    finally:
        tconn.close()


def _copy_table(src, sconn, dst, tconn, table) -> None:
    names = [c.name for c in table.columns]
    rows = src.rows(sconn, select(*table.columns).order_by(*table.primary_key.columns))
    if table is schema.meta:  # the target keeps its own schema version; the rest is the source's
        rows = [row for row in rows if row[0] != schema.SCHEMA_KEY]
        dst.run(tconn, delete(schema.meta).where(schema.meta.c.key != schema.SCHEMA_KEY))
    dst.insert_rows(tconn, table.name, names, rows)


def _copy_data(src, sconn, dst, tconn, catalogue: list[tuple]) -> None:
    by_sheet: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for sheet, name, kind, _ in catalogue:
        by_sheet[sheet].append((name, kind))
    tables = src.table_names(sconn)
    for sheet, cols in by_sheet.items():
        if sheet not in tables:
            continue
        dst.create_data_table(tconn, sheet)
        for index, cols_of in schema.data_table_indexes(sheet):
            dst.create_index(tconn, index, sheet, cols_of)
        for name, kind in cols:
            dst.add_data_column(tconn, sheet, name, kind)
            for index, cols_of in schema.column_indexes(sheet, name):
                dst.create_index(tconn, index, sheet, cols_of)
        names = [n for n, _ in cols]
        table = schema.data_table(sheet, names)
        rows = src.rows(sconn, select(*(table.c[n] for n in (*META_COLUMNS, *names))).order_by(table.c.rowid))
        texts = [len(META_COLUMNS) + i for i, (_, kind) in enumerate(cols) if kind in ("text", "date")]
        if texts and rows:
            columns = list(zip(*rows, strict=True))
            for at in texts:
                columns[at] = tuple(coerce(list(columns[at]), "text"))
            rows = list(zip(*columns, strict=True))
        dst.insert_rows(tconn, sheet, [*META_COLUMNS, *names], rows)
