"""The words of one result, shared by every table and sentence that shows it (docs/methodology.md, section 5).

- `result_text`: the 结果 cell. A 每年 target's plan-period total reads 3年中2年完成, never the verdict of its
  sum; a range met inside it reads 已完成（达到下限，未达上限）; a 确保/争取 pair gives two verdicts; a total
  counted from only some units reads 覆盖不全 with what it covers.
- `beyond_text`: how far a met target went past what it asked: from the top of a range (目标1至2个，实际6个：
  超出上限4个), nothing for 左右 or a value inside a range.
- `share_text`, `coverage_text`: the numerator, denominator and source of a share; N of M units of a total.
- `basis_label`: 方案目标 with the plan's 文号, or 分解目标 with who issued it and its 文号.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from analysis.catalog.regions import load_regions
from analysis.catalog.targets import Target, load_catalog
from analysis.progress.verdicts import (
    STATUS_AWAITING,
    STATUS_DONE,
    STATUS_EXCEEDED,
    STATUS_MISSED,
    STATUS_NO_DATA,
    STATUS_PARTIAL,
)

INSIDE_RANGE = "达到下限，未达上限"
# a space the source set between Chinese and a figure ("每年推动 5 家企业", "2025 年"): not part of the words
_CJK_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef0-9%])[ \u3000\t]+(?=[\u3000-\u9fff\uff00-\uffef0-9])")


@lru_cache(maxsize=512)
def _display(target_id: str) -> tuple[str, str]:
    from analysis.catalog.quotes import display_quote

    return display_quote(_targets()[target_id])


def shown_quote(row) -> str:
    """A target's quote as documents show it (catalog.quotes.display_quote): simplified characters for a plan
    published in traditional ones, full-width punctuation, no stray spaces; still the plan's own words."""
    target = target_of(row)
    return _display(target.id)[0] if target is not None else plain_text(str(row.get("quote", "")))


def quote_notes(rows) -> list[str]:
    """The notes the shown quotes need (a quote converted from traditional characters says so), once each."""
    ids = [t for t in dict.fromkeys(rows["target_id"]) if t in _targets()]
    return list(dict.fromkeys(note for note in (_display(t)[1] for t in ids) if note))


def plain_text(text: str) -> str:
    """Text for display with the whitespace inside Chinese removed (每年推动 5 家企业 → 每年推动5家企业); Latin
    words keep their spaces. The catalog keeps the quote verbatim: this is only how a page shows it."""
    return _CJK_SPACE.sub("", str(text)).strip()


@lru_cache(maxsize=1)
def _targets() -> dict[str, Target]:
    return {t.id: t for t in load_catalog().targets}


def target_of(row) -> Target | None:
    return _targets().get(str(row.get("target_id", "")))


def number(value: float, unit: str) -> str:
    """Every figure as the documents write it: whole numbers as such; rates to two decimals at most (3.39, 65.4,
    50), other fractions to one."""
    if pd.isna(value):
        return "—"
    if float(value).is_integer():
        return f"{int(value)}"
    if unit == "%":
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:.1f}"


_number = number


def _amount(value: float, unit: str) -> str:
    return f"{_number(abs(value), unit)}个百分点" if unit == "%" else f"{_number(abs(value), unit)}{unit}"


def is_total(row) -> bool:
    return "-" in str(row.get("term", ""))


def has_range(row) -> bool:
    high = row.get("high")
    return high is not None and not pd.isna(high) and bool(row.get("low"))


def top_of(row) -> float:
    """The top of a range or stretch, scaled like the goal (an issued share of 8至10家 keeps its proportion)."""
    return float(row["target_value"]) * float(row["high"]) / float(row["low"])


def is_floor_and_stretch(row) -> bool:
    """A 确保 floor with an 争取 stretch (确保12%以上，争取14%): two targets in one quote, two verdicts."""
    target = target_of(row)
    return bool(target is not None and target.extra.get("stretch_aspirational") and has_range(row))


