"""Hand-computed results (issue 21, items 2, 3, 5 and 6): 每年 targets year by year, ranges and rates, what a total
covers, and which explanations a document may print. Every expected figure is worked out in the comments."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from analysis.catalog.targets import load_catalog
from analysis.progress.engine import compute_progress
from analysis.progress.narrative import final_sentence, sentence
from analysis.progress.results import beyond_text, result_text
from analysis.reports.explanations import attach, month_notes
from support.builders import allocation, award, complete_coverage, enterprise, report, store_with, submission

X, L, SJZ = "新乐市", "鹿泉区", "石家庄市"
E = {i: f"91130184MA0000{i:03d}X" for i in range(1, 30)}


def target(tid: str, **changes):
    found = next(t for t in load_catalog().targets if t.id == tid)
    return replace(found, **changes)


def one(frame, target_id, place, term):
    hit = frame[(frame["target_id"] == target_id) & (frame["jurisdiction"] == place) & (frame["term"] == term)]
    assert len(hit) == 1, (target_id, place, term)
    return hit.iloc[0]


def final_row(**values) -> dict:
    """A final progress row with the fields the words need; `values` override."""
    row = {
        "plan": "shijiazhuang-2022-leaders",
        "target_id": "sjz.smart_mfg_benchmark.2025",
        "indicator": "smart_mfg_benchmark",
        "indicator_name": "智能制造标杆企业",
        "jurisdiction": SJZ,
        "kind": "cumulative",
        "period": "2025",
        "term": "2025",
        "low": 1.0,
        "high": 2.0,
        "target_value": 1.0,
        "actual": 6.0,
        "unit": "个",
        "comparison": "≥",
        "status": "超额完成",
        "basis": "方案目标",
        "aspirational": False,
        "shortfall": np.nan,
        "met_on": "",
        "window_start": "2022-08-28",
        "window_end": "2025-12-31",
        "final": True,
        "years_met": np.nan,
        "years_total": np.nan,
        "units_covered": 21,
        "units_total": 21,
        "numerator": np.nan,
        "denominator": np.nan,
    }
    row.update(values)
    return row


# --- item 2: 每年 targets year by year ---------------------------------------------------------------


@pytest.fixture(scope="module")
def yearly_store(tmp_path_factory):
    """新乐市 is issued 2 高新技术企业 a year for 2023–2025 and gets 3 (2023), 1 (2024), 2 (2025): 2 of 3 years met,
    a sum of 6 against 6 that would read 已完成 if the sum were the verdict."""
    grants = [("2023-11-10", 1), ("2023-12-01", 2), ("2023-12-05", 3), ("2024-11-20", 4), ("2025-11-03", 5)]
    grants.append(("2025-12-10", 6))
    awards = [award(E[i], X, "高新技术企业", day) for day, i in grants]
    issued = [allocation(X, "高新技术企业", y, 2, f"石工信〔{y}〕1号", f"{y}-02-15") for y in (2023, 2024, 2025)]
    subs = [submission("2023-02", SJZ, 目标分解=issued)]
    # each year-end register: the store as it stood at each deadline
    for period in ("2023-12", "2024-12", "2025-12"):
        held = [a for a in awards if a["认定日期"] <= f"{period}-31"]
        subs.append(submission(period, X, 企业名录=[enterprise(E[i], X) for i in range(1, 7)], 资质认定=held))
    return complete_coverage(store_with(tmp_path_factory.mktemp("yearly"), subs), SJZ, "2023-12")


def test_a_yearly_target_is_judged_year_by_year_and_its_sum_is_only_a_sum(yearly_store):
    frame = compute_progress(yearly_store, "2026-01-31", [target("sjz.high_tech.annual")], with_previous=False)
    years = [one(frame, "sjz.high_tech.annual", X, y) for y in ("2023", "2024", "2025")]
    assert [(r["actual"], r["target_value"], r["status"]) for r in years] == [
        (3, 2, "已完成"),
        (1, 2, "未完成"),
        (2, 2, "已完成"),
    ]
    total = one(frame, "sjz.high_tech.annual", X, "2023-2025")
    # 3 + 1 + 2 = 6 against 2 + 2 + 2 = 6: the sum meets the sum, the target was missed in 2024
    assert (total["actual"], total["target_value"], total["years_met"], total["years_total"]) == (6, 6, 2, 3)
    assert total["status"] == "未完成" and result_text(total) == "3年中2年完成"
    assert pd.isna(total["shortfall"]) and total["met_on"] == ""
    assert "3年中2年完成；2023—2025年合计6家，3年分解目标合计6家" in final_sentence(total)
    # no 提前N个月 for a year of a 每年 target: 2023's 2 were reached in December, but no year is a dated target
    assert all(r["met_on"] == "" for r in years) and "提前" not in final_sentence(years[0])


def test_a_dated_count_reached_early_says_how_many_months_early(yearly_store):
    # 新乐市's own 2023 plan: 5家高新技术企业 in the year (力争); 3 by December → missed; at a target of 2 it is met in
    # December 2023 (the second award, 2023-12-01): 0 months early, no 提前
    frame = compute_progress(yearly_store, "2024-01-31", [target("xinle.high_tech.2023", low=1)], with_previous=False)
    row = one(frame, "xinle.high_tech.2023", X, "2023")
    assert row["met_on"] == "2023-11"  # the first award, November: one month before the deadline
    assert "2023年11月达到目标，提前1个月" in final_sentence(row)


def test_a_year_is_judged_on_the_data_of_its_deadline_not_on_later_corrections(yearly_store, tmp_path):
    # a register sent for 2024-06 back-dates an award to 2023-12-20: the 2023 result stays as it was at its deadline
    late = award(E[20], X, "高新技术企业", "2023-12-20")
    store = store_with(tmp_path, [])
    for sub in [
        submission("2023-02", SJZ, 目标分解=[allocation(X, "高新技术企业", 2023, 4)]),
        submission(
            "2023-12", X, 企业名录=[enterprise(E[1], X)], 资质认定=[award(E[1], X, "高新技术企业", "2023-11-10")]
        ),
        submission(
            "2024-06",
            X,
            企业名录=[enterprise(E[1], X), enterprise(E[20], X)],
            资质认定=[award(E[1], X, "高新技术企业", "2023-11-10"), late],
        ),
    ]:
        store.add(sub)
    complete_coverage(store, SJZ, "2023-12")
    frame = compute_progress(store, "2024-06-30", [target("sjz.high_tech.annual")], with_previous=False)
    assert one(frame, "sjz.high_tech.annual", X, "2023")["actual"] == 1  # what the 2023-12 reports said


# --- item 3: ranges and rates ------------------------------------------------------------------------


def test_beyond_a_range_is_counted_from_its_top_and_inside_it_reads_floor_met_top_not():
    above = final_row(actual=6.0, status="超额完成")  # 目标1至2个, 实际6个 → 超出上限4个 (not 5)
    assert beyond_text(above) == "超出上限4个"
    assert "，超额完成，超出上限4个" in final_sentence(above)
    inside = final_row(low=4.0, high=8.0, target_value=4.0, actual=6.0, status="已完成", unit="家")
    # 目标4至8家, 实际6家: inside the range, nothing 超出
    assert beyond_text(inside) == "" and result_text(inside) == "已完成（达到下限，未达上限）"
    assert "已完成，达到下限，未达上限" in final_sentence(inside) and "超出" not in final_sentence(inside)
    about = final_row(low=20.0, high=np.nan, target_value=20.0, actual=25.0, status="已完成", comparison="≈")
    assert beyond_text(about) == ""  # 左右: overshooting is neither a miss nor an 超出


def test_a_floor_and_a_stretch_are_two_verdicts():
    # 确保12%以上，奋力争取14%: 13% meets the floor, not the stretch
    row = final_row(
        target_id="xinle.cluster_revenue_growth.2023",
        plan="xinle-2023-cluster-upgrade",
        indicator="cluster_revenue_growth",
        jurisdiction=X,
        kind="growth",
        period="2023",
        term="2023",
        low=12.0,
        high=14.0,
        target_value=12.0,
        actual=13.0,
        unit="%",
        status="已完成",
        window_start="2023-01-01",
        window_end="2023-12-31",
    )
    assert result_text(row) == "确保目标12%已完成，争取目标14%未完成"
    assert "确保12%、争取14%" in final_sentence(row) and "确保目标12%已完成，争取目标14%未完成" in final_sentence(row)
    assert result_text({**row, "actual": 15.0, "status": "超额完成"}) == "确保目标12%、争取目标14%均已完成"


def cluster(name, unit):
    return {"集群名称": name, "所属地区": unit, "地区": unit}


def cluster_month(name, unit, month, ytd):
    return {"集群名称": name, "年月": month, "本年累计营业收入(万元)": ytd, "地区": unit}


def test_a_full_year_growth_rate_is_judged_on_the_year_and_never_early(tmp_path):
    # 1–2月 grew 20% (met 12% on paper), the year 10%: 未完成 on the full-year figure, and no 提前N个月
    name = "新乐市装备制造产业集群"
    months = [cluster_month(name, X, m, v) for m, v in (("2022-02", 100.0), ("2022-12", 1000.0))]
    months += [cluster_month(name, X, m, v) for m, v in (("2023-02", 120.0), ("2023-12", 1100.0))]
    store = store_with(tmp_path, [submission("2023-12", X, 集群名录=[cluster(name, X)], 集群月度=months)])
    growth = target("xinle.cluster_revenue_growth.2023")
    frame = compute_progress(store, "2024-01-31", [growth], with_previous=False)
    row = one(frame, growth.id, X, "2023")
    assert row["actual"] == pytest.approx(10.0) and row["status"] == "未完成" and row["met_on"] == ""
    assert result_text(row) == "确保目标12%未完成，争取目标14%未完成"


def test_a_share_shows_its_numerator_denominator_and_source(tmp_path):
    # 西宁市's 2 units hold 3 专精特新; 青海省 publishes 4 → 75% of the province, from 3 of 4 (青海省填报)
    W, Q = "城东区", "城中区"
    subs = [
        submission(
            "2025-12",
            W,
            企业名录=[enterprise(E[i], W) for i in (1, 2)],
            资质认定=[award(E[i], W, "专精特新中小企业", "2024-03-10", "省级") for i in (1, 2)],
        ),
        submission(
            "2025-12",
            Q,
            企业名录=[enterprise(E[3], Q)],
            资质认定=[award(E[3], Q, "专精特新中小企业", "2024-03-10", "省级")],
        ),
        submission("2025-12", "青海省", 指标填报=[report("青海省", "2025-12", "专精特新中小企业", 4)]),
    ]
    store = complete_coverage(store_with(tmp_path, subs), "西宁市", "2025-12")
    frame = compute_progress(store, "2025-12-31", [target("xining.srdi_sme.2025.share")], with_previous=False)
    row = one(frame, "xining.srdi_sme.2025.share", "西宁市", "2025")
    assert (row["actual"], row["numerator"], row["denominator"], row["denominator_source"]) == (75.0, 3, 4, "填报")
    assert "实际75%（西宁市3户，青海省填报4户）" in final_sentence(row)


# --- item 5: what a total covers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def partial_store(tmp_path_factory):
    """Only 新乐市 and 鹿泉区 of 石家庄市's 21 units have sent registers: 3 + 2 专精特新 held at the end of 2025."""
    subs = [
        submission(
            "2025-12",
            X,
            企业名录=[enterprise(E[i], X) for i in (1, 2, 3)],
            资质认定=[award(E[i], X, "专精特新中小企业", "2024-03-10", "省级") for i in (1, 2, 3)],
        ),
        submission(
            "2025-12",
            L,
            企业名录=[enterprise(E[i], L) for i in (4, 5)],
            资质认定=[award(E[i], L, "专精特新中小企业", "2024-03-10", "省级") for i in (4, 5)],
        ),
    ]
    return store_with(tmp_path_factory.mktemp("partial"), subs)


