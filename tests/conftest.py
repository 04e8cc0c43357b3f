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
