"""Reading the store: snapshots of a sheet as of a period (or a past moment), the submissions, the parts.

Each function takes a backend and one of its reading connections; the SQL is SQLAlchemy Core, the same for
every backend. Register sheets are snapshots (a unit's latest part wins); monthly sheets are per 年月 (for each
unit and month, the latest part carrying that month wins); issued sheets (目标分解) add up.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import and_, bindparam, case, exists, func, null, or_, select
from sqlalchemy.sql import Select

from analysis.store import schema
from analysis.store.backends import Backend
from analysis.store.layout import (
    ISSUED_SHEETS,
    MONTH_COLUMN,
    PROVENANCE_COLUMNS,
    REGISTER_SHEETS,
    UNIT_COLUMN,
    contract_columns,
    with_unit_in_place,
)
from analysis.store.values import from_db

S, P, C = schema.submissions, schema.parts, schema.columns

_COLUMNS_OF = select(C.c.name, C.c.kind).where(C.c.sheet == bindparam("sheet")).order_by(C.c.position)


def stored_columns(backend: Backend, conn, sheet: str) -> list[tuple[str, str]]:
    """(name, kind) of a sheet's stored columns: contract order first, then first-seen order."""
    order = contract_columns(sheet)
    rows = backend.run(conn, _COLUMNS_OF, {"sheet": sheet}).fetchall()
    return sorted(rows, key=lambda r: order.index(r[0]) if r[0] in order else len(order))


def visible_parts(sheet: str, as_of_period: str | None, units, as_at: str | None) -> Select:
    """The (submission_id, unit, period) parts of a sheet visible at a period / time."""
    p = P.alias("p")
    query = select(p.c.submission_id, p.c.unit, p.c.period).where(p.c.sheet == sheet)
    if as_of_period:
        query = query.where(p.c.period <= as_of_period)
    if units is not None:
        unit_list = [units] if isinstance(units, str) else list(units)
        query = query.where(p.c.unit.in_(bindparam("units", unit_list, expanding=True)))
    if as_at:
        s, x = S.alias("s"), S.alias("x")
        query = query.select_from(
            p.join(s, s.c.id == p.c.submission_id).outerjoin(x, x.c.id == p.c.superseded_by)
        ).where(s.c.ingested_at <= as_at, or_(p.c.superseded_by.is_(None), x.c.ingested_at > as_at))
    else:
        query = query.where(p.c.superseded_by.is_(None))
    return query


def snapshot(
    backend: Backend,
    conn,
    sheet: str,
    as_of_period: str | None,
    units,
    as_at: str | None,
    latest_per: str | None,
    columns: Iterable[str] | None,
    provenance: bool,
) -> pd.DataFrame:
    """See `history.Store.snapshot`."""
    cols = stored = stored_columns(backend, conn, sheet) if conn is not None else []
    if cols and columns is not None:
        wanted = {*columns, MONTH_COLUMN, latest_per}  # the query orders and groups by these
        cols = [(n, k) for n, k in cols if n in wanted]
    names = [n for n, _ in cols]
    trail = [UNIT_COLUMN, *(PROVENANCE_COLUMNS if provenance else ())]
    if not stored:
        names = [c for c in contract_columns(sheet) if c != UNIT_COLUMN]
        return pd.DataFrame(columns=with_unit_in_place(sheet, [*names, *trail]))
    query = _snapshot_query(sheet, names, as_of_period, units, as_at, latest_per, provenance)
    rows = backend.rows(conn, query)
    out_cols = [*names, *trail]
    cells = np.empty((len(rows), len(out_cols)), dtype=object)  # every column is converted below: no inference
    if rows:
        cells[:] = rows
    frame = pd.DataFrame(cells, columns=out_cols, dtype=object)
    texts = [(UNIT_COLUMN, "text"), *((("period", "text"), ("_sheet", "text")) if provenance else ())]
    for name, kind in [*cols, *texts]:
        frame[name] = from_db(frame[name].astype(object), kind)
    if provenance:
        frame["submission_id"] = frame["submission_id"].astype("int64")
        frame["_row"] = frame["_row"].astype("Int64")  # NULL only for rows stored without provenance
    return frame[with_unit_in_place(sheet, list(frame.columns))]


