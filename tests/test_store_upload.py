"""The store interface the 报送平台 uses: one uploaded file's bytes in, a receipt (报送号, SHA-256, rows per sheet)
or the problems out, the same rows as `ingest` of the same file; a unit's submissions and parts for a period."""

from __future__ import annotations

import hashlib

import pytest

from analysis.store.history import Store
from analysis.store.ingest import ingest, ingest_bytes
from support.stores import table_rows

FILE = "井陉县-2025-09.xlsx"


def test_an_upload_gives_a_receipt_and_stores_what_ingest_stores(demo_files, store_location, tmp_path):
    content = (demo_files / FILE).read_bytes()
    store = Store(store_location)
    checked = ingest_bytes(store, FILE, content, dry_run=True)
    assert (checked.status, checked.result, str(checked.path)) == ("checked", None, FILE)
    assert not store.exists() or store.submissions(include_superseded=True).empty  # a dry run stores nothing
    receipt = ingest_bytes(store, "/some/client/path/" + FILE, content)
    assert receipt.status == "added" and str(receipt.path) == FILE
    assert receipt.result.submission_id == 1 and receipt.result.sha256 == hashlib.sha256(content).hexdigest()
    assert receipt.result.rows and all(n > 0 for n in receipt.result.rows.values())
    assert ingest_bytes(store, FILE, content).status == "duplicate"
    reference = Store(tmp_path / "reference")
    ingest([demo_files / FILE], store=reference)
    for sheet in receipt.result.rows:
        assert table_rows(store, sheet) == table_rows(reference, sheet)
    assert store.log()[0]["archived"] and store.archive_report() == ([], [])
    assert store.check() == []


def test_a_refused_upload_lists_its_problems_and_stores_nothing(store_location):
    store = Store(store_location)
    refused = ingest_bytes(
        store, "新乐市-2025-09-指标填报.csv", "地区,年月,指标,数值\n新乐市,2025-09,不存在的指标,x\n".encode()
    )
    assert refused.status == "rejected" and refused.problems
    assert all("｜" in line or "：" in line for line in refused.problems)
    assert not store.exists() or store.submissions(include_superseded=True).empty


def test_a_units_submissions_and_parts_of_a_period(demo_store):
    store = Store(demo_store)
    mine = store.submissions(units=["井陉县"], period="2025-09")
    assert len(mine) >= 1 and all(p == "2025-09" for p in mine["period"])
    assert all("井陉县" in units for units in mine["units"])
    parts = store.parts(units="井陉县", period="2025-09")
    assert set(parts["unit"]) == {"井陉县"} and set(parts["period"]) == {"2025-09"}
    assert set(parts["submission_id"]) <= set(mine["id"])
    assert store.parts(units=[], period="2025-09").empty


@pytest.mark.parametrize("name", ["", "..", "/"])
def test_an_upload_without_a_name_is_refused_in_chinese(tmp_path, name):
    from analysis.errors import UserError

    with pytest.raises(UserError, match="没有文件名"):
        ingest_bytes(Store(tmp_path / "store"), name, b"x")