def test_a_total_from_some_units_says_so_and_is_not_judged(partial_store):
    frame = compute_progress(partial_store, "2025-12-31", [target("sjz.srdi_sme.2025")], with_previous=False)
    city = one(frame, "sjz.srdi_sme.2025", SJZ, "2025")
    # 5 against 750 from 2 of 21 units: not 未完成，差745家
    assert (city["actual"], city["units_covered"], city["units_total"], city["status"]) == (5, 2, 21, "覆盖不全")
    assert pd.isna(city["shortfall"])
    text = final_sentence(city)
    assert "据21个县级单位中2个单位的报送数据汇总" in text and "不作评价" in text and "差" not in text
    # the same store with every other unit having sent an (empty) register: the whole city, judged
    complete_coverage(partial_store, SJZ, "2025-12")
    whole = one(
        compute_progress(partial_store, "2025-12-31", [target("sjz.srdi_sme.2025")]), "sjz.srdi_sme.2025", SJZ, "2025"
    )
    assert (whole["units_covered"], whole["status"], whole["shortfall"]) == (21, "未完成", 745)


def test_a_partial_sum_that_already_meets_an_at_least_target_is_met(partial_store):
    frame = compute_progress(partial_store, "2025-12-31", [target("sjz.srdi_sme.2025", low=4)], with_previous=False)
    assert one(frame, "sjz.srdi_sme.2025", SJZ, "2025")["status"] == "已完成"  # 5 ≥ 4 whatever the others hold


