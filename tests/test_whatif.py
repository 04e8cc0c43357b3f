"""What-if arithmetic: the top-N candidates added to the current count, against the 2025 target."""

from __future__ import annotations

from dataclasses import replace

import matplotlib.pyplot as plt
import pytest

from analysis.analysts.display import listing
from analysis.analysts.whatif import (
    NO_CRITERIA,
    close_row,
    pool_display,
    rung_pool,
    screenable,
    whatif,
    whatif_chart,
    whatif_display,
    whatif_labels,
    whatif_targets,
)
from analysis.catalog.targets import load_catalog
from support.builders import award, enterprise, store_with, submission

LT = "芦台经济开发区"
E = {i: f"91130200MA0000{i:03d}X" for i in range(1, 7)}
CD = "城东区"  # a unit of 西宁市, whose plan has 科技型中小企业 targets at two levels
X = {i: f"91630100MA0000{i:03d}X" for i in range(1, 4)}
XINING_IDS = (
    "xining.tech_sme.2025.provincial",
    "xining.tech_sme.2025.municipal",
    "xining.little_giant.2025.cumulative",
    "xining.little_giant.2025.stock",
)


def fin(code, revenue, rd, patents=1):
    return {
        "统一社会信用代码": code,
        "年度": 2025,
        "营业收入(万元)": revenue,
        "研发费用(万元)": rd,
        "职工人数": 100,
        "研发人员数": 10,
        "大专以上学历人数": 20,
        "有效发明专利数": patents,
        "地区": LT,
    }


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    awards = [
        award(E[1], LT, "高新技术企业", "2024-03-01"),
        award(E[2], LT, "高新技术企业", "2024-05-01"),
        award(E[6], LT, "高新技术企业", "2021-01-01"),
    ]  # lapsed 2023-12-31: a candidate again
    finance = [
        fin(E[3], 3000, 150),  # 5% in the ≤5000 tier: meets all
        fin(E[4], 3000, 120),  # 4%: misses 5% by 1
        fin(E[5], 3000, 60, patents=0),  # 2%: misses by 3; no IP
        fin(E[6], 3000, 30),
    ]  # 1%: misses by 4
    subs = [
        submission(
            "2025-06", LT, 企业名录=[enterprise(c, LT) for c in E.values()], 资质认定=awards, 企业年度财务=finance
        )
    ]
    return store_with(tmp_path_factory.mktemp("whatif"), subs)


@pytest.fixture(scope="module")
def xining_store(tmp_path_factory):
    awards = [
        award(X[1], CD, "科技型中小企业", "2024-03-01", "省级"),
        award(X[2], CD, "科技型中小企业", "2024-03-01", "省级"),
        award(X[3], CD, "科技型中小企业", "2024-03-01", "市级"),
    ]
    subs = [submission("2025-06", CD, 企业名录=[enterprise(c, CD) for c in X.values()], 资质认定=awards)]
    return store_with(tmp_path_factory.mktemp("xining"), subs)


@pytest.fixture(scope="module")
def xining(xining_store):
    targets = [t for t in load_catalog().targets if t.id in XINING_IDS]
    return whatif(xining_store, "西宁市", 10, "2025-06-30", targets)


@pytest.fixture(scope="module")
def high_tech_4():
    target = next(t for t in load_catalog().targets if t.id == "lutai.high_tech.2025")
    return replace(target, low=4)  # the plan says 40; 4 makes the arithmetic visible


def test_close_row_arithmetic():
    # 2 now, target 4, 3 candidates
    one = close_row(2, 4, "≥", 3, 1, top_n=1)
    assert (one["gap"], one["added"], one["projected"], one["closes"], one["still_short"]) == (2, 1, 3, False, 1)
    two = close_row(2, 4, "≥", 3, 1, top_n=2)
    assert (two["projected"], two["closes"], two["still_short"]) == (4, True, 0)
    many = close_row(2, 4, "≥", 3, 1, top_n=10)
    assert (many["added"], many["projected"]) == (3, 5)  # only 3 candidates to certify
    strict = close_row(2, 4, ">", 3, 1, top_n=2)
    assert (strict["closes"], strict["still_short"]) == (False, 1)  # 4 is not more than 4
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
    assert screenable("西宁市", "专精特新小巨人")  # via the 专精特新 prerequisite


