"""Verdicts a bureau can sign: plan lifecycle, final results, issued allocations, fair rankings.

Every expectation is worked out by hand in the comments (issue "Verdicts a bureau can sign").
"""

from __future__ import annotations

import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from analysis.catalog.targets import load_catalog
from analysis.progress.engine import compute_progress
from analysis.progress.narrative import final_sentence, sentence
from analysis.progress.trajectory import trajectory
from analysis.progress.verdicts import is_exceeded, is_met, shortfall
from analysis.progress.views import honour_lists, tied_groups, unit_scores
from support.builders import allocation, award, complete_coverage, enterprise, report, store_with, submission

X, L, SJZ = "新乐市", "鹿泉区", "石家庄市"
E = {i: f"91130184MA0000{i:03d}X" for i in range(1, 12)}


def target(tid: str, **changes):
    found = next(t for t in load_catalog().targets if t.id == tid)
    return replace(found, **changes)


def row(frame, target_id, place, term=None):
    hit = frame[(frame["target_id"] == target_id) & (frame["jurisdiction"] == place)]
    if term is not None:
        hit = hit[hit["term"] == term]
    assert len(hit) == 1, (target_id, place, term, hit["term"].tolist())
    return hit.iloc[0]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """新乐市: 小巨人 granted 2023-07, 2024-08, 2025-08 (empty 级别 = 国家级); 高新技术企业 2023-11, 2024-12,
    2025-11; 石家庄市 issues 新乐市 (not 鹿泉区) its 小巨人 and 高新技术企业 targets."""
    awards = [
        award(E[1], X, "专精特新小巨人", "2023-07-01", "国家级"),
        award(E[2], X, "专精特新小巨人", "2024-08-01", None),
        award(E[3], X, "专精特新小巨人", "2025-08-15", "国家级"),
        award(E[4], X, "高新技术企业", "2023-11-20", "国家级"),
        award(E[5], X, "高新技术企业", "2024-12-10"),
        award(E[6], X, "高新技术企业", "2025-11-05"),
    ]
    mid_year = [a for a in awards if a["认定日期"] <= "2025-06-30"]
    units = [
        submission("2025-06", X, 企业名录=[enterprise(E[i], X) for i in range(1, 7)], 资质认定=mid_year),
        submission("2025-12", X, 企业名录=[enterprise(E[i], X) for i in range(1, 7)], 资质认定=awards),
        submission(
            "2025-12",
            L,
            企业名录=[enterprise(E[9], L)],
            资质认定=[award(E[9], L, "专精特新小巨人", "2024-07-10", "国家级")],
        ),
    ]
    issued = [
        submission(
            "2023-02",
            SJZ,
            目标分解=[
                allocation(X, "专精特新“小巨人”企业", 2025, 2, issued="2023-02-15"),
                allocation(X, "高新技术企业", 2023, 1, issued="2023-02-15"),
            ],
        ),
        # re-issued in 2024: the 2025 小巨人 target raised to 3, and the 2024 and 2025 高新技术企业 years
        submission(
            "2024-02",
            SJZ,
            目标分解=[
                allocation(X, "专精特新“小巨人”企业", 2025, 3, "石工信〔2024〕2号", "2024-02-20"),
                allocation(X, "高新技术企业", 2024, 1, "石工信〔2024〕2号", "2024-02-20"),
                allocation(X, "高新技术企业", 2025, 1, "石工信〔2024〕2号", "2024-02-20"),
            ],
        ),
    ]
    # every other unit of the city has nothing to list: the city's counts cover all its units
    return complete_coverage(store_with(tmp_path_factory.mktemp("verdicts"), units + issued), SJZ, "2025-06")


# --- 1 and 2: lifecycle and final results ------------------------------------------------------


def test_the_day_before_the_deadline_is_still_judged_on_the_calendar(store):
    # 小巨人 2025 for the city: 4 valid on 2025-12-30 (E1, E2, E3, E9) of a target of 5 → open
    frame = compute_progress(store, "2025-12-30", [target("sjz.little_giant.2025", low=5)], with_previous=False)
    city = row(frame, "sjz.little_giant.2025", SJZ)
    assert (city["actual"], city["in_force"], city["final"]) == (4, True, False)
    assert city["status"] in ("超序时", "基本同步", "落后序时", "严重滞后") and not pd.isna(city["expected_pct"])


