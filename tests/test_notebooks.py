"""Notebooks: committed clean, run under papermill, export lean Chinese HTML."""
from __future__ import annotations

import json
import re

import nbformat
import pytest

from analysis import paths
from analysis.reports.notebooks import render

NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_and_with_a_parameters_cell(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and not c.get("execution_count") for c in code)
    assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in code)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    # notebooks stay thin: no function or class definitions
    assert not any(re.search(r"^\s*(def|class) ", "".join(c["source"]), re.M) for c in code)


def test_targets_notebook_runs_and_exports_chinese_html(tmp_path):
    ipynb, html = render("00-targets", tmp_path, "目标库总览", {"plan": "xinle-2023-cluster-upgrade"})
    nb = nbformat.read(str(ipynb), as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    stderr = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("name") == "stderr")
    assert "missing from font" not in stderr
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    assert "from analysis" not in page and "load_catalog" not in page  # no code cells
    assert "引文核对：151/151" in page
    assert "力争年内培育“专精特新”中小企业6家" in page
    assert "data:image/png;base64," in page  # the chart is embedded
    assert not list(tmp_path.glob(".*.part*"))  # no temporary leftovers
