"""The same store on SQLite and on PostgreSQL: the same outputs, byte for byte; several ingests at once on
PostgreSQL; a store copied from one backend to the other and back; a rebuild from the archive on each."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from analysis import paths
from analysis.store.history import SHEETS, Store
from analysis.store.ingest import ingest

AS_OF = "2025-09-30"


def cli(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *map(str, args)],
        capture_output=True,
        cwd=paths.PROJECT_ROOT,
        **kwargs,
    )


@pytest.fixture(scope="module")
def demo_pg(demo_files, postgres_server) -> str:
    """The demo files ingested into a PostgreSQL database (the module's own)."""
    from support.postgres import new_database

    url = new_database(postgres_server)
    outcomes = ingest([demo_files], store=Store(url))
    assert not [o for o in outcomes if o.rejected]
    return url


def outputs(location) -> dict[str, bytes]:
    """What an analyst sees of a store: status (table and CSV) and progress as CSV."""
    out = {}
    for name, args in {
        "status": ["status", "--all"],
        "status.csv": ["status", "--all", "--format", "csv"],
        "progress.csv": ["progress", "--as-of", AS_OF, "--format", "csv"],
    }.items():
        done = cli(*args, "--store", location)
        assert done.returncode == 0, done.stderr.decode()
        out[name] = done.stdout
    return out


def test_status_and_progress_are_byte_identical_on_both_backends(demo_store, demo_pg):
    sqlite, postgres = outputs(demo_store), outputs(demo_pg)
    assert len(sqlite["progress.csv"].splitlines()) > 100
    # the same submissions at other times: the times aside, status is the same
    assert _without_times(sqlite["status"]) == _without_times(postgres["status"])
    assert sqlite["progress.csv"] == postgres["progress.csv"]
    for sheet in SHEETS:
        left, right = Store(demo_store).snapshot(sheet), Store(demo_pg).snapshot(sheet)
        pd.testing.assert_frame_equal(left, right)


def _without_times(text: bytes) -> list[str]:
    import re

    return [re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "<time>", line) for line in text.decode().splitlines()]


def test_a_store_migrated_to_postgresql_and_back_gives_the_same_outputs_and_verifies(
    demo_store, postgres_url, tmp_path
):
    before = outputs(demo_store)
    there = cli("store", "migrate", "--store", demo_store, "--to", postgres_url)
    assert there.returncode == 0, there.stderr.decode()
    assert "核对无误" in there.stdout.decode()
    assert outputs(postgres_url) == before  # times included: a migration keeps them
    back = cli("store", "migrate", "--store", postgres_url, "--to", tmp_path / "back")
    assert back.returncode == 0, back.stderr.decode()
    assert outputs(tmp_path / "back") == before
    copy = Store(tmp_path / "back")
    assert copy.check() == [] and copy.archive_report() == ([], [])
    assert copy.log() == Store(demo_store).log()
    again = cli("store", "migrate", "--store", demo_store, "--to", postgres_url)
    assert again.returncode == 1 and "已有报送数据" in again.stderr.decode()


def test_several_ingests_at_once_on_postgresql_end_as_one_after_another(demo_files, demo_store, postgres_url):
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "analysis", "ingest", str(demo_files), "--store", postgres_url, "--quiet"],
            cwd=paths.PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(run.communicate(timeout=600), run.returncode) for run in runs]
    assert all(code == 0 for _, code in results), results
    assert not any("等待" in err for (_, err), _ in results)  # nobody queued for a whole run
    totals = [0, 0, 0]
    for (out, _), _ in results:
        last = out.strip().splitlines()[-1]
        numbers = [int(x) for x in __import__("re").findall(r"(?:入库|更正|重复跳过) (\d+)", last)]
        totals = [a + b for a, b in zip(totals, numbers, strict=True)]
    files = len(list(demo_files.iterdir()))
    assert totals == [files - 1, 1, 2 * files]  # every file stored once, the correction once, the rest skipped
    serial, concurrent = Store(demo_store), Store(postgres_url)
    assert concurrent.check() == []
    assert sorted(concurrent.submissions(True)["sha256"]) == sorted(serial.submissions(True)["sha256"])
    for sheet in SHEETS:
        left = serial.snapshot(sheet).drop(columns=["submission_id"])
        right = concurrent.snapshot(sheet).drop(columns=["submission_id"])
        key = [c for c in left.columns if c not in ("_row",)]
        pd.testing.assert_frame_equal(
            left.sort_values(key).reset_index(drop=True), right.sort_values(key).reset_index(drop=True)
        )
    assert (
        cli("progress", "--as-of", AS_OF, "--format", "csv", "--store", postgres_url).stdout
        == outputs(demo_store)["progress.csv"]
    )