@pytest.mark.parametrize("as_of", ["2025-12-31", "2026-01-01", "2026-06-30"])
def test_from_the_deadline_day_on_a_missed_target_is_final_with_its_shortfall(store, as_of):
    frame = compute_progress(store, as_of, [target("sjz.little_giant.2025", low=5)], with_previous=False)
    city = row(frame, "sjz.little_giant.2025", SJZ)
    # judged at the deadline whatever the as-of date: 4 of 5, 未完成, 差1家, no calendar, no light, no trajectory
    assert (city["actual"], city["status"], city["shortfall"], city["final"], city["in_force"]) == (
        4,
        "未完成",
        1,
        True,
        False,
    )
    assert city["eval_date"] == "2025-12-31" and pd.isna(city["expected_pct"]) and pd.isna(city["gap_pp"])
    assert (city["light"], city["trajectory"]) == ("", "")
    assert final_sentence(city) == "石家庄市专精特新“小巨人”企业2025年目标5家，实际4家，未完成，差1家。"


def test_a_met_target_names_the_month_it_was_first_met(store):
    # target 3: E1 (2023-07), E9 (2024-07), E2 (2024-08) → the third in August 2024, 16 months before the deadline
    frame = compute_progress(store, "2025-12-31", [target("sjz.little_giant.2025", low=3)], with_previous=False)
    city = row(frame, "sjz.little_giant.2025", SJZ)
    assert (city["status"], city["met_on"], city["actual"]) == ("已完成", "2024-08", 4)
    assert pd.isna(city["shortfall"])
    assert (
        final_sentence(city)
        == "石家庄市专精特新“小巨人”企业2025年目标3家，实际4家，已完成，超出1家，2024年8月达到目标，提前16个月。"
    )


def test_a_range_reached_at_its_top_is_exceeded_and_at_its_floor_says_so():
    assert (is_met(8, 8, "≥"), is_exceeded(8, 8, 8, 10)) == (True, False)
    assert is_exceeded(10, 8, 8, 10) and is_exceeded(11, 8, 8, 10)
    # a split target of 4 of 8至10 scales its top to 5
    assert is_exceeded(5, 4, 8, 10) and not is_exceeded(4.9, 4, 8, 10)


def test_about_is_met_from_the_tolerance_below_and_overshooting_is_not_a_miss():
    # 20家左右 with a 5% tolerance: met from 19 upward; 22 is met
    assert [is_met(v, 20, "≈") for v in (18.9, 19, 20, 22, 40)] == [False, True, True, True, True]
    assert shortfall(18, 20, False, "≈") == 2


def test_yearly_targets_keep_a_final_row_per_year_and_a_plan_period_total(store):
    frame = compute_progress(store, "2026-01-01", [target("sjz.high_tech.annual")], with_previous=False)
    city = frame[frame["jurisdiction"] == SJZ]
    # 每年20家 for 2023–2025 (the plan of 2022-08 counts from 2023); no 2026 row: the plan has ended
    assert city["term"].tolist() == ["2023", "2024", "2025", "2023-2025"]
    assert not city["in_force"].any() and city["final"].all()
    assert city["actual"].tolist() == [1, 1, 1, 3]
    assert city["target_value"].tolist() == [20, 20, 20, 60]
    # the total is a sum shown as a sum: judged year by year (0 of 3), with no shortfall of its own
    assert city["shortfall"].tolist()[:3] == [19, 19, 19] and pd.isna(city["shortfall"].iloc[-1])
    total = city.iloc[-1]
    assert (total["status"], total["years_met"], total["years_total"], total["met_on"]) == ("未完成", 0, 3, "")
    assert final_sentence(total) == (
        "石家庄市新认定高新技术企业每年目标20家，3年均未完成；2023—2025年合计3家，3年目标合计60家。"
    )


def test_a_one_year_plan_has_no_rows_in_force_in_the_following_year(store):
    xinle = [t for t in load_catalog().targets if t.plan == "xinle-2023-cluster-upgrade" and t.is_progress]
    frame = compute_progress(store, "2024-06-30", xinle, with_previous=False)
    assert len(frame) and not frame["in_force"].any() and frame["final"].all()
    # the plan's 每年 targets count for 2023 only: one final row each, no 2024 row
    assert set(frame["term"]) == {"2023"}


def test_nothing_is_judged_against_the_calendar_once_every_plan_has_ended(store):
    frame = compute_progress(store, "2026-06-30", with_previous=False)
    assert len(frame) and not frame["in_force"].any()
    assert frame["expected_pct"].isna().all()
    assert not frame["status"].isin(["超序时", "基本同步", "落后序时", "严重滞后", "待批次认定"]).any()
    assert (frame["light"] == "").all()