def _snapshot_query(sheet, names, as_of_period, units, as_at, latest_per, provenance) -> Select:
    t = schema.data_table(sheet, names)
    unit = t.c[UNIT_COLUMN]
    visible = visible_parts(sheet, as_of_period, units, as_at)

    def picked(vis):
        extra = (vis.c.period, t.c.submission_id, t.c["_sheet"], t.c["_row"]) if provenance else ()
        return [*(t.c[n] for n in names), unit, *extra]

    def joined(vis):
        return t.join(vis, and_(t.c.submission_id == vis.c.submission_id, unit == vis.c.unit))

    if sheet in ISSUED_SHEETS:
        vis = visible.cte("vis")
        return select(*picked(vis)).select_from(joined(vis)).order_by(vis.c.period, vis.c.unit, t.c.rowid)
    if sheet in REGISTER_SHEETS and latest_per is None:
        vis0 = visible.cte("vis0")
        best = select(vis0.c.unit, func.max(vis0.c.period).label("period")).group_by(vis0.c.unit).cte("best")
        vis = (
            select(vis0.c.submission_id, vis0.c.unit, vis0.c.period)
            .join(best, and_(vis0.c.unit == best.c.unit, vis0.c.period == best.c.period))
            .cte("vis")
        )
        return select(*picked(vis)).select_from(joined(vis)).order_by(vis.c.unit, t.c.rowid)
    vis = visible.cte("vis")
    if latest_per is not None:
        # the latest period per (unit, value) first, from the covering index (see schema.column_indexes)
        key = t.c[latest_per]
        best = (
            select(unit.label("unit"), key.label("k"), func.max(vis.c.period).label("period"))
            .select_from(joined(vis))
            .group_by(unit, key)
            .cte("best")
        )
        on_best = and_(best.c.unit == unit, best.c.k.is_not_distinct_from(key), best.c.period == vis.c.period)
        return (
            select(*picked(vis))
            .select_from(joined(vis).join(best, on_best))
            .order_by(unit, key.nulls_first(), t.c.rowid)
        )
    month = t.c[MONTH_COLUMN]
    rank = func.rank().over(partition_by=[unit, month], order_by=vis.c.period.desc())
    candidates = select(*picked(vis), rank.label("_rank"), t.c.rowid.label("_rid")).select_from(joined(vis))
    if as_of_period:
        candidates = candidates.where(month <= as_of_period)
    cand = candidates.cte("cand")
    out = [c for c in cand.c if c.name not in ("_rank", "_rid")]
    return (
        select(*out)
        .where(cand.c["_rank"] == 1)
        .order_by(cand.c[UNIT_COLUMN], cand.c[MONTH_COLUMN].nulls_first(), cand.c["_rid"])
    )


def key_to_unit(backend: Backend, conn, sheet: str, key: str) -> dict[str, str]:
    """Key -> unit from every unit's current register of `sheet` (the latest period wins)."""
    if conn is None or key not in {n for n, _ in stored_columns(backend, conn, sheet)}:
        return {}
    t = schema.data_table(sheet, [key])
    vis0 = visible_parts(sheet, None, None, None).cte("vis0")
    best = select(vis0.c.unit, func.max(vis0.c.period).label("period")).group_by(vis0.c.unit).cte("best")
    vis = (
        select(vis0.c.submission_id, vis0.c.unit, vis0.c.period)
        .join(best, and_(vis0.c.unit == best.c.unit, vis0.c.period == best.c.period))
        .cte("vis")
    )
    query = (
        select(t.c[key], t.c[UNIT_COLUMN])
        .select_from(t.join(vis, and_(t.c.submission_id == vis.c.submission_id, t.c[UNIT_COLUMN] == vis.c.unit)))
        .where(t.c[key].is_not(None))
        .order_by(vis.c.period, vis.c.submission_id, t.c.rowid)
    )
    return {str(k): u for k, u in backend.rows(conn, query)}


SUBMISSION_COLUMNS = ["id", "file_name", "sha256", "period", "units", "ingested_at", "status", "received_at"]
RECEIPTS_SINCE = 5  # the schema version that keeps when each file was received


