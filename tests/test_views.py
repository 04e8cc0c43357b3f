"""Scores, rankings, 红榜/黑榜, 未报送 and sentences on a small hand-computed progress frame."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.progress.narrative import as_of_phrase, overview, sentence
from analysis.progress.views import calendar_index, honour_lists, submission_status, under_floor, unit_scores
from support.builders import report, store_with, submission


def progress_rows():
    """Two 石家庄市 targets and their split rows for three units (numbers chosen by hand)."""
    base = dict(
        plan="shijiazhuang-2022-leaders",
        period="2025",
        kind="stock",
        unit="家",
        comparison="≥",
        as_of="2025-09-30",
        window_start="2022-08-28",
        window_end="2025-12-31",
        closed=False,
        high=None,
        in_force=True,
        final=False,
        aspirational=False,
        term="2025",
        low=0,
    )
    rows = []

    def add(tid, name, place, basis, actual, target, expected_pct, met=False, status="落后序时"):
        rows.append(
            {
                **base,
                "target_id": tid,
                "indicator_name": name,
                "jurisdiction": place,
                "basis": basis,
                "actual": actual,
                "target_value": target,
                "progress_pct": 100 * actual / target,
                "expected_pct": expected_pct,
                "gap_pp": 100 * actual / target - expected_pct,
                "met": met,
                "status": status,
            }
        )

    add("sjz.srdi_sme.2025", "专精特新中小企业", "石家庄市", "方案目标", 612, 750, 85.0)
    add(
        "sjz.srdi_sme.2025", "专精特新中小企业", "新乐市", "分解目标", 50, 50, 85.0, met=True, status="已完成"
    )  # index ≥ 100 → 117.6
    add("sjz.srdi_sme.2025", "专精特新中小企业", "鹿泉区", "分解目标", 34, 50, 85.0)  # 68/85 → 80
    add("sjz.srdi_sme.2025", "专精特新中小企业", "正定县", "分解目标", 17, 50, 85.0, status="严重滞后")  # 34/85 → 40
    add("sjz.little_giant.2025", "专精特新“小巨人”企业", "石家庄市", "方案目标", 90, 105, 80.0)
    add(
        "sjz.little_giant.2025", "专精特新“小巨人”企业", "新乐市", "分解目标", 12, 10, 80.0, met=True, status="已完成"
    )  # 120/80 → 150 (cap)
    add(
        "sjz.little_giant.2025", "专精特新“小巨人”企业", "鹿泉区", "分解目标", 8, 10, 80.0, status="基本同步"
    )  # 80/80 → 100
    add(
        "sjz.little_giant.2025", "专精特新“小巨人”企业", "正定县", "分解目标", 2, 10, 80.0, status="严重滞后"
    )  # 20/80 → 25
    return pd.DataFrame(rows)


def test_calendar_index_caps_and_floors():
    frame = progress_rows()
    index = calendar_index(frame).round(1).tolist()
    assert index == [96.0, 117.6, 80.0, 40.0, 107.1, 150.0, 100.0, 25.0]


def test_unit_scores_rank_best_and_worst():
    scores = unit_scores(progress_rows(), "石家庄市", min_targets=2)
    assert scores["地区"].tolist()[:3] == ["新乐市", "鹿泉区", "正定县"]
    xinle = scores.iloc[0]
    # the mean of 117.6 and 150, kept as displayed (one decimal): equal displayed scores tie, others do not
    assert xinle["综合得分"] == round((100 * 50 / 50 / 85 * 100 + 150) / 2, 1)
    assert (xinle["排名"], xinle["完成数"], xinle["最好指标"], xinle["最差指标"]) == (
        1,
        2,
        "专精特新“小巨人”企业",
        "专精特新中小企业",
    )
    zhengding = scores.iloc[2]
    assert zhengding["综合得分"] == pytest.approx((40 + 25) / 2)
    assert zhengding["落后数"] == 2


def test_red_and_black_lists_and_floor():
    scores = unit_scores(progress_rows(), "石家庄市", min_targets=2)
    red, black = honour_lists(scores, top_n=2)
    assert red["地区"].tolist() == ["新乐市"]  # only one unit at or above 100
    assert black["地区"].tolist() == ["正定县", "鹿泉区"]  # bottom first
    assert under_floor(scores, 60)["地区"].tolist() == ["正定县"]


def test_sentences_carry_the_table_numbers():
    frame = progress_rows()
    city = frame.iloc[0]
    assert (
        sentence(city)
        == "截至2025年9月底，石家庄市专精特新中小企业达到612家，完成2025年目标的81.6%，落后序时进度3.4个百分点。"
    )
    assert sentence(frame.iloc[1]) == "截至2025年9月底，新乐市专精特新中小企业达到50家，已达到2025年分解目标50家。"
    assert as_of_phrase("2025-09-15") == "截至2025年9月15日"


def test_overview_counts_states_and_names_laggards():
    text = overview(progress_rows(), "石家庄市", "2025-09-30")
    assert text == (
        "截至2025年9月底，石家庄市在期目标共2项，其中落后序时进度2项。"
        "落后于序时进度的有：专精特新中小企业、专精特新“小巨人”企业。"
    )


def test_submission_status_names_missing_and_lagging_units(tmp_path):
    store = store_with(
        tmp_path,
        [
            submission("2025-08", "鹿泉区", 指标填报=[report("鹿泉区", "2025-08", "新增发明专利", 3)]),
            submission("2025-09", "新乐市", 指标填报=[report("新乐市", "2025-09", "新增发明专利", 5)]),
            submission("2025-05", "正定县", 指标填报=[report("正定县", "2025-05", "新增发明专利", 1)]),
        ],
    )
    status = submission_status(store, "石家庄市", "2025-09").set_index("地区")
    assert status.loc["新乐市", "状态"] == "已报送"
    assert status.loc["鹿泉区", "状态"] == "未报送（沿用上月）" and status.loc["鹿泉区", "滞后月数"] == 1
    assert status.loc["正定县", "状态"] == "未报送" and status.loc["正定县", "滞后月数"] == 4
    assert status.loc["长安区", "最近报送期"] == "从未报送"
    assert len(status) == 21  # 石家庄市's units: 辛集市 reports to the province
    # a report on an earlier month, rendered later, names no month after its own
    earlier = submission_status(store, "石家庄市", "2025-08").set_index("地区")
    assert earlier.loc["新乐市", "最近报送期"] == "从未报送" and earlier.loc["新乐市", "状态"] == "未报送"
    assert earlier.loc["鹿泉区", "状态"] == "已报送" and earlier.loc["正定县", "滞后月数"] == 3


def test_status_and_light_come_from_one_band_table():
    from analysis.progress.verdicts import calendar_status, light_of, settings

    # data/progress.yml: 超序时 ≥ 5 绿, 基本同步 ≥ −5 绿, 落后序时 ≥ −15 黄, 严重滞后 红
    gaps = (5, 4.9, -5, -5.1, -15, -15.1, -60)
    assert [calendar_status(g) for g in gaps] == [
        "超序时",
        "基本同步",
        "基本同步",
        "落后序时",
        "落后序时",
        "严重滞后",
        "严重滞后",
    ]
    assert [light_of(calendar_status(g)) for g in gaps] == ["绿", "绿", "绿", "黄", "黄", "红", "红"]
    # every band's light is the one the table gives: a status and its light never disagree
    for band in settings()["status_bands"]:
        assert light_of(band["status"]) == band["light"]
    # final results carry no calendar light
    assert light_of("未完成") == "" and light_of("超额完成") == ""
