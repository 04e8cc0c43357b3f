"""On time or late by when a file was received, not when it was stored: the store's received_at, `ingest
--received-on`, and the 报送情况 cells and rates that judge by it (已报 where nobody recorded the receipt)."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys

import pandas as pd
import pytest

from analysis import paths
from analysis.store.history import Store
from analysis.store.rebuild import rebuild
from support.builders import enterprise, store_with, submission

L = "鹿泉区"
CODES = [f"91130110MA0000{i:03d}X" for i in range(1, 4)]


def month_file(period: str, code: str = CODES[0]):
    return submission(period, L, 企业名录=[enterprise(code, L)])


def ingest_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", "ingest", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=paths.PROJECT_ROOT,
        timeout=300,
    )


# --- the store ------------------------------------------------------------------------------


def test_the_store_keeps_the_receipt_apart_from_the_time_it_stored_the_file(tmp_path):
    store = Store(tmp_path / "store")
    first = store.add(month_file("2026-10"), received_at="2026-11-08 09:30:00")
    unknown = store.add(month_file("2026-11"))
    again = store.add(month_file("2026-10"), received_at="2026-11-20 10:00:00")
    assert again.status == "duplicate"  # nothing stored: the first file's receipt stays
    rows = store.submissions(include_superseded=True).set_index("id")
    assert rows.loc[first.submission_id, "received_at"] == "2026-11-08 09:30:00"
    assert rows.loc[unknown.submission_id, "received_at"] is None
    assert str(rows.loc[first.submission_id, "ingested_at"])[:10] == dt.date.today().isoformat()


def test_a_version_four_store_gets_an_empty_receipt_column_and_keeps_every_row_and_digest(tmp_path):
    store = store_with(tmp_path, [month_file("2026-10"), month_file("2026-11")])
    conn = sqlite3.connect(store.db_path)
    with conn:  # a store written before receipts were kept: schema version 4, no received_at
        conn.execute("ALTER TABLE submissions DROP COLUMN received_at")
        conn.execute("PRAGMA user_version = 4")
    conn.close()
    (tmp_path / "store").chmod(0o555)  # read-only: read as it is, without the column
    try:
        if os.geteuid() != 0:
            assert Store(tmp_path / "store").submissions()["received_at"].tolist() == [None, None]
    finally:
        (tmp_path / "store").chmod(0o755)
    reopened = Store(tmp_path / "store")
    assert reopened.submissions()["received_at"].tolist() == [None, None]  # brought up to date by the read
    assert reopened.check() == []  # the digests written before still hold
    conn = sqlite3.connect(store.db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 5
    assert conn.execute("SELECT COUNT(*) FROM submissions WHERE received_at IS NULL").fetchone()[0] == 2
    conn.close()
    third = reopened.add(month_file("2026-09"), received_at="2026-10-09")
    assert reopened.submissions().set_index("id").loc[third.submission_id, "received_at"] == "2026-10-09"


def test_a_receipt_is_kept_by_a_rebuild_and_a_changed_one_is_named_by_check(tmp_path, demo_files):
    folder = tmp_path / "store"
    known = ingest_cli(demo_files / "新乐市-2025-09.xlsx", "--store", folder, "--received-on", "2025-10-09 09:30")
    unknown = ingest_cli(demo_files / "鹿泉区-2025-09.xlsx", "--store", folder)
    assert known.returncode == unknown.returncode == 0, known.stderr + unknown.stderr
    before = Store(folder).submissions()[["file_name", "received_at"]].values.tolist()
    assert before == [["新乐市-2025-09.xlsx", "2025-10-09 09:30:00"], ["鹿泉区-2025-09.xlsx", None]]
    rebuild(Store(folder))
    assert Store(folder).submissions()[["file_name", "received_at"]].values.tolist() == before
    conn = sqlite3.connect(folder / "workbook.sqlite")
    with conn:  # a late file made punctual in place
        conn.execute("UPDATE submissions SET received_at = '2025-10-01 08:00:00' WHERE id = 1")
    conn.close()
    problems = Store(folder).check()
    assert len(problems) == 1 and "第 1 号报送“新乐市-2025-09.xlsx”" in problems[0]


# --- ingest --received-on -------------------------------------------------------------------


def test_ingest_records_the_given_receipt_or_each_files_own_time(tmp_path, demo_files):
    names = ["新乐市-2025-09.xlsx", "鹿泉区-2025-09.xlsx"]
    given = ingest_cli(*(demo_files / n for n in names), "--store", tmp_path / "a", "--received-on", "2025-10-09")
    assert given.returncode == 0, given.stderr
    assert Store(tmp_path / "a").submissions()["received_at"].tolist() == ["2025-10-09", "2025-10-09"]
    by_file = ingest_cli(*(demo_files / n for n in names), "--store", tmp_path / "b", "--received-on", "mtime")
    assert by_file.returncode == 0, by_file.stderr
    expected = sorted(
        dt.datetime.fromtimestamp((demo_files / n).stat().st_mtime).strftime("%Y-%m-%d %H:%M:%S") for n in names
    )
    assert sorted(Store(tmp_path / "b").submissions()["received_at"]) == expected
    assert all("2025-10-03" <= r[:10] <= "2025-11-09" for r in expected)  # the demo's days of arrival
    plain = ingest_cli(demo_files / names[0], "--store", tmp_path / "c")
    assert plain.returncode == 0 and Store(tmp_path / "c").submissions()["received_at"].tolist() == [None]


@pytest.mark.parametrize(
    ("value", "words"),
    [("10/9", "无法识别"), ("2025-13-01", "无法识别"), ((dt.date.today() + dt.timedelta(days=2)).isoformat(), "将来")],
)
def test_a_bad_receipt_time_is_refused_in_one_chinese_line_before_anything_is_stored(
    tmp_path, demo_files, value, words
):
    done = ingest_cli(demo_files / "新乐市-2025-09.xlsx", "--store", tmp_path / "s", "--received-on", value)
    assert done.returncode != 0 and words in done.stderr and "--received-on" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "s" / "workbook.sqlite").exists()


def test_the_received_on_forms_are_normalised():
    from analysis.store.ingest import check_received_on

    assert check_received_on("2025-10-08") == "2025-10-08"
    assert check_received_on(" 2025-10-08 14:30 ") == "2025-10-08 14:30:00"
    assert check_received_on("2025-10-08T14:30:05") == "2025-10-08 14:30:05"
    assert check_received_on("MTIME") == "mtime"
    assert check_received_on(None) is None and check_received_on("") is None


# --- the cells and the rates ----------------------------------------------------------------


def frames(rows: list[tuple[int, str, str, str | None, int | None]]):
    """(submission id, unit, period, received_at, superseded_by) → the store's parts and submissions frames."""
    parts = pd.DataFrame(
        [(sid, unit, "企业名录", period, 3, by) for sid, unit, period, _, by in rows],
        columns=["submission_id", "unit", "sheet", "period", "n_rows", "superseded_by"],
    )
    parts["superseded_by"] = parts["superseded_by"].astype("Int64")
    subs = pd.DataFrame(
        [(sid, period, "2026-12-06 12:00:00", received) for sid, _, period, received, _ in rows],
        columns=["id", "period", "ingested_at", "received_at"],
    )
    return parts, subs


