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
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert errors == []
    stderr = "".join(
        o.get("text", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("name") == "stderr"
    )
    assert "missing from font" not in stderr
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    assert "from analysis" not in page and "load_catalog" not in page  # no code cells
    assert "引文核对：151/151" in page
    assert "力争年内培育“专精特新”中小企业6家" in page
    assert "data:image/png;base64," in page  # the chart is embedded
    assert not list(tmp_path.glob(".*.part*"))  # no temporary leftovers


def test_a_users_mistake_inside_a_notebook_reaches_the_user_as_one_chinese_line(tmp_path):
    import subprocess
    import sys

    from analysis.reports.notebooks import NotebookError
    from analysis.reports.render import render_report

    empty = tmp_path / "empty-store"
    empty.mkdir()
    with pytest.raises(NotebookError) as info:
        render_report("monthly", "2025-09", "新乐市", out=tmp_path / "out", store=empty)
    message = str(info.value)
    assert "数据库" in message and "Traceback" not in message and "Papermill" not in message and "\x1b[" not in message
    # the analyst keeps the executed notebook with the full traceback
    failed = tmp_path / "out" / "2025-09" / "monthly" / "新乐市.failed.ipynb"
    assert failed.is_file() and "StoreError" in failed.read_text(encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "render",
            "monthly",
            "--period",
            "2025-09",
            "--region",
            "新乐市",
            "--store",
            str(empty),
            "--out",
            str(tmp_path / "cli"),
        ],
        capture_output=True,
        text=True,
        cwd=paths.PROJECT_ROOT,
    )
    # an empty store is refused input (exit 1), said in Chinese, with where the executed notebook is
    assert result.returncode == 1 and result.stderr.startswith("错误：") and "Traceback" not in result.stderr
    assert "执行记录" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


@pytest.mark.parametrize(
    "name, params, words",
    [
        ("monthly-dispatch", {"region": "新乐市", "period": "2025-09", "as_of": "2025/9/20"}, None),
        ("monthly-dispatch", {"region": "新乐市", "period": 202509}, "202509 这种写法无法区分年月，请写成 2025-09"),
        ("00-targets", {"plan": "xinle"}, "未知方案“xinle”"),
    ],
)
def test_notebook_parameters_in_other_forms_work_or_are_refused_in_chinese(tmp_path, name, params, words):
    from analysis.reports.notebooks import NotebookError, execute

    store = tmp_path / "store"
    from support.builders import enterprise, store_with, submission

    store_with(tmp_path, [submission("2025-09", "新乐市", 企业名录=[enterprise("91130184MA00000011", "新乐市")])])
    params = {**params, "store": str(store)} if name != "00-targets" else params
    if words is None:
        assert execute(name, tmp_path / "out.ipynb", params).is_file()
        return
    with pytest.raises(NotebookError) as info:
        execute(name, tmp_path / "out.ipynb", params)
    assert words in str(info.value)
    assert "Traceback" not in str(info.value)