def submissions(
    backend: Backend, conn, include_superseded: bool, units=None, period: str | None = None
) -> pd.DataFrame:
    """See `history.Store.submissions`; `units`, `period`: only submissions with a part of those units, of that
    period."""
    current = exists().where(P.c.submission_id == S.c.id, P.c.superseded_by.is_(None))
    # an older store opened read-only (not brought up to date) has no receipt times: unknown
    received = S.c.received_at if conn is None or backend.schema_version(conn) >= RECEIPTS_SINCE else null()
    query = select(
        S.c.id, S.c.file_name, S.c.sha256, S.c.period, S.c.units, S.c.ingested_at,
        case((current, "current"), else_="superseded"), received,
    ).order_by(S.c.id)  # fmt: skip
    if period is not None:
        query = query.where(S.c.period == period)
    if units is not None:
        unit_list = [units] if isinstance(units, str) else list(units)
        query = query.where(
            exists().where(P.c.submission_id == S.c.id, P.c.unit.in_(bindparam("units", unit_list, expanding=True)))
        )
    rows = backend.rows(conn, query) if conn is not None else []
    frame = pd.DataFrame.from_records(rows, columns=SUBMISSION_COLUMNS)
    frame["units"] = [tuple(json.loads(u)) for u in frame["units"]]
    frame["id"] = frame["id"].astype("int64")
    frame["received_at"] = frame["received_at"].astype(object).where(frame["received_at"].notna(), None)
    if not include_superseded:
        frame = frame[frame["status"] == "current"].reset_index(drop=True)
    return frame


PART_COLUMNS = ["submission_id", "unit", "sheet", "period", "n_rows", "superseded_by"]


def parts(backend: Backend, conn, include_superseded: bool, units=None, period: str | None = None) -> pd.DataFrame:
    query = select(*(P.c[c] for c in PART_COLUMNS)).order_by(P.c.period, P.c.unit, P.c.submission_id, P.c.sheet)
    if not include_superseded:
        query = query.where(P.c.superseded_by.is_(None))
    if period is not None:
        query = query.where(P.c.period == period)
    if units is not None:
        unit_list = [units] if isinstance(units, str) else list(units)
        query = query.where(P.c.unit.in_(bindparam("units", unit_list, expanding=True)))
    rows = backend.rows(conn, query) if conn is not None else []
    frame = pd.DataFrame.from_records(rows, columns=PART_COLUMNS)
    frame["superseded_by"] = frame["superseded_by"].astype("Int64")
    return frame


_PERIODS = select(P.c.period).distinct().where(P.c.superseded_by.is_(None)).order_by(P.c.period)
_UNITS_OF = select(P.c.unit).distinct().where(P.c.period == bindparam("period"), P.c.superseded_by.is_(None))


def periods(backend: Backend, conn) -> list[str]:
    return [r[0] for r in backend.rows(conn, _PERIODS, {})] if conn is not None else []


def submitted_units(backend: Backend, conn, period: str) -> set[str]:
    return {r[0] for r in backend.rows(conn, _UNITS_OF, {"period": period})} if conn is not None else set()


def fingerprint(backend: Backend, conn, unit_list: list[str], period: str) -> str:
    """A hash of the current parts those units draw on up to `period` (see `history.Store.fingerprint`)."""
    query = (
        select(P.c.unit, P.c.sheet, P.c.period, P.c.submission_id, S.c.sha256)
        .join(S, S.c.id == P.c.submission_id)
        .where(
            P.c.superseded_by.is_(None),
            P.c.period <= period,
            P.c.unit.in_(bindparam("units", unit_list, expanding=True)),
        )
        .order_by(P.c.unit, P.c.sheet, P.c.period)
    )
    rows = backend.rows(conn, query) if conn is not None else []
    digest = hashlib.sha256(f"v3|{period}|{unit_list}".encode())
    for row in rows:
        digest.update("|".join(map(str, row)).encode() + b"\n")
    return digest.hexdigest()


def log_entries(backend: Backend, conn) -> list[dict]:
    """The archive log as stored in the database, in order (see `analysis.store.archive`)."""
    if conn is None:
        return []
    log = schema.archive_log
    return [json.loads(entry) for (entry,) in backend.rows(conn, select(log.c.entry).order_by(log.c.id))]