def test_chart(store, high_tech_4):
    fig = whatif_chart(whatif(store, LT, 2, "2025-06-30", [high_tech_4]), "芦台经济开发区 假设测算")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["高新技术企业"]
    plt.close(fig)


def test_rows_of_one_indicator_carry_their_level_kind_and_target_id(xining):
    rows = xining.set_index("target_id")
    assert (
        rows.loc["xining.tech_sme.2025.provincial", ["level", "actual"]].tolist(),
        rows.loc["xining.tech_sme.2025.municipal", ["level", "actual"]].tolist(),
    ) == (["省级", 2], ["市级", 1])
    shown = whatif_display(xining).set_index("目标编号")
    assert shown.loc["xining.tech_sme.2025.municipal", ["指标", "级别", "类型"]].tolist() == [
        "科技型中小企业",
        "市级",
        "存量",
    ]
    assert shown.loc["xining.little_giant.2025.cumulative", "类型"] == "累计培育"
    labels = dict(zip(xining["target_id"], whatif_labels(xining), strict=True))
    assert labels == {
        "xining.tech_sme.2025.provincial": "科技型中小企业（省级）",
        "xining.tech_sme.2025.municipal": "科技型中小企业（市级）",
        "xining.little_giant.2025.cumulative": "专精特新“小巨人”企业（国家级，累计培育）",
        "xining.little_giant.2025.stock": "专精特新“小巨人”企业（国家级，存量）",
    }
    fig = whatif_chart(xining, "西宁市 假设测算")
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert sorted(ticks) == sorted(labels.values()) and ticks[::-1] == whatif_labels(xining)  # top row first
    plt.close(fig)


def _overlaps(box, other) -> bool:
    return box.x0 < other.x1 and other.x0 < box.x1 and box.y0 < other.y1 and other.y0 < box.y1


@pytest.mark.parametrize("which", ["xining", "lutai"])
def test_chart_legend_covers_no_bar_and_stays_on_the_figure(which, xining, store, high_tech_4):
    table = xining if which == "xining" else whatif(store, LT, 2, "2025-06-30", [high_tech_4])
    fig = whatif_chart(table, "假设测算")
    fig.canvas.draw()
    ax = fig.axes[0]
    legends = [*fig.legends, *([ax.get_legend()] if ax.get_legend() else [])]
    assert len(legends) == 1
    box = legends[0].get_window_extent()
    bars = [p.get_window_extent() for p in ax.patches if p.get_width() > 0]
    assert len(bars) >= len(table)
    assert [b for b in bars if _overlaps(box, b)] == []
    assert not _overlaps(box, ax.get_window_extent())  # outside the plot area altogether
    assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 and fig.bbox.y0 <= box.y0  # not cut off
    plt.close(fig)


def test_the_candidate_list_counts_every_candidate_as_the_whatif_does(store, high_tech_4):
    pool = rung_pool(store, LT, "高新技术企业", "2025-06")
    counted = whatif(store, LT, 2, "2025-06-30", [high_tech_4]).iloc[0]["candidates"]
    assert (len(pool), counted) == (4, 4)
    assert pool["rank"].tolist() == [1, 2, 3, 4] and pool["code"].iloc[0] == E[3]  # E3 meets every criterion
    note, shown = listing(pool_display(pool), 2)
    assert note == "共4家，显示前2家"
    assert shown.data["统一社会信用代码"].tolist() == [E[3], E[4]] and "shortfall_score" not in shown.data


def test_a_rung_without_criteria_says_so_instead_of_counting_none(xining_store):
    pool = rung_pool(xining_store, "西宁市", "科技型中小企业", "2025-06")  # 西宁 catalogues no 科技型 criteria
    note, shown = listing(pool_display(pool), 50)
    assert (note, shown.data["说明"].tolist()) == ("", [NO_CRITERIA])
