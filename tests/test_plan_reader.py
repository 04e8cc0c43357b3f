"""The plan reader (`targets draft`): each pattern family of plan wording, base values, eligibility and
award amounts, what it flags for review, traditional characters, and rules that are data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import paths
from analysis.catalog.drafting.drafter import draft_text
from analysis.catalog.drafting.phrases import load_phrases
from analysis.catalog.drafting.sources import decode_text
from analysis.catalog.targets import COMPARISONS, KINDS, load_catalog

HEAD = "某市专精特新企业培育行动方案\n一、主要目标\n"


def one(text: str):
    """The single target drafted from `text` (after a heading that names no year)."""
    draft = draft_text(HEAD + text)
    assert len(draft.targets) == 1, [(t.kind, t.low, t.quote) for t in draft.targets]
    return draft.targets[0]


def facts(t) -> tuple:
    return (t.indicator, t.kind, t.period, t.low, t.high, t.comparison, t.unit, t.aspirational)


# --- pattern families ---------------------------------------------------------------------------


def test_a_level_by_a_deadline_is_a_stock_target():
    t = one("到2027年，全市专精特新“小巨人”企业达到30家以上。")
    assert facts(t) == ("little_giant", "stock", "2027", 30, None, "≥", "家", False)
    assert t.quote == "到2027年，全市专精特新“小巨人”企业达到30家以上"


def test_each_year_new_is_an_annual_target_and_carries_over_the_list():
    draft = draft_text(HEAD + "每年新增创新型中小企业200家、高新技术企业20家，新增发明专利100件。")
    got = [(t.indicator, t.kind, t.period, t.low, t.unit) for t in draft.targets]
    assert got == [
        ("innovative_sme", "annual", "annual", 200, "家"),
        ("high_tech", "annual", "annual", 20, "家"),
        ("invention_patents_new", "annual", "annual", 100, "件"),
    ]
    assert [t.quote for t in draft.targets] == ["每年新增创新型中小企业200家", "高新技术企业20家", "新增发明专利100件"]


def test_a_range_to_strive_for_is_cumulative_and_aspirational():
    t = one("到2027年，力争培育上市企业3至5家。")
    assert facts(t) == ("listed_company", "cumulative", "2027", 3, 5, "≥", "家", True)
    for dash in ("—", "-", "～"):
        assert (
            one(f"到2027年，力争培育上市企业3{dash}5家。").low,
            one(f"到2027年，力争培育上市企业3{dash}5家。").high,
        ) == (3, 5)


def test_cumulative_wins_over_a_level_verb_and_a_share_of_the_province_is_a_share():
    draft = draft_text(HEAD + "到2027年，累计培育“专精特新”企业80户以上，占全省的65%以上。")
    first, second = draft.targets
    assert facts(first) == ("srdi_sme", "cumulative", "2027", 80, None, "≥", "户", False)
    assert (second.indicator, second.kind, second.low, second.unit, second.extra["share_of"]) == (
        "srdi_sme",
        "share",
        65,
        "%",
        "省",
    )


def test_percent_levels_are_rates_or_ratios_and_increases_are_growth():
    draft = draft_text(
        HEAD + "到2027年，数字化研发设计工具普及率超过80%，“领跑者”企业研发投入占比达到4%，"
        "集群营业收入同比增长10%左右，高新技术产业增加值总量实现倍增。"
    )
    got = [(t.kind, t.low, t.comparison) for t in draft.targets]
    assert got == [("rate", 80, ">"), ("ratio", 4, "≥"), ("growth", 10, "≈"), ("growth", 100, "≥")]
    assert "倍增" in draft.targets[3].quote and any("倍增" in r for r in draft.targets[3].reasons)


def test_wan_and_yi_are_multiplied_out_and_money_is_in_wan_yuan():
    draft = draft_text(HEAD + "到2030年，全省专精特新中小企业达到8.6万家，规模以上工业增加值达到2800亿元以上。")
    assert [(t.low, t.unit) for t in draft.targets] == [(86000, "家"), (28000000, "万元")]


def test_a_pool_is_a_pool_and_its_missing_deadline_is_flagged():
    draft = draft_text(HEAD + "到2027年，上市企业达到10家。\n二、重点任务\n遴选50家有上市意愿的企业纳入上市培育库。")
    pool = draft.targets[1]
    assert (pool.kind, pool.period, pool.low, pool.indicator) == ("pool", "2027", 50, "listing_pool")
    assert any("未载明期限" in r for r in pool.reasons)


def test_a_restated_goal_is_catalogued_once_and_a_different_one_twice():
    draft = draft_text(
        HEAD + "到2027年，全市高新技术企业达到220家。\n二、重点任务\n到2027年，全市高新技术企业达到220家。"
        "到2027年，全市高新技术企业达到230家。"
    )
    assert [t.low for t in draft.targets] == [220, 230]
    assert any("重复表述" in x.reason for x in draft.left_out)


def test_a_binding_floor_and_a_stretch_are_one_target():
    t = one("确保全年集群营业收入同比增长12%以上，奋力争取集群营业收入增速突破14%。")
    assert (t.kind, t.low, t.high, t.extra["stretch_aspirational"]) == ("growth", 12, 14, True)


def test_a_one_year_plan_counts_in_year():
    draft = draft_text(
        "某县县域特色产业集群2024年提质工作方案\n一、目标\n力争年内培育“专精特新”中小企业6家、专精特新“小巨人”企业3家。"
    )
    assert [(t.kind, t.period, t.low, t.aspirational) for t in draft.targets] == [
        ("in-year", "2024", 6, True),
        ("in-year", "2024", 3, True),
    ]


def test_respectively_pairs_subjects_and_figures_in_order():
    draft = draft_text(HEAD + "到2027年，高新技术企业和科技型中小企业数量分别达到40家和240家以上。")
    assert [(t.indicator, t.low) for t in draft.targets] == [("high_tech", 40), ("tech_sme", 240)]
    assert all(t.quote == "到2027年，高新技术企业和科技型中小企业数量分别达到40家和240家以上" for t in draft.targets)


# --- base values, eligibility, awards --------------------------------------------------------------


def test_base_values_are_kept_as_baselines_not_targets():
    draft = draft_text(
        HEAD + "截至2024年底，全市已有专精特新中小企业120家。目前已有高新技术企业45家，到2027年达到80家。"
    )
    assert [(b.indicator, b.value, b.as_of) for b in draft.baselines] == [
        ("srdi_sme", 120, "2024-12-31"),
        ("high_tech", 45, None),
    ]
    assert [(t.indicator, t.low, t.period) for t in draft.targets] == [("high_tech", 80, "2027")]


def test_eligibility_thresholds_name_their_rung_and_band():
    draft = draft_text(
        HEAD + "（一）培育专精特新企业\n企业拥有专利、软件著作权或专有技术1项以上。研发投入占销售收入2%以上。\n"
        "（二）培育规上工业企业\n对年营业收入1000—2000万元的工业企业进行全面摸排。"
    )
    got = [(t.kind, t.low, t.high, t.comparison, t.extra["rung"]) for t in draft.targets]
    assert got == [
        ("threshold", 1, None, "≥", "专精特新中小企业"),
        ("threshold", 2, None, "≥", "专精特新中小企业"),
        ("threshold", 1000, 2000, "between", "规上工业企业"),
    ]


def test_award_amounts_are_incentives_with_caps_and_respective_lists():
    draft = draft_text(
        HEAD + "对新认定的高新技术企业、专精特新“小巨人”企业分别给予10万元、30万元奖励。"
        "对经认定的专精特新中小企业，按每户不高于20万元给予一次性奖励。"
        "按转移转化项目研发总投入的20%，给予最高200万元的补助，市、县财政分别承担50%。"
        "对年营业收入首次突破10亿元的企业，给予政策支持。"
    )
    got = [(t.kind, t.indicator, t.low, t.comparison, t.unit) for t in draft.targets]
    assert got[:3] == [
        ("incentive", "high_tech", 10, "=", "万元"),
        ("incentive", "little_giant", 30, "=", "万元"),
        ("incentive", "srdi_sme", 20, "≤", "万元"),
    ]
    assert (got[3][0], got[3][2], got[3][4], draft.targets[3].extra["cap"]) == ("incentive", 20, "%", 200)
    assert len(draft.targets) == 4
    reasons = {x.text: x.reason for x in draft.left_out}
    assert "分担" in reasons["50%"] and "首次" in reasons["10亿元"]


# --- what the analyst should look at first --------------------------------------------------------


def test_uncertain_figures_carry_a_reason():
    draft = draft_text(
        HEAD + "到2027年，累计培育专精特新企业80户以上，其中专精特新“小巨人”企业10户以上。\n"
        "二、任务\n组织对接活动20场。\n到2027年，建成智慧工厂3个100%覆盖。"
    )
    part, undated = draft.targets[1], draft.targets[2]
    assert any("其中" in r for r in part.reasons)
    assert any("未载明期限" in r for r in undated.reasons)
    assert all(any("两个数字" in r for r in t.reasons) for t in draft.targets[3:5])
    unknown = draft.targets[3]
    assert unknown.indicator is None and unknown.proposed_name and any("建议新增" in r for r in unknown.reasons)


def test_statements_without_goal_words_and_page_chrome_are_left_out():
    draft = draft_text(
        HEAD + "到2027年，全市高新技术企业达到80家。\n全市现有规上企业587家的说法见附件3份材料。\n"
        "第二部分很长很长的说明文字，用来把页尾推到三分之一以后，不含任何数字目标。\n"
        * 3
        + "猜你喜欢\n山西新培育认定“专精特新”企业744户\n"
    )
    assert [t.low for t in draft.targets] == [80]
    assert all("744" not in x.text for x in draft.left_out)


# --- traditional characters, encodings --------------------------------------------------------------


def test_traditional_text_matches_the_registry_and_quotes_stay_traditional():
    simplified = draft_text(HEAD + "到2025年，全省專精特新“小巨人”企業達到500家，“專精特新”中小企業達到5000家。")
    traditional_text = (
        "某市專精特新企業培育行動方案\n一、主要目標\n"
        "到2025年，全省專精特新“小巨人”企業達到500家，“專精特新”中小企業達到5000家。"
    )
    traditional = draft_text(traditional_text)
    assert [facts(t) for t in traditional.targets] == [facts(t) for t in simplified.targets]
    assert [t.indicator for t in traditional.targets] == ["little_giant", "srdi_sme"]
    assert traditional.targets[0].quote == "到2025年，全省專精特新“小巨人”企業達到500家"
    assert all(t.quote in traditional_text for t in traditional.targets)


def test_gb18030_text_is_read(tmp_path):
    text = HEAD + "到2027年，全市专精特新中小企业达到300家。"
    assert decode_text(text.encode("gb18030"), tmp_path / "a.txt") == text
    assert decode_text(("\ufeff" + text).encode("utf-8"), tmp_path / "a.txt").lstrip("\ufeff") == text


@pytest.mark.parametrize("plan", sorted(p.stem for p in (paths.DATA_DIR / "policies").glob("*.txt")))
def test_every_quote_of_the_seed_plans_is_verbatim(plan):
    text = (paths.DATA_DIR / "policies" / f"{plan}.txt").read_text(encoding="utf-8")
    draft = draft_text(text)
    assert draft.targets
    for t in draft.targets:
        assert t.quote and t.quote in text
        assert t.start < t.end and text[t.start : t.end] == t.quote
        assert t.kind in KINDS and t.comparison in COMPARISONS and (t.period == "annual" or t.period.isdigit())


def test_the_seeds_match_the_hand_catalog():
    """The benchmark's comparison, kept as a test: every comparable entry found, nothing extra."""
    from analysis.catalog.drafting.scoring import Expected, comparable, score

    catalog = load_catalog()
    doubling = load_phrases().mapping("doubling_words")
    found = expected = drafted = 0
    for plan in catalog.plans.values():
        text = plan.text_path.read_text(encoding="utf-8")
        wanted = [
            Expected(t.id, t.kind, t.period, t.low, t.high, t.quote) for t in catalog.targets if t.plan == plan.id
        ]
        result = score([e for e in wanted if comparable(e, doubling)], draft_text(text).targets, text)
        found, expected, drafted = (
            found + len(result.matched),
            expected + len(result.expected),
            drafted + len(result.drafted),
        )
    assert expected == 150
    assert found / expected >= 0.95 and found / drafted >= 0.90


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_quotes_are_verbatim_whatever_the_text(data):
    """Pieces of the five plans cut anywhere, joined in any order, some in traditional characters, joined by
    nothing, line breaks or ideographic spaces: every quote is still the text between its offsets."""
    import opencc

    texts = [p.read_text(encoding="utf-8") for p in sorted((paths.DATA_DIR / "policies").glob("*.txt"))]
    to_traditional = opencc.OpenCC("s2t")
    pieces = []
    for _ in range(data.draw(st.integers(1, 4))):
        text = data.draw(st.sampled_from(texts))
        start = data.draw(st.integers(0, len(text) - 1))
        piece = text[start : start + data.draw(st.integers(1, 600))]
        if data.draw(st.booleans()):
            piece = to_traditional.convert(piece)
        pieces.append(piece)
    text = data.draw(st.sampled_from(["", "\n", "\u3000", "\n\n"])).join(pieces)
    draft = draft_text(text)
    for t in draft.targets:
        assert text[t.start : t.end] == t.quote and t.quote.strip() == t.quote and t.quote
    for b in draft.baselines:
        assert 0 <= b.start < b.end <= len(text)


# --- rules are data ---------------------------------------------------------------------------------


def test_a_new_phrasing_is_a_data_change(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("indicators.yml", "plan_phrases.yml"):
        shutil.copy(paths.DATA_DIR / name, data / name)
    text = HEAD + "逐年新增创新型中小企业200家。"
    assert draft_text(text, data).targets[0].kind != "annual"
    rules = (data / "plan_phrases.yml").read_text(encoding="utf-8")
    (data / "plan_phrases.yml").write_text(
        rules.replace("each_year: [每年度, 每年]", "each_year: [每年度, 每年, 逐年]"), encoding="utf-8"
    )
    load_phrases.cache_clear()
    assert draft_text(text, data).targets[0].kind == "annual"


def test_a_broken_rules_file_is_a_chinese_error(tmp_path):
    from analysis.errors import DataFileError

    bad = tmp_path / "plan_phrases.yml"
    bad.write_text("units: {count: [家]}\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="缺少规则"):
        load_phrases(Path(bad))
