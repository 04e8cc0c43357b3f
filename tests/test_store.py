"""The submission store: idempotency, corrections, as-of snapshots, types, fingerprints."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from analysis.store import history as store_mod
from analysis.store import staging
from analysis.store.history import Store
from analysis.submissions.validate import Submission

A, B = "新乐市", "正定县"


def enterprises(unit: str, codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "统一社会信用代码": pd.array(codes, dtype="str"),
            "企业名称": pd.array([f"企业{c}" for c in codes], dtype="str"),
            "所属地区": unit,
            "是否规上": pd.array([i % 2 == 0 for i in range(len(codes))], dtype="boolean"),
            "地区": unit,
            "_sheet": "企业名录",
            "_row": range(2, 2 + len(codes)),
        }
    )


def indicators(unit: str, values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "地区": unit,
            "年月": list(values),
            "指标": "工业云平台普及率",
            "数值": list(values.values()),
            "_sheet": "指标填报",
            "_row": range(2, 2 + len(values)),
        }
    )


def submission(sha: str, period: str, **tables: pd.DataFrame) -> Submission:
    tables = {
        name: pd.concat(frames, ignore_index=True) if isinstance(frames, list) else frames
        for name, frames in tables.items()
    }
    units = {u for df in tables.values() for u in df["地区"]}
    return Submission(Path(f"{sha}.xlsx"), f"{sha}.xlsx", sha, period, tables, units, {})


def dump(store: Store) -> list[str]:
    conn = sqlite3.connect(store.db_path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "store")


def test_new_store_reads_empty_and_creates_nothing(store):
    assert store.periods() == [] and store.latest_period() is None
    assert store.known_enterprises() == {}
    assert store.snapshot("企业名录").empty
    assert list(store.snapshot("企业名录").columns[:3]) == ["统一社会信用代码", "企业名称", "所属地区"]
    assert store.submissions().empty
    assert not store.dir.exists()


def test_add_then_snapshot_returns_rows_with_provenance_and_types(store):
    result = store.add(
        submission(
            "s1",
            "2023-05",
            企业名录=enterprises(A, ["0012", "X1"]),
            指标填报=indicators(A, {"2023-04": 70.0, "2023-05": 76.0}),
        )
    )
    assert (result.status, result.submission_id, result.units) == ("added", 1, [A])
    assert result.rows == {"企业名录": 2, "指标填报": 2}
    snap = store.snapshot("企业名录")
    assert snap["统一社会信用代码"].tolist() == ["0012", "X1"]  # leading zeros kept: stored as text
    assert snap["是否规上"].tolist() == [True, False]
    assert str(snap["是否规上"].dtype) == "boolean"
    assert snap["_row"].tolist() == [2, 3]
    assert set(snap["period"]) == {"2023-05"} and set(snap["submission_id"]) == {1}
    assert store.snapshot("指标填报")["数值"].tolist() == [70.0, 76.0]
    assert store.periods() == ["2023-05"] and store.submitted_units("2023-05") == {A}


def test_same_submission_twice_changes_nothing(store):
    sub = submission("s1", "2023-05", 企业名录=enterprises(A, ["E1"]))
    store.add(sub)
    before = dump(store)
    result = store.add(sub)
    assert (result.status, result.submission_id) == ("duplicate", 1)
    assert dump(store) == before


def test_correction_replaces_one_unit_keeps_old_in_log_and_other_units(store):
    store.add(submission("s1", "2023-05", 企业名录=[enterprises(A, ["E1", "E2"]), enterprises(B, ["F1"])]))
    result = store.add(submission("s2", "2023-05", 企业名录=enterprises(A, ["E3"])))
    assert (result.status, result.superseded) == ("correction", [1])

    snap = store.snapshot("企业名录")
    assert snap.loc[snap["地区"] == A, "统一社会信用代码"].tolist() == ["E3"]
    assert snap.loc[snap["地区"] == B, "统一社会信用代码"].tolist() == ["F1"]
    assert snap.loc[snap["地区"] == B, "submission_id"].tolist() == [1]

    # Submission 1 still serves 正定县, so it stays current; its 新乐市 part is superseded, not deleted.
    assert store.submissions()["id"].tolist() == [1, 2]
    parts = store.parts(include_superseded=True)
    old = parts[(parts["submission_id"] == 1) & (parts["unit"] == A)]
    assert old["superseded_by"].tolist() == [2] and old["n_rows"].tolist() == [2]
    conn = sqlite3.connect(store.db_path)
    assert conn.execute('SELECT COUNT(*) FROM "企业名录" WHERE submission_id = 1').fetchone()[0] == 3
    conn.close()


def test_submission_fully_corrected_is_listed_as_superseded(store):
    store.add(submission("s1", "2023-05", 企业名录=enterprises(A, ["E1"])))
    store.add(submission("s2", "2023-05", 企业名录=enterprises(A, ["E2"])))
    assert store.submissions()["id"].tolist() == [2]
    assert store.submissions(include_superseded=True)["status"].tolist() == ["superseded", "current"]


def test_register_snapshot_as_of_period_reproduces_past_state(store):
    store.add(submission("s1", "2023-05", 企业名录=enterprises(A, ["E1", "E2"])))
    may = store.snapshot("企业名录", "2023-05")
    store.add(submission("s2", "2023-06", 企业名录=enterprises(A, ["E1", "E2", "E3"])))
    store.add(submission("s3", "2023-07", 企业名录=enterprises(B, ["F1"])))

    pd.testing.assert_frame_equal(store.snapshot("企业名录", "2023-05"), may)
    june = store.snapshot("企业名录", "2023-06")
    assert june["统一社会信用代码"].tolist() == ["E1", "E2", "E3"]
    latest = store.snapshot("企业名录")
    assert latest.groupby("地区")["period"].first().to_dict() == {A: "2023-06", B: "2023-07"}
    assert store.snapshot("企业名录", "2023-04").empty
    assert store.snapshot("企业名录", units=[B])["统一社会信用代码"].tolist() == ["F1"]


def test_monthly_snapshot_takes_each_month_from_latest_submission_carrying_it(store):
    store.add(submission("s1", "2023-05", 指标填报=indicators(A, {"2023-04": 70.0, "2023-05": 76.0})))
    store.add(submission("s2", "2023-06", 指标填报=indicators(A, {"2023-05": 77.0, "2023-06": 80.0})))

    june = store.snapshot("指标填报", "2023-06")
    assert june[["年月", "数值", "period"]].values.tolist() == [
        ["2023-04", 70.0, "2023-05"],
        ["2023-05", 77.0, "2023-06"],
        ["2023-06", 80.0, "2023-06"],
    ]
    may = store.snapshot("指标填报", "2023-05")
    assert may[["年月", "数值"]].values.tolist() == [["2023-04", 70.0], ["2023-05", 76.0]]


def test_as_at_replays_the_store_before_a_correction(store, monkeypatch):
    clock = iter(["2023-06-10 09:00:00", "2023-06-20 09:00:00"])
    monkeypatch.setattr(store_mod, "_now", lambda: next(clock))
    store.add(submission("s1", "2023-06", 企业名录=enterprises(A, ["E1"])))
    store.add(submission("s2", "2023-06", 企业名录=enterprises(A, ["E2"])))
    assert store.snapshot("企业名录", as_at="2023-06-15")["统一社会信用代码"].tolist() == ["E1"]
    assert store.snapshot("企业名录", as_at="2023-06-21")["统一社会信用代码"].tolist() == ["E2"]
    assert store.snapshot("企业名录", as_at="2023-06-01").empty


def test_known_enterprises_and_clusters_follow_current_registers(store):
    clusters = pd.DataFrame({"集群名称": ["食品集群"], "所属地区": [A], "地区": [A], "_sheet": "集群名录", "_row": [2]})
    store.add(submission("s1", "2023-05", 企业名录=enterprises(A, ["E1", "E2"]), 集群名录=clusters))
    store.add(submission("s2", "2023-06", 企业名录=[enterprises(A, ["E2"]), enterprises(B, ["F1"])]))
    assert store.known_enterprises() == {"E2": A, "F1": B}
    assert store.known_clusters() == {"食品集群": A}


def test_fingerprint_changes_only_with_relevant_data(store):
    store.add(submission("s1", "2023-05", 企业名录=enterprises(A, ["E1"])))
    fp = store.fingerprint([A], "2023-05")
    assert fp == store.fingerprint(A, "2023-05")
    store.add(submission("s2", "2023-05", 企业名录=enterprises(B, ["F1"])))  # another unit
    store.add(submission("s3", "2023-06", 企业名录=enterprises(A, ["E1", "E2"])))  # a later period
    assert store.fingerprint([A], "2023-05") == fp
    store.add(submission("s4", "2023-05", 企业名录=enterprises(A, ["E9"])))  # a correction
    assert store.fingerprint([A], "2023-05") != fp
    assert store.fingerprint([A, B], "2023-05") != store.fingerprint([A], "2023-05")


def test_dates_and_whole_numbers_round_trip(store):
    awards = pd.DataFrame(
        {
            "统一社会信用代码": ["E1", "E2"],
            "资质类型": ["高新技术企业", "创新型中小企业"],
            "认定日期": pd.to_datetime(["2022-05-01", "2021-12-31"]),
            "有效期至": pd.to_datetime(["2025-05-01", None]),
            "地区": A,
            "_sheet": "资质认定",
            "_row": [2, 3],
        }
    )
    finance = pd.DataFrame(
        {
            "统一社会信用代码": ["E1"],
            "年度": pd.array([2022], dtype="Int64"),
            "职工人数": pd.array([pd.NA], dtype="Int64"),
            "地区": A,
            "_sheet": "企业年度财务",
            "_row": [2],
        }
    )
    store.add(submission("s1", "2023-05", 资质认定=awards, 企业年度财务=finance))
    got = store.snapshot("资质认定")
    assert got["认定日期"].dt.strftime("%Y-%m-%d").tolist() == ["2022-05-01", "2021-12-31"]
    assert got["有效期至"].isna().tolist() == [False, True]
    fin = store.snapshot("企业年度财务")
    assert str(fin["年度"].dtype) == "Int64" and fin["年度"].tolist() == [2022]
    assert fin["职工人数"].isna().all()


def test_column_kind_widens_to_text_without_losing_values(store):
    first = pd.DataFrame(
        {"集群名称": ["C1"], "所属地区": [A], "主导产业": [13], "地区": A, "_sheet": "集群名录", "_row": [2]}
    )
    second = first.assign(主导产业=["食品"], 地区=B, 所属地区=B, 集群名称="C2")
    store.add(submission("s1", "2023-05", 集群名录=first))
    store.add(submission("s2", "2023-05", 集群名录=second))
    assert store.snapshot("集群名录")["主导产业"].tolist() == ["13", "食品"]  # 新乐市 then 正定县


def test_failed_add_rolls_back(store, monkeypatch):
    store.add(submission("s1", "2023-05", 企业名录=enterprises(A, ["E1"])))
    before = dump(store)

    def boom():
        raise RuntimeError("disk gone")

    monkeypatch.setattr(store_mod, "_sleep_hook", boom)
    with pytest.raises(RuntimeError):
        store.add(
            submission("s2", "2023-05", 企业名录=enterprises(A, ["E2"]), 指标填报=indicators(A, {"2023-05": 1.0}))
        )
    assert dump(store) == before


def test_store_dir_from_env_var(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_STORE", str(tmp_path / "env"))
    assert Store().dir == tmp_path / "env"
    assert Store(tmp_path / "explicit").dir == tmp_path / "explicit"


def _rows(store: Store, sheet: str) -> list[tuple]:
    conn = sqlite3.connect(store.db_path)
    try:
        return conn.execute(f'SELECT * FROM "{sheet}" ORDER BY rowid').fetchall()
    finally:
        conn.close()


def test_staged_submission_stores_exactly_what_an_in_memory_one_does(tmp_path):
    """The worker path (prepare + stage in a scratch file, INSERT … SELECT) equals add(submission)."""
    mixed = pd.concat([enterprises(A, ["0012", "E2"]), enterprises(B, ["F1"])], ignore_index=True)
    mixed["备用列"] = ["x", None, 3]  # an extra column: kept as _extra JSON
    sub = submission("s1", "2023-05", 企业名录=mixed, 指标填报=indicators(A, {"2023-04": 70.0, "2023-05": 76.5}))
    sub.extra_columns = {"企业名录": ["备用列"]}
    first = pd.DataFrame(
        {"集群名称": ["C1"], "所属地区": [A], "主导产业": ["食品"], "地区": A, "_sheet": "集群名录", "_row": [2]}
    )
    widened = submission("s2", "2023-06", 集群名录=first.assign(主导产业=[13]))  # a number in a text column
    memory, staged = Store(tmp_path / "memory"), Store(tmp_path / "staged")
    for i, item in enumerate([submission("s0", "2023-05", 集群名录=first), sub, widened]):
        expected = memory.add(item)
        got = staged.add(store_mod.stage(store_mod.prepare(item), tmp_path / f"stage{i}.sqlite"))
        assert (got.status, got.units, got.rows, got.superseded) == (
            expected.status,
            expected.units,
            expected.rows,
            expected.superseded,
        )
    for sheet in ("企业名录", "指标填报", "集群名录"):
        assert _rows(staged, sheet) == _rows(memory, sheet)
        pd.testing.assert_frame_equal(staged.snapshot(sheet), memory.snapshot(sheet))
    rows = _rows(staged, "企业名录")
    assert [r[1] for r in rows] == [A, A, B]
    assert [json.loads(r[4]) for r in rows] == [{"备用列": "x"}, {"备用列": None}, {"备用列": 3}]
    assert staged.snapshot("集群名录")["主导产业"].tolist() == ["13"]
    assert (
        staged.parts()[["unit", "sheet", "n_rows"]].values.tolist()
        == memory.parts()[["unit", "sheet", "n_rows"]].values.tolist()
    )


def test_dates_are_stored_as_iso_text_with_time_only_when_a_value_has_one():
    from datetime import datetime

    timed = pd.Series([datetime(2022, 5, 1, 13, 5, 9), None, datetime(2021, 12, 31)])
    assert staging._to_db(timed, "date") == ["2022-05-01 13:05:09", None, "2021-12-31 00:00:00"]
    days = pd.Series(pd.to_datetime(["2022-05-01", None, "2021-12-31"]))
    assert staging._to_db(days, "date") == ["2022-05-01", None, "2021-12-31"]
    assert staging._to_db(pd.Series([None, None], dtype=object), "date") == [None, None]


def test_extra_columns_json_is_what_json_dumps_writes():
    from datetime import datetime

    tricky = ['引号"和\\反斜杠', "换行\n制表\t", "", None, 3, 2.5, 1e20, True, datetime(2023, 5, 1)]
    frame = pd.DataFrame({"备注": pd.Series(tricky, dtype=object), "序号": range(len(tricky))})
    expected = [
        json.dumps(
            {"备注": v if v is None or isinstance(v, (str, int, float)) else str(v), "序号": i}, ensure_ascii=False
        )
        for i, v in enumerate(tricky)
    ]
    assert staging._extra_json(frame, ["备注", "序号"]) == expected


def test_a_register_read_per_year_keeps_years_a_later_register_no_longer_lists(tmp_path):
    from support.builders import enterprise, store_with, submission

    code = "91130184MA00000011"

    def fin(year, revenue):
        return {"统一社会信用代码": code, "年度": year, "营业收入(万元)": revenue, "地区": "新乐市"}

    store = store_with(
        tmp_path,
        [
            submission(
                "2024-04",
                "新乐市",
                企业名录=[enterprise(code, "新乐市")],
                企业年度财务=[fin(2022, 100.0), fin(2023, 110.0)],
            ),
            submission(
                "2025-04",
                "新乐市",
                企业名录=[enterprise(code, "新乐市")],
                企业年度财务=[fin(2023, 115.0), fin(2024, 120.0)],
            ),
        ],
    )
    # the plain register snapshot is the latest part only; per year, 2022 stays and 2023 is the later figure
    assert store.snapshot("企业年度财务", "2025-12")["年度"].tolist() == [2023, 2024]
    per_year = store.snapshot("企业年度财务", "2025-12", latest_per="年度")
    assert dict(zip(per_year["年度"], per_year["营业收入(万元)"], strict=True)) == {
        2022: 100.0,
        2023: 115.0,
        2024: 120.0,
    }
    # as of 2024-12 the second register is not yet there
    early = store.snapshot("企业年度财务", "2024-12", latest_per="年度")
    assert dict(zip(early["年度"], early["营业收入(万元)"], strict=True)) == {2022: 100.0, 2023: 110.0}