def test_a_successor_plan_added_as_data_is_tracked(tmp_path, store):
    data = tmp_path / "data"
    shutil.copytree(
        load_catalog().plans["xinle-2023-cluster-upgrade"].text_path.parent.parent,
        data,
        ignore=shutil.ignore_patterns("store", "demo"),
    )
    (data / "policies" / "xinle-2026-followup.txt").write_text(
        "到2026年，全市专精特新“小巨人”企业达到4家。\n", encoding="utf-8"
    )
    (data / "policies" / "xinle-2026-followup.meta.yml").write_text(
        "id: xinle-2026-followup\ntitle: 新乐市后续方案（测试）\nissuer: 新乐市人民政府办公室\njurisdiction: 新乐市\n"
        "level: county\nbaseline_date: 2026-01-01\nhorizon: 2026\nsource_file: xinle-2026-followup.txt\n",
        encoding="utf-8",
    )
    (data / "targets" / "xinle-2026-followup.yml").write_text(
        "plan: xinle-2026-followup\njurisdiction: 新乐市\ntargets:\n"
        "  - {id: xf.little_giant.2026, indicator: little_giant, kind: stock, period: '2026', low: 4,\n"
        "     comparison: '≥', unit: 家, aspirational: false, quote: 全市专精特新“小巨人”企业达到4家}\n",
        encoding="utf-8",
    )
    catalog = load_catalog(data)
    successor = [t for t in catalog.targets if t.plan == "xinle-2026-followup"]
    frame = compute_progress(store, "2026-06-30", successor, with_previous=False, catalog=catalog)
    xinle = row(frame, "xf.little_giant.2026", X)
    # E1, E2, E3 still valid (three-year validity) → 3 of 4, in force, judged on the calendar
    assert (xinle["actual"], xinle["in_force"], xinle["basis"]) == (3, True, "方案目标")
    assert not pd.isna(xinle["expected_pct"])


# --- 3: issued allocations ------------------------------------------------------------------


def test_an_issued_allocation_is_the_units_target_and_a_unit_without_one_has_none(store):
    frame = compute_progress(store, "2025-12-30", [target("sjz.little_giant.2025")], with_previous=False)
    xinle, luquan = row(frame, "sjz.little_giant.2025", X), row(frame, "sjz.little_giant.2025", L)
    # the 2024 issue (3) replaced the 2023 one (2) for the same term
    assert (xinle["basis"], xinle["target_value"], xinle["basis_source"]) == ("分解目标", 3, "石工信〔2024〕2号")
    # 鹿泉区: its actual (E9) and its share of the city's 4, nothing judged
    assert (luquan["basis"], luquan["status"], luquan["light"], luquan["actual"]) == ("", "", "", 1)
    assert pd.isna(luquan["target_value"]) and luquan["share_of_parent"] == pytest.approx(25)
    assert sentence(luquan).endswith("（未下达分解目标）。")


def test_yearly_allocations_apply_to_their_year_and_the_total_needs_every_year(store):
    frame = compute_progress(store, "2026-01-01", [target("sjz.high_tech.annual")], with_previous=False)
    xinle = frame[frame["jurisdiction"] == X].set_index("term")
    # issued 1 for 2023 (石工信〔2023〕1号), 1 for 2024 and 2025; the total adds them: 3 of 3 → 已完成
    assert xinle.loc["2023", ["basis", "target_value", "status"]].tolist() == ["分解目标", 1, "已完成"]
    assert xinle.loc["2023-2025", ["target_value", "actual", "status"]].tolist() == [3, 3, "已完成"]


def test_estimates_are_only_an_option_and_never_below_one(store):
    plain = compute_progress(store, "2025-06-30", [target("sjz.tech_service_groups.annual")], with_previous=False)
    assert (plain.loc[plain["jurisdiction"] != SJZ, "basis"] == "").all()
    estimated = compute_progress(
        store, "2025-06-30", [target("sjz.little_giant.2025")], with_previous=False, estimate_splits=True
    )
    luquan = row(estimated, "sjz.little_giant.2025", L)
    # baseline 2022-08-28: nobody held the award → no share to estimate from; 新乐市 keeps its issued 3
    assert luquan["basis"] == "" and row(estimated, "sjz.little_giant.2025", X)["basis"] == "分解目标"
    assert not (estimated["target_value"] < 1).any()
    # a department's own task (每年选派2个科技特派服务团, 市科技局) is never split, even as an estimate
    teams = compute_progress(
        store, "2025-06-30", [target("sjz.tech_service_groups.annual")], with_previous=False, estimate_splits=True
    )
    assert (teams.loc[teams["jurisdiction"] != SJZ, "basis"] == "").all()


# --- 4: scores and rankings -----------------------------------------------------------------


