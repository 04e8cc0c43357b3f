"""No unit's file can change another unit's sheets where it says nothing; restoring a superseded file;
emptying a sheet explicitly (issue "No unit's file can change another unit's data")."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from analysis import paths
from analysis.store.history import SCHEMA_VERSION, Store
from analysis.store.ingest import collect_files
from support.builders import award, enterprise, note, report, store_with, submission

X, L = "新乐市", "鹿泉区"
CX = [f"91130184MA0000{i:03d}X" for i in range(1, 4)]
CL = [f"91130110MA0000{i:03d}X" for i in range(1, 4)]


def luquan_file(period="2026-11"):
    """鹿泉区's own full month: a register of 3, 3 awards, one explanation."""
    return submission(
        period,
        L,
        企业名录=[enterprise(c, L) for c in CL],
        资质认定=[award(c, L, "高新技术企业", "2024-05-01") for c in CL],
        情况说明=[note(L, period, "高新技术企业", "按计划推进")],
    )


def xinle_file(period="2026-11", **stray):
    """新乐市's month, carrying one stray row of 鹿泉区 in one sheet (the three ways of the issue)."""
    sheets = {
        "企业名录": [enterprise(c, X) for c in CX],
        "资质认定": [award(c, X, "高新技术企业", "2024-06-01") for c in CX],
        "指标填报": [report(X, period, "新增发明专利", 3)],
    }
    for sheet, row in stray.items():
        sheets[sheet] = sheets[sheet] + [row]
    sub = submission(period, X, **sheets)
    sub.units = {X, L}  # the validator puts every unit its rows name in `units`
    return sub


def counts(store: Store, unit: str, period="2026-11") -> dict[str, int]:
    return {
        sheet: len(store.snapshot(sheet, period, unit)) for sheet in ("企业名录", "资质认定", "情况说明", "指标填报")
    }


@pytest.mark.parametrize(
    "stray",
    [
        {"指标填报": report(L, "2026-11", "新增发明专利", 1)},  # one 指标填报 row of 鹿泉区
        {"企业名录": enterprise(CL[0].replace("0001", "0009"), L)},  # one enterprise with 所属地区 鹿泉区
        {"资质认定": award(CL[1], L, "科技型中小企业", "2025-01-01", "省级")},  # one award citing a 鹿泉区 code
    ],
)
def test_a_stray_row_of_another_unit_no_longer_wipes_its_other_sheets(tmp_path, stray, store_location):
    store = store_with(tmp_path, [luquan_file()], store_location)
    before = counts(store, L)
    assert before == {"企业名录": 3, "资质认定": 3, "情况说明": 1, "指标填报": 0}
    store.add(xinle_file(**stray))
    after = counts(store, L)
    # only the sheet the stray row sits in is 鹿泉区's any longer in question; every other sheet is untouched
    ((sheet, _),) = stray.items()
    untouched = {k: v for k, v in after.items() if k != sheet}
    assert untouched == {k: v for k, v in before.items() if k != sheet}
    assert after["情况说明"] == 1 and (sheet == "企业名录" or after["企业名录"] == 3)


def test_a_superseded_file_sent_again_is_restored_as_a_new_correction(tmp_path, store_location):
    store = store_with(tmp_path, [luquan_file()], store_location)
    first = store.submissions()["id"].max()
    corrected = submission(
        "2026-11",
        L,
        企业名录=[enterprise(c, L) for c in CL[:1]],
        资质认定=[award(CL[0], L, "高新技术企业", "2024-05-01")],
    )
    assert store.add(corrected).status == "correction"
    assert counts(store, L)["企业名录"] == 1
    again = store.add(luquan_file())  # the very same bytes as the first file
    assert (again.status, again.restored) == ("restored", first)
    assert counts(store, L) == {"企业名录": 3, "资质认定": 3, "情况说明": 1, "指标填报": 0}
    # now it is what is current: sending it a third time is a duplicate
    assert store.add(luquan_file()).status == "duplicate"


def test_emptying_a_sheet_is_explicit_and_logged(tmp_path, store_location):
    store = store_with(tmp_path, [luquan_file()], store_location)
    result = store.empty("情况说明", L, "2026-11")
    assert result.status == "emptied" and result.superseded
    assert counts(store, L) == {"企业名录": 3, "资质认定": 3, "情况说明": 0, "指标填报": 0}
    log = store.submissions(include_superseded=True)
    assert log["file_name"].str.contains("鹿泉区-2026-11-情况说明（本期无数据）").any()