def test_cells_are_judged_by_receipt_and_unknown_receipts_get_no_verdict():
    from analysis.web import reporting

    units = ["甲县", "乙县", "丙县", "丁县", "戊县"]
    parts, subs = frames(
        [
            (1, "甲县", "2025-09", "2025-10-09 17:59:00", None),  # before the 10th
            (2, "乙县", "2025-09", "2025-10-10 23:00:00", None),  # on the deadline day: on time
            (3, "丙县", "2025-09", "2025-10-11 08:00:00", None),  # the day after: late
            (4, "丁县", "2025-09", None, None),  # loaded by ingest without --received-on
        ]
    )
    now = dt.datetime(2026, 12, 6, 12, 0)  # every cell was stored today: it decides nothing
    cells = reporting.matrix(units, ["2025-09"], parts, subs, {}, now)
    states = {u: cells[(u, "2025-09")].state for u in units}
    assert states == {"甲县": "按时", "乙县": "按时", "丙县": "逾期", "丁县": "已报", "戊县": "未报"}
    assert cells[("丙县", "2025-09")].received_at == "2025-10-11 08:00:00"
    assert "收到 2025-10-11 08:00:00" in cells[("丙县", "2025-09")].note
    assert "未记录接收时间" in cells[("丁县", "2025-09")].note
    [rate] = reporting.rates(cells, units, ["2025-09"])
    assert (rate.expected, rate.submitted, rate.on_time, rate.untimed) == (5, 4, 2, 1)
    assert rate.submitted_pct == "80.0%" and rate.on_time_pct == "50.0%"  # 2 of the 4 units with a verdict


def test_a_rate_of_only_unknown_receipts_is_a_dash_not_zero():
    from analysis.web import reporting

    parts, subs = frames([(1, "甲县", "2025-09", None, None), (2, "乙县", "2025-09", None, None)])
    units = ["甲县", "乙县", "丙县"]  # 丙县 never sent: alone it would make the rate 0/1
    cells = reporting.matrix(units, ["2025-09"], parts, subs, {}, dt.datetime(2026, 12, 6))
    [rate] = reporting.rates(cells, units, ["2025-09"])
    assert rate.on_time_pct == "—" and rate.submitted_pct == "66.7%" and rate.judged == 1


@pytest.mark.parametrize(
    ("received", "verdict"),
    [
        (["2025-10-12", None], None),  # the unknown one may have come first
        (["2025-10-08", None], True),  # one known on time is enough
        (["2025-10-12", "2025-10-20"], False),
        ([None], None),
    ],
)
def test_the_verdict_of_several_files(received, verdict):
    from analysis.web.reporting import timeliness

    assert timeliness(received, dt.date(2025, 10, 10))[0] is verdict