def _scored(place, tid, name, index_pct, met=False):
    """An in-force issued row whose 序时完成指数 is `index_pct` (expected 50%)."""
    return {
        "target_id": tid,
        "indicator_name": name,
        "jurisdiction": place,
        "basis": "分解目标",
        "in_force": True,
        "final": False,
        "aspirational": False,
        "actual": index_pct / 2,
        "target_value": 100.0,
        "progress_pct": index_pct / 2,
        "expected_pct": 50.0,
        "gap_pp": index_pct / 2 - 50,
        "met": met,
        "status": "基本同步",
        "term": "2025",
    }


def _frame(rows):
    city = [{**_scored(SJZ, t, n, 100), "basis": "方案目标"} for t, n in (("a", "甲"), ("b", "乙"), ("c", "丙"))]
    return pd.DataFrame(city + rows)


def test_ties_share_a_rank_and_units_with_too_few_targets_are_not_ranked():
    rows = [
        _scored(X, "a", "甲", 120),
        _scored(X, "b", "乙", 80),
        _scored(X, "c", "丙", 100),
        _scored(L, "a", "甲", 100),
        _scored(L, "b", "乙", 100),
        _scored(L, "c", "丙", 100),
        _scored("正定县", "a", "甲", 90),
        _scored("正定县", "b", "乙", 60),
        _scored("正定县", "c", "丙", 90),
        _scored("藁城区", "a", "甲", 150),
    ]
    scores = unit_scores(_frame(rows), SJZ).set_index("地区")
    # 新乐市 (120+80+100)/3 = 100 and 鹿泉区 100: tied first; 正定县 80 third; 藁城区 has one target
    assert scores.loc[X, "排名"] == scores.loc[L, "排名"] == 1 and scores.loc["正定县", "排名"] == 3
    assert scores.loc["藁城区", "排名"] == "不参与排名" and pd.isna(scores.loc["藁城区", "综合得分"])
    assert [sorted(g) for g in tied_groups(scores.reset_index())] == [sorted([X, L])]
    # 鹿泉区's three indicators tie at 100: all named; 正定县's best two tie at 90
    assert scores.loc[L, "最好指标"] == "甲、乙、丙" and scores.loc["正定县", "最好指标"] == "甲、丙"
    red, black = honour_lists(scores.reset_index(), top_n=1)
    assert sorted(red["地区"]) == sorted([X, L])  # the list takes in the unit tied with the first
    assert black["地区"].tolist() == ["正定县"]


def test_final_expired_aspirational_and_unissued_rows_are_never_scored():
    rows = [_scored(X, t, n, 100) for t, n in (("a", "甲"), ("b", "乙"), ("c", "丙"))]
    rows += [
        {**_scored(X, "d", "丁", 10), "final": True, "in_force": False, "status": "未完成"},
        {**_scored(X, "e", "戊", 10), "aspirational": True},
        {**_scored(X, "f", "己", 10), "basis": "测算"},
        {**_scored(X, "g", "庚", 10), "basis": "", "target_value": np.nan},
    ]
    scores = unit_scores(_frame(rows), SJZ).set_index("地区")
    assert (scores.loc[X, "综合得分"], scores.loc[X, "指标数"]) == (100, 3)


# --- 5: levels without a baseline, reported ratios ------------------------------------------


def test_a_reported_ratio_without_a_baseline_is_compared_as_a_level(tmp_path):
    store = store_with(
        tmp_path, [submission("2025-06", SJZ, 指标填报=[report(SJZ, "2025-06", "领跑者企业研发投入占比", 3.39)])]
    )
    frame = compute_progress(store, "2025-06-30", [target("sjz.leader_rd_ratio.2025")], with_previous=False)
    city = row(frame, "sjz.leader_rd_ratio.2025", SJZ)
    # the city's own figure is its actual (填报), over any ratio derived from enterprises; reported first in
    # June 2025, long after the plan's baseline: no base, so no 序时 — 未达标, 差0.11个百分点
    assert (city["actual"], city["actual_source"]) == (3.39, "填报")
    assert pd.isna(city["base_value"]) and pd.isna(city["expected_pct"]) and pd.isna(city["gap_pp"])
    assert (city["status"], round(city["shortfall"], 2), city["light"]) == ("未达标", 0.11, "黄")
    assert (
        sentence(city) == "截至2025年6月底，石家庄市“领跑者”企业研发投入占比为3.39%，距2025年目标3.5%还差0.11个百分点。"
    )


# --- 7: trajectory and batch awards -----------------------------------------------------------


