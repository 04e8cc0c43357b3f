"""Verifying the store against what it accepted: structure, every part's rows, every submission, the counters.

`problems(backend, conn)` reads everything once and returns one Chinese line per difference, naming the sheet,
unit, period (2025年9月) and submission it concerns. It is what `store check` prints and what every read
runs (remembered against the store's state, see `history.Store`) before it trusts the store.

- the database's own structural check (SQLite: integrity_check, which also finds an index out of step with
  its table; PostgreSQL: the server's business);
- each part's rows: their count and digest against the part's (`digests.part_digest`), and rows that belong
  to no part;
- each submission's digest (its row and the list of its parts);
- the supersede history: for each unit, sheet and period, each part is superseded by the next one, the last
  is current;
- the counters: as many submissions as were stored, numbered 1…N, the column catalogue's digest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from analysis.periods import period_text
from analysis.store import schema
from analysis.store.backends import Backend
from analysis.store.digests import catalogue_digest, stored_part_digests, submission_digest
from analysis.store.layout import META_COLUMNS, SHEETS

S, P, C, M = schema.submissions, schema.parts, schema.columns, schema.meta
PartKey = tuple[int, str, str]  # (submission id, unit, sheet)

_SUBMISSION_FIELDS = ("id", "file_name", "sha256", "period", "units", "ingested_at", "extra_columns")


def problems(backend: Backend, conn) -> list[str]:
    """Every difference between the store and what it accepted (empty: the store is sound).

    A backend whose structural check can run on a connection of its own (SQLite's integrity_check, which runs
    in C without Python's lock) runs it in a thread while the rows are read and digested here."""
    apart = backend.structure_check_apart()
    if apart is None:
        return backend.structure_problems(conn) + _content_or_unreadable(backend, conn)
    with ThreadPoolExecutor(1, thread_name_prefix="store-structure") as pool:
        structure = pool.submit(apart)
        content = _content_or_unreadable(backend, conn)
        return structure.result() + content


def _content_or_unreadable(backend: Backend, conn) -> list[str]:
    try:
        return content_problems(backend, conn)
    except backend.errors:  # the store's own records cannot even be read
        return ["报送记录（submissions、parts、columns 或 meta 表）无法读取，数据库文件已损坏"]


def content_problems(backend: Backend, conn) -> list[str]:
    fields = (*_SUBMISSION_FIELDS, "received_at", "digest")
    subs = {row[0]: row for row in backend.rows(conn, select(*(S.c[f] for f in fields)))}
    part_rows = backend.rows(conn, select(P.c.submission_id, P.c.unit, P.c.sheet, P.c.period, P.c.n_rows,
                                          P.c.superseded_by, P.c.digest))  # fmt: skip
    parts = {(r[0], r[1], r[2]): r for r in part_rows}
    names = _namer(subs, parts)
    found = list(_count_problems(backend, conn, subs))
    found += _submission_problems(subs, part_rows, names)
    found += _chain_problems(part_rows, names)
    stored, unreadable = stored_digests(backend, conn)
    found += [f"表“{sheet}”的数据无法读取（数据库文件已损坏）" for sheet in unreadable]
    for key, (n_rows, digest) in sorted(stored.items()):
        part = parts.get(key)
        if part is None:
            found.append(f"{key[2]}：有 {n_rows} 行不属于任何报送（第 {key[0]} 号报送、{key[1]}）")
        elif (n_rows, digest) != (part[4], part[6]):
            detail = f"现有 {n_rows} 行，入库时 {part[4]} 行" if n_rows != part[4] else f"{n_rows} 行中有改动"
            found.append(f"{names(key)}的数据与入库时不一致（{detail}）")
    for key, part in sorted(parts.items()):
        if key not in stored and part[4] > 0 and key[2] not in unreadable:
            found.append(f"{names(key)}的数据与入库时不一致（现有 0 行，入库时 {part[4]} 行）")
    return found


def stored_digests(backend: Backend, conn) -> tuple[dict[PartKey, tuple[int, str]], list[str]]:
    """(rows, digest) of every part as its rows are stored now, and the sheets whose rows cannot be read.

    Where the backend can, the largest tables are digested by a second process meanwhile (`digest_apart`); its
    digests are taken only if it saw the same write counter, else those tables are digested here too."""
    tables = backend.table_names(conn)
    catalogue: dict[str, list[str]] = defaultdict(list)
    for sheet, name in backend.rows(conn, select(C.c.sheet, C.c.name).order_by(C.c.sheet, C.c.position)):
        catalogue[sheet].append(name)
    jobs = {}
    for sheet in [s for s in SHEETS if s in tables] + sorted(set(catalogue) - set(SHEETS)):
        table, every = schema.data_table(sheet, catalogue[sheet]), [*META_COLUMNS, *catalogue[sheet]]
        jobs[sheet] = (select(*(table.c[n] for n in every)).order_by(table.c.rowid), every[1:])
    apart, sent = backend.digest_apart(conn, {sheet: job for sheet, job in jobs.items() if sheet in tables})
    out: dict[PartKey, tuple[int, str]] = {}
    unreadable: list[str] = []
    try:
        for sheet in [s for s in jobs if s not in sent]:
            _digest_table(backend, conn, sheet, jobs[sheet], out, unreadable)
        found = apart.result(_write_counter(backend, conn)) if apart is not None else None
    finally:
        if apart is not None:
            apart.close()
    if found is not None:
        out.update(found[0])
        unreadable += found[1]
    else:
        for sheet in sent:
            _digest_table(backend, conn, sheet, jobs[sheet], out, unreadable)
    return out, [s for s in jobs if s in unreadable]


def _digest_table(backend: Backend, conn, sheet: str, job: tuple, out: dict, unreadable: list[str]) -> None:
    statement, names = job
    try:
        for (sid, unit), n, digest in stored_part_digests(backend.rows_for_digest(conn, statement), names):
            out[(sid, unit, sheet)] = (n, digest)
    except backend.errors:
        unreadable.append(sheet)


def _write_counter(backend: Backend, conn) -> str | None:
    rows = backend.rows(conn, select(M.c.value).where(M.c.key == schema.WRITE_COUNTER))
    return rows[0][0] if rows else None


def _namer(subs: dict, parts: dict):
    def name(key: PartKey) -> str:
        sid, unit, sheet = key
        part = parts.get(key)
        period = f" {period_text(part[3])}" if part else ""
        file_name = subs[sid][1] if sid in subs else "（记录缺失）"
        return f"{sheet}：{unit}{period}（第 {sid} 号报送“{file_name}”）"

    return name


def _count_problems(backend: Backend, conn, subs: dict) -> Iterator[str]:
    meta = {k: v for k, v in backend.rows(conn, select(M.c.key, M.c.value))}
    expected = int(meta.get(schema.SUBMISSION_COUNT, len(subs)))
    ids = sorted(subs)
    if len(ids) != expected:
        yield f"报送记录的数目与入库时不一致（现有 {len(ids)} 份，应有 {expected} 份）"
    missing = sorted(set(range(1, max([*ids, expected]) + 1)) - set(ids))
    if missing:
        shown = "、".join(map(str, missing[:10])) + ("等" if len(missing) > 10 else "")
        yield f"缺少第 {shown} 号报送的记录"
    catalogue = catalogue_digest(backend.rows(conn, select(C.c.sheet, C.c.name, C.c.kind, C.c.position)))
    if schema.CATALOGUE_DIGEST in meta and catalogue != meta[schema.CATALOGUE_DIGEST]:
        yield "各表的列及其类型（columns 表）与入库时不一致"


def _submission_problems(subs: dict, part_rows: list[tuple], names) -> Iterator[str]:
    by_submission: dict[int, list] = defaultdict(list)
    for r in part_rows:
        by_submission[r[0]].append((r[1], r[2], r[3], r[4], r[6]))
    for sid, row in sorted(subs.items()):
        if row[-1] != submission_digest(row[:-2], by_submission.get(sid, []), row[-2]):
            yield f"第 {sid} 号报送“{row[1]}”的记录（文件、填报期、入库时间或其各部分）与入库时不一致"
    for sid in sorted(set(by_submission) - set(subs)):
        yield f"有属于第 {sid} 号报送的部分，但没有该报送的记录"


def _chain_problems(part_rows: list[tuple], names) -> Iterator[str]:
    """Each part of a unit, sheet and period is superseded by the next submission of it; the last is current."""
    chains: dict[tuple, list[tuple]] = defaultdict(list)
    for r in part_rows:
        chains[(r[1], r[2], r[3])].append(r)
    for members in chains.values():
        members.sort(key=lambda r: r[0])
        expected = [m[0] for m in members[1:]] + [None]
        for member, by in zip(members, expected, strict=True):
            if member[5] != by:
                should = f"应被第 {by} 号报送更正" if by is not None else "应为现行内容"
                yield f"{names((member[0], member[1], member[2]))}的更正记录与入库时不一致（{should}）"
