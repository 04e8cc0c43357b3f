"""Content of a plan's 终期评估 (final assessment), as data.

Once a plan's horizon has passed, the document its bureau writes is the final assessment: which targets were met
and when, by how much each missed target fell short, how every unit did against what it was issued, and the units'
own explanations of the misses. Every figure is a row of the one progress computation, each target judged at its
own deadline with the data then available (docs/methodology.md, section 5), so a city's assessment and each
county's agree row for row. `final_report` returns a `Report` like the monthly and quarterly ones; the notebook
`final-assessment.ipynb` displays it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis.catalog.regions import load_regions
from analysis.catalog.targets import KIND_NAMES_ZH, Catalog, Plan, load_catalog
from analysis.errors import UserError
from analysis.periods import date_text, latest_complete_month, month_end, parse_date
from analysis.progress.allocations import BASIS_ISSUED, BASIS_PLAN
from analysis.progress.engine import compute_progress
from analysis.progress.facts import load_facts
from analysis.progress.narrative import final_sentence, met_timing, target_names
from analysis.progress.restated import group_of, restatement_note
from analysis.progress.results import basis_legend, basis_short, plain_text, quote_notes, result_text, shown_quote
from analysis.progress.results import headline_rows as results_headlines
from analysis.progress.verdicts import (
    STATUS_AWAITING,
    STATUS_DONE,
    STATUS_EXCEEDED,
    STATUS_MISSED,
    STATUS_NO_DATA,
    STATUS_PARTIAL,
)
from analysis.reports.assessment import JUDGED_AT_DEADLINE, achievements, basic_facts, next_steps, problems
from analysis.reports.content import Report, signed_on
from analysis.reports.explanations import latest_notes, row_label
from analysis.reports.issuance import issuance
from analysis.reports.remarks import read_remarks
from analysis.reports.tables import gaps, named_quote, nature, shown, source_text, term_label, unit_result_rows
from analysis.store.history import Store

MET = (STATUS_DONE, STATUS_EXCEEDED)
NOT_JUDGED = (STATUS_NO_DATA, STATUS_PARTIAL, STATUS_AWAITING)
UNIT_TABLE = ["地区", "下达目标数", "完成数", "完成比例%", "排名", "未完成目标"]


def find_plan(plan_id: str, catalog: Catalog | None = None) -> Plan:
    catalog = catalog or load_catalog()
    if plan_id not in catalog.plans:
        raise UserError(f"未知方案“{plan_id}”，可选：{'、'.join(catalog.plans)}")
    return catalog.plans[plan_id]


def final_as_of(store: Store, plan: Plan, as_of: dt.date | str | None = None) -> dt.date:
    """The assessment date: the one asked for, else the store's latest month end; never before the plan's end."""
    if as_of is None:
        as_of = month_end(min(store.require_latest_period(), latest_complete_month())).date()
    as_of = parse_date(as_of)
    if as_of < plan.end:
        raise UserError(
            f"《{plan.title}》{date_text(plan.end)}到期，{date_text(as_of)}尚未到期，终期评估须在方案到期后生成"
        )
    return as_of


def headline_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per target (results.headline_rows); a goal the plan states twice keeps its rows together."""
    heads = results_headlines(rows).reset_index(drop=True)
    order: dict[str, float] = {tid: float(i) for i, tid in enumerate(heads["target_id"])}
    for tid in list(order):  # a restated goal's rows follow its first statement
        group = [g for g in group_of(tid) if g in order]
        for k, other in enumerate(group[1:], start=1):
            order[other] = order[group[0]] + k / 10
    return heads.assign(_o=heads["target_id"].map(order)).sort_values("_o").drop(columns="_o").reset_index(drop=True)


def met_text(row) -> str:
    timing = met_timing(row)
    if timing is None:
        return ""
    when, early = timing
    return f"{when}（提前{early}个月）" if early > 0 else when


def result_table(heads: pd.DataFrame, rows: pd.DataFrame, issued: bool = False) -> pd.DataFrame:
    """Every target with its quote and name, basis, final value, result, shortfall, when it was met and the source.
    A unit's targets were issued to it: named as issued (the plan's quote is about the whole jurisdiction)."""
    first = (
        {"目标任务": target_names(heads)}
        if issued
        else {"目标（方案原文）": [shown_quote(r) for _, r in heads.iterrows()], "指标": target_names(heads)}
    )
    return pd.DataFrame(
        {
            "序号": range(1, len(heads) + 1),
            **first,
            "期限": heads["term"].map(term_label),
            "口径": [basis_short(r) for _, r in heads.iterrows()],
            "性质": nature(heads),
            "目标": shown(heads["target_value"], heads["unit"]),
            "实际": shown(heads["actual"], heads["unit"]),
            "单位": heads["unit"],
            "结果": [result_text(r) for _, r in heads.iterrows()],
            "差额": gaps(heads, rows),
            "达标时间": [met_text(r) for _, r in heads.iterrows()],
            "来源": [source_text(r) for _, r in heads.iterrows()],
        }
    )


