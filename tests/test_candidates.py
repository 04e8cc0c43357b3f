"""Candidate screening on hand-computed fixtures: tiers, boundaries, strict and inclusive thresholds."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.analysts.candidates import applicable, candidates, in_tier, margin, passes, resolve_rung, screen_unit
from analysis.cli.main import main
from analysis.errors import UserError
from analysis.periods import month_end
from analysis.progress.facts import load_facts
from support.builders import award, enterprise, store_with, submission

LT, CD = "芦台经济开发区", "城东区"
C = {k: f"91130200MA0000{k}00X" for k in "ABCDEFGH"}
X = {k: f"91630102MA0000{k}00X" for k in "PQRS"}
SMALL = {"indicator": "annual_revenue", "max": 5000, "unit": "万元"}
MEDIUM = {"indicator": "annual_revenue", "above": 5000, "max": 20000, "unit": "万元"}
LARGE = {"indicator": "annual_revenue", "above": 20000, "unit": "万元"}


def fin(code, unit, revenue, rd, staff=100, rd_staff=10, tertiary=20, patents=1, main=None, year=2025):
    return {
        "统一社会信用代码": code,
        "年度": year,
        "营业收入(万元)": revenue,
        "主营业务收入(万元)": main,
        "研发费用(万元)": rd,
        "职工人数": staff,
        "研发人员数": rd_staff,
        "大专以上学历人数": tertiary,
        "有效发明专利数": patents,
        "地区": unit,
    }


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    lutai_fin = [
        fin(C["A"], LT, 5000, 250),  # ≤5000 tier: 5.0% ≥ 5% passes; 10% staff passes
        fin(C["B"], LT, 6000, 240),  # 5000–20000 tier: 4.0% ≥ 4% passes
        fin(C["C"], LT, 5000, 200),  # ≤5000 tier: 4.0% < 5%, short by 1
        fin(C["D"], LT, 30000, 900, staff=0, patents=0),  # >20000 tier: 3%; no staff (no data); no IP (short by 1)
        fin(C["E"], LT, 1000, 20, main=600, patents=2),  # 2% exactly: fails 专精特新 '>2', passes 科技型 '≥2'
        fin(C["F"], LT, 9000, 900),  # holds a valid 高新: not a 高新 candidate
        fin(C["G"], LT, 9000, 900),  # 高新 lapsed at 2023-12-31: a candidate again
        fin(C["A"], LT, 100, 0, year=2024),  # an older year, ignored
    ]
    lutai_awards = [
        award(C["F"], LT, "高新技术企业", "2024-01-01"),
        award(C["G"], LT, "高新技术企业", "2021-01-01"),  # default 3 years: valid to 2023-12-31
        award(C["E"], LT, "创新型中小企业", "2025-01-01"),
    ]
    xining_fin = [
        fin(X["P"], CD, 1000, 0),
        fin(X["Q"], CD, 2000, 0),
        fin(X["R"], CD, 2000.5, 0),
        fin(X["S"], CD, 999, 0),
    ]
    subs = [
        submission(
            "2025-12",
            LT,
            企业名录=[enterprise(c, LT) for c in C.values() if c != C["H"]],
            资质认定=lutai_awards,
            企业年度财务=lutai_fin,
        ),
        submission("2025-12", CD, 企业名录=[enterprise(c, CD) for c in X.values()], 企业年度财务=xining_fin),
    ]
    return store_with(tmp_path_factory.mktemp("cand"), subs)


@pytest.fixture(scope="module")
def facts(store):
    return load_facts(store, "2025-12")


def _criteria(facts, unit, rung):
    return screen_unit(facts, unit, rung, month_end("2025-12"))


def _one(rows, code, indicator):
    hit = rows[(rows["code"] == code) & (rows["indicator"] == indicator)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def test_revenue_tiers_include_their_upper_bound():
    assert in_tier(5000, SMALL) and not in_tier(5000, MEDIUM)
    assert in_tier(5000.01, MEDIUM) and not in_tier(5000.01, SMALL)
    assert in_tier(20000, MEDIUM) and not in_tier(20000, LARGE) and in_tier(20000.5, LARGE)
    assert not in_tier(float("nan"), SMALL) and in_tier(float("nan"), None)


def test_strict_and_inclusive_comparisons_at_the_boundary():
    assert passes(2.0, "≥", 2) and not passes(2.0, ">", 2) and passes(2.01, ">", 2)
    assert margin(2.0, ">", 2) == 0.0 and margin(1.8, "≥", 2) == pytest.approx(-0.2)
    assert passes(1000, "between", 1000, 2000) and passes(2000, "between", 1000, 2000)
    assert not passes(2000.5, "between", 1000, 2000) and margin(2000.5, "between", 1000, 2000) == -0.5
    assert not passes(float("nan"), "≥", 0)


def test_high_tech_rd_ratio_uses_the_revenue_tier(facts):
    rows = _criteria(facts, LT, "高新技术企业")
    a, b, c, d = (_one(rows, C[k], "rd_intensity") for k in "ABCD")
    assert (a["low"], a["value"], a["met"], a["margin"]) == (5, 5.0, True, 0.0)  # 5000 is the ≤5000 tier
    assert (b["low"], b["value"], b["met"]) == (4, 4.0, True)
    assert (c["low"], c["value"], c["met"], c["margin"]) == (5, 4.0, False, -1.0)
    assert (d["low"], d["value"], d["met"]) == (3, 3.0, True)
    assert rows[rows["code"] == C["A"]]["year"].eq(2025).all()  # the latest year, not 2024


def test_missing_staff_is_no_data_and_ip_shortfall_is_counted(facts):
    rows = _criteria(facts, LT, "高新技术企业")
    staff = _one(rows, C["D"], "rd_staff_share")
    assert pd.isna(staff["value"]) and not staff["met"]
    ip = _one(rows, C["D"], "ip_count")
    assert (ip["value"], ip["met"], ip["margin"]) == (0.0, False, -1.0)


def test_holders_are_excluded_and_lapsed_holders_return(facts):
    codes = set(_criteria(facts, LT, "高新技术企业")["code"])
    assert C["F"] not in codes and C["G"] in codes


def test_two_percent_fails_strict_srdi_but_passes_tech_sme(facts):
    srdi = _criteria(facts, LT, "专精特新中小企业")
    assert not _one(srdi, C["E"], "rd_intensity")["met"]
    assert _one(srdi, C["E"], "main_product_revenue_share")["value"] == 60.0  # 600/1000, ≥60 passes
    prereq = srdi[(srdi["code"] == C["E"]) & (srdi["criterion"] == "prerequisite")].iloc[0]
    assert prereq["met"]  # holds 创新型
    assert _one(_criteria(facts, LT, "科技型中小企业"), C["E"], "rd_intensity")["met"]


def test_plans_apply_in_their_own_jurisdiction_only():
    assert [t.id for t in applicable(CD, "规上工业企业")] == ["xining.threshold.above_scale.revenue"]
    assert applicable(LT, "规上工业企业") == []
    assert {t.id for t in applicable(LT, "高新技术企业")} >= {"lutai.threshold.high_tech.rd_intensity.small"}


def test_candidate_list_ranks_and_describes_gaps(store):
    table = candidates(store, LT, ["高新技术企业"], "2025-12")
    # G, B, A meet all 3 criteria (largest revenue first: 9000, 6000, 5000); then by relative shortfall:
    # C misses 5% by 1 (1/5 = 0.2), E (1000万, ≤5000 tier) has 2% and misses 5% by 3 (0.6),
    # D misses IP by 1 of 1 (1.0) and has no staff data (counted 1.0): 2.0
    assert list(table["code"]) == [C["G"], C["B"], C["A"], C["C"], C["E"], C["D"]]
    row = table.set_index("code").loc[C["C"]]
    assert (row["n_met"], row["n_criteria"], row["all_met"]) == (2, 3, False)
    assert row["shortfall_score"] == pytest.approx(0.2)
    assert "4%（需≥5%，差1%）" in row["missed_text"]
    assert table.set_index("code").loc[C["D"], "shortfall_score"] == pytest.approx(2.0)


def test_above_scale_band_is_inclusive(store):
    table = candidates(store, CD, ["规上工业企业"], "2025-12").set_index("code")
    assert table.loc[X["P"], "all_met"] and table.loc[X["Q"], "all_met"]
    assert not table.loc[X["R"], "all_met"] and not table.loc[X["S"], "all_met"]
    assert "差0.5万元" in table.loc[X["R"], "missed_text"] and "差1万元" in table.loc[X["S"], "missed_text"]


def test_rung_names_and_cli(store, capsys, tmp_path):
    assert resolve_rung("小巨人") == "专精特新小巨人"
    with pytest.raises(UserError):
        resolve_rung("独角兽")
    assert main(["candidates", "--region", LT, "--rung", "高新", "--format", "csv", "--store", str(store.dir)]) == 0
    out = capsys.readouterr().out
    # UTF-8 with a BOM, for Excel on Chinese Windows
    assert out.splitlines()[0].startswith("\ufeffunit,rung,rank,code") and C["G"] in out and C["F"] not in out
    xlsx = tmp_path / "c.xlsx"
    assert main(["candidates", "--region", LT, "--format", "xlsx", "--out", str(xlsx), "--store", str(store.dir)]) == 0
    table = pd.read_excel(xlsx, engine="openpyxl", header=1)  # row 1 is the title
    assert table.shape[0] > 0 and "企业名称" in table.columns
