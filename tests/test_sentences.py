"""The sentence of every target of the catalog, in every state, checked mechanically against the rules of a 公文.

Rules (issue "sentences and pages a 公文 can carry"): no word repeated back to back (新增新增), no unit
twice (对接活动场次5场), no comparison sign in prose (≥ ≈ > <), no target below 1, levels named where a
target narrows them (省级科技型中小企业), a share with its subject (占全省比重).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from analysis.catalog.targets import load_catalog
from analysis.progress.narrative import sentence

REPEATED = re.compile(r"([\u4e00-\u9fff“”]{2,})\1")
SIGNS = re.compile(r"[≥≤≈<>＞＜=]")
TARGET_NUMBER = re.compile(r"目标(?:为)?(\d+(?:\.\d+)?)")
STATES = (
    "open behind",
    "open met",
    "open level missed",
    "batch",
    "final missed",
    "final met",
    "final exceeded",
    "no data",
    "not issued",
)


def _row(target, state: str, place: str, basis: str) -> dict:
    goal = float(target.low)
    actual = {
        "open behind": goal * 0.6,
        "open met": goal,
        "open level missed": goal * 0.9,
        "batch": goal * 0.1,
        "final missed": goal * 0.8,
        "final met": goal,
        "final exceeded": (target.high or goal) + 1,
        "no data": np.nan,
        "not issued": goal * 0.3,
    }[state]
    final = state.startswith("final")
    status = {
        "open behind": "落后序时",
        "open met": "已完成",
        "open level missed": "未达标",
        "batch": "待批次认定",
        "final missed": "未完成",
        "final met": "已完成",
        "final exceeded": "超额完成",
        "no data": "无数据",
        "not issued": "",
    }[state]
    term = "2025" if target.period != "annual" else "2024"
    return {
        "target_id": target.id,
        "indicator": target.indicator,
        "indicator_name": load_catalog().indicators[target.indicator].name,
        "jurisdiction": place,
        "kind": target.kind,
        "period": target.period,
        "term": term,
        "low": target.low,
        "high": target.high,
        "unit": target.unit,
        "comparison": target.comparison,
        "aspirational": target.aspirational,
        "basis": "" if state == "not issued" else basis,
        "target_value": np.nan if state == "not issued" else goal,
        "actual": actual,
        "progress_pct": 100 * actual / goal,
        "expected_pct": 90.0,
        "gap_pp": 100 * actual / goal - 90,
        "status": status,
        "final": final,
        "in_force": not final,
        "as_of": "2025-09-30",
        "window_start": f"{term}-01-01",
        "window_end": f"{term}-12-31",
        "shortfall": goal - actual if state == "final missed" else np.nan,
        "met_on": "2025-06" if state == "final met" else "",
        "share_of_parent": 40.0,
    }


def _all_sentences():
    out = []
    for target in load_catalog().progress_targets():
        for state in STATES:
            for place, basis in ((target.jurisdiction, "方案目标"), ("新乐市", "分解目标")):
                out.append((target.id, state, place, target.unit, sentence(_row(target, state, place, basis))))
    return out


SENTENCES = _all_sentences()


def test_every_target_and_state_has_a_sentence():
    targets = load_catalog().progress_targets()
    assert len(SENTENCES) == len(targets) * len(STATES) * 2
    assert all(text.endswith("。") for *_, text in SENTENCES)


@pytest.mark.parametrize("rule, pattern", [("no word repeated back to back", REPEATED), ("no comparison sign", SIGNS)])
def test_no_sentence_breaks_the_rule(rule, pattern):
    broken = [(tid, state, text) for tid, state, _, _, text in SENTENCES if pattern.search(text)]
    assert broken == [], rule


def test_no_unit_is_written_twice():
    # 对接活动场次5场: the measure word (or 场次) right before the number that it then follows again
    doubled = [
        (tid, text)
        for tid, _, _, unit, text in SENTENCES
        if unit != "%" and re.search(re.escape(unit) + r"次?\d", text)
    ]
    assert doubled == []


def test_no_target_below_one_is_written():
    small = [
        (tid, text)
        for tid, _, _, unit, text in SENTENCES
        for value in TARGET_NUMBER.findall(text)
        if float(value) < 1 and unit != "%"
    ]
    assert small == []


def test_words_come_from_the_indicator_registry():
    by_id = {(tid, state): text for tid, state, place, _, text in SENTENCES if place != "新乐市"}
    # verbs of the plans: 选派, 组织, and no doubled 新增
    assert "2024年选派科技特派服务团" in by_id[("sjz.tech_service_groups.annual", "open behind")]
    assert "2024年组织各类对接服务活动" in by_id[("sjz.matchmaking_events.annual", "open behind")]
    assert "2024年新增发明专利" in by_id[("sjz.invention_patents_new.annual", "open behind")]
    # a share names its subject; levels are named where the target narrows them
    assert "专精特新中小企业占全省比重为" in by_id[("xining.srdi_sme.2025.share", "open behind")]
    levelled = [
        text for (tid, state), text in by_id.items() if tid.startswith("xining.tech_sme") and state == "open behind"
    ]
    assert any("省级科技型中小企业" in text for text in levelled) and any(
        "市级科技型中小企业" in text for text in levelled
    )
    # targets as a 公文 writes them
    assert "2025年目标8至10家" in by_id[("sjz.listed_company.2025", "final missed")]
    assert "全年目标20家左右" in by_id[("sjz.energy_diagnosis_enterprises.annual", "final missed")]
