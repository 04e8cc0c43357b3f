"""Content of a plan's 终期评估 (final assessment), as data.

Once a plan's horizon has passed, the document its bureau writes is the final
assessment: which targets were met and when, by how much each missed target
fell short, how every unit did against what it was issued, and the units' own
explanations of the misses. `final_report` returns a `Report` like the monthly
and quarterly ones; the notebook `final-assessment.ipynb` displays it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis.catalog.regions import load_regions
from analysis.catalog.targets import KIND_NAMES_ZH, Catalog, Plan, load_catalog
from analysis.errors import UserError
from analysis.periods import date_text, latest_complete_month, month_end, parse_date, report_date
from analysis.progress.allocations import BASIS_ISSUED, BASIS_PLAN
from analysis.progress.engine import compute_progress
from analysis.progress.facts import load_facts
from analysis.progress.narrative import difference, final_sentence, met_timing, number, target_names
from analysis.progress.verdicts import STATUS_DONE, STATUS_EXCEEDED, STATUS_MISSED, STATUS_NO_DATA
from analysis.reports.content import Report, issuer_of, term_label
from analysis.store.history import Store

MET = (STATUS_DONE, STATUS_EXCEEDED)
RESULT_TABLE = ["序号", "目标（方案原文）", "期限", "目标", "实际", "结果", "差额", "达标时间", "来源"]


def find_plan(plan_id: str, catalog: Catalog | None = None) -> Plan:
    catalog = catalog or load_catalog()
    if plan_id not in catalog.plans:
        raise UserError(f"未知方案“{plan_id}”，可选：{'、'.join(catalog.plans)}")
    return catalog.plans[plan_id]


def final_as_of(store: Store, plan: Plan, as_of: dt.date | None = None) -> dt.date:
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
    """One row per target: a dated target's final row; a 每年 target's plan-period total (its one year, if only one)."""
    totals = rows[rows["term"].astype(str).str.contains("-")]
    annual_with_total = set(totals["target_id"])
    single = rows[~rows["term"].astype(str).str.contains("-") & ~rows["target_id"].isin(annual_with_total)]
    single = single.drop_duplicates("target_id", keep="last")
    order = {tid: i for i, tid in enumerate(dict.fromkeys(rows["target_id"]))}
    out = pd.concat([single, totals])
    return out.assign(_o=out["target_id"].map(order)).sort_values("_o").drop(columns="_o").reset_index(drop=True)


def _met_text(row) -> str:
    timing = met_timing(row)
    if timing is None:
        return ""
    when, early = timing
    return f"{when}（提前{early}个月）" if early > 0 else when


def _difference(row) -> str:
    return "" if pd.isna(row["shortfall"]) else f"差{difference(row['shortfall'], row['unit'])}"


def result_table(heads: pd.DataFrame) -> pd.DataFrame:
    """Every target with its quote, final value, result, shortfall, when it was met and the source of the figure."""
    return pd.DataFrame(
        {
            "序号": range(1, len(heads) + 1),
            "目标（方案原文）": heads["quote"],
            "期限": heads["term"].map(term_label),
            "目标": [
                f"{number(v, u)}{u}" + ("（力争）" if a else "")
                for v, u, a in zip(
                    heads["target_value"], heads["unit"], heads["aspirational"].astype(bool), strict=True
                )
            ],
            "实际": [
                f"{number(v, u)}{u}" if pd.notna(v) else "—"
                for v, u in zip(heads["actual"], heads["unit"], strict=True)
            ],
            "结果": heads["status"],
            "差额": [_difference(r) for _, r in heads.iterrows()],
            "达标时间": [_met_text(r) for _, r in heads.iterrows()],
            "来源": heads["actual_source"].replace("", "—"),
        }
    )


def yearly_tables(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each 每年 target year by year: each year's actual against its target, then the plan-period total."""
    out = {}
    for _tid, group in rows[rows["period"] == "annual"].groupby("target_id", sort=False):
        if len(group) < 2:
            continue
        first = group.iloc[0]
        out[f"{first['indicator_name']}（{first['quote']}）"] = pd.DataFrame(
            {
                "年度": group["term"].map(term_label),
                "目标": group["target_value"],
                "实际": group["actual"],
                "结果": group["status"],
                "差额": [_difference(r) for _, r in group.iterrows()],
            }
        ).reset_index(drop=True)
    return out


def unit_results(progress: pd.DataFrame, region: str) -> pd.DataFrame:
    """Each unit below against what it was issued: targets issued, met, the share met, ranked (ties share a rank)."""
    children = [r.name for r in load_regions().children(region)]
    issued = progress[
        progress["jurisdiction"].isin(children)
        & (progress["basis"] == BASIS_ISSUED)
        & progress["final"].astype(bool)
        & ~progress["term"].astype(str).str.contains("-")
    ]
    if issued.empty:
        return pd.DataFrame(columns=["地区", "下达目标数", "完成数", "完成比例%", "排名", "未完成指标"])
    label = target_names(issued) + "（" + issued["term"].map(term_label) + "）"
    table = pd.DataFrame(
        {
            "下达目标数": issued.groupby("jurisdiction").size(),
            "完成数": issued[issued["status"].isin(MET)].groupby("jurisdiction").size(),
            "未完成指标": label[issued["status"] == STATUS_MISSED].groupby(issued["jurisdiction"]).agg("、".join),
        }
    ).fillna({"完成数": 0, "未完成指标": ""})
    table["完成数"] = table["完成数"].astype(int)
    table["完成比例%"] = (100 * table["完成数"] / table["下达目标数"]).round(1)
    table = table.sort_values(["完成比例%", "下达目标数"], ascending=[False, False])
    table["排名"] = table["完成比例%"].rank(ascending=False, method="min").astype(int)
    return table.rename_axis("地区").reset_index()[["地区", "下达目标数", "完成数", "完成比例%", "排名", "未完成指标"]]


