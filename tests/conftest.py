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


# --- PostgreSQL: one private server for the session (tests/support/postgres.py), a database per test -------------


@pytest.fixture(scope="session")
def postgres_server():
    """The URL of a throwaway PostgreSQL server, started once and stopped at the end of the session; the tests that
    need it are skipped, with the reason, only where PostgreSQL is not installed."""
    from support.postgres import find_bin_dir, private_cluster

    if find_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (no initdb; scripts/system-deps.sh installs Debian's postgresql)")
    with private_cluster() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """An empty database of its own on the session's server."""
    from support.postgres import new_database

    return new_database(postgres_server)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request, tmp_path) -> str:
    """Where a test's store lives, once per backend: a folder (SQLite) or an empty PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "store")
    return request.getfixturevalue("postgres_url")


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