def test_a_postgresql_store_rebuilt_from_its_archive_gives_the_same_outputs(demo_files, postgres_url):
    ingest([demo_files], store=Store(postgres_url))
    before = outputs(postgres_url)
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:  # values changed by hand, in place
        conn.execute('UPDATE "资质认定" SET "认定日期" = \'2019-01-01\' WHERE rowid IN (5, 50, 500)')
        parts = conn.execute('SELECT DISTINCT submission_id, "地区" FROM "资质认定" WHERE rowid IN (5, 50, 500)')
        named = [f"资质认定：{unit} " for _, unit in parts.fetchall()]
    for args in (["status"], ["progress", "--as-of", AS_OF]):  # a change by hand is seen by the next read
        refused = cli(*args, "--store", postgres_url, text=True)
        assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        assert "资质认定：" in refused.stderr and "store rebuild" in refused.stderr
    check = cli("store", "check", "--store", postgres_url)
    assert check.returncode == 1 and check.stdout.decode().count("资质认定：") == len(named)
    assert all(name in check.stdout.decode() for name in named)
    rebuilt = cli("store", "rebuild", "--store", postgres_url)
    assert rebuilt.returncode == 0, rebuilt.stderr.decode()
    assert outputs(postgres_url) == before
    assert Store(postgres_url).check() == []


def test_an_unreachable_or_missing_database_ends_in_one_chinese_line(tmp_path, postgres_server):
    for url in (
        "postgresql://nobody@/nowhere?host=" + str(tmp_path) + "&port=1",
        postgres_server.replace("/postgres?", "/no_such_database?"),
    ):
        for args in (["status"], ["progress", "--as-of", AS_OF], ["ingest", "--empty", "情况说明", "--region",
                                                                  "鹿泉区", "--period", "2025-09"]):  # fmt: skip
            done = cli(*args, "--store", url, text=True)
            assert done.returncode == 1, (args, done.stdout, done.stderr)
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("错误：") and "Traceback" not in done.stderr
            assert not any(word in done.stderr for word in ("connection", "FATAL", "psycopg")), done.stderr


def test_a_monthly_report_rendered_from_either_backend_has_the_same_numbers(demo_store, demo_pg, tmp_path):
    import json

    from analysis.reports.render import render_report

    rendered = {
        name: render_report("monthly", "2025-09", "石家庄市", formats=("html",), out=tmp_path / name, store=location)
        for name, location in (("sqlite", demo_store), ("postgresql", demo_pg))
    }
    facts = {name: json.loads(r.files["facts"].read_text(encoding="utf-8")) for name, r in rendered.items()}
    assert len(facts["sqlite"]["rows"]) > 10 and any(row["actual"] for row in facts["sqlite"]["rows"])
    assert facts["sqlite"] == facts["postgresql"]
    import re

    pages = {  # every cell of a run gets a fresh random id
        name: re.sub(r"cell-id=[0-9a-f-]+", "", r.files["html"].read_text(encoding="utf-8"))
        for name, r in rendered.items()
    }
    assert pages["sqlite"] == pages["postgresql"]


def test_a_write_committed_while_a_reader_verifies_is_not_taken_for_damage(store_location, monkeypatch):
    """Verification reads the parts, then the rows: a submission another writer commits in between must not look
    like rows that belong to no part (the reader verifies one moment of the store)."""
    from analysis.store import verify
    from support.builders import enterprise, submission

    def month(period: str, code: str):
        return submission(period, "鹿泉区", 企业名录=[enterprise(code, "鹿泉区")])

    Store(store_location).add(month("2026-10", "91130110MA0000001X"))
    reader, writer = Store(store_location), Store(store_location)
    real = verify.stored_digests
    written = []

    def rows_after_a_commit(backend, conn):
        if not written:  # between the reads of the parts and of their rows, another process stores a file
            written.append(writer.add(month("2026-11", "91130110MA0000002X")).status)
        return real(backend, conn)

    monkeypatch.setattr(verify, "stored_digests", rows_after_a_commit)
    assert reader.check() == []  # the moment before the write: sound
    assert written == ["added"]
    monkeypatch.setattr(verify, "stored_digests", real)
    assert reader.check() == [] and len(reader.submissions()) == 2


def test_an_ingest_that_loads_many_rows_leaves_the_planner_its_statistics(demo_pg):
    """The ANALYZE after a run (a tenth of the default sample) gives every table it loaded statistics at once,
    instead of a minute or more later from autovacuum."""
    import psycopg

    from analysis.store.postgres_backend import ANALYZE_AFTER_ROWS

    with psycopg.connect(demo_pg) as conn:
        loaded = [s for s in SHEETS if _count(conn, s) >= ANALYZE_AFTER_ROWS]
        assert loaded, "the demo loads at least one table past the threshold"
        for sheet in loaded:
            assert conn.execute("SELECT count(*) FROM pg_stats WHERE tablename = %s", (sheet,)).fetchone()[0] > 0
            assert conn.execute("SELECT reltuples FROM pg_class WHERE relname = %s", (sheet,)).fetchone()[0] > 0


def _count(conn, sheet: str) -> int:
    if conn.execute("SELECT to_regclass(%s)", (f'"{sheet}"',)).fetchone()[0] is None:
        return 0
    return conn.execute(f'SELECT count(*) FROM "{sheet}"').fetchone()[0]
