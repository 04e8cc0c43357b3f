"""The explorer notebook runs top to bottom under papermill on a tiny store, and shows its tables for a Chinese
reader: Chinese headers and kinds, no row index, no None/NaN, lists counted as 共N家，显示前M家."""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pandas as pd
import pytest

from analysis.analysts.display import cell_text, count_note, listing, styled
from analysis.analysts.whatif import catalog_display, catalog_entries
from analysis.reports.notebooks import execute
from support.builders import award, enterprise, store_with, submission

LT = "芦台经济开发区"
E = {i: f"91130200MA0000{i:03d}X" for i in range(1, 4)}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    finance = [
        {
            "统一社会信用代码": E[3],
            "年度": 2025,
            "营业收入(万元)": 3000,
            "研发费用(万元)": 150,
            "职工人数": 100,
            "研发人员数": 10,
            "大专以上学历人数": 20,
            "有效发明专利数": 1,
            "地区": LT,
        }
    ]
    subs = [
        submission(
            "2025-06",
            LT,
            企业名录=[
                enterprise(E[1], LT, "芦台甲高新科技有限公司"),
                enterprise(E[2], LT, "芦台乙装备有限公司"),
                enterprise(E[3], LT, "芦台丙新材料有限公司"),
            ],
            资质认定=[
                award(E[1], LT, "高新技术企业", "2024-03-01"),
                award(E[2], LT, "专精特新中小企业", "2025-02-01", "省级"),
            ],
            企业年度财务=finance,
        )
    ]
    return store_with(tmp_path_factory.mktemp("explore"), subs)


def _texts(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.extend(str(v) for k, v in out.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(parts)


def _tables(nb) -> list[str]:
    return [o["data"]["text/html"] for c in nb.cells for o in c.get("outputs", []) if "text/html" in o.get("data", {})]


def _markdown(nb) -> list[str]:
    return [
        o["data"]["text/markdown"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "text/markdown" in o.get("data", {})
    ]


def test_counts_say_how_many_there_are_and_how_many_are_shown():
    assert count_note(337, 50) == "共337家，显示前50家"
    assert count_note(3, 50) == "共3家，显示前3家"
    assert count_note(0, 50) == "共0家"
    frame = pd.DataFrame({"企业名称": list("甲乙丙")})
    note, shown = listing(frame, 2)
    assert (note, shown.data["企业名称"].tolist()) == ("共3家，显示前2家", ["甲", "乙"])
    message = pd.DataFrame(columns=["说明"], data=[["该指标不是按企业资质计数，没有可下钻的企业名单"]])
    assert listing(message, 2)[0] == ""  # a message is not one enterprise


def test_cells_read_plainly():
    assert [
        cell_text(v)
        for v in (
            None,
            np.nan,
            pd.NA,
            pd.NaT,
            True,
            np.bool_(False),
            40.0,
            3.456,
            77.5,
            np.int64(7),
            pd.Timestamp("2025-06-30"),
            "芦台",
        )
    ] == ["", "", "", "", "是", "否", "40", "3.46", "77.5", "7", "2025-06-30", "芦台"]


def test_tables_have_no_index_and_no_missing_markers():
    frame = pd.DataFrame({"目标值": [40.0, np.nan], "上限": [None, 5], "名称": ["<甲>", None]}, index=[7, 8])
    html = styled(frame).to_html()
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html)
    assert cells == ["40", "", "&lt;甲&gt;", "", "5", ""]  # row by row
    assert "row_heading" not in html and ">7<" not in html


def test_catalog_entries_read_in_chinese():
    shown = catalog_display(catalog_entries("lutai-zone-specialised-smes", LT, "高新技术企业")).set_index("目标编号")
    assert shown.loc["lutai.high_tech.2025", ["类型", "期限", "目标值"]].tolist() == ["存量", "2025年", 40]
    assert shown.loc["lutai.high_tech.annual", ["类型", "期限"]].tolist() == ["每年新增", "每年"]


def test_explore_notebook_runs_with_a_store_parameter(store, tmp_path):
    out = execute(
        "01-explore", tmp_path / "explore.ipynb", {"store": str(store.dir), "as_of": "2025-06-30", "drill_limit": 1}
    )
    nb = nbformat.read(str(out), as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert [o for o in outputs if o.get("output_type") == "error"] == []
    assert "missing from font" not in "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    text = _texts(nb)
    assert "到2025年底,高新技术企业和科技型中小企业数量分别达到40家和240家以上" in text  # the quote
    assert "芦台甲高新科技有限公司" in text  # the enterprise behind the count of 1
    assert "芦台丙新材料有限公司" in text  # the candidate meeting every 高新 criterion
    assert "能否完成" in text and "不能" in text  # 1 + 1 candidate is far from 40
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2  # the path and the what-if chart
    # counts: 1 holder of 高新 (E1); 2 candidates (E2, E3) of which the first is shown
    notes = _markdown(nb)
    assert "共1家，显示前1家" in notes and "共2家，显示前1家" in notes
    tables = _tables(nb)
    assert all("<th" not in t.split("<tbody>")[1] for t in tables)  # no index column in any table
    assert not [t for t in tables if re.search(r">\s*(None|NaN|nan|<NA>)\s*<", t)]
    catalog, whatif = tables[0], next(t for t in tables if "能否完成" in t)
    assert ">存量<" in catalog and ">每年新增<" in catalog and ">stock<" not in catalog and ">annual<" not in catalog
    assert all(h in whatif for h in (">目标编号<", ">级别<", ">lutai.srdi_sme.2025<", ">省级<"))
