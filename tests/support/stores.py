"""Looking inside a store from tests, on either backend: every table's rows as stored."""

from __future__ import annotations

from sqlalchemy import select

from analysis.store import schema
from analysis.store.layout import META_COLUMNS


def table_rows(store, table: str) -> list[tuple]:
    """Every row of a table in stored order (a data table by rowid, without it; the others by primary key)."""
    backend = store.backend
    with backend.reading() as conn:
        if conn is None or table not in backend.table_names(conn):
            return []
        fixed = {t.name: t for t in (*schema.FIXED_TABLES, schema.archive_files)}
        if table in fixed:
            t = fixed[table]
            return backend.rows(conn, select(*t.columns).order_by(*t.primary_key.columns))
        names = [r[0] for r in backend.rows(conn, select(schema.columns.c.name).where(schema.columns.c.sheet == table)
                                             .order_by(schema.columns.c.position))]  # fmt: skip
        t = schema.data_table(table, names)
        return backend.rows(conn, select(*(t.c[n] for n in (*META_COLUMNS, *names))).order_by(t.c.rowid))


def dump(store) -> dict[str, list[tuple]]:
    """Everything the store holds (but the verification it remembers, which readers may move on)."""
    backend = store.backend
    with backend.reading() as conn:
        tables = sorted(backend.table_names(conn)) if conn is not None else []
    out = {table: table_rows(store, table) for table in tables}
    if "meta" in out:
        out["meta"] = [row for row in out["meta"] if row[0] != schema.VERIFIED_AT]
    return out