def yearly_tables(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each 每年 target year by year: each year's actual against its target and result, then the years' sum."""
    out = {}
    for _, group in rows[rows["period"] == "annual"].groupby("target_id", sort=False):
        if len(group) < 2:
            continue
        first = group.iloc[0]
        name = named_quote(target_names(group.head(1)).iloc[0], shown_quote(first))
        out[name] = pd.DataFrame(
            {
                "年度": group["term"].map(term_label),
                "目标": shown(group["target_value"], group["unit"]),
                "实际": shown(group["actual"], group["unit"]),
                "单位": group["unit"],
                "结果": [result_text(r) for _, r in group.iterrows()],
                "差额": gaps(group, rows),
            }
        ).reset_index(drop=True)
    return out


def unit_results(progress: pd.DataFrame, region: str) -> pd.DataFrame:
    """Each unit below against what it was issued (each year of a 每年 target counts once): targets issued, met,
    the share met, ranked by that share (ties share a rank); targets not yet judged are left out."""
    children = [r.name for r in load_regions().children(region)]
    issued = progress[
        progress["jurisdiction"].isin(children)
        & (progress["basis"] == BASIS_ISSUED)
        & progress["final"].astype(bool)
        & ~progress["term"].astype(str).str.contains("-")
        & ~progress["status"].isin(NOT_JUDGED)
    ]
    if issued.empty:
        return pd.DataFrame(columns=UNIT_TABLE)
    label = row_label(issued)
    table = pd.DataFrame(
        {
            "下达目标数": issued.groupby("jurisdiction").size(),
            "完成数": issued[issued["status"].isin(MET)].groupby("jurisdiction").size(),
            "未完成目标": label[issued["status"] == STATUS_MISSED].groupby(issued["jurisdiction"]).agg("、".join),
        }
    ).fillna({"完成数": 0, "未完成目标": ""})
    table["完成数"] = table["完成数"].astype(int)
    table["完成比例%"] = (100 * table["完成数"] / table["下达目标数"]).round(1)
    table = table.sort_values(["完成比例%", "下达目标数"], ascending=[False, False])
    table["排名"] = table["完成比例%"].rank(ascending=False, method="min").astype(int)
    return table.rename_axis("地区").reset_index()[UNIT_TABLE]


def tied_names(units: pd.DataFrame) -> list[str]:
    """Units sharing a rank, each group written together (新乐市、鹿泉区并列第3)."""
    return [f"{'、'.join(g['地区'])}并列第{rank}" for rank, g in units.groupby("排名", sort=True) if len(g) > 1]


def missed_rows(progress: pd.DataFrame, heads: pd.DataFrame, region: str, basis: str) -> pd.DataFrame:
    """Every missed (place, target, term) the assessment explains: the region's own missed targets (each missed year
    of a 每年 target), and, for the plan's jurisdiction, each unit's missed issued targets."""
    own = progress[
        (progress["jurisdiction"] == region)
        & (progress["basis"] == basis)
        & progress["final"].astype(bool)
        & progress["target_id"].isin(set(heads["target_id"]))
        & ~progress["term"].astype(str).str.contains("-")
        & (progress["status"] == STATUS_MISSED)
    ]
    if basis != BASIS_PLAN:
        return own
    children = {r.name for r in load_regions().children(region)}
    units = progress[
        progress["jurisdiction"].isin(children)
        & (progress["basis"] == BASIS_ISSUED)
        & progress["final"].astype(bool)
        & progress["target_id"].isin(set(heads["target_id"]))
        & ~progress["term"].astype(str).str.contains("-")
        & (progress["status"] == STATUS_MISSED)
    ]
    return pd.concat([own, units])


def explanations_for_misses(
    store: Store, missed: pd.DataFrame, period: str, author: str, context: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """For every missed (place, target, term): the place's latest 情况说明 on it (written within its term or the
    month after), the units that missed without one (not the document's own region: it is the author), and the
    notes with the rows they concern (the reasons chapter groups their problems)."""
    notes = load_facts(store, period).notes
    quoted = latest_notes(notes, missed, context)
    table = pd.DataFrame(
        {
            "目标": row_label(quoted) if not quoted.empty else [],
            "地区": quoted["jurisdiction"] if not quoted.empty else [],
            "说明年月": [f"{m[:4]}年{int(m[5:7])}月" for m in quoted["month"]] if not quoted.empty else [],
            "进展情况": quoted["progress"].map(plain_text) if not quoted.empty else [],
            "存在问题": quoted["problems"].map(plain_text) if not quoted.empty else [],
            "下步措施": quoted["next_steps"].map(plain_text) if not quoted.empty else [],
        }
    )
    explained = set(
        zip(quoted.get("jurisdiction", []), quoted.get("target_id", []), quoted.get("term", []), strict=True)
    )
    silent = missed[
        pd.Series(
            [
                (j, t, y) not in explained and j != author
                for j, t, y in zip(missed["jurisdiction"], missed["target_id"], missed["term"], strict=True)
            ],
            index=missed.index,
            dtype=bool,
        )
    ]
    silent_table = pd.DataFrame(columns=["目标", "未作说明的单位"])
    if not silent.empty:
        silent_table = (
            silent.assign(目标=row_label(silent))
            .groupby("目标", sort=False)["jurisdiction"]
            .agg(lambda places: "、".join(dict.fromkeys(places)))
            .rename("未作说明的单位")
            .reset_index()
        )
    return table.sort_values(["目标", "地区"]).reset_index(drop=True), silent_table, quoted


def _count(frame: pd.DataFrame, statuses) -> int:
    return int(frame["status"].isin(statuses).sum())


def totals_paragraph(plan: Plan, heads: pd.DataFrame, region: str, as_of: dt.date) -> list[str]:
    """Totals (met, exceeded, missed, not judged; binding and aspirational apart), by kind, and how it was judged."""
    binding, stretch = heads[~heads["aspirational"].astype(bool)], heads[heads["aspirational"].astype(bool)]
    doc = f"（{plan.doc_number}）" if plan.doc_number else ""
    split = f"，其中约束性目标{len(binding)}项、预期性（力争）目标{len(stretch)}项" if len(stretch) else ""
    done = f"已完成{_count(heads, MET)}项"
    if _count(heads, [STATUS_EXCEEDED]):
        done += f"（其中超额完成{_count(heads, [STATUS_EXCEEDED])}项）"
    rest = [f"未完成{_count(heads, [STATUS_MISSED])}项"] if _count(heads, [STATUS_MISSED]) else []
    rest += [f"无数据{_count(heads, [STATUS_NO_DATA])}项"] if _count(heads, [STATUS_NO_DATA]) else []
    rest += [f"数据覆盖不全、不作评价{_count(heads, [STATUS_PARTIAL])}项"] if _count(heads, [STATUS_PARTIAL]) else []
    rest += [f"待年度数据{_count(heads, [STATUS_AWAITING])}项"] if _count(heads, [STATUS_AWAITING]) else []
    first = (
        f"《{plan.title}》{doc}确定{region}量化目标{len(heads)}项{split}。截至{date_text(as_of)}，"
        + "，".join([done, *rest])
        + "。"
    )
    if len(stretch):
        first += (
            f"约束性目标完成{_count(binding, MET)}项、未完成{_count(binding, [STATUS_MISSED])}项；"
            f"预期性目标完成{_count(stretch, MET)}项、未完成{_count(stretch, [STATUS_MISSED])}项。"
        )
    by_kind = [
        f"{KIND_NAMES_ZH.get(str(kind), kind)}目标{len(g)}项完成{_count(g, MET)}项"
        for kind, g in heads.groupby("kind", sort=False)
    ]
    yearly = heads[heads["term"].astype(str).str.contains("-")]
    years = ""
    if not yearly.empty:
        all_years = int((yearly["years_met"] == yearly["years_total"]).sum())
        years = f"每年目标{len(yearly)}项中，逐年均完成的{all_years}项。"
    return [first, "分类型看：" + "，".join(by_kind) + "。" + years, JUDGED_AT_DEADLINE]


def restatement_notes(heads: pd.DataFrame) -> list[str]:
    """A note for each goal the plan states twice, naming both quotes and what each counts."""
    notes, seen = [], set()
    for tid in heads["target_id"]:
        group = group_of(tid)
        if not group or group in seen:
            continue
        seen.add(group)
        rows = heads[heads["target_id"].isin(group)]
        note = restatement_note(rows)
        if note:
            notes.append(note)
    return notes


def final_report(
    store: Store, plan_id: str, region: str | None = None, as_of: dt.date | None = None, remarks: str | None = None
) -> Report:
    """The final assessment of `plan_id` for its jurisdiction (or for a unit below, against what it was issued), in
    the chapters of a 终期评估 (基本情况, 目标完成情况, 主要成效, 存在问题及原因, 下一步工作建议). `remarks`: a text
    file of the official's own paragraphs (reports/remarks.py), placed after the facts of their chapter."""
    own_words = read_remarks(remarks)
    store.require_latest_period()
    catalog = load_catalog()
    plan = find_plan(plan_id, catalog)
    region = load_regions().get(region or plan.jurisdiction).name
    as_of = final_as_of(store, plan, as_of)
    targets = [t for t in catalog.targets if t.plan == plan.id and t.is_progress]
    progress = compute_progress(store, as_of, targets, with_previous=False)
    basis = BASIS_PLAN if region == plan.jurisdiction else BASIS_ISSUED
    rows = progress[
        (progress["jurisdiction"] == region) & (progress["basis"] == basis) & progress["final"].astype(bool)
    ].reset_index(drop=True)
    if rows.empty:
        raise UserError(f"“{region}”没有《{plan.title}》的方案目标或上级下达的分解目标，无法生成终期评估")
    heads = headline_rows(rows)
    subject = "实施情况终期评估" if basis == BASIS_PLAN else "目标任务完成情况终期评估"
    title = f"{plan.title}{subject}" if basis == BASIS_PLAN else f"{region}落实《{plan.title}》{subject}"
    report = Report(
        kind="final",
        region=region,
        period=plan.id,
        as_of=as_of,
        issuer=issuance("final", region, plan_jurisdiction=plan.jurisdiction).issuer,
        title=title,
        date_text=date_text(signed_on()),
        progress=progress,
        rows=heads,
        overview="",
        sentences=[final_sentence(r, lead=False) for _, r in heads.iterrows()],
        plan_jurisdiction=plan.jurisdiction,
    )
    totals = totals_paragraph(plan, heads, region, as_of)
    report.overview = totals[0]
    units = unit_results(progress, region) if basis == BASIS_PLAN else pd.DataFrame(columns=UNIT_TABLE)
    quoted, silent, pairs = explanations_for_misses(
        store, missed_rows(progress, heads, region, basis), as_of.strftime("%Y-%m"), region, progress
    )
    report.tables = {
        "目标完成情况": result_table(heads, rows, issued=basis == BASIS_ISSUED),
        "各单位完成情况": units,
        "各单位分项完成情况": unit_result_rows(progress, region) if basis == BASIS_PLAN else pd.DataFrame(),
        "情况说明": quoted,
        "未作说明的单位": silent,
    }
    report.tables.update({f"分年度：{name}": table for name, table in yearly_tables(rows).items()})
    issued = basis == BASIS_ISSUED
    data_until = month_end(min(store.require_latest_period(), as_of.strftime("%Y-%m"))).date()
    chapters = {
        "基本情况": [
            *basic_facts(plan, region, heads, data_until, issued),
            basis_legend(heads),
            *quote_notes(heads),
            *restatement_notes(heads),
        ],
        "目标完成情况": totals[:2],
        "主要成效": achievements(heads, units),
        "存在问题及原因": problems(heads, progress, region, pairs, silent, issued),
        "下一步工作建议": next_steps(heads, progress, region, issued),
    }
    if not issued and units.empty:  # one sentence in the chapter, not a section of its own
        chapters["目标完成情况"].append(NO_UNITS)
    report.paragraphs = {name: [p for p in [*text, *own_words.get(name, [])] if p] for name, text in chapters.items()}
    report.paragraphs["单位"] = _unit_paragraph(units) if not issued and not units.empty else []
    return report


NO_UNITS = "方案未向下级单位下达分解目标，不对下级单位作完成情况评价。"


def _unit_paragraph(units: pd.DataFrame) -> list[str]:
    if units.empty:
        return [NO_UNITS]
    full = units[units["完成比例%"] >= 100]["地区"].tolist()
    text = [
        f"下达分解目标的单位{len(units)}个，全部完成的{len(full)}个"
        + (f"：{'、'.join(full)}" if full else "")
        + "。各单位按已完成的下达目标（每年目标逐年计）占下达目标的比例排名，比例相同的并列。"
    ]
    ties = tied_names(units)
    if ties:
        text.append("完成比例相同、排名并列的：" + "；".join(ties) + "。")
    return text


def final_regions(store: Store, plan: Plan) -> list[str]:
    """The regions a plan's final assessment is written for: its jurisdiction, and each unit below that was
    issued targets of the plan's indicators (目标分解)."""
    from analysis.progress.allocations import issued_allocations

    catalog = load_catalog()
    indicators = {t.indicator for t in catalog.targets if t.plan == plan.id and t.is_progress}
    issued = issued_allocations(store, catalog, min(store.require_latest_period(), latest_complete_month()))
    children = [r.name for r in load_regions().children(plan.jurisdiction)]
    units = set(issued.loc[issued["indicator"].isin(indicators), "region"])
    return [plan.jurisdiction, *(c for c in children if c in units)]
