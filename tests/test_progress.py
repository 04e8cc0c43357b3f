"""The progress engine on hand-computed fixtures (each expected number is worked out in the comments)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.catalog.targets import load_catalog
from analysis.progress.engine import compute_progress, time_fraction
from analysis.progress.facts import load_facts
from analysis.progress.measures import count_first_grants, count_valid
from support.builders import award, complete_coverage, enterprise, report, store_with, submission

X, L, SJZ = "新乐市", "鹿泉区", "石家庄市"
E = {i: f"91130184MA0000{i:03d}X" for i in range(1, 9)}


def cluster(name, unit):
    return {"集群名称": name, "所属地区": unit, "地区": unit}


def cluster_month(name, unit, month, ytd):
    return {"集群名称": name, "年月": month, "本年累计营业收入(万元)": ytd, "地区": unit}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("progress")
    xinle_awards = [
        award(E[1], X, "专精特新中小企业", "2021-03-01", "省级"),  # default 3 years: valid to 2024-02-29
        award(E[2], X, "专精特新中小企业", "2023-02-10", "省级", until="2026-02-09"),
        award(E[3], X, "专精特新中小企业", "2022-05-01", "省级", revoked="2023-06-30"),
        award(E[5], X, "专精特新中小企业", "2022-01-15", "省级"),  # also listed by 鹿泉区
        award(E[6], X, "专精特新小巨人", "2023-07-01", "国家级"),
    ]
    subs = [
        submission(
            "2023-09",
            X,
            企业名录=[enterprise(E[i], X) for i in (1, 2, 3, 5, 6)],
            资质认定=xinle_awards,
            集群名录=[cluster("新乐市装备制造产业集群", X)],
            集群月度=[
                cluster_month("新乐市装备制造产业集群", X, "2022-09", 700.0),
                cluster_month("新乐市装备制造产业集群", X, "2023-09", 791.0),
            ],
        ),
        submission(
            "2023-12",
            X,
            企业名录=[enterprise(E[i], X) for i in (1, 2, 3, 5, 6)],
            资质认定=xinle_awards,
            集群名录=[cluster("新乐市装备制造产业集群", X)],
            集群月度=[
                cluster_month("新乐市装备制造产业集群", X, "2022-12", 1000.0),
                cluster_month("新乐市装备制造产业集群", X, "2023-12", 1130.0),
            ],
            指标填报=[report(X, "2023-12", "工业云平台普及率", 48), report(X, "2023-12", "经营管理数字化普及率", 78)],
        ),
        submission(
            "2023-12",
            L,
            企业名录=[enterprise(E[i], L) for i in (4, 5)],
            资质认定=[
                award(E[4], L, "专精特新中小企业", "2023-11-20", "省级", until="2026-11-19"),
                award(E[5], L, "专精特新中小企业", "2022-01-15", "省级"),
            ],
            指标填报=[report(L, "2023-12", "工业云平台普及率", 52), report(L, "2023-12", "经营管理数字化普及率", 78.5)],
        ),
        submission("2023-12", "河北省", 指标填报=[report("河北省", "2023-12", "专精特新中小企业", 3620)]),
    ]
    # every other unit of the city has nothing to list: the city's counts cover all its units
    return complete_coverage(store_with(tmp, subs), SJZ, "2023-09")


def row(frame, target_id, place, term=None):
    hit = frame[(frame["target_id"] == target_id) & (frame["jurisdiction"] == place)]
    if term is not None:
        hit = hit[hit["term"] == term]
    assert len(hit) == 1, (target_id, place)
    return hit.iloc[0]


def targets(*ids):
    return [t for t in load_catalog().targets if t.id in ids]


@pytest.fixture(scope="module")
def year_end(store):
    ids = (
        "sjz.srdi_sme.2023",
        "sjz.srdi_sme.annual",
        "xinle.little_giant.2023",
        "hebei.srdi_sme.2023",
        "sjz.industrial_cloud_rate.2023",
        "sjz.digital_mgmt_rate.2023",
        "xinle.cluster_revenue_growth.2023",
    )
    return compute_progress(store, "2023-12-31", targets(*ids))


@pytest.fixture(scope="module")
def year_end_estimated(store):
    ids = ("sjz.srdi_sme.2023", "sjz.industrial_cloud_rate.2023", "sjz.digital_mgmt_rate.2023")
    return compute_progress(store, "2023-12-31", targets(*ids), estimate_splits=True)


def test_stock_counts_validity_revocation_and_distinct_roll_up(year_end):
    # 新乐市 at 2023-12-31: E1 (default validity to 2024-02-29), E2, E5; E3 revoked 2023-06-30 → 3
    assert row(year_end, "sjz.srdi_sme.2023", X)["actual"] == 3
    # 鹿泉区: E4, E5 → 2
    assert row(year_end, "sjz.srdi_sme.2023", L)["actual"] == 2
    # 石家庄市: distinct E1, E2, E4, E5 → 4, not 3 + 2
    city = row(year_end, "sjz.srdi_sme.2023", SJZ)
    assert (city["actual"], city["actual_source"], city["basis"]) == (4, "计数", "方案目标")
    # 580 target: 4/580 = 0.69%; 31 December is the deadline day: a final result, 差576家, no calendar
    assert city["progress_pct"] == pytest.approx(100 * 4 / 580)
    assert (city["status"], city["shortfall"], city["final"], city["in_force"]) == ("未完成", 576, True, False)
    assert pd.isna(city["expected_pct"]) and city["trajectory"] == "" and city["light"] == ""


def test_units_without_an_issued_allocation_have_no_target_only_their_share(year_end):
    xinle = row(year_end, "sjz.srdi_sme.2023", X)
    # no 目标分解 was stored: no target, no status, no light; 3 of the city's 4 → 75%
    assert (xinle["basis"], xinle["status"], xinle["light"]) == ("", "", "")
    assert pd.isna(xinle["target_value"]) and xinle["share_of_parent"] == pytest.approx(75)


def test_estimated_splits_follow_baseline_shares_and_are_labelled(year_end_estimated):
    # baseline 2022-08-28: 新乐市 E1, E3, E5 = 3; 鹿泉区 E5 = 1 → shares 3/4 and 1/4 of 580, whole numbers
    assert row(year_end_estimated, "sjz.srdi_sme.2023", X)["target_value"] == 435
    assert row(year_end_estimated, "sjz.srdi_sme.2023", L)["target_value"] == 145
    units = year_end_estimated[
        (year_end_estimated["target_id"] == "sjz.srdi_sme.2023") & (year_end_estimated["jurisdiction"] != SJZ)
    ]
    split = units[units["basis"] == "测算"]
    assert sorted(split["jurisdiction"]) == sorted([X, L]) and split["target_value"].sum() == 580
    # the 19 other units of 石家庄市's 21 (辛集市 reports to the province) have no base and get no estimate
    # (a share of nothing is no target), not a target of 0
    assert (units["basis"] == "").sum() == 19 and units.loc[units["basis"] == "", "target_value"].isna().all()


def test_annual_flow_counts_first_grants_in_the_year(year_end):
    # first granted in 2023: E2 (新乐市), E4 (鹿泉区) → city 2 of 80
    city = row(year_end, "sjz.srdi_sme.annual", SJZ)
    assert (city["actual"], city["target_value"], city["time_pct"]) == (2, 80, 100)
    assert row(year_end, "xinle.little_giant.2023", X)["actual"] == 1
    assert row(year_end, "xinle.little_giant.2023", X)["progress_pct"] == pytest.approx(100 / 3)


def test_a_unit_reported_aggregate_replaces_the_count(year_end):
    hebei = row(year_end, "hebei.srdi_sme.2023", "河北省")
    assert (hebei["actual"], hebei["actual_source"], hebei["met"], hebei["status"]) == (3620, "填报", True, "已完成")


def test_rates_roll_up_as_a_labelled_simple_average(year_end):
    # the city did not report: the mean of its units, (48 + 52) / 2 = 50 ≥ 50; only 2 of its 21 units reported the
    # rate, and a mean of some units bounds nothing: shown with its coverage, not judged
    cloud = row(year_end, "sjz.industrial_cloud_rate.2023", SJZ)
    assert (cloud["actual"], cloud["actual_source"], cloud["status"]) == (50, "简单平均", "覆盖不全")
    assert (cloud["units_covered"], cloud["units_total"]) == (2, 21)
    assert row(year_end, "sjz.industrial_cloud_rate.2023", X)["basis"] == ""


def test_rates_apply_unchanged_to_units_only_as_an_estimate(year_end_estimated):
    # 超过78%: 78 is not met, 78.5 is
    assert not row(year_end_estimated, "sjz.digital_mgmt_rate.2023", X)["met"]
    assert row(year_end_estimated, "sjz.digital_mgmt_rate.2023", L)["met"]
    assert row(year_end_estimated, "sjz.industrial_cloud_rate.2023", X)[["basis", "target_value"]].tolist() == [
        "测算",
        50,
    ]


def test_year_on_year_growth_of_cumulative_revenue(year_end, store):
    growth = row(year_end, "xinle.cluster_revenue_growth.2023", X)
    # 1130 / 1000 − 1 = 13% ≥ 12% (met), below the 14% stretch: final on 31 December
    assert growth["actual"] == pytest.approx(13.0)
    assert (growth["met"], growth["exceeded"], growth["status"], growth["final"]) == (True, False, "已完成", True)
    september = compute_progress(store, "2023-09-30", targets("xinle.cluster_revenue_growth.2023"), with_previous=False)
    mid = row(september, "xinle.cluster_revenue_growth.2023", X)
    # 791 / 700 − 1 = 13%; before the year ends a met growth target is 超序时 (13/12 = 108.3% of target)
    assert mid["actual"] == pytest.approx(13.0)
    assert mid["status"] == "超序时"


def test_time_proportional_progress_mid_year(store):
    frame = compute_progress(store, "2023-09-30", targets("sjz.srdi_sme.annual"), with_previous=False)
    city = row(frame, "sjz.srdi_sme.annual", SJZ)
    # first grants to 2023-09-30: E2 only (E4 is November) → 1 of 80; 9/12 of the year → expected 60
    assert (city["actual"], city["time_pct"], city["expected"]) == (1, 75, 60)
    assert city["gap_pp"] == pytest.approx(100 / 80 - 75)
    # nine months of a one-year window are under twelve: no annualised projection (Open SDG's rule)
    assert pd.isna(city["projected"]) and city["trajectory"] == "观测不足"


def test_time_fraction_quarters():
    year = pd.Timestamp(2025, 1, 1), pd.Timestamp(2025, 12, 31)
    assert [time_fraction(*year, pd.Timestamp(2025, m, d)) for m, d in ((3, 31), (6, 30), (9, 30), (12, 31))] == [
        0.25,
        0.5,
        0.75,
        1.0,
    ]


def test_expiry_default_validity_and_revocation_at_dates(store):
    facts = load_facts(store, "2023-12")
    srdi = facts.awards[facts.awards["award"] == "专精特新中小企业"]
    # E3 holds until its revocation on 2023-06-30
    assert count_valid(srdi, pd.Timestamp("2023-06-29"))[X] == 4
    assert count_valid(srdi, pd.Timestamp("2023-06-30"))[X] == 3
    # E1's default validity ends 2024-02-29; E5's ends 2025-01-14
    assert count_valid(srdi, pd.Timestamp("2024-02-29"))[X] == 3
    assert count_valid(srdi, pd.Timestamp("2024-03-01"))[X] == 2
    assert count_valid(srdi, pd.Timestamp("2025-01-15"))[X] == 1


def test_recertification_is_not_a_new_award_and_year_boundaries_hold(store):
    facts = load_facts(store, "2023-12")
    rows = facts.awards[facts.awards["award"] == "专精特新中小企业"]
    again = rows[rows["code"] == E[1]].assign(granted=pd.Timestamp("2024-03-01"))
    rows = pd.concat([rows, again])
    assert count_first_grants(rows, pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31")).get(X, 0) == 0
    # E2 granted 2023-02-10 counts for 2023 and not for 2022
    assert count_first_grants(rows, pd.Timestamp("2023-01-01"), pd.Timestamp("2023-12-31"))[X] == 1
    assert count_first_grants(rows, pd.Timestamp("2022-01-01"), pd.Timestamp("2022-12-31"))[X] == 2


def test_ranges_keep_floor_and_stretch(tmp_path):
    subs = [submission("2023-12", "河北省", 指标填报=[report("河北省", "2023-12", "上市企业", 10)])]
    store = store_with(tmp_path, subs)
    frame = compute_progress(store, "2025-12-31", targets("hebei.listed_company.2025"), with_previous=False)
    hebei = row(frame, "hebei.listed_company.2025", "河北省")
    # 30至50家: 10 listed companies meet neither end; on the deadline day: 未完成, 差20家
    assert (hebei["low"], hebei["high"], hebei["met"], hebei["exceeded"]) == (30, 50, False, False)
    assert (hebei["status"], hebei["shortfall"]) == ("未完成", 20)


units = st.sampled_from([X, L, "正定县", "藁城区"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(1, 30), units, st.integers(2015, 2023)), min_size=1, max_size=40))
def test_city_count_equals_distinct_enterprises_of_its_units(tmp_path_factory, awards):
    tmp = tmp_path_factory.mktemp("prop")
    by_unit: dict[str, list] = {}
    for code_no, unit, year in awards:
        code = f"91130184MA0{code_no:05d}X"
        by_unit.setdefault(unit, []).append(award(code, unit, "高新技术企业", f"{year}-06-01", until="2030-01-01"))
    subs = [
        submission("2023-12", u, 企业名录=[enterprise(a["统一社会信用代码"], u) for a in rows], 资质认定=rows)
        for u, rows in by_unit.items()
    ]
    # the same enterprise twice in one unit's register would be a duplicate: keep each unit's codes unique
    for sub in subs:
        sub.tables["企业名录"] = sub.tables["企业名录"].drop_duplicates("统一社会信用代码")
    store = store_with(tmp, subs)
    facts = load_facts(store, "2023-12")
    counts = count_valid(facts.awards, pd.Timestamp("2023-12-31"))
    distinct = {f"91130184MA0{c:05d}X" for c, _, _ in awards}
    assert counts[SJZ] == len(distinct) == counts["河北省"]
    for unit in by_unit:
        assert counts[unit] == len({a["统一社会信用代码"] for a in by_unit[unit]})


def test_reported_monthly_flows_sum_and_shares_use_the_parents_published_count(tmp_path):
    W, Q = "城东区", "青海省"
    subs = [
        submission(
            "2024-06",
            W,
            企业名录=[enterprise(E[i], W) for i in (1, 2)],
            资质认定=[
                award(E[1], W, "专精特新中小企业", "2024-01-10", "省级"),
                award(E[2], W, "专精特新中小企业", "2024-03-10", "省级"),
            ],
            指标填报=[report(W, "2024-05", "新增发明专利", 4), report(W, "2024-06", "新增发明专利", 3)],
        ),
        submission("2024-06", Q, 指标填报=[report(Q, "2024-06", "专精特新中小企业", 4)]),
    ]
    store = store_with(tmp_path, subs)
    frame = compute_progress(store, "2024-06-30", targets("xining.srdi_sme.2025.share"), with_previous=False)
    # 西宁市 (its one unit 城东区) holds 2 valid awards; 青海省 publishes 4 → 50%
    share = row(frame, "xining.srdi_sme.2025.share", "西宁市")
    assert (share["actual"], share["actual_source"]) == (50.0, "计数/填报")
    from analysis.catalog.targets import Target

    flow = Target(
        id="t.flow",
        plan="xining-2023-sme-clusters",
        jurisdiction="西宁市",
        indicator="invention_patents_new",
        kind="annual",
        period="annual",
        low=12,
        high=None,
        comparison="≥",
        unit="件",
        aspirational=False,
        quote="",
        source="",
        measure={"reported": "新增发明专利"},
    )
    frame = compute_progress(store, "2024-06-30", [flow], with_previous=False)
    # monthly figures 4 + 3 = 7 of 12 by mid-year, from 1 of 西宁市's 7 units: not judged against the calendar
    city = row(frame, "t.flow", "西宁市", term="2024")
    assert (city["actual"], city["actual_source"], city["status"]) == (7, "下级汇总", "覆盖不全")
    assert (city["units_covered"], city["units_total"]) == (1, 7) and pd.isna(city["expected"])
    # a sum of some units that already meets the target is a lower bound that meets it: judged
    small = compute_progress(store, "2024-06-30", [replace(flow, low=6)], with_previous=False)
    assert row(small, "t.flow", "西宁市", term="2024")["status"] == "已完成"


def test_a_missed_deadline_is_a_final_miss_not_a_calendar_word(store):
    # a 2023 rate target judged in 2024: its gap (78/78 = 100% of target) alone would read 基本同步
    frame = compute_progress(
        store, "2024-03-31", targets("sjz.digital_mgmt_rate.2023"), with_previous=False, estimate_splits=True
    )
    xinle = row(frame, "sjz.digital_mgmt_rate.2023", X)
    # 78 against 超过78%: missed by a hair, and final
    assert (xinle["final"], xinle["met"], xinle["status"], xinle["trajectory"]) == (True, False, "未完成", "")


def test_facts_are_remembered_until_the_store_changes(tmp_path):
    store = store_with(
        tmp_path,
        [
            submission(
                "2023-12", X, 企业名录=[enterprise(E[1], X)], 资质认定=[award(E[1], X, "高新技术企业", "2023-05-01")]
            )
        ],
    )
    first = load_facts(store, "2023-12")
    assert load_facts(store, "2023-12") is first
    store.add(
        submission(
            "2023-12", L, 企业名录=[enterprise(E[4], L)], 资质认定=[award(E[4], L, "高新技术企业", "2023-06-01")]
        )
    )
    again = load_facts(store, "2023-12")
    assert again is not first and sorted(again.awards["unit"]) == sorted([X, L])
