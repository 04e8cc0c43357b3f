"""The target catalog: complete, exact, verbatim and validated."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from analysis import paths
from analysis.catalog.regions import load_regions
from analysis.catalog.targets import PERIODS, PROGRESS_KINDS, check_quotes, load_catalog, select
from analysis.errors import DataFileError


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def by_id(catalog, target_id):
    return next(t for t in catalog.targets if t.id == target_id)


def test_every_quote_occurs_verbatim_in_its_source(catalog):
    assert check_quotes(catalog) == []
    for t in catalog.targets:
        text = (paths.POLICIES_DIR / t.source).read_text(encoding="utf-8")
        assert t.quote in text, t.id


def test_policy_texts_are_the_seeds_verbatim(catalog):
    seeds = paths.PROJECT_ROOT.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("shared/seeds not beside the project")
    for plan in catalog.plans.values():
        assert plan.text_path.read_bytes() == (seeds / plan.source_file).read_bytes()


def test_every_indicator_and_jurisdiction_is_known(catalog):
    regions = load_regions()
    for t in catalog.targets:
        assert t.indicator in catalog.indicators
        assert regions.resolve(t.jurisdiction) is not None
        assert t.period in PERIODS


def test_about_a_hundred_progress_targets_across_five_plans(catalog):
    progress = catalog.progress_targets()
    assert len(catalog.plans) == 5
    assert len(progress) == 99
    per_plan = {p: sum(t.plan == p for t in progress) for p in catalog.plans}
    assert per_plan == {
        "hebei-province-2022-leaders": 26,
        "shijiazhuang-2022-leaders": 36,
        "xinle-2023-cluster-upgrade": 15,
        "lutai-zone-specialised-smes": 10,
        "xining-2023-sme-clusters": 12,
    }
    assert {t.kind for t in progress} == set(PROGRESS_KINDS)


def test_ranges_floors_strict_bounds_and_stretch_keep_both_ends(catalog):
    listed = by_id(catalog, "hebei.listed_company.2023")
    assert (listed.low, listed.high, listed.comparison, listed.kind) == (8, 10, "≥", "cumulative")
    mgmt = by_id(catalog, "hebei.digital_mgmt_rate.2023")
    assert (mgmt.low, mgmt.comparison, mgmt.unit) == (78, ">", "%")
    growth = by_id(catalog, "xinle.cluster_revenue_growth.2023")
    assert (growth.low, growth.high, growth.aspirational, growth.kind) == (12, 14, False, "growth")
    energy = by_id(catalog, "sjz.energy_diagnosis_enterprises.annual")
    assert (energy.low, energy.comparison) == (20, "≈")
    share = by_id(catalog, "xining.srdi_sme.2025.share")
    assert (share.kind, share.low, share.extra["share_of"]) == ("share", 65, "青海省")


def test_percentages_are_percent_numbers(catalog):
    ratio = by_id(catalog, "hebei.leader_rd_ratio.2025")
    assert ratio.low == 3.5 and ratio.unit == "%"
    assert all(t.low >= 1 for t in catalog.targets if t.unit == "%")


def test_aspirational_words_are_flagged(catalog):
    for t in catalog.targets:
        if t.quote.startswith(("力争", "争取")):
            assert t.aspirational, t.id
    assert by_id(catalog, "sjz.listed_company.2023").aspirational
    assert not by_id(catalog, "sjz.srdi_sme.2023").aspirational


def test_traditional_and_simplified_spellings_are_one_indicator(catalog):
    assert catalog.indicator_by_name("專精特新中小企業").id == "srdi_sme"
    assert catalog.indicator_by_name("“专精特新”中小企业").id == "srdi_sme"
    hebei = by_id(catalog, "hebei.srdi_sme.2025")
    sjz = by_id(catalog, "sjz.srdi_sme.2025")
    assert hebei.indicator == sjz.indicator


def test_thresholds_and_incentives_are_catalogued_but_not_progress(catalog):
    tiers = [
        t
        for t in catalog.targets
        if t.kind == "threshold" and t.indicator == "rd_intensity" and t.extra.get("rung") == "高新技术企业"
    ]
    assert sorted(t.low for t in tiers) == [3, 4, 5]
    giant_award = by_id(catalog, "lutai.incentive.little_giant")
    assert (giant_award.kind, giant_award.low, giant_award.unit) == ("incentive", 10, "万元")
    assert by_id(catalog, "xining.incentive.tech_transfer").extra["funding"] == {"省级": 80, "市级": 20}
    assert not any(t.kind in ("threshold", "incentive") for t in catalog.progress_targets())


def test_select_by_plan_and_region(catalog):
    xinle = select(catalog, region="新乐")
    assert {t.jurisdiction for t in xinle} == {"新乐市"}
    hebei_tree = select(catalog, region="河北省", kinds=["stock"])
    assert {t.jurisdiction for t in hebei_tree} == {"河北省", "石家庄市", "芦台经济开发区"}


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR / "policies", target / "policies")
    shutil.copytree(paths.DATA_DIR / "targets", target / "targets")
    shutil.copy(paths.INDICATORS_FILE, target / "indicators.yml")
    return target


def _edit_first_target(data_dir: Path, **changes):
    path = data_dir / "targets" / "xinle-2023-cluster-upgrade.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["targets"][0].update(changes)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"kind": "stok"}, "kind “stok”无效"),
        ({"period": "24"}, "period “24”无效"),
        ({"indicator": "no_such"}, "未知指标“no_such”"),
        ({"low": "12%"}, "字段“low”的值 '12%' 类型不对"),
        ({"jurisdiction": "火星市"}, "未知地区“火星市”"),
        ({"high": 5}, "high 5 小于 low 12"),
        ({"colour": "red"}, "未知字段 colour"),
    ],
)
def test_schema_errors_name_file_target_and_field(data_copy, changes, message):
    _edit_first_target(data_copy, **changes)
    with pytest.raises(DataFileError) as err:
        load_catalog.__wrapped__(data_copy)
    assert "xinle-2023-cluster-upgrade.yml 第1条目标（xinle.cluster_revenue_growth.2023）" in str(err.value)
    assert message in str(err.value)


def test_a_quote_not_in_the_text_is_reported(data_copy):
    _edit_first_target(data_copy, quote="确保全年营业收入同比增长20%以上")
    catalog = load_catalog.__wrapped__(data_copy)
    problems = check_quotes(catalog)
    assert len(problems) == 1 and "xinle.cluster_revenue_growth.2023" in problems[0]


def test_missing_required_field(data_copy):
    path = data_copy / "targets" / "lutai-zone-specialised-smes.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    del doc["targets"][2]["quote"]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError, match="第3条目标（lutai.high_tech.2025）：缺少必填字段“quote”"):
        load_catalog.__wrapped__(data_copy)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("专精特新小巨人", "专精特新“小巨人”企业"),
        ("科技型", "科技型中小企业"),
        ("高新技术企业", "高新技术企业"),
        ("high_tech", "高新技术企业"),
    ],
)
def test_short_names_analysts_type_find_one_indicator(typed, expected):
    assert load_catalog().find_indicator(typed).name == expected


@pytest.mark.parametrize(
    "typed, candidates",
    [
        ("专精特新", ["专精特新中小企业", "专精特新“小巨人”企业"]),
        ("專精特新", ["专精特新中小企业", "专精特新“小巨人”企业"]),
    ],
)
def test_an_ambiguous_short_name_lists_the_candidates(typed, candidates):
    from analysis.errors import UserError

    with pytest.raises(UserError) as info:
        load_catalog().find_indicator(typed)
    assert all(c in str(info.value) for c in candidates) and "请写全称" in str(info.value)
