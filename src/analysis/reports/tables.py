"""The tables every report shares, built from progress rows with the words of progress.results.

One row of a table is one (place, target, term) as the engine computed it; a table never recomputes a figure,
so the same result reads the same in every document (documents.md, invariant 1). Every table names each
target as the sentences do, its basis (方案目标 with the plan's 文号, 分解目标 with who issued it), and where a
figure comes from (计数 with the units it covers, 填报, a share's numerator and denominator).
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.progress.allocations import BASIS_ISSUED, BASIS_PLAN
from analysis.progress.measures import SOURCE_AVERAGED, SOURCE_COUNTED, SOURCE_REPORTED, SOURCE_SUMMED
from analysis.progress.narrative import number, target_names
from analysis.progress.results import (
    basis_short,
    gap_text,
    is_total,
    result_text,
    share_text,
)
from analysis.progress.verdicts import STATUS_MISSED
from analysis.progress.views import sub_unit_rows

MAIN_STOCK_INDICATORS = (
    "srdi_sme",
    "little_giant",
    "high_tech",
    "tech_sme",
    "above_scale_industrial",
    "listed_company",
)
SOURCE_WORDS = {
    SOURCE_COUNTED: "按企业名录计数",
    SOURCE_REPORTED: "填报",
    SOURCE_SUMMED: "下级填报汇总",
    SOURCE_AVERAGED: "下级填报简单平均",
}


def shown(values: pd.Series, units: pd.Series) -> pd.Series:
    """Figures as the prose writes them (narrative.number): rates to two decimals, other fractions to one; a
    table and its sentence then carry the same number."""
    rounded = [
        v if pd.isna(v) else (round(float(v), 2) if u == "%" else round(float(v), 1))
        for v, u in zip(values, units, strict=True)
    ]
    return pd.Series(rounded, index=values.index, dtype="float64")


def nature(rows: pd.DataFrame) -> list[str]:
    """约束性 or 预期性（力争）: a plan binds units to the first only."""
    return ["预期性（力争）" if a else "约束性" for a in rows["aspirational"].astype(bool)]


def term_label(term: str) -> str:
    """A row's term in tables: 2025年, or 2023—2025年合计 for a plan-period total."""
    return f"{term.replace('-', '—')}年合计" if "-" in str(term) else f"{term}年"


def source_text(row) -> str:
    """Where a figure comes from: 按企业名录计数 (and the units it covers when not all), 填报, a share's parts."""
    if row.get("kind") == "share":
        parts = share_text(row)
        if parts:
            return parts
    source = str(row.get("actual_source") or "").split("/")[0]
    if not source:
        return "—"
    text = SOURCE_WORDS.get(source, source)
    covered, total = row.get("units_covered"), row.get("units_total")
    if source != SOURCE_REPORTED and not pd.isna(covered) and not pd.isna(total) and covered < total:
        text += f"（{int(total)}个县级单位中{int(covered)}个）"
    if source == SOURCE_REPORTED:
        text = f"{row['jurisdiction']}{text}"
    return text


def _texts(rows: pd.DataFrame, fn) -> list[str]:
    return [fn(r) for _, r in rows.iterrows()]


def years_gaps(progress: pd.DataFrame, total) -> str:
    """The missed years of a 每年 target's total, each with its shortfall: 2024年差1家、2025年差2家."""
    years = progress[
        (progress["target_id"] == total["target_id"])
        & (progress["jurisdiction"] == total["jurisdiction"])
        & ~progress["term"].astype(str).str.contains("-")
        & (progress["status"] == STATUS_MISSED)
    ]
    return "、".join(f"{r['term']}年{gap_text(r)}" for _, r in years.iterrows())


def gaps(rows: pd.DataFrame, progress: pd.DataFrame) -> list[str]:
    """The 差额 cell of each row: 差4家 / 超出上限4个 / for a 每年 total, its missed years."""
    return [years_gaps(progress, r) if is_total(r) else gap_text(r) for _, r in rows.iterrows()]


def target_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Targets in force: actual against target and calendar, the state, its light, and where the figure comes from."""
    running = rows[rows["in_force"].astype(bool)]
    return pd.DataFrame(
        {
            "指标": target_names(running),
            "期限": running["term"].map(term_label),
            "口径": _texts(running, basis_short),
            "目标": shown(running["target_value"], running["unit"]),
            "实际": shown(running["actual"], running["unit"]),
            "单位": running["unit"],
            "完成率%": running["progress_pct"].round(1),
            "序时进度%": running["expected_pct"].round(1),
            "偏差(百分点)": running["gap_pp"].round(1),
            "状态": _texts(running, result_text),
            "灯": running["light"],
            "环比": shown(running["mom"], running["unit"]),
            "来源": _texts(running, source_text),
        }
    ).reset_index(drop=True)


def closed_table(rows: pd.DataFrame, progress: pd.DataFrame | None = None) -> pd.DataFrame:
    """Final results (from the deadline day on): the result in words, the shortfall or overshoot, the month first
    met (dated counts only), where the figure comes from."""
    final = rows[rows["final"].astype(bool)]
    return pd.DataFrame(
        {
            "指标": target_names(final),
            "期限": final["term"].map(term_label),
            "口径": _texts(final, basis_short),
            "目标": shown(final["target_value"], final["unit"]),
            "实际": shown(final["actual"], final["unit"]),
            "单位": final["unit"],
            "结果": _texts(final, result_text),
            "差额": gaps(final, progress if progress is not None else rows),
            "达标月份": [month_text(m) for m in final["met_on"]],
            "来源": _texts(final, source_text),
        }
    ).reset_index(drop=True)


def month_text(month) -> str:
    """2024-08 → 2024年8月 (empty stays empty)."""
    if not isinstance(month, str) or len(month) < 7:
        return ""
    return f"{int(month[:4])}年{int(month[5:7])}月"


def trajectory_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Each in-force stock target: basis, base, latest, observed and required yearly growth, and the verdict."""
    stocks = rows[rows["in_force"].astype(bool) & (rows["kind"] == "stock")]
    return pd.DataFrame(
        {
            "指标": target_names(stocks),
            "期限": stocks["term"].map(term_label),
            "口径": _texts(stocks, basis_short),
            "基期": [
                f"{month_text(b[:7])}：{number(v, '')}" if b and pd.notna(v) else "—"
                for b, v in zip(stocks["base_date"], stocks["base_value"], strict=True)
            ],
            "最新": shown(stocks["actual"], stocks["unit"]),
            "目标": shown(stocks["target_value"], stocks["unit"]),
            "实际年均增速%": (100 * stocks["cagr_observed"]).round(1),
            "所需年均增速%": (100 * stocks["cagr_required"]).round(1),
            "趋势研判": stocks["trajectory"],
        }
    ).reset_index(drop=True)


