"""The explorer notebook runs top to bottom under papermill on a tiny store."""
from __future__ import annotations

import nbformat
import pytest

from analysis.reports.notebooks import execute
from support.builders import award, enterprise, store_with, submission

LT = "芦台经济开发区"
E = {i: f"91130200MA0000{i:03d}X" for i in range(1, 4)}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    finance = [{"统一社会信用代码": E[3], "年度": 2025, "营业收入(万元)": 3000, "研发费用(万元)": 150, "职工人数": 100,
                "研发人员数": 10, "大专以上学历人数": 20, "有效发明专利数": 1, "地区": LT}]
    subs = [submission("2025-06", LT,
                       企业名录=[enterprise(E[1], LT, "芦台甲高新科技有限公司"), enterprise(E[2], LT, "芦台乙装备有限公司"),
                                 enterprise(E[3], LT, "芦台丙新材料有限公司")],
                       资质认定=[award(E[1], LT, "高新技术企业", "2024-03-01"),
                                 award(E[2], LT, "专精特新中小企业", "2025-02-01", "省级")],
                       企业年度财务=finance)]
    return store_with(tmp_path_factory.mktemp("explore"), subs)


def _texts(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.extend(str(v) for k, v in out.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(parts)


def test_explore_notebook_runs_with_a_store_parameter(store, tmp_path):
    out = execute("01-explore", tmp_path / "explore.ipynb", {"store": str(store.dir), "as_of": "2025-06-30"})
    nb = nbformat.read(str(out), as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert [o for o in outputs if o.get("output_type") == "error"] == []
    assert "missing from font" not in "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    text = _texts(nb)
    assert "到2025年底,高新技术企业和科技型中小企业数量分别达到40家和240家以上" in text   # the quote
    assert "芦台甲高新科技有限公司" in text                  # the enterprise behind the count of 1
    assert "芦台丙新材料有限公司" in text                    # the candidate meeting every 高新 criterion
    assert "能否完成" in text and "不能" in text           # 1 + 1 candidate is far from 40
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2       # the path and the what-if chart
