"""Reading ahead in worker processes gives exactly the outcome of ingesting file after file."""

from __future__ import annotations

import os
import shutil
import signal

import pandas as pd
import pytest

from analysis import paths
from analysis.demo.generate import generate_demo
from analysis.store import readahead as ingest_module  # the workers and the writer's re-reads live there
from analysis.store.history import SHEETS, Store
from analysis.store.ingest import WORKERS_ENV, ingest
from support.files import TEN_UNITS, indicator_csvs


def _ingest(folder, store_dir, workers, monkeypatch):
    monkeypatch.setenv(WORKERS_ENV, str(workers))
    store = Store(store_dir)
    outcomes = ingest([folder], store=store)
    return [(o.path.name, o.status, len(o.problems)) for o in outcomes], store


@pytest.mark.parametrize("stage_min_rows", [0, 10**9], ids=["staged", "in-memory"])
def test_pipelined_ingest_equals_sequential(tmp_path, monkeypatch, stage_min_rows):
    monkeypatch.setattr(ingest_module, "STAGE_MIN_ROWS", stage_min_rows)  # workers are forked: they see it
    folder = tmp_path / "in"
    # two months of every unit: CSV units whose 资质认定 refers to the 企业名录 in another file, a correction
    generate_demo(folder, seed=3, until="2023-07", months=2)
    bad = sorted((paths.PROJECT_ROOT / "tests" / "fixtures" / "bad").glob("*.xlsx"))[0]
    shutil.copy(bad, folder / f"新乐市-2023-07-{bad.name}")
    one, seq = _ingest(folder, tmp_path / "seq", 1, monkeypatch)
    redone = []
    ingest_one = ingest_module._ingest_one
    monkeypatch.setattr(
        ingest_module, "_ingest_one", lambda store, path, *a: redone.append(path) or ingest_one(store, path, *a)
    )
    two, par = _ingest(folder, tmp_path / "par", 2, monkeypatch)
    assert len(one) > 40 and one == two
    assert 0 < len(redone) < len(one) / 4  # the workers' results are used; refused and dependent files redone
    assert any(status == "rejected" for _, status, _ in one)
    for sheet in SHEETS:
        left, right = seq.snapshot(sheet), par.snapshot(sheet)
        pd.testing.assert_frame_equal(left, right, check_like=False)
    assert seq.submissions()[["file_name", "sha256", "period"]].equals(
        par.submissions()[["file_name", "sha256", "period"]]
    )


VICTIM = "裕华区"


def _dies_on_victim(path, *args):
    """_validate_ahead, except that the victim's file kills its process (like a native crash in a reader)."""
    if VICTIM in path.name:
        os.kill(os.getpid(), signal.SIGKILL)
    return _real_validate_ahead(path, *args)


_real_validate_ahead = ingest_module._validate_ahead


def test_a_file_that_kills_its_worker_is_refused_and_the_others_go_in(tmp_path, monkeypatch):
    units, folder = TEN_UNITS, tmp_path / "in"
    indicator_csvs(folder, units)
    monkeypatch.setattr(ingest_module, "_validate_ahead", _dies_on_victim)  # forked workers see it
    outcomes, store = _ingest(folder, tmp_path / "store", 2, monkeypatch)
    assert [name for name, *_ in outcomes] == sorted(f"{u}-2023-06-指标填报.csv" for u in units)
    assert {(name.split("-")[0], status) for name, status, _ in outcomes if status != "added"} == {(VICTIM, "rejected")}
    assert store.submitted_units("2023-06") == set(units) - {VICTIM}
    victim = next(o for o in ingest([folder / f"{VICTIM}-2023-06-指标填报.csv"], store=Store(tmp_path / "other")))
    assert victim.status == "added"  # alone (fewer than 8 files), it is read in-process: the file itself is fine


def test_an_enterprise_moving_unit_is_named_in_its_note_whether_read_ahead_or_not(tmp_path, monkeypatch):
    import openpyxl

    folder = tmp_path / "in"
    generate_demo(folder, seed=3, until="2023-07", months=2)
    workbooks = sorted(p for p in folder.glob("*-2023-07.xlsx"))
    old, new = workbooks[0], workbooks[-1]
    old_unit, new_unit = old.name.split("-")[0], new.name.split("-")[0]
    code, name, _ = _first_enterprise(openpyxl.load_workbook(old)["企业名录"])
    book = openpyxl.load_workbook(new)
    sheet = book["企业名录"]
    _, _, row = _first_enterprise(sheet)
    row.update({"统一社会信用代码": code, "企业名称": name})  # the new unit lists the old unit's enterprise
    sheet.append([row.get(header) for header in _headers(sheet)])
    book.save(new)
    notes = []
    for workers in (1, 2):
        monkeypatch.setenv(WORKERS_ENV, str(workers))
        outcomes = ingest([folder], store=Store(tmp_path / f"store{workers}"))
        [moved] = [o for o in outcomes if o.path.name == new.name]
        assert moved.status == "added" and moved.moves == 1, moved.problems[:3]
        notes.append(moved.notes)
    assert notes[0] == notes[1]
    assert any(note.startswith(f"企业迁移：{name}（{code}）由{old_unit}迁至{new_unit}") for note in notes[1]), notes[1]


