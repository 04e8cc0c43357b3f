"""A committed SQLite store damaged in 20 places — random bytes inside the cells of pages that hold tables and
indexes, and values changed in place with the structure intact — is named by `store check`, refused by
status, progress, render and ingest, and `store rebuild` gives back a store whose status and progress outputs
equal the original's byte for byte (issue 24, "Done when")."""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from analysis import paths
from analysis.store import digest_apart
from analysis.store.history import Store

AS_OF = "2025-09-30"
SEED = 24


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *map(str, args)], capture_output=True, cwd=paths.PROJECT_ROOT, text=True
    )


def outputs(folder: Path) -> dict[str, str]:
    out = {}
    commands = {"status": ["status", "--all"], "progress": ["progress", "--as-of", AS_OF, "--format", "csv"]}
    for name, args in commands.items():
        done = cli(*args, "--store", folder)
        assert done.returncode == 0, done.stderr
        out[name] = done.stdout
    return out


@pytest.fixture(scope="module")
def original(demo_store, tmp_path_factory) -> Path:
    """The demo store with everything in its main file (no WAL), and its outputs beside it."""
    folder = tmp_path_factory.mktemp("original") / "store"
    shutil.copytree(demo_store, folder)
    conn = sqlite3.connect(folder / "workbook.sqlite")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return folder


# --- the damages -----------------------------------------------------------------------------------------------