def pair_text(row) -> str:
    """The two verdicts of a 确保/争取 pair: 确保目标12%已完成，争取目标14%未完成."""
    unit = row["unit"]
    floor = f"确保目标{_number(row['target_value'], unit)}{unit}"
    stretch = f"争取目标{_number(top_of(row), unit)}{unit}"
    if row["status"] == STATUS_EXCEEDED:
        return f"{floor}、{stretch}均已完成"
    if row["status"] == STATUS_DONE:
        return f"{floor}已完成，{stretch}未完成"
    return f"{floor}未完成，{stretch}未完成"


def years_text(row) -> str:
    """A 每年 target's verdict over its years: 3年均完成 / 3年中2年完成 / 3年均未完成, and the years that could not
    be judged (3年中1年完成，1年无数据)."""
    total, met = int(row["years_total"]), int(row["years_met"])
    unjudged = row.get("years_unjudged")
    unjudged = 0 if unjudged is None or pd.isna(unjudged) else int(unjudged)
    if unjudged == total:
        return f"{total}年均无数据"
    if unjudged:
        return f"{total}年中{met}年完成，{unjudged}年无数据或数据不全"
    if met == total:
        return f"{total}年均完成"
    if met == 0:
        return f"{total}年均未完成"
    return f"{total}年中{met}年完成"


def coverage_text(row) -> str:
    """What a counted total covers: 据168个县级单位中23个单位的报送数据汇总 (empty when it covers them all)."""
    covered, total = row.get("units_covered"), row.get("units_total")
    if covered is None or pd.isna(covered) or pd.isna(total) or int(covered) >= int(total):
        return ""
    return f"据{int(total)}个县级单位中{int(covered)}个单位的报送数据汇总"


def result_text(row) -> str:
    """The 结果 cell of a row (final or open), in words a reader can check against the figures beside it."""
    status = row.get("status", "")
    if status == STATUS_PARTIAL:
        return f"覆盖不全（{int(row['units_total'])}个县级单位中{int(row['units_covered'])}个有报送），不作评价"
    if status == STATUS_AWAITING:
        return "待年度财务数据"
    if is_total(row) and not pd.isna(row.get("years_met", float("nan"))):
        return years_text(row)
    if status in (STATUS_DONE, STATUS_EXCEEDED, STATUS_MISSED) and is_floor_and_stretch(row):
        return pair_text(row)
    if status == STATUS_DONE and has_range(row) and row["actual"] < top_of(row):
        return f"{STATUS_DONE}（{INSIDE_RANGE}）"
    return str(status or "")


def beyond_text(row) -> str:
    """How far a met target went past it: 超出4家 (from the top of a range), empty for 左右 and inside a range."""
    if row.get("status") not in (STATUS_DONE, STATUS_EXCEEDED) or pd.isna(row.get("actual")) or is_total(row):
        return ""
    if row.get("comparison") in ("≈", "≤"):
        return ""
    top = top_of(row) if has_range(row) else float(row["target_value"])
    over = float(row["actual"]) - top
    if over <= 0:
        return ""
    unit = row["unit"]
    return f"超出上限{_amount(over, unit)}" if has_range(row) else f"超出{_amount(over, unit)}"


def gap_text(row) -> str:
    """The 差额 cell: 差4家 for a missed target; for a 每年 total, each missed year (2024年差1家)."""
    if is_total(row):
        return ""
    if row.get("status") == STATUS_MISSED and not pd.isna(row.get("shortfall")):
        return f"差{_amount(row['shortfall'], row['unit'])}"
    return beyond_text(row)


def count_unit(row) -> str:
    """The unit a share's numerator and denominator are counted in (the plan's own word for the indicator)."""
    target = target_of(row)
    catalog = load_catalog()
    if target is not None:
        for other in catalog.targets:
            if other.plan == target.plan and other.indicator == target.indicator and other.unit != "%":
                return other.unit
    indicator = catalog.indicators.get(str(row.get("indicator", "")))
    return indicator.unit if indicator is not None else ""