def _headers(sheet) -> list:
    """The header row of a demo sheet (the row naming 统一社会信用代码; the demo varies layouts)."""
    return next([c.value for c in row] for row in sheet.iter_rows() if any(c.value == "统一社会信用代码" for c in row))


def _first_enterprise(sheet) -> tuple[str, str, dict]:
    headers = _headers(sheet)
    rows = [dict(zip(headers, (c.value for c in row), strict=True)) for row in sheet.iter_rows()]
    first = rows[rows.index(dict(zip(headers, headers, strict=True))) + 1]
    return first["统一社会信用代码"], first["企业名称"], first


_SENT_RECORD: list = []  # the file the workers write the names of the files sent to them into (set before the fork)


def _recording_validate_ahead(path, *args):
    with open(_SENT_RECORD[0], "a", encoding="utf-8") as handle:
        handle.write(path.name + "\n")
    return _real_validate_ahead(path, *args)


def test_csv_files_naming_another_csv_files_rows_are_validated_once_by_the_writer(tmp_path, monkeypatch):
    """A CSV file that refers to the 集群名录 or 企业名录 of another CSV file of its unit and period is validated in
    order by the writer only (a worker's validation, against the names known at the start, was always redone)."""
    from analysis.store.ingest import collect_files
    from analysis.store.readahead import in_order_only

    folder = tmp_path / "in"
    generate_demo(folder, seed=3, until="2023-07", months=2)
    files = collect_files([folder])
    in_order = {files[i].name for i in in_order_only(files)}
    assert {name.rsplit("-", 1)[-1] for name in in_order} == {"企业名录.csv", "资质认定.csv", "企业年度财务.csv",
                                                            "集群月度.csv"}  # fmt: skip
    assert not any(name.endswith("集群名录.csv") or name.endswith(".xlsx") for name in in_order)
    _SENT_RECORD[:] = [tmp_path / "sent.txt"]
    monkeypatch.setattr(ingest_module, "_validate_ahead", _recording_validate_ahead)
    redone = []
    ingest_one = ingest_module._ingest_one
    monkeypatch.setattr(
        ingest_module, "_ingest_one", lambda store, path, *a: redone.append(path.name) or ingest_one(store, path, *a)
    )
    outcomes, _ = _ingest(folder, tmp_path / "store", 2, monkeypatch)
    sent = set((tmp_path / "sent.txt").read_text(encoding="utf-8").splitlines())
    assert len(sent) + len(in_order) == len(files) and not sent & in_order
    assert in_order <= set(redone)
    assert all(status != "rejected" for name, status, _ in outcomes if name in in_order)


def test_csv_files_named_sheet_first_go_in_dependency_order(tmp_path, monkeypatch):
    """深泽县-企业名录-2023-07.csv names its sheet as the CSV reader reads it (the name holds one sheet's name, not
    only at its end): it is taken after the 集群名录 it refers to, and validated by the writer in order. Ordered by
    the end of the name, 3 of these 6 files were refused (企业不在企业名录中)."""
    from analysis.store.ingest import collect_files
    from analysis.store.readahead import in_order_only

    generate_demo(tmp_path / "demo", seed=3, until="2023-07", months=1)
    folder = tmp_path / "in"
    folder.mkdir()
    for csv in sorted((tmp_path / "demo").glob("深泽县-2023-07-*.csv")):
        sheet = csv.stem.rsplit("-", 1)[-1]
        shutil.copy(csv, folder / f"深泽县-{sheet}-2023-07.csv")
    files = collect_files([folder])
    order = [f.stem.split("-")[1] for f in files]
    assert order.index("集群名录") < order.index("企业名录") < order.index("资质认定")
    assert order.index("企业名录") < order.index("企业年度财务")
    in_order = {files[i].stem.split("-")[1] for i in in_order_only(files)}
    assert in_order == {"企业名录", "资质认定", "企业年度财务", "集群月度"}
    outcomes, _ = _ingest(folder, tmp_path / "store", 2, monkeypatch)  # six files: stored one after another
    assert len(outcomes) == 6 and all(status == "added" for _, status, _ in outcomes), outcomes