def test_ingest_empty_on_the_command_line(tmp_path, store_location):
    store = store_with(tmp_path, [luquan_file()], store_location)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "ingest",
            "--empty",
            "情况说明",
            "--region",
            L,
            "--period",
            "2026-11",
            "--store",
            store_location,
        ],
        capture_output=True,
        text=True,
        cwd=paths.PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("已登记本期无数据：鹿泉区 2026-11 情况说明") and "替换第" in result.stdout
    assert counts(store, L)["情况说明"] == 0
    missing = subprocess.run(
        [sys.executable, "-m", "analysis", "ingest", "--empty", "情况说明", "--store", store_location],
        capture_output=True,
        text=True,
        cwd=paths.PROJECT_ROOT,
    )
    assert missing.returncode != 0 and "--region" in missing.stderr and "Traceback" not in missing.stderr


def as_version_3(db) -> None:
    """Make a store look like one written before digests, counters and the archive (schema version 3)."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DROP TABLE meta")
        conn.execute("DROP TABLE archive_log")
        conn.execute("ALTER TABLE submissions DROP COLUMN digest")
        conn.execute("ALTER TABLE parts DROP COLUMN digest")
        conn.execute("ALTER TABLE submissions DROP COLUMN received_at")
        conn.execute("PRAGMA user_version = 3")
    conn.close()


def test_a_version_one_store_is_brought_up_to_date_keeping_every_row(tmp_path):
    store = store_with(tmp_path, [luquan_file()])
    db = tmp_path / "store" / "workbook.sqlite"
    as_version_3(db)
    conn = sqlite3.connect(db)
    # make it look like a store written before this change: the old table with UNIQUE (sha256, period)
    conn.executescript("""
        CREATE TABLE old AS SELECT id, file_name, sha256, period, units, ingested_at, extra_columns FROM submissions;
        DROP TABLE submissions;
        CREATE TABLE submissions (id INTEGER PRIMARY KEY, file_name TEXT NOT NULL, sha256 TEXT NOT NULL,
            period TEXT NOT NULL, units TEXT NOT NULL, ingested_at TEXT NOT NULL, extra_columns TEXT NOT NULL,
            UNIQUE (sha256, period));
        INSERT INTO submissions SELECT * FROM old; DROP TABLE old; PRAGMA user_version = 1;""")
    conn.close()
    store.add(submission("2026-11", L, 企业名录=[enterprise(CL[0], L)]))
    assert store.add(luquan_file()).status == "restored"  # impossible under the old UNIQUE constraint
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 3


def test_damaged_empty_and_foreign_files_end_in_one_chinese_line_and_nothing_is_written(tmp_path):
    import os

    store = store_with(tmp_path / "good", [luquan_file()])
    db = store.db_path
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    assert pages > 4
    damaged = bytearray(db.read_bytes())
    damaged[4096 : 4096 * 3] = os.urandom(4096 * 2)  # garbage over pages 2 and 3 (schema and data)
    for name, content in (("damaged", bytes(damaged)), ("zero", b""), ("text", "这不是数据库".encode() * 500)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "workbook.sqlite").write_bytes(content)
        before = (folder / "workbook.sqlite").read_bytes()
        for args in (["status"], ["ingest", "--empty", "情况说明", "--region", L, "--period", "2026-11"]):
            result = subprocess.run(
                [sys.executable, "-m", "analysis", *args, "--store", str(folder)],
                capture_output=True,
                text=True,
                cwd=paths.PROJECT_ROOT,
            )
            if name == "damaged" and args == ["status"] and result.returncode == 0:
                continue  # a read that never touches the damaged pages may succeed
            assert result.returncode == 1, (name, args, result.stdout, result.stderr)
            assert result.stderr.startswith("错误：") and "Traceback" not in result.stderr
            assert str(folder / "workbook.sqlite") in result.stderr
        assert (folder / "workbook.sqlite").read_bytes() == before  # nothing written


def test_store_backup_copies_a_consistent_store_and_check_finds_it_sound(tmp_path):
    store_with(tmp_path, [luquan_file()])
    backup = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "store",
            "backup",
            str(tmp_path / "copy"),
            "--store",
            str(tmp_path / "store"),
        ],
        capture_output=True,
        text=True,
        cwd=paths.PROJECT_ROOT,
    )
    assert backup.returncode == 0, backup.stderr
    copy = Store(tmp_path / "copy")
    assert counts(copy, L) == {"企业名录": 3, "资质认定": 3, "情况说明": 1, "指标填报": 0}
    check = subprocess.run(
        [sys.executable, "-m", "analysis", "store", "check", "--store", str(tmp_path / "copy")],
        capture_output=True,
        text=True,
        cwd=paths.PROJECT_ROOT,
    )
    assert check.returncode == 0 and "完好" in check.stdout


# --- faults of the disk and of concurrent use ---------------------------------------------------


def _cli(*args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "analysis", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=paths.PROJECT_ROOT,
        **kwargs,
    )


def _submissions(folder) -> int:
    conn = sqlite3.connect(folder / "workbook.sqlite")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
    finally:
        conn.close()


def test_disk_full_during_ingest_ends_in_one_line_and_keeps_every_file_stored_before(tmp_path, demo_files):
    from support.mounts import tmpfs

    with tmpfs(tmp_path / "disk", "1m") as disk:
        if disk is None:  # not root: a store that may not grow past 64 pages is as full
            from analysis.store.ingest import ingest

            class Full(Store):
                def _connect(self, write=False):
                    conn = super()._connect(write)
                    conn.execute("PRAGMA max_page_count = 64")
                    return conn

            with pytest.raises(Exception) as err:
                ingest([demo_files], store=Full(tmp_path / "store"))
            assert "磁盘已满" in str(err.value)
            folder = tmp_path / "store"
        else:
            result = _cli("ingest", demo_files, "--store", disk / "store")
            assert result.returncode == 1 and "Traceback" not in result.stderr
            assert result.stderr.strip().splitlines()[-1].startswith("错误：磁盘已满")
            stored = result.stdout.count("已入库")
            folder = disk / "store"
            assert 0 < _submissions(folder) == stored  # each file before the fault whole, nothing of the next
        assert _submissions(folder) >= 0


def test_a_read_only_store_can_be_read_and_refuses_writes_in_one_line(tmp_path, demo_files):
    import os
    import shutil

    from support.mounts import remount_read_only, tmpfs

    source = store_with(tmp_path / "src", [luquan_file()])
    with tmpfs(tmp_path / "published", "16m") as disk:
        if disk is not None:
            shutil.copytree(source.dir, disk / "store")
            assert remount_read_only(disk)
            folder = disk / "store"
        elif os.geteuid() != 0:  # a folder and file owned by someone else, as a non-root user sees them
            folder = tmp_path / "store"
            shutil.copytree(source.dir, folder)
            (folder / "workbook.sqlite").chmod(0o444)
            folder.chmod(0o555)
        else:
            pytest.skip("root without mount: no way to make a folder read-only")
        status = _cli("status", "--store", folder)
        assert status.returncode == 0 and L in status.stdout, status.stderr
        assert counts(Store(folder), L) == {"企业名录": 3, "资质认定": 3, "情况说明": 1, "指标填报": 0}
        refused = _cli("ingest", demo_files / "井陉县-2025-09.xlsx", "--store", folder)
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
        assert "只读" in refused.stderr and str(folder / "workbook.sqlite") in refused.stderr


def test_concurrent_ingests_of_one_folder_queue_and_refuse_nothing(tmp_path, demo_files):
    import fcntl

    store = Store(tmp_path / "store")
    store.dir.mkdir()
    # while another ingest holds the store, a new one says it waits, and stores nothing
    with open(store.dir / ".ingest.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        err_path = tmp_path / "waiting.err"
        with open(err_path, "w") as err_file:
            waiting = subprocess.Popen(
                [sys.executable, "-m", "analysis", "ingest", str(demo_files), "--store", str(store.dir), "--quiet"],
                cwd=paths.PROJECT_ROOT,
                stdout=subprocess.DEVNULL,
                stderr=err_file,
            )
        # wait until the child says it waits (however loaded the machine), not for a fixed time
        import time

        deadline = time.monotonic() + 120
        while "等待其结束" not in err_path.read_text(encoding="utf-8") and time.monotonic() < deadline:
            assert waiting.poll() is None, err_path.read_text(encoding="utf-8")
            time.sleep(0.1)
        assert waiting.poll() is None and not store.exists()
    waiting.wait(timeout=120)
    err = err_path.read_text(encoding="utf-8")
    assert waiting.returncode == 0 and "等待其结束" in err, err
    # three at once, as three cron jobs might: every file stored once, none refused
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "analysis",
                "ingest",
                str(demo_files),
                "--store",
                str(tmp_path / "three"),
                "--quiet",
            ],
            cwd=paths.PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(run.communicate(timeout=300), run.returncode) for run in runs]
    assert all(code == 0 for _, code in results), results
    # the folder holds a file and its correction: sent again, neither is "restored" (the folder is its current state)
    summaries = sorted(out.strip().splitlines()[-1] for (out, _), _ in results)
    n = len(collect_files([demo_files]))  # how many files the demo writes depends on its notes
    assert summaries == [f"共 {n} 个文件：入库 0，更正 0，重复跳过 {n}，拒收 0"] * 2 + [
        f"共 {n} 个文件：入库 {n - 1}，更正 1，重复跳过 0，拒收 0"
    ]
    assert _submissions(tmp_path / "three") == _submissions(store.dir) == len(list(demo_files.iterdir()))


def test_an_enterprise_moving_to_another_unit_is_reported_and_the_old_units_rows_stay(tmp_path, store_location):
    from pathlib import Path

    from analysis.store.ingest import _store, defined_names, describe, enterprise_names, known_names, summary

    store = store_with(tmp_path, [luquan_file()], store_location)
    known = known_names(store)
    moved = submission("2026-12", X, 企业名录=[enterprise(c, X) for c in CX] + [enterprise(CL[0], X)])
    outcome, _ = _store(
        store, Path("新乐市-2026-12.xlsx"), moved, defined_names(moved.tables), known, enterprise_names(moved.tables)
    )
    assert outcome.status == "added" and outcome.moves == 1
    [line] = [line for line in describe(outcome) if "企业迁移" in line]
    name = moved.tables["企业名录"].set_index("统一社会信用代码").loc[CL[0], "企业名称"]
    assert f"{name}（{CL[0]}）由鹿泉区迁至新乐市" in line and "鹿泉区已报送的其他内容不变" in line
    assert summary([outcome]).endswith("企业迁移 1 家（见各文件下的注）")
    assert (
        counts(store, L, "2026-12")
        == counts(store, L, "2026-11")
        == {"企业名录": 3, "资质认定": 3, "情况说明": 1, "指标填报": 0}
    )
    assert counts(store, X, "2026-12")["企业名录"] == 4


def test_a_store_written_before_the_whole_province_gets_its_shared_district_names_with_their_city(tmp_path):
    # the registry then knew one 桥西区 (石家庄市's); the name is now shared with 张家口市桥西区
    Q = "石家庄市桥西区"
    store = store_with(
        tmp_path,
        [
            submission(
                "2026-11", Q, 企业名录=[enterprise(CL[0], Q)], 资质认定=[award(CL[0], Q, "高新技术企业", "2024-05-01")]
            )
        ],
    )
    as_version_3(store.db_path)
    conn = sqlite3.connect(store.db_path)
    with conn:
        conn.execute("UPDATE parts SET unit = '桥西区'")
        for table in ("企业名录", "资质认定"):
            conn.execute(f'UPDATE "{table}" SET "地区" = \'桥西区\'')
        conn.execute("UPDATE 企业名录 SET 所属地区 = '桥西区'")
        conn.execute("UPDATE submissions SET units = '[\"桥西区\"]'")
        conn.execute("PRAGMA user_version = 2")
    conn.close()
    reopened = Store(store.dir)
    assert set(reopened.parts()["unit"]) == {Q}  # a read brings it up to date
    assert reopened.snapshot("企业名录", "2026-11", Q)["所属地区"].tolist() == [Q]
    assert len(reopened.snapshot("资质认定", "2026-11", Q)) == 1
    conn = sqlite3.connect(store.db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
    assert conn.execute("SELECT units FROM submissions").fetchone()[0] == f'["{Q}"]'
    assert conn.execute("SELECT COUNT(*) FROM parts WHERE unit = '桥西区'").fetchone()[0] == 0