def tied_names(units: pd.DataFrame) -> list[str]:
    """Units sharing a rank, each group written together (新乐市、鹿泉区并列第3)."""
    return [f"{'、'.join(g['地区'])}并列第{rank}" for rank, g in units.groupby("排名", sort=True) if len(g) > 1]


def explanations_for_misses(
    store: Store, progress: pd.DataFrame, heads: pd.DataFrame, region: str, period: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For every missed target: the units' own latest 情况说明 on its indicator, and the units that missed
    without one."""
    missed = heads[heads["status"] == STATUS_MISSED]
    places = {
        region,
        *(u.name for u in load_regions().units_under(region)),
        *(r.name for r in load_regions().children(region)),
    }
    notes = load_facts(store, period).notes
    notes = notes[notes["region"].isin(places) & notes["indicator"].isin(set(missed["indicator"]))]
    latest = notes.sort_values("month").groupby(["region", "indicator"]).tail(1)
    names = dict(zip(missed["indicator"], missed["indicator_name"], strict=True))
    quoted = (
        pd.DataFrame(
            {
                "指标": latest["indicator"].map(names),
                "地区": latest["region"],
                "说明年月": latest["month"],
                "进展情况": latest["progress"],
                "存在问题": latest["problems"],
                "下步措施": latest["next_steps"],
            }
        )
        .sort_values(["指标", "地区"])
        .reset_index(drop=True)
    )
    units_missed = progress[
        (progress["basis"] == BASIS_ISSUED)
        & (progress["status"] == STATUS_MISSED)
        & progress["jurisdiction"].isin(places)  # a unit's own report names only itself
        & progress["indicator"].isin(set(missed["indicator"]))
        & progress["final"].astype(bool)
    ]
    explained = set(zip(latest["region"], latest["indicator"], strict=True))
    unexplained = pd.Series(
        [(j, i) not in explained for j, i in zip(units_missed["jurisdiction"], units_missed["indicator"], strict=True)],
        index=units_missed.index,
        dtype=bool,
    )
    silent = units_missed[unexplained]
    silent = (
        silent.drop_duplicates(["jurisdiction", "indicator"])
        .groupby("indicator_name")["jurisdiction"]
        .agg("、".join)
        .rename("未作说明的单位")
        .rename_axis("指标")
        .reset_index()
    )
    return quoted, silent


def totals_paragraph(plan: Plan, heads: pd.DataFrame, region: str, as_of: dt.date) -> list[str]:
    """One paragraph of totals (met, exceeded, missed, without data; binding and aspirational apart), one by kind."""

    def count(frame, statuses):
        return int(frame["status"].isin(statuses).sum())

    binding, stretch = heads[~heads["aspirational"].astype(bool)], heads[heads["aspirational"].astype(bool)]
    doc = f"（{plan.doc_number}）" if plan.doc_number else ""
    split = f"，其中约束性目标{len(binding)}项、预期性（力争）目标{len(stretch)}项" if len(stretch) else ""
    done = f"已完成{count(heads, MET)}项"
    if count(heads, [STATUS_EXCEEDED]):
        done += f"（其中超额完成{count(heads, [STATUS_EXCEEDED])}项）"
    rest = [f"未完成{count(heads, [STATUS_MISSED])}项"] if count(heads, [STATUS_MISSED]) else []
    rest += [f"无数据{count(heads, [STATUS_NO_DATA])}项"] if count(heads, [STATUS_NO_DATA]) else []
    first = (
        f"《{plan.title}》{doc}确定{region}量化目标{len(heads)}项{split}。截至{date_text(as_of)}，"
        + "，".join([done, *rest])
        + "。"
    )
    if len(stretch):
        first += (
            f"约束性目标完成{count(binding, MET)}项、未完成{count(binding, [STATUS_MISSED])}项；"
            f"预期性目标完成{count(stretch, MET)}项、未完成{count(stretch, [STATUS_MISSED])}项。"
        )
    by_kind = [
        f"{KIND_NAMES_ZH.get(str(kind), kind)}目标{len(g)}项完成{count(g, MET)}项"
        for kind, g in heads.groupby("kind", sort=False)
    ]
    return [first, "分类型看：" + "，".join(by_kind) + "。"]


def final_report(store: Store, plan_id: str, region: str | None = None, as_of: dt.date | None = None) -> Report:
    """The final assessment of `plan_id` for its jurisdiction (or for a unit below, against what it was issued)."""
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
        issuer=issuer_of(region),
        title=title,
        date_text=date_text(report_date(as_of)),
        progress=progress,
        rows=heads,
        overview="",
        sentences=[final_sentence(r) for _, r in heads.iterrows()],
    )
    totals = totals_paragraph(plan, heads, region, as_of)
    report.overview = totals[0]
    units = unit_results(progress, region)
    quoted, silent = explanations_for_misses(store, progress, heads, region, as_of.strftime("%Y-%m"))
    report.tables = {
        "目标完成情况": result_table(heads),
        "各单位完成情况": units,
        "情况说明": quoted,
        "未作说明的单位": silent,
    }
    report.tables.update({f"分年度：{name}"[:31]: table for name, table in yearly_tables(rows).items()})
    report.paragraphs = {"总体": totals, "单位": _unit_paragraph(units)}
    return report


def _unit_paragraph(units: pd.DataFrame) -> list[str]:
    if units.empty:
        return ["各下级单位无上级下达的分解目标。"]
    full = units[units["完成比例%"] >= 100]["地区"].tolist()
    text = [
        f"下达分解目标的单位{len(units)}个，全部完成的{len(full)}个" + (f"：{'、'.join(full)}" if full else "") + "。"
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