def test_the_provinces_own_reported_figure_is_its_figure(tmp_path):
    subs = [submission("2025-12", "河北省", 指标填报=[report("河北省", "2025-12", "专精特新中小企业", 5100)])]
    store = store_with(tmp_path, subs)
    frame = compute_progress(store, "2025-12-31", [target("hebei.srdi_sme.2025")], with_previous=False)
    row = one(frame, "hebei.srdi_sme.2025", "河北省", "2025")
    assert (row["actual"], row["actual_source"], row["status"]) == (5100, "填报", "已完成")


def test_an_open_partial_total_is_not_compared_with_the_calendar(tmp_path):
    store = store_with(tmp_path, [submission("2025-06", X, 企业名录=[enterprise(E[1], X)])])
    frame = compute_progress(store, "2025-06-30", [target("sjz.srdi_sme.2025")], with_previous=False)
    city = one(frame, "sjz.srdi_sme.2025", SJZ, "2025")
    assert city["status"] == "覆盖不全" and pd.isna(city["gap_pp"]) and city["light"] == ""
    assert "不与" in sentence(city) and "据21个县级单位中1个单位" in sentence(city)


# --- item 6: explanations under the target and term they concern --------------------------------------


def _rows(**changes) -> pd.DataFrame:
    base = final_row(
        target_id="sjz.high_tech.annual",
        indicator="high_tech",
        indicator_name="高新技术企业",
        jurisdiction=X,
        kind="annual",
        period="annual",
        term="2025",
        basis="分解目标",
        window_start="2025-01-01",
        window_end="2025-12-31",
        status="未完成",
        unit="家",
    )
    base.update(changes)
    return pd.DataFrame([base])