def share_text(row) -> str:
    """A share's parts: 西宁市76户，青海省填报114户 — numerator, denominator and the denominator's source."""
    numerator, denominator = row.get("numerator"), row.get("denominator")
    if numerator is None or pd.isna(numerator) or pd.isna(denominator):
        return ""
    target = target_of(row)
    parent = str(target.extra.get("share_of", "")) if target is not None else ""
    unit = count_unit(row)
    source = "填报" if row.get("denominator_source") == "填报" else "计数"
    return f"{row['jurisdiction']}{_number(numerator, unit)}{unit}，{parent}{source}{_number(denominator, unit)}{unit}"


def issuer_region(place: str) -> str:
    """The level that issues a unit its targets: the unit's parent in the reporting tree."""
    regions = load_regions()
    parents = regions.ancestors(place) if place in regions.regions else []
    return parents[0].name if parents else ""


def basis_short(row) -> str:
    """The 口径 cell of a table: 方案目标, or 分解目标 with its 文号 (the legend above the table names the plan and
    the issuer once: `basis_legend`)."""
    basis = str(row.get("basis") or "")
    if basis == "分解目标" and row.get("basis_source"):
        return f"分解目标（{row['basis_source']}）"
    return basis


def basis_legend(rows) -> str:
    """What each 口径 of a table stands for, said once: 方案目标指《…》（石政办函〔2022〕44号）确定的目标；分解目标指
    河北省下达的目标。"""
    import pandas as pd

    frame = pd.DataFrame(rows)
    if frame.empty or "basis" not in frame:
        return ""
    parts = []
    catalog = load_catalog()
    plans = frame.loc[frame["basis"] == "方案目标", "plan"].drop_duplicates()
    for plan_id in plans:
        plan = catalog.plans.get(plan_id)
        if plan is not None:
            doc = f"（{plan.doc_number}）" if plan.doc_number else "（原文未载文号）"
            parts.append(f"《{plan.title}》{doc}确定的目标")
    if parts:
        parts = ["方案目标指" + "、".join(parts)]
    issued = frame[frame["basis"] == "分解目标"]
    issuers = list(dict.fromkeys(issuer_region(p) for p in issued["jurisdiction"]))
    if issuers:
        parts.append("分解目标指" + "、".join(issuers) + "按方案下达的目标任务（括号内为下达文号）")
    return "；".join(parts) + "。" if parts else ""


def basis_label(row) -> str:
    """方案目标（石政办函〔2022〕44号） or 分解目标（河北省下达，冀工信〔2023〕15号）; 测算 as it is."""
    basis = str(row.get("basis") or "")
    if basis == "方案目标":
        plan = load_catalog().plans.get(str(row.get("plan", "")))
        doc = plan.doc_number if plan is not None and plan.doc_number else "方案原文未载文号"
        return f"方案目标（{doc}）"
    if basis == "分解目标":
        issuer = issuer_region(str(row["jurisdiction"]))
        doc = str(row.get("basis_source") or "")
        return f"分解目标（{issuer}下达" + (f"，{doc}）" if doc else "）")
    return basis


def headline_rows(rows):
    """One row per target: a dated target's final row; a 每年 target's plan-period total (its one year, if only one).
    What a document counts when it says 目标N项 (the final assessment and every 调度/通报 count alike)."""
    import pandas as pd

    terms = rows["term"].astype(str)
    totals = rows[terms.str.contains("-")]
    single = rows[~terms.str.contains("-") & ~rows["target_id"].isin(set(totals["target_id"]))]
    single = single.drop_duplicates(["jurisdiction", "target_id"], keep="last")
    order = {tid: i for i, tid in enumerate(dict.fromkeys(rows["target_id"]))}
    out = pd.concat([single, totals])
    return out.assign(_o=out["target_id"].map(order)).sort_values("_o", kind="stable").drop(columns="_o")


def no_verdict(row) -> bool:
    """Rows with figures but no verdict: not issued, no data, partial coverage, annual accounts not in."""
    return row.get("status") in ("", STATUS_NO_DATA, STATUS_PARTIAL, STATUS_AWAITING)