def test_a_trajectory_needs_twelve_months_of_observation():
    base, deadline = pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31")
    short = trajectory("stock", 10, base, 12, pd.Timestamp("2024-12-15"), 20, deadline)
    assert short.label == "观测不足" and pd.isna(short.projected)
    long = trajectory("stock", 10, base, 15, pd.Timestamp("2025-01-31"), 20, deadline)
    assert long.label in ("按期可达", "需加速", "进展有限") and not pd.isna(long.projected)


def test_a_batch_award_before_its_batch_month_waits_for_the_batch(store):
    # 高新技术企业 is granted in November–December: none of 2025's 20 by June is not 严重滞后
    june = compute_progress(store, "2025-06-30", [target("sjz.high_tech.annual")], with_previous=False)
    assert row(june, "sjz.high_tech.annual", SJZ, "2025")["status"] == "待批次认定"
    november = compute_progress(store, "2025-11-30", [target("sjz.high_tech.annual")], with_previous=False)
    assert row(november, "sjz.high_tech.annual", SJZ, "2025")["status"] == "严重滞后"


def test_the_one_pass_flow_series_gives_the_month_by_month_met_on(store, monkeypatch):
    from analysis.progress import engine

    flows = [target("xinle.high_tech.2023", low=1), target("sjz.high_tech.annual", low=1)]
    fast = compute_progress(store, "2026-01-01", flows, with_previous=False)
    monkeypatch.setattr(engine._Snapshot, "flow_series", lambda self, t, window: None)
    slow = compute_progress(store, "2026-01-01", flows, with_previous=False)
    assert fast["met_on"].tolist() == slow["met_on"].tolist()
    # 新乐市's first 高新技术企业 of 2023 was granted in November: its one-year plan's target met then
    assert row(fast, "xinle.high_tech.2023", X, "2023")["met_on"] == "2023-11"
    # a year of a 每年 target is no dated target: no 提前N个月 for it
    assert row(fast, "sjz.high_tech.annual", X, "2023")["met_on"] == ""


def test_the_one_pass_level_series_gives_the_month_by_month_values_and_met_on(store, monkeypatch):
    from analysis.progress import engine
    from analysis.progress.facts import load_facts
    from analysis.progress.measures import actual_values, level_series

    levels = [t for t in load_catalog().targets if t.is_progress and t.kind == "stock" and "award" in t.measure]
    facts = load_facts(store, "2026-01")
    window = (pd.Timestamp("2023-01-01"), pd.Timestamp("2025-12-31"))
    for t in levels[:6]:
        series = level_series(t, facts, window)
        for month in ("2023-01", "2023-11", "2024-06", "2025-12"):
            day = pd.Period(month, "M").to_timestamp(how="end").normalize()
            one = actual_values(t, facts, day, window)["value"]
            assert series[month].dropna().sort_index().to_dict() == one.sort_index().to_dict(), (t.id, month)
    low = [replace(t, low=1) for t in levels]
    fast = compute_progress(store, "2026-01-01", low, with_previous=False)
    monkeypatch.setattr(engine._Snapshot, "flow_series", lambda self, t, window: None)
    slow = compute_progress(store, "2026-01-01", low, with_previous=False)
    assert fast["met_on"].tolist() == slow["met_on"].tolist() and (fast["met_on"] != "").sum() > 0


def test_an_allocation_for_a_year_goes_to_the_level_target_unless_it_says_新增(tmp_path):
    # 石家庄市's plan has both 专精特新 到2025年750家 (a level) and 每年新增80家; an issued 2025 row with no 目标类型
    # is the level's; one marked 新增 is the yearly target's
    from support.builders import allocation as issued

    rows = [issued(X, "专精特新中小企业", 2025, 40), {**issued(L, "专精特新中小企业", 2025, 6), "目标类型": "新增"}]
    store = store_with(
        tmp_path, [submission("2023-02", SJZ, 目标分解=rows), submission("2025-06", X, 企业名录=[enterprise(E[1], X)])]
    )
    frame = compute_progress(
        store, "2025-06-30", [target("sjz.srdi_sme.2025"), target("sjz.srdi_sme.annual")], with_previous=False
    )
    level = frame[frame["target_id"] == "sjz.srdi_sme.2025"].set_index("jurisdiction")
    yearly = frame[(frame["target_id"] == "sjz.srdi_sme.annual") & (frame["term"] == "2025")].set_index("jurisdiction")
    assert (level.loc[X, "target_value"], level.loc[X, "basis"]) == (40, "分解目标") and level.loc[L, "basis"] == ""
    assert (yearly.loc[L, "target_value"], yearly.loc[L, "basis"]) == (6, "分解目标") and yearly.loc[X, "basis"] == ""