def unit_breakdown(progress: pd.DataFrame, region: str) -> pd.DataFrame:
    """Sub-units × the region's count targets: actual / issued target (the 分解目标 of each unit)."""
    rows = sub_unit_rows(progress, region)
    own = progress.loc[(progress["jurisdiction"] == region) & (progress["basis"] == BASIS_PLAN), "target_id"]
    rows = rows[
        rows["target_id"].isin(set(own))
        & rows["kind"].isin(["stock", "annual", "in-year", "cumulative"])
        & rows["in_force"].astype(bool)
        & (rows["basis"] == BASIS_ISSUED)
    ]
    # the main award indicators first; a page holds about six columns
    rows = rows[rows["indicator"].isin(MAIN_STOCK_INDICATORS + ("innovative_sme",))]
    if rows.empty:
        return pd.DataFrame()
    rows = rows.assign(
        col=target_names(rows) + "（" + rows["term"].map(term_label) + "）",
        cell=rows.apply(
            lambda r: f"{r['actual']:.0f}/{r['target_value']:.0f}" if pd.notna(r["actual"]) else "—", axis=1
        ),
    )
    table = rows.pivot_table(index="jurisdiction", columns="col", values="cell", aggfunc="first")
    return table.rename_axis(index="地区", columns=None).reset_index()


def unit_result_rows(progress: pd.DataFrame, region: str, final_only: bool = True) -> pd.DataFrame:
    """Every (unit, target, term) below `region` against what the unit was issued: the rows a city's document
    and each county's own document must agree on."""
    rows = sub_unit_rows(progress, region)
    rows = rows[rows["basis"] == BASIS_ISSUED]
    if final_only:
        rows = rows[rows["final"].astype(bool)]
    return pd.DataFrame(
        {
            "地区": rows["jurisdiction"],
            "指标": target_names(rows),
            "期限": rows["term"].map(term_label),
            "口径": _texts(rows, basis_short),
            "目标": shown(rows["target_value"], rows["unit"]),
            "实际": shown(rows["actual"], rows["unit"]),
            "单位": rows["unit"],
            "结果": _texts(rows, result_text),
            "差额": gaps(rows, progress),
        }
    ).reset_index(drop=True)


# What a printed page leaves to the 附表 (xlsx): a table on an A4 page holds about eight columns.
OFF_PAGE = ("来源", "灯", "环比", "单位", "性质")


def with_unit(values: pd.Series, units: pd.Series) -> list[str]:
    """Figures as the prose writes them, with their unit: 75家, 3.46%, — for none."""
    return ["—" if pd.isna(v) else f"{number(float(v), u)}{u}" for v, u in zip(values, units, strict=True)]


def _plain(text: str) -> str:
    return re.sub(r"[“”\"「」‘’\s]", "", str(text))


def named_quote(name: str, quote: str) -> str:
    """A quote that names its indicator as it is; one that does not (到2025年，分别达到78%、80%) after the name."""
    core = _plain(name).removeprefix("新认定").removeprefix("累计新认定").removeprefix("累计")
    return quote if core and core in _plain(quote) else f"{name}：{quote}"


def page_view(table: pd.DataFrame) -> pd.DataFrame:
    """The printed page's version of a table: figures with their unit, 力争 marked at the target, the indicator named
    in the quote, and the columns a page has no room for (source, light, month-on-month) left to the 附表; the
    口径 column only when the rows differ in it."""
    page = table.copy()
    if "单位" in page:
        for column in ("目标", "实际", "最新"):
            if column in page:
                page[column] = with_unit(page[column], page["单位"])
    if "性质" in page and "目标" in page:
        page["目标"] = [f"{t}（力争）" if n != "约束性" else t for t, n in zip(page["目标"], page["性质"], strict=True)]
    if "目标（方案原文）" in page and "指标" in page:
        page["目标（方案原文）"] = [
            named_quote(n, q) for n, q in zip(page["指标"], page["目标（方案原文）"], strict=True)
        ]
        page = page.drop(columns="指标")
    if "口径" in page and page["口径"].nunique() <= 1:
        page = page.drop(columns="口径")
    elif "口径" in page and page["口径"].str.startswith("分解目标").all():  # all issued: the column is the 文号
        page["口径"] = page["口径"].str.removeprefix("分解目标（").str.removesuffix("）")
        page = page.rename(columns={"口径": "下达文号"})
    return page.drop(columns=[c for c in OFF_PAGE if c in page])
