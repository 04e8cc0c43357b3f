"""Which reports are due, by the submission deadline in data/progress.yml (day 10 of the next month, as the
template's 填报说明 says)."""

from __future__ import annotations

import datetime as dt
import json

from tests.support.builders import submission

from analysis.batch import run as batch
from analysis.batch.schedule import deadline, due_reports, plan
from analysis.store.history import Store


def _store(tmp_path) -> Store:
    store = Store(tmp_path / "store")
    for period in ("2025-08", "2025-09"):
        store.add(
            submission(
                period, "井陉县", 情况说明=[{"地区": "井陉县", "指标": "规上工业企业数", "说明": f"{period}说明"}]
            )
        )
    return store


def test_deadline_is_day_ten_of_the_next_month():
    assert deadline("2025-09") == dt.date(2025, 10, 10)
    assert deadline("2025-12") == dt.date(2026, 1, 10)


def test_due_lists_exactly_the_hand_computed_reports(tmp_path):
    store, out = _store(tmp_path), tmp_path / "reports"
    regions = "井陉县,石家庄市"

    def due(day):
        return sorted((d.kind, d.period, d.region) for d in due_reports(day, store=store.dir, out=out, regions=regions))

    assert due(dt.date(2025, 9, 10)) == []  # August's deadline not yet passed
    assert due(dt.date(2025, 10, 10)) == [("monthly", "2025-08", "井陉县"), ("monthly", "2025-08", "石家庄市")]
    assert due(dt.date(2025, 10, 11)) == [
        ("monthly", "2025-08", "井陉县"),
        ("monthly", "2025-08", "石家庄市"),
        ("monthly", "2025-09", "井陉县"),
        ("monthly", "2025-09", "石家庄市"),
        ("quarterly", "2025-Q3", "井陉县"),
        ("quarterly", "2025-Q3", "石家庄市"),
    ]
    # rendered from the current data: no longer due
    folder = out / "2025-08" / "monthly"
    folder.mkdir(parents=True)
    files = {fmt: f"井陉县.{fmt}" for fmt in ("ipynb", "html", "pdf", "xlsx")}
    for name in files.values():
        (folder / name).write_text("x", encoding="utf-8")
    key = batch.input_key(store, "monthly", "2025-08", "井陉县")
    (folder / "manifest.json").write_text(
        json.dumps({"reports": {"井陉县": {"status": "ok", "key": key, "files": files}}}), encoding="utf-8"
    )
    assert ("monthly", "2025-08", "井陉县") not in due(dt.date(2025, 10, 11))
    assert len(due(dt.date(2025, 10, 11))) == 5
    # a format missing: due again for a run that wants it, not for one that does not (due and run-due agree)
    (folder / "井陉县.pdf").unlink()
    [reason] = [
        d.reason
        for d in due_reports(dt.date(2025, 10, 11), store=store.dir, out=out, regions=regions)
        if (d.period, d.region) == ("2025-08", "井陉县")
    ]
    assert reason == "缺少格式：pdf"
    assert not [
        d
        for d in due_reports(dt.date(2025, 10, 11), store=store.dir, out=out, regions=regions, formats=("html", "xlsx"))
        if (d.period, d.region) == ("2025-08", "井陉县")
    ]
    # a correction to August makes it due again
    store.add(submission("2025-08", "井陉县", 情况说明=[{"地区": "井陉县", "指标": "规上工业企业数", "说明": "更正"}]))
    assert ("monthly", "2025-08", "井陉县") in due(dt.date(2025, 10, 11))
    groups = plan(due_reports(dt.date(2025, 10, 11), store=store.dir, out=out, regions=regions))
    assert ("quarterly", "2025-Q3", ["井陉县", "石家庄市"]) in groups
