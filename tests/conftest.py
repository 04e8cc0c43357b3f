"""Shared test set-up: the project's package on the path and headless matplotlib."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("PYTHONHASHSEED", "0")


# Two months of demo submissions (2025-08, 2025-09) of every unit of the small demo: generated once per session.
# Modules that write into a store build their own from these files (demo_store), so none sees another's changes.
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory) -> Path:
    from analysis.demo.generate import generate_demo

    folder = tmp_path_factory.mktemp("demo-2025-09") / "demo"
    generate_demo(folder, until="2025-09", months=2)
    return folder


@pytest.fixture(scope="module")
def demo_store(demo_files, tmp_path_factory) -> Path:
    """A store of its own for the module, holding demo_files."""
    from analysis.store.history import Store
    from analysis.store.ingest import ingest

    store = Store(tmp_path_factory.mktemp("store") / "store")
    ingest([demo_files], store=store)
    return store.dir


# Every document `make demo` renders, built once per session (tests/test_documents.py): the demo's months from 2023-12
# to 2026-04 (each deadline from 2023 on and the 2025 annual accounts are in; registers carry the award history),
# ingested; the 月调度 and 季通报 of
# 石家庄市 and 西宁市 for the latest period (it stops at the last month a plan is in force: 2025-12, 2025-Q4) and the
# final assessment of every ended plan. HTML and xlsx only: the PDF prints the HTML (tests/test_pdf.py reads PDFs).
DOCUMENT_FORMATS = ("ipynb", "html", "xlsx")


@pytest.fixture(scope="session")
def demo_documents(tmp_path_factory) -> Path:
    from analysis.batch.run import run_batch
    from analysis.catalog.targets import load_catalog
    from analysis.demo.generate import generate_demo
    from analysis.reports.render import render_report
    from analysis.store.history import Store
    from analysis.store.ingest import ingest

    root = tmp_path_factory.mktemp("documents")
    generate_demo(root / "in", seed=0, until="2026-04", months=29)
    store = Store(root / "store")
    ingest([root / "in"], store=store)
    out = root / "reports"
    for kind in ("monthly", "quarterly"):
        for region in ("石家庄市", "西宁市"):
            render_report(kind, "latest", region, DOCUMENT_FORMATS, out, store.dir)
    plans = [("final", plan, None) for plan in load_catalog().plans]
    result = run_batch(
        "final",
        "",
        None,
        workers=2,
        store=store.dir,
        out=out,
        formats=DOCUMENT_FORMATS,
        progress=False,
        index=False,
        plan=plans,
    )
    assert all(job.status == "ok" for job in result.jobs), [(j.region, j.error) for j in result.jobs if j.error]
    return root
