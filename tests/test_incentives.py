"""Incentive payouts on hand-computed fixtures: fixed amounts, caps, funding splits, plan jurisdiction and dates."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.analysts.incentives import by_source, by_unit, estimate, parse_period, payouts
from analysis.cli.main import main
from analysis.errors import UserError
from analysis.progress.facts import load_facts
from support.builders import award, enterprise, store_with, submission

LT, CD, XX = "芦台经济开发区", "城东区", "新乐市"
L = {i: f"91130200MA0000{i:03d}X" for i in range(1, 6)}
W = {i: f"91630102MA0000{i:03d}X" for i in range(1, 6)}
N1 = "91130184MA0000001X"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    lutai = [
        award(L[1], LT, "专精特新中小企业", "2024-03-01", "省级"),  # new: 5 万元 (芦台经济开发区)
        award(L[2], LT, "专精特新小巨人", "2024-06-15", "国家级"),  # new: 10 万元
        award(L[3], LT, "专精特新中小企业", "2021-02-01", "省级"),  # first granted 2021: the 2024
        award(L[3], LT, "专精特新中小企业", "2024-02-01", "省级"),  #   re-certification is not new
        award(L[4], LT, "专精特新中小企业", "2024-04-01", "市级"),  # 市级: Lutai pays for 省级 only
    ]
    xining = [
        award(W[1], CD, "高新技术企业", "2024-05-10"),  # province 10; municipal 30 split 15/15
        award(W[2], CD, "科技型中小企业", "2024-07-01", "市级"),  # municipal 10 split 5/5
        award(W[3], CD, "创新型中小企业", "2024-08-01"),  # caps: province ≤20, municipal ≤10
        award(W[4], CD, "高新技术企业", "2023-05-01"),  # before the plan's baseline 2023-06-16
        award(W[5], CD, "高新技术企业", "2023-07-01"),  # in force: counts in 2023
    ]
    subs = [
        submission("2024-12", LT, 企业名录=[enterprise(c, LT) for c in L.values()], 资质认定=lutai),
        submission("2024-12", CD, 企业名录=[enterprise(c, CD) for c in W.values()], 资质认定=xining),
        # 新乐市 is under no plan with award incentives
        submission(
            "2024-12", XX, 企业名录=[enterprise(N1, XX)], 资质认定=[award(N1, XX, "高新技术企业", "2024-05-01")]
        ),
    ]
    return store_with(tmp_path_factory.mktemp("inc"), subs)


def test_periods():
    assert parse_period("2024") == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
    assert parse_period("2024-02") == (pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-29"))
    assert parse_period("2024-Q2") == (pd.Timestamp("2024-04-01"), pd.Timestamp("2024-06-30"))
    with pytest.raises(UserError):
        parse_period("2024-Q5")


def test_lutai_fixed_amounts_new_awards_only(store):
    detail = estimate(store, "2024", LT)
    assert detail[["item", "count", "amount", "source"]].values.tolist() == [
        ["国家级专精特新“小巨人”企业", 1, 10.0, LT],
        ["省级专精特新中小企业", 1, 5.0, LT],
    ]
    assert estimate(store, "2024-Q2", LT)["amount"].sum() == 10.0  # only the 小巨人 of June


def test_xining_splits_and_caps(store):
    detail = estimate(store, "2024", "西宁市")
    sources = by_source(detail).set_index("资金来源")
    # 省级: 高新 10 + 创新型 ≤20 = 30, of which 20 a cap; 市级: 高新 15 + 科技型 5 + 创新型 ≤10 = 30 (10 a cap);
    # 县区或园区 (城东区's own budget): 高新 15 + 科技型 5 = 20
    assert sources.loc["省级"].tolist() == [30.0, 20.0]
    assert sources.loc["市级"].tolist() == [30.0, 10.0]
    assert sources.loc["县区或园区"].tolist() == [20.0, 0.0]
    sought = detail.set_index("target_id")["sought"]
    assert sought["xining.incentive.high_tech.province"] == "是"  # 争取省级财政科技专项资金
    assert set(sought[["xining.incentive.high_tech.municipal"]]) == {""}
    table = by_unit(detail).set_index("地区")
    assert table.loc[CD, "合计"] == 80.0 and table.loc["合计", "合计"] == 80.0


def test_plan_in_force_and_own_jurisdiction(store):
    facts = load_facts(store, "2024-12")
    y2023 = payouts(facts, *parse_period("2023"))
    # only W5 (2023-07-01): 10 (省级) + 30 (市级/县区 15 each); W4 predates the plan
    assert y2023["amount"].sum() == 40.0 and set(y2023["unit"]) == {CD}
    assert XX not in set(payouts(facts, *parse_period("2024"))["unit"])


def test_cli_table_and_csv(store, capsys):
    assert main(["incentives", "--period", "2024", "--store", str(store.dir)]) == 0
    out = capsys.readouterr().out
    assert "奖补资金测算" in out and "县区或园区" in out and "95.0" in out  # 80 + 15 in the 合计 row
    assert (
        main(["incentives", "--period", "2024-Q1", "--region", LT, "--format", "csv", "--store", str(store.dir)]) == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("\ufeffunit,target_id") and len(lines) == 2 and lines[1].endswith(",5.0")
