"""Batch rendering: index links, a failing report, reruns that skip unchanged reports, a killed batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.batch import run as batch
from analysis.store.history import Store

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("ipynb", "html")


@pytest.fixture(scope="module")
def store_dir(demo_store):
    return demo_store


def test_batch_fails_one_renders_the_rest_links_them_and_reruns_only_what_changed(store_dir, tmp_path, monkeypatch):
    original = batch.Worker.notebook

    def broken(self, kind):
        nb = original(self, kind)
        import nbformat

        nb.cells.append(nbformat.v4.new_code_cell("if region == '正定县':\n    raise RuntimeError('故意失败')"))
        return nb

    monkeypatch.setattr(batch.Worker, "notebook", broken)
    out = tmp_path / "reports"
    result = batch.run_batch(
        "monthly", "2025-09", "井陉县,正定县", workers=1, store=store_dir, out=out, formats=FORMATS, progress=False
    )
    status = {j.region: j.status for j in result.jobs}
    assert status == {"井陉县": "ok", "正定县": "failed"}
    folder = out / "2025-09" / "monthly"
    assert (folder / "井陉县.html").is_file() and (folder / "井陉县.ipynb").is_file()
    failed = (folder / "正定县.failed.ipynb").read_text(encoding="utf-8")
    assert "故意失败" in failed and not (folder / "正定县.html").exists()
    assert "故意失败" in "\n".join(batch.summary_lines(result))
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in index
    assert 'href="2025-09/monthly/%E4%BA%95%E9%99%89%E5%8E%BF.html"' in index  # 井陉县.html, relative
    assert "2025-09/monthly/%E4%BA%95%E9%99%89%E5%8E%BF.ipynb" in index
    assert "正定县.failed.ipynb".encode() and "failed.ipynb" in index
    assert not list(out.rglob("*.part*"))

    # unchanged inputs: skipped; the failed one is redone (and now renders)
    monkeypatch.setattr(batch.Worker, "notebook", original)
    again = batch.run_batch(
        "monthly", "2025-09", "井陉县,正定县", workers=1, store=store_dir, out=out, formats=FORMATS, progress=False
    )
    assert {j.region: j.status for j in again.jobs} == {"井陉县": "skipped", "正定县": "ok"}
    assert not (folder / "正定县.failed.ipynb").exists()

    # new data for one unit: that report only is redone
    from tests.support.builders import submission

    Store(store_dir).add(
        submission("2025-09", "井陉县", 情况说明=[{"地区": "井陉县", "指标": "规上工业企业数", "说明": "补报"}])
    )
    key = batch.input_key(Store(store_dir), "monthly", "2025-09", "井陉县", FORMATS)
    assert not batch.is_current(out, batch.Job("monthly", "2025-09", "井陉县", key), FORMATS)
    assert batch.is_current(
        out,
        batch.Job("monthly", "2025-09", "正定县", batch.input_key(Store(store_dir), "monthly", "2025-09", "正定县")),
        FORMATS,
    )


def test_a_killed_batch_leaves_no_partial_files_and_a_rerun_completes(store_dir, tmp_path):
    out = tmp_path / "reports"
    cmd = [
        sys.executable,
        "-m",
        "analysis",
        "batch",
        "--kind",
        "monthly",
        "--period",
        "2025-09",
        "--regions",
        "井陉县",
        "--workers",
        "1",
        "--store",
        str(store_dir),
        "--out",
        str(out),
        "--formats",
        "ipynb,html",
        "--no-progress",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and not any((out / batch.TMP_DIR).glob("*/*")):
        time.sleep(0.2)
    time.sleep(1.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    reports = [p for p in out.rglob("*") if batch.TMP_DIR not in p.parts and p.is_file()]
    assert not [p for p in reports if ".part" in p.name]
    assert not (out / "2025-09" / "monthly" / "井陉县.html").exists()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "2025-09" / "monthly" / "井陉县.html").is_file()
    assert not (out / batch.TMP_DIR).exists()


def test_the_batch_cache_keeps_a_periods_facts_whole_without_the_store(tmp_path):
    """Facts read their tables lazily from a store whose connections do not pickle: the cache stores them all."""
    import pandas as pd

    from analysis.batch.cache import cached_facts
    from analysis.progress import facts as facts_module
    from support.builders import award, enterprise, store_with, submission

    code = "91130110MA0000001X"
    granted = award(code, "鹿泉区", "专精特新中小企业", "2025-03-01")
    store = store_with(
        tmp_path, [submission("2025-09", "鹿泉区", 企业名录=[enterprise(code, "鹿泉区")], 资质认定=[granted])]
    )
    first = cached_facts(store, "2025-09", tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("*.pkl"))) == 1
    facts_module._MEMO.clear()  # the second call must come from the file
    again = cached_facts(store, "2025-09", tmp_path / "cache")
    assert again is not first and again._store is None
    for name in facts_module.Facts._READERS:
        mine, theirs = getattr(again, name), getattr(first, name)
        assert isinstance(mine, pd.DataFrame | pd.Series) and mine.equals(theirs), name
    assert again.enterprises["code"].tolist() == [code]
    assert again.awards["award"].tolist() == ["专精特新中小企业"]


def registry(out: Path) -> dict:
    import json

    from analysis.reports.issuance import NUMBER_REGISTRY

    path = out / NUMBER_REGISTRY
    return json.loads(path.read_text(encoding="utf-8"))["documents"] if path.exists() else {}


def test_a_batch_numbers_its_documents_in_job_order_before_any_render(store_dir, tmp_path, monkeypatch):
    """发文字号 do not depend on which render of a parallel batch finishes first: every document of the batch has
    its number, in job order, before the first render starts; the render then shows that number."""
    seen: list[tuple[str, dict]] = []

    def recorded(job):
        seen.append((job.region, registry(out)))
        job.status = "ok"
        return job

    out = tmp_path / "reports"
    regions = "正定县,井陉县,石家庄市"
    monkeypatch.setattr(batch, "_run_job", recorded)
    result = batch.run_batch("monthly", "2025-09", regions, workers=1, store=store_dir, out=out, formats=FORMATS,
                             progress=False, index=False)  # fmt: skip
    order = [job.region for job in result.jobs]
    assert [region for region, _ in seen] == order
    numbers = seen[0][1]  # the registry when the first render started
    by_region = {key.rsplit("|", 1)[1]: entry for key, entry in numbers.items()}
    assert set(by_region) == set(order)
    for code in {entry["code"] for entry in numbers.values()}:
        serials = [by_region[r]["serial"] for r in order if by_region[r]["code"] == code]
        assert serials == list(range(1, len(serials) + 1)), (code, serials)
    assert all(state == numbers for _, state in seen)  # rendering took no other number

    monkeypatch.undo()
    batch.run_batch("monthly", "2025-09", "井陉县", workers=1, store=store_dir, out=out, formats=FORMATS,
                    progress=False, index=False)  # fmt: skip
    entry = by_region["井陉县"]
    shown = f"{entry['code']}〔{entry['year']}〕{entry['serial']}号"
    assert shown in (out / "2025-09" / "monthly" / "井陉县.html").read_text(encoding="utf-8")
    assert registry(out) == numbers


def test_a_document_refused_before_its_notebook_runs_takes_no_number(store_dir, tmp_path):
    from analysis.periods import today
    from analysis.reports.render import reserve_number

    out = tmp_path / "reports"
    assert reserve_number("monthly", today().strftime("%Y-%m"), "井陉县", out, store_dir) is None  # an open month
    # the store ends in 2025-09, the plan in 2025-12: its final assessment is refused
    assert reserve_number("final", "hebei-province-2022-leaders", "河北省", out, store_dir) is None
    assert not registry(out)
    number = reserve_number("monthly", "2025-09", "井陉县", out, store_dir)
    assert number is not None and number.endswith("〔" + str(today().year) + "〕1号")
    assert list(registry(out)) == [number.split("〔")[0] + "|monthly|2025-09|井陉县"]