def _notes(*rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"region": r, "month": m, "indicator": i, "progress": p, "problems": "", "next_steps": ""}
            for r, m, i, p in rows
        ]
    )


def test_a_note_belongs_to_a_target_and_term_the_unit_has():
    rows = pd.concat([_rows(), _rows(jurisdiction=L, basis="")])  # 鹿泉区 was issued no 高新 target
    notes = _notes(
        (X, "2025-09", "high_tech", "within the term"),
        (X, "2026-01", "high_tech", "the reporting month after it"),
        (X, "2026-02", "high_tech", "too late: about 2026, not 2025"),
        (X, "2024-12", "high_tech", "before the term: about 2024"),
        (L, "2025-09", "high_tech", "a unit without the target"),
        (X, "2025-09", "srdi_sme", "another indicator"),
    )
    assert sorted(attach(notes, rows)["progress"]) == ["the reporting month after it", "within the term"]


def test_a_monthly_report_shows_the_months_notes_beside_the_row_they_concern():
    rows = _rows(final=False, in_force=True, actual=1.0, target_value=3.0, progress_pct=33.3, status="落后序时")
    notes = _notes(
        (X, "2025-09", "high_tech", "截至2025年9月底，2025年新认定高新技术企业1家"), (X, "2025-08", "high_tech", "八月")
    )
    table = month_notes(notes, rows, "2025-09")
    assert table[["地区", "指标", "实际", "目标", "进展情况"]].values.tolist() == [
        [X, "新认定高新技术企业（2025年）", 1.0, 3.0, "截至2025年9月底，2025年新认定高新技术企业1家"]
    ]


def test_a_note_of_the_month_after_a_deadline_belongs_to_the_term_still_running():
    # 专精特新 by 2023 and by 2025 both issued to 新乐市: a note of 2024-01 is about the 2025 target, not the 2023 one
    rows = pd.concat(
        [
            _rows(
                target_id="sjz.srdi_sme.2023",
                indicator="srdi_sme",
                term="2023",
                kind="stock",
                period="2023",
                window_start="2022-08-28",
                window_end="2023-12-31",
            ),
            _rows(
                target_id="sjz.srdi_sme.2025",
                indicator="srdi_sme",
                term="2025",
                kind="stock",
                period="2025",
                window_start="2022-08-28",
                window_end="2025-12-31",
            ),
        ]
    )
    notes = _notes((X, "2024-01", "srdi_sme", "距2025年分解目标还差2家"), (X, "2023-12", "srdi_sme", "2023年末"))
    pairs = attach(notes, rows)
    assert sorted(zip(pairs["term"], pairs["progress"], strict=True)) == [
        ("2023", "2023年末"),
        ("2025", "2023年末"),
        ("2025", "距2025年分解目标还差2家"),
    ]