def btree_pages(db: Path) -> dict[int, str]:
    """Page -> the table or index it holds cells of (SQLite's dbstat), for the store's tables and indexes."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT name, pageno FROM dbstat WHERE pagetype IN ('leaf', 'internal')").fetchall()
    finally:
        conn.close()
    return {page: name for name, page in rows if page > 1 and not name.startswith("sqlite_")}


def random_bytes_in_a_cell(data: bytearray, page: int, rng: random.Random) -> None:
    """Overwrite 8 bytes inside one cell of a b-tree page (past the cell's first bytes: its sizes and key)."""
    size = int.from_bytes(data[16:18], "big") or 65536
    start = (page - 1) * size
    kind = data[start]
    cells = int.from_bytes(data[start + 3 : start + 5], "big")
    pointers = start + (12 if kind in (2, 5) else 8)
    cell = int.from_bytes(data[pointers + 2 * rng.randrange(cells) :][:2], "big")
    at = start + min(cell + rng.randrange(4, 24), size - 8)
    data[at : at + 8] = bytes(rng.randrange(256) for _ in range(8))


def text_in_place(data: bytearray, old: str, new: str) -> None:
    """Change the first stored occurrence of a text to another of the same length (the record stays valid)."""
    old_bytes, new_bytes = old.encode(), new.encode()
    assert len(old_bytes) == len(new_bytes)
    at = data.find(old_bytes)
    assert at > 0, old
    data[at : at + len(old_bytes)] = new_bytes


SQL_CHANGES = [  # values changed through SQLite itself: the structure stays intact
    "UPDATE parts SET n_rows = n_rows + 1 WHERE rowid = 7",
    "UPDATE submissions SET file_name = '改过的文件名.xlsx' WHERE id = 5",
    "UPDATE columns SET kind = 'text' WHERE sheet = '企业年度财务' AND name = '职工人数'",
    'UPDATE "集群月度" SET "本年累计营业收入(万元)" = "本年累计营业收入(万元)" + 0.5 WHERE rowid = 3',
    'UPDATE "企业年度财务" SET "研发费用(万元)" = NULL WHERE rowid = 100',
]


def damages(db: Path) -> list:
    """20 damages, each a function of (file bytes, path): 10 random-byte hits, 5 texts, 5 SQL changes."""
    rng = random.Random(SEED)
    pages = btree_pages(db)
    conn = sqlite3.connect(db)
    dates = [r[0] for r in conn.execute('SELECT DISTINCT "认定日期" FROM "资质认定" WHERE "认定日期" LIKE \'2025-%\'')]
    names = [r[0] for r in conn.execute('SELECT "企业名称" FROM "企业名录" WHERE length("企业名称") > 4 LIMIT 400')]
    conn.close()
    out = []
    for page in rng.sample(sorted(pages), 10):
        seed = rng.random()
        out.append(("bytes", pages[page], partial(_hit, page=page, seed=seed)))
    for date in rng.sample(dates, 3):  # the probe: 2026 (here 2025) made 2019 in stored 认定日期 cells
        out.append(("text", "资质认定", lambda data, path, d=date: text_in_place(data, d, "2019" + d[4:])))
    for name in rng.sample(names, 2):
        out.append(("text", "企业名录", lambda data, path, n=name: text_in_place(data, n, n[:-1] + "厂")))
    for sql in SQL_CHANGES:
        out.append(("sql", sql.split()[1].strip('"'), lambda data, path, sql=sql: _sql(path, sql)))
    return out


def _hit(data: bytearray, path: Path, page: int, seed: float) -> None:
    random_bytes_in_a_cell(data, page, random.Random(seed))


def _sql(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(sql)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # into the main file, which the byte damages then hit
    conn.close()


def damaged_copy(original: Path, folder: Path, chosen: list) -> Path:
    """A copy of the store with the damages: the SQL changes first (they need an intact file), then the bytes."""
    shutil.copytree(original, folder)
    db = folder / "workbook.sqlite"
    for kind, _, damage in chosen:
        if kind == "sql":
            damage(None, db)
    data = bytearray(db.read_bytes())
    for kind, _, damage in chosen:
        if kind != "sql":
            damage(data, db)
    db.write_bytes(bytes(data))
    return folder


# How store check names a damage to a table that holds no sheet's rows.
NAMED_AS = {"submissions": "号报送", "parts": "号报送", "columns": "columns 表", "archive_log": "存档"}


def logical(db: Path):
    """Every row of every table (read by table scans), and SQLite's structural verdict; None when unreadable."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        rows = {t: conn.execute(f'SELECT rowid, * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
        return rows, conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()


def changed_parts(before, after) -> set[tuple]:
    """(submission id, unit, sheet) of the data rows that differ (by rowid) between two logical dumps."""
    out = set()
    for table, rows in before[0].items():
        if table in ("submissions", "parts", "columns", "meta", "archive_log"):
            continue
        new = dict((r[0], r) for r in after[0].get(table, []))
        for row in rows:
            if new.get(row[0]) != row:
                out.add((row[1], row[2], table))
    return out


# --- the tests ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("apart", [False, True], ids=["one-process", "tables-digested-apart"])
def test_each_damage_that_changes_what_was_accepted_is_named_by_store_check(original, tmp_path, monkeypatch, apart):
    """Also with the largest tables digested by a second process (digest_apart), as a large store's are."""
    answers = []
    if apart:
        monkeypatch.setattr(digest_apart, "MIN_CELLS", 0)
        real = digest_apart.Apart.result
        monkeypatch.setattr(digest_apart.Apart, "result", lambda a, c: answers.append(real(a, c)) or answers[-1])
    before = logical(original / "workbook.sqlite")
    conn = sqlite3.connect(original / "workbook.sqlite")
    table_of = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master").fetchall())
    conn.close()
    changed = 0
    for index, damage in enumerate(damages(original / "workbook.sqlite")):
        folder = damaged_copy(original, tmp_path / f"d{index}", [damage])
        after = logical(folder / "workbook.sqlite")
        found = Store(folder).check()
        text = "\n".join(found)
        if after is not None and after[0] == before[0] and after[1]:
            assert found == [], (damage[:2], found)  # bytes that changed nothing readable (a cell's unused tail)
            continue
        changed += 1
        assert found, (index, damage[:2])
        assert all(not any(word in line for word in ("page", "tree", "Rowid", "btree")) for line in found), found
        kind, owner = damage[:2]
        parts = changed_parts(before, after) if after is not None else set()
        if parts and after[1]:  # the rows are readable: each changed part is named with its submission
            for sid, unit, sheet in parts:
                assert any(f"{sheet}：{unit}" in line and f"第 {sid} 号报送" in line for line in found), (parts, found)
        else:
            table = table_of.get(owner, owner)  # an index is named with its table, or the table alone
            assert any(name in text for name in (owner, f"“{table}”", NAMED_AS.get(table, table))), (owner, found)
    assert changed >= 15
    if apart:  # the child's digests were used (a damage that breaks what it reads leaves the tables to the parent)
        assert sum(a is not None for a in answers) >= 15, answers


def test_a_store_damaged_in_20_places_is_refused_and_rebuilt_byte_for_byte(original, demo_files, tmp_path):
    expected = outputs(original)
    chosen = damages(original / "workbook.sqlite")
    assert len(chosen) == 20
    folder = damaged_copy(original, tmp_path / "damaged", chosen)
    check = cli("store", "check", "--store", folder)
    assert check.returncode == 1 and "不一致" in check.stdout, check.stdout
    assert f"store rebuild --store {folder}" in check.stdout
    assert "On tree page" not in check.stdout and "Traceback" not in check.stderr
    stored = (folder / "workbook.sqlite").read_bytes()
    for args in (
        ["status"],
        ["progress", "--as-of", AS_OF, "--format", "csv"],
        [
            "render",
            "monthly",
            "--period",
            "2025-09",
            "--region",
            "石家庄市",
            "--format",
            "html",
            "--out",
            tmp_path / "r",
        ],
        ["ingest", demo_files / "井陉县-2025-09.xlsx"],
    ):
        refused = cli(*args, "--store", folder)
        lines = refused.stderr.strip().splitlines()
        assert refused.returncode == 1 and len(lines) == 1 and lines[0].startswith("错误："), (args, refused.stderr)
        assert "Traceback" not in refused.stderr and "Could not decode" not in refused.stderr
        assert refused.stdout == "", (args, refused.stdout)
    assert (folder / "workbook.sqlite").read_bytes() == stored  # nothing was written into the damaged store
    rebuilt = cli("store", "rebuild", "--store", folder)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert outputs(folder) == expected
    assert Store(folder).check() == []
    kept = list(folder.glob("damaged-*/workbook.sqlite"))
    assert len(kept) == 1 and kept[0].read_bytes() == stored
