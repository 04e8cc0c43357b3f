"""A draft written out: the catalog's YAML (data/targets/ID.yml), the plan's draft metadata
(data/policies/ID.meta.yml) and the rows of `targets --format csv`."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import yaml

from analysis.catalog.drafting.entries import Draft, DraftTarget
from analysis.catalog.regions import load_regions
from analysis.catalog.targets import CATALOG_COLUMNS, Indicator

REVIEW = "待核："


def plan_prefix(plan_id: str) -> str:
    """Target ids start with the plan's whole id, so they cannot collide with another plan's."""
    return plan_id


def proposed_ids(draft: Draft) -> dict[str, str]:
    """new_1, new_2 … for the names of indicators the registry lacks, in order of first use."""
    out: dict[str, str] = {}
    for t in draft.targets:
        if t.indicator is None and t.proposed_name and t.proposed_name not in out:
            out[t.proposed_name] = f"new_{len(out) + 1}"
    return out


def _share_of(jurisdiction: str, level_word: str) -> str:
    regions = load_regions()
    if regions.resolve(jurisdiction) is None:
        return "待填"
    wanted = {"省": "province", "市": "city", "区": "county", "县": "county", "国家": "country"}.get(level_word)
    chain = [regions.get(jurisdiction), *regions.ancestors(jurisdiction)]
    found = next((r for r in chain if r.level == wanted), None)
    return found.name if found else "待填"


def target_ids(draft: Draft, plan_id: str, new_ids: dict[str, str]) -> list[str]:
    """Ids in the catalog's style (xining.srdi_sme.2025, xining.incentive.high_tech), unique in the plan."""
    used: set[str] = set()
    out = []
    for t in draft.targets:
        indicator = t.indicator or new_ids.get(t.proposed_name or "", "new")
        base = f"{plan_prefix(plan_id)}.{indicator}.{t.period}"
        if t.kind in ("threshold", "incentive"):
            base = f"{plan_prefix(plan_id)}.{t.kind}.{indicator}"
        candidate = base if base not in used else f"{base}.{t.kind}"
        n = 1
        while candidate in used:
            n += 1
            candidate = f"{base}.{n}"
        used.add(candidate)
        out.append(candidate)
    return out


def target_node(t: DraftTarget, target_id: str, jurisdiction: str, new_ids: dict[str, str]) -> dict:
    """One target in the catalog's schema (the fields data/targets/*.yml use)."""
    node: dict = {"id": target_id, "indicator": t.indicator or new_ids.get(t.proposed_name or "", "new")}
    if t.level:
        node["measure"] = {"level": t.level}
    node["kind"] = t.kind
    if t.kind == "share":
        node["share_of"] = _share_of(jurisdiction, t.extra.get("share_of", "省"))
    if t.kind == "threshold":
        node["rung"] = t.extra.get("rung", "待定")
    node |= {"period": t.period, "low": t.low}
    if t.high is not None:
        node["high"] = t.high
    node |= {"comparison": t.comparison, "unit": t.unit, "aspirational": t.aspirational}
    for key in ("condition", "cap", "cap_unit", "stretch_aspirational"):
        if key in t.extra:
            node[key] = t.extra[key]
    node["quote"] = t.quote
    notes = [REVIEW + "；".join(t.reasons)] if t.reasons else []
    if t.extra.get("note"):
        notes.append(t.extra["note"])
    if notes:
        node["note"] = "；".join(notes)
    return node


def targets_document(draft: Draft, plan_id: str, jurisdiction: str, indicators: dict[str, Indicator]) -> dict:
    new_ids = proposed_ids(draft)
    return {
        "plan": plan_id,
        "jurisdiction": jurisdiction,
        "proposed_indicators": [
            {"id": new_id, "name": name, "unit": _unit_of(draft, name), "measure": {"reported": name}}
            for name, new_id in new_ids.items()
        ],
        "baselines": baseline_nodes(draft),
        "targets": [
            target_node(t, target_id, jurisdiction, new_ids)
            for t, target_id in zip(draft.targets, target_ids(draft, plan_id, new_ids), strict=True)
        ],
    }


def baseline_nodes(draft: Draft) -> list[dict]:
    return [
        {
            "indicator": b.indicator or b.name,
            "value": b.value,
            "unit": b.unit,
            "as_of": b.as_of or "方案印发时",
            "quote": draft.text.raw[b.start : b.end],
        }
        for b in draft.baselines
    ]


def _unit_of(draft: Draft, name: str) -> str:
    return next(t.unit for t in draft.targets if t.proposed_name == name)


def targets_yaml(draft: Draft, plan_id: str, jurisdiction: str, indicators: dict[str, Indicator], source: str) -> str:
    doc = targets_document(draft, plan_id, jurisdiction, indicators)
    review = [node["id"] for node in doc["targets"] if str(node.get("note", "")).startswith(REVIEW)]
    head = [
        f"# 草稿：由 python -m analysis targets draft 从 {source} 读出，须经人工核对后使用。",
        f"# 共 {len(doc['targets'])} 条目标；待核 {len(review)} 条（note 以“待核：”开头），请先核对："
        + ("、".join(review) if review else "无"),
    ]
    if doc["proposed_indicators"]:
        head.append(
            "# proposed_indicators：指标目录中没有的指标（new_N），请改为已有指标或将其补入 data/indicators.yml。"
        )
    if doc["baselines"]:
        head.append("# baselines：原文所载的基数（截至…、目前已有…），不是目标。")
    body = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=False)
    return "\n".join(head) + "\n" + body


def meta_yaml(meta: dict, draft: Draft) -> str:
    doc = dict(meta)
    doc["baselines"] = baseline_nodes(draft)
    for key, value in doc.items():
        if isinstance(value, dt.date):
            doc[key] = value.isoformat()
    head = "# 草稿：方案元数据，由 targets draft 从原文读出；“待填”处原文未载明，请补全后删去 draft: true。\n"
    return head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)


def targets_frame(draft: Draft, plan_id: str, jurisdiction: str, indicators: dict[str, Indicator], source: str):
    """The rows `targets --format csv` would print for this plan (low/high plain numbers, 万/亿 multiplied out)."""
    doc = targets_document(draft, plan_id, jurisdiction, indicators)
    names = {p["id"]: p["name"] for p in doc["proposed_indicators"]}
    rows = []
    for node in doc["targets"]:
        ind = indicators.get(node["indicator"])
        rows.append(
            {
                "id": node["id"],
                "plan": plan_id,
                "jurisdiction": jurisdiction,
                "indicator": node["indicator"],
                "indicator_name": ind.name if ind else names.get(node["indicator"], ""),
                "kind": node["kind"],
                "period": node["period"],
                "low": node["low"],
                "high": node.get("high"),
                "comparison": node["comparison"],
                "unit": node["unit"],
                "aspirational": node["aspirational"],
                "quote": node["quote"],
                "source": source,
                "note": node.get("note", ""),
            }
        )
    # object columns: 14 stays 14 beside a missing high (a float column would print 14.0)
    return pd.DataFrame(rows, columns=CATALOG_COLUMNS, dtype=object)
