"""What-if arithmetic: the top-N candidates added to the current count, against the 2025 target."""
from __future__ import annotations

from dataclasses import replace

import matplotlib.pyplot as plt
import pytest

from analysis.catalog.targets import load_catalog
from analysis.analysts.whatif import close_row, screenable, whatif, whatif_chart, whatif_targets
from support.builders import award, enterprise, store_with, submission

LT = "芦台经济开发区"
E = {i: f"91130200MA0000{i:03d}X" for i in range(1, 7)}


def fin(code, revenue, rd, patents=1):
    return {"统一社会信用代码": code, "年度": 2025, "营业收入(万元)": revenue, "研发费用(万元)": rd, "职工人数": 100,
            "研发人员数": 10, "大专以上学历人数": 20, "有效发明专利数": patents, "地区": LT}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    awards = [award(E[1], LT, "高新技术企业", "2024-03-01"), award(E[2], LT, "高新技术企业", "2024-05-01"),
              award(E[6], LT, "高新技术企业", "2021-01-01")]        # lapsed 2023-12-31: a candidate again
    finance = [fin(E[3], 3000, 150),                # 5% in the ≤5000 tier: meets all
               fin(E[4], 3000, 120),                # 4%: misses 5% by 1
               fin(E[5], 3000, 60, patents=0),      # 2%: misses by 3; no IP
               fin(E[6], 3000, 30)]                 # 1%: misses by 4
    subs = [submission("2025-06", LT, 企业名录=[enterprise(c, LT) for c in E.values()], 资质认定=awards,
                       企业年度财务=finance)]
    return store_with(tmp_path_factory.mktemp("whatif"), subs)


@pytest.fixture(scope="module")
def high_tech_4():
    target = next(t for t in load_catalog().targets if t.id == "lutai.high_tech.2025")
    return replace(target, low=4)        # the plan says 40; 4 makes the arithmetic visible


def test_close_row_arithmetic():
    # 2 now, target 4, 3 candidates
    one = close_row(2, 4, "≥", 3, 1, top_n=1)
    assert (one["gap"], one["added"], one["projected"], one["closes"], one["still_short"]) == (2, 1, 3, False, 1)
    two = close_row(2, 4, "≥", 3, 1, top_n=2)
    assert (two["projected"], two["closes"], two["still_short"]) == (4, True, 0)
    many = close_row(2, 4, "≥", 3, 1, top_n=10)
    assert (many["added"], many["projected"]) == (3, 5)                 # only 3 candidates to certify
    strict = close_row(2, 4, ">", 3, 1, top_n=2)
    assert (strict["closes"], strict["still_short"]) == (False, 1)      # 4 is not more than 4
    none = close_row(2, 4, "≥", None, 0, top_n=10)
    assert (none["added"], none["projected"], none["note"] != "") == (0, 2, True)


def test_whatif_on_the_store(store, high_tech_4):
    table = whatif(store, LT, top_n=2, as_of="2025-06-30", targets=[high_tech_4]).iloc[0]
    # holders E1, E2 (E6 lapsed); candidates E3..E6, of which E3 meets all criteria
    assert (table["actual"], table["target_value"], table["candidates"], table["ready"]) == (2, 4, 4, 1)
    assert (table["added"], table["projected"], table["closes"]) == (2, 4, True)
    short = whatif(store, LT, top_n=1, as_of="2025-06-30", targets=[high_tech_4]).iloc[0]
    assert (short["projected"], short["closes"], short["still_short"]) == (3, False, 1)


def test_targets_and_screenability():
    ids = {t.id for t in whatif_targets(LT)}
    assert "lutai.high_tech.2025" in ids and all(".annual" not in i for i in ids)
    assert screenable(LT, "高新技术企业") and not screenable("西宁市", "高新技术企业")
    assert screenable("西宁市", "专精特新小巨人")                     # via the 专精特新 prerequisite


def test_chart(store, high_tech_4):
    fig = whatif_chart(whatif(store, LT, 2, "2025-06-30", [high_tech_4]), "芦台经济开发区 假设测算")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["高新技术企业"]
    plt.close(fig)
