"""Content of the 月调度 (monthly dispatch) and the 季通报 (quarterly bulletin), as data.

The report notebooks call `monthly_report` / `quarterly_report` and display
what they return; every number comes from one `compute_progress` run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from analysis import paths
from analysis.catalog.regions import load_regions
from analysis.catalog.targets import load_catalog
from analysis.errors import UserError
from analysis.periods import date_text as _date_text
from analysis.periods import (
    latest_complete_month,
    month_end,
    parse_date,
    parse_month,
    parse_quarter,
    quarter_months,
    report_date,
)
from analysis.progress.allocations import BASIS_PLAN
from analysis.progress.engine import compute_progress, row_window
from analysis.progress.facts import load_facts
from analysis.progress.measures import actual_values
from analysis.progress.narrative import as_of_phrase, overview, sentence, target_name, target_names
from analysis.progress.verdicts import STATUS_BEHIND, STATUS_FAR_BEHIND
from analysis.progress.views import (
    ahead_and_behind,
    honour_lists,
    indicator_ranking,
    scored_rows,
    sub_unit_rows,
    submission_status,
    tied_groups,
    under_floor,
    unit_scores,
)
from analysis.store.history import Store
from analysis.yamlio import load_yaml

# 单位 beside the two numbers: 65 beside 80 in one table is 65% of the province's count, not 65 enterprises.
TARGET_TABLE = {
    "indicator_name": "指标",
    "term": "期限",
    "basis": "口径",
    "target_value": "目标",
    "actual": "实际",
    "unit": "单位",
    "progress_pct": "完成率%",
    "expected_pct": "序时进度%",
    "gap_pp": "偏差(百分点)",
    "status": "状态",
    "mom": "环比",
    "actual_source": "来源",
}
MAIN_STOCK_INDICATORS = (
    "srdi_sme",
    "little_giant",
    "high_tech",
    "tech_sme",
    "above_scale_industrial",
    "listed_company",
)


@dataclass
class Report:
    kind: str  # monthly | quarterly
    region: str
    period: str  # 2025-09 | 2025-Q3
    as_of: dt.date
    issuer: str
    title: str
    date_text: str
    progress: pd.DataFrame  # every row of compute_progress
    rows: pd.DataFrame  # the region's rows, in period
    overview: str
    sentences: list[str]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    paragraphs: dict[str, list[str]] = field(default_factory=dict)

    def facts_json(self) -> dict:
        """Key figures for tests and audits (the executed notebook writes them beside itself)."""
        return {
            "region": self.region,
            "period": self.period,
            "as_of": self.as_of.isoformat(),
            "rows": self.rows[
                ["target_id", "jurisdiction", "actual", "target_value", "progress_pct", "expected_pct", "status"]
            ].to_dict(orient="records"),
        }


def _region(name: str) -> str:
    return load_regions().get(name).name


@lru_cache(maxsize=1)
def _issuers() -> dict[str, str]:
    return dict(load_yaml(paths.ISSUERS_FILE).get("issuers") or {})


def issuer_of(region: str) -> str:
    """The body that issues the region's reports (data/issuers.yml), else its nearest listed ancestor's."""
    issuers = _issuers()
    for place in [region, *(r.name for r in load_regions().ancestors(region))]:
        if place in issuers:
            return issuers[place]
    raise UserError(f"data/issuers.yml 中没有“{region}”或其上级的发文单位")


# --- shared pieces ---------------------------------------------------------------


def region_rows(progress: pd.DataFrame, region: str) -> pd.DataFrame:
    """The region's own and issued rows: targets in force first, then final results."""
    rows = progress[(progress["jurisdiction"] == region) & (progress["basis"] != "")]
    order = (~rows["in_force"].astype(bool)).astype(int)
    return rows.assign(_o=order).sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)


FINAL_TABLE = {
    "indicator_name": "指标",
    "term": "期限",
    "basis": "口径",
    "target_value": "目标",
    "actual": "实际",
    "unit": "单位",
    "status": "结果",
    "shortfall": "差额",
    "met_on": "达标月份",
    "actual_source": "来源",
}


def term_label(term: str) -> str:
    """A row's term in tables: 2025年, or 2023—2025年合计 for a plan-period total."""
    return f"{term.replace('-', '—')}年合计" if "-" in str(term) else f"{term}年"


def target_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Targets in force: actual against target and calendar, with the light of the status."""
    running = rows[rows["in_force"].astype(bool)]
    table = running[list(TARGET_TABLE)].rename(columns=TARGET_TABLE)
    table["指标"] = target_names(running)
    table["期限"] = table["期限"].map(term_label)
    table.insert(table.columns.tolist().index("状态") + 1, "灯", running["light"].to_numpy())
    return table.reset_index(drop=True)


def trajectory_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Each in-force stock target: base, latest, observed and required yearly growth, and the trajectory verdict."""
    stocks = rows[rows["in_force"].astype(bool) & (rows["kind"] == "stock")]
    return pd.DataFrame(
        {
            "指标": target_names(stocks),
            "期限": stocks["term"].map(term_label),
            "基期": [
                f"{b[:7]}：{v:,.0f}" if b and pd.notna(v) else "—"
                for b, v in zip(stocks["base_date"], stocks["base_value"], strict=True)
            ],
            "最新": stocks["actual"],
            "目标": stocks["target_value"],
            "实际年均增速%": (100 * stocks["cagr_observed"]).round(1),
            "所需年均增速%": (100 * stocks["cagr_required"]).round(1),
            "趋势研判": stocks["trajectory"],
        }
    ).reset_index(drop=True)


def calendar_rows(report: Report) -> pd.DataFrame:
    """Rows for the calendar chart: the region's own in-force targets with a calendar, else those issued to it."""
    running = report.rows[report.rows["in_force"].astype(bool) & report.rows["expected_pct"].notna()]
    own = running[running["basis"] == BASIS_PLAN]
    return own if not own.empty else running


def closed_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Final results (from the deadline day on): 已完成 / 超额完成 / 未完成, the shortfall, the month first met."""
    final = rows[rows["final"].astype(bool)]
    table = final[list(FINAL_TABLE)].rename(columns=FINAL_TABLE)
    table["指标"] = target_names(final)
    table["期限"] = table["期限"].map(term_label)
    return table.reset_index(drop=True)


def new_awards(store: Store, region: str, period: str) -> pd.DataFrame:
    """Awards first granted in the month, by enterprise, for the units under the region."""
    facts = load_facts(store, period)
    units = {u.name for u in load_regions().units_under(region)}
    awards = facts.awards[facts.awards["unit"].isin(units)]
    first = awards.groupby(["code", "award"])["granted"].transform("min")
    start, end = pd.Timestamp(f"{period}-01"), month_end(period)
    new = awards[(awards["granted"] == first) & awards["granted"].between(start, end)]
    names = facts.enterprises.drop_duplicates("code").set_index("code")["name"]
    table = pd.DataFrame(
        {
            "企业名称": new["code"].map(names).fillna(""),
            "地区": new["unit"],
            "资质类型": new["award"],
            "级别": new["level"].fillna(""),
            "认定日期": new["granted"].dt.strftime("%Y-%m-%d"),
        }
    )
    return table.sort_values(["地区", "资质类型", "企业名称"]).reset_index(drop=True)


def unit_breakdown(progress: pd.DataFrame, region: str) -> pd.DataFrame:
    """Sub-units × the region's count targets: actual / split target, with each unit's state."""
    rows = sub_unit_rows(progress, region)
    own = progress.loc[(progress["jurisdiction"] == region) & (progress["basis"] == BASIS_PLAN), "target_id"]
    rows = rows[
        rows["target_id"].isin(set(own))
        & rows["kind"].isin(["stock", "annual", "in-year", "cumulative"])
        & rows["in_force"].astype(bool)
        & (rows["basis"] == "分解目标")
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


def explanations(store: Store, progress: pd.DataFrame, region: str, period: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The units' own 情况说明 for the month beside their numbers, and lagging rows nobody explained."""
    facts = load_facts(store, period)
    catalog = load_catalog()
    places = {
        region,
        *(u.name for u in load_regions().units_under(region)),
        *(r.name for r in load_regions().children(region)),
    }
    notes = facts.notes[(facts.notes["month"] == period) & facts.notes["region"].isin(places)]
    rows = progress[progress["jurisdiction"].isin(places) & progress["in_force"].astype(bool)]
    latest = rows.groupby(["jurisdiction", "indicator"]).first().reset_index()
    joined = notes.merge(
        latest[["jurisdiction", "indicator", "actual", "target_value", "progress_pct", "status"]],
        left_on=["region", "indicator"],
        right_on=["jurisdiction", "indicator"],
        how="left",
    )
    quoted = pd.DataFrame(
        {
            "地区": joined["region"],
            "指标": joined["indicator"].map(lambda i: catalog.indicators[i].name if i in catalog.indicators else i),
            "实际": joined["actual"],
            "完成率%": joined["progress_pct"],
            "状态": joined["status"].fillna("无数据"),
            "进展情况": joined["progress"],
            "存在问题": joined["problems"],
            "下步措施": joined["next_steps"],
        }
    )
    lagging = sub_unit_rows(progress, region)
    lagging = lagging[lagging["status"].isin([STATUS_BEHIND, STATUS_FAR_BEHIND]) & lagging["in_force"].astype(bool)]
    explained = set(zip(notes["region"], notes["indicator"], strict=True))
    mask = pd.Series(
        [(j, i) not in explained for j, i in zip(lagging["jurisdiction"], lagging["indicator"], strict=True)],
        index=lagging.index,
        dtype=bool,
    )
    missing = lagging[mask]
    # one line per unit: the lagging indicators it has not explained
    unexplained = (
        missing.drop_duplicates(["jurisdiction", "indicator"])
        .groupby("jurisdiction")["indicator_name"]
        .agg(lambda names: "、".join(names))
        .rename("落后且未作说明的指标")
        .rename_axis("地区")
        .reset_index()
    )
    unexplained.insert(1, "项数", unexplained["落后且未作说明的指标"].str.count("、") + 1)
    return quoted.reset_index(drop=True), unexplained


def stock_series(store: Store, progress: pd.DataFrame, region: str, period: str, limit: int = 4) -> pd.DataFrame:
    """Month-end values of the region's main stock targets since their baseline, and their straight path."""
    catalog = load_catalog()
    facts = load_facts(store, period)
    own = (
        progress[
            (progress["jurisdiction"] == region)
            & (progress["kind"] == "stock")
            & progress["in_force"].astype(bool)
            & progress["indicator"].isin(MAIN_STOCK_INDICATORS)
        ]
        .drop_duplicates("indicator")
        .head(limit)
    )
    by_id = {t.id: t for t in catalog.targets}
    out = []
    for _, row in own.iterrows():
        target, name = by_id[row["target_id"]], target_name(row)  # 国家级和省级专精特新中小企业: what is counted
        window = row_window(row)
        months = pd.period_range(window[0], pd.Timestamp(row["eval_date"]), freq="M")
        for month in months:
            day = month.to_timestamp(how="end").normalize()
            value = actual_values(target, facts, day, window)["value"].get(region)
            out.append({"indicator": name, "date": day, "value": value, "kind": "实际"})
        out.append({"indicator": name, "date": window[0], "value": row["base_value"], "kind": "路径"})
        out.append({"indicator": name, "date": window[1], "value": row["target_value"], "kind": "路径"})
    return pd.DataFrame(out, columns=["indicator", "date", "value", "kind"])


# --- the two reports ---------------------------------------------------------------


def monthly_report(store: Store, region: str, period: str, as_of: dt.date | None = None) -> Report:
    store.require_latest_period()
    region, period = _region(region), parse_month(period)
    as_of = parse_date(as_of) if as_of else month_end(period).date()
    progress = compute_progress(store, as_of)
    rows = region_rows(progress, region)
    quoted, unexplained = explanations(store, progress, region, period)
    status = submission_status(store, region, period)
    report = Report(
        kind="monthly",
        region=region,
        period=period,
        as_of=as_of,
        issuer=issuer_of(region),
        title=f"{region}县域特色产业集群目标任务月调度（{int(period[:4])}年{int(period[5:])}月）",
        date_text=_date_text(report_date(as_of)),
        progress=progress,
        rows=rows,
        overview=_monthly_overview(progress, rows, region, as_of, status),
        sentences=_sentences(rows, f"{period}-01"),
    )
    report.tables = {
        "目标完成情况": target_table(rows),
        "已到期目标": closed_table(rows),
        "趋势研判": trajectory_table(rows),
        "本月新认定企业": new_awards(store, region, period),
        "分地区情况": unit_breakdown(progress, region),
        "报送情况": status,
        "情况说明": quoted,
        "落后且未说明": unexplained,
    }
    return report


def _sentences(rows: pd.DataFrame, since: str) -> list[str]:
    """The region's own targets in force, and those whose deadline fell within the report's period (their final
    result), one sentence each; when there are neither, the final results of the plan's last deadline."""
    own = rows[rows["basis"] == BASIS_PLAN]
    final = own["final"].astype(bool)
    chosen = own[own["in_force"].astype(bool) | (final & (own["window_end"] >= since))]
    if chosen.empty and final.any():
        chosen = own[final & (own["window_end"] == own.loc[final, "window_end"].max())]
    return [sentence(r) for _, r in chosen.iterrows()]


def _monthly_overview(progress, rows, region, as_of, status: pd.DataFrame) -> str:
    text = (
        overview(progress, region, as_of)
        if (rows["basis"] == BASIS_PLAN).any()
        else _issued_overview(rows, region, as_of)
    )
    if not status.empty:
        missing = status.loc[status["本期"] == "否", "地区"].tolist()
        text += f"本月应报送单位{len(status)}个，已报送{len(status) - len(missing)}个"
        text += f"，未报送：{'、'.join(missing)}。" if missing else "，全部按时报送。"
    return text


def _issued_overview(rows: pd.DataFrame, region: str, as_of) -> str:
    running = rows[rows["in_force"].astype(bool)]
    if running.empty:
        return f"{as_of_phrase(as_of)}，{region}无在期的上级下达分解目标。"
    return f"{as_of_phrase(as_of)}，{region}承担上级下达的在期分解目标{len(running)}项。"


def quarterly_report(store: Store, region: str, period: str) -> Report:
    store.require_latest_period()
    region = _region(region)
    months = quarter_months(period)
    as_of = month_end(months[-1]).date()
    progress = compute_progress(store, as_of)
    rows = region_rows(progress, region)
    since = f"{months[0]}-01"  # the targets due within the quarter are judged on their final result
    scores = unit_scores(progress, region, since=since)
    red, black = honour_lists(scores)
    floor = under_floor(scores)
    ahead, behind = ahead_and_behind(progress, region)
    year, q = parse_quarter(period)
    report = Report(
        kind="quarterly",
        region=region,
        period=f"{year}-Q{q}",
        as_of=as_of,
        issuer=issuer_of(region),
        title=f"关于{year}年第{'一二三四'[q - 1]}季度县域特色产业集群目标任务推进情况的通报",
        date_text=_date_text(report_date(as_of)),
        progress=progress,
        rows=rows,
        overview=overview(progress, region, as_of)
        if (rows["basis"] == BASIS_PLAN).any()
        else _issued_overview(rows, region, as_of),
        sentences=_sentences(rows, since),
    )
    report.tables = {
        "综合排名": scores,
        "红榜": red,
        "黑榜": black,
        "低于底线": floor,
        "分指标排名": _rank_matrix(progress, region, since),
        "目标完成情况": target_table(rows),
        "已到期目标": closed_table(rows),
        "超序时单位": ahead,
        "落后单位": behind,
        "报送情况": submission_status(store, region, months[-1]),
    }
    report.tables["热力图数据"] = heat_matrix(progress, region, since)
    report.tables.update(analyst_appendix(store, region, months[-1], f"{year}-Q{q}"))
    report.paragraphs = {"通报": bulletin_paragraphs(report, scores, red, black, floor)}
    return report


def _rank_matrix(progress: pd.DataFrame, region: str, since: str) -> pd.DataFrame:
    ranks = indicator_ranking(progress, region, since)
    running = progress["in_force"].astype(bool) | (progress["final"].astype(bool) & (progress["window_end"] >= since))
    main = progress.loc[running & progress["indicator"].isin(MAIN_STOCK_INDICATORS + ("innovative_sme",)), "target_id"]
    ranks = ranks[ranks["target_id"].isin(set(main))]
    if ranks.empty:
        return pd.DataFrame()
    first = progress[running].drop_duplicates("target_id").set_index("target_id", drop=False)
    names, terms = target_names(first), first["term"]
    ranks = ranks.assign(
        indicator_name=ranks["target_id"].map(names) + "（" + ranks["target_id"].map(terms).map(term_label) + "）"
    )
    table = ranks.pivot_table(index="jurisdiction", columns="indicator_name", values="名次", aggfunc="min")
    return table.rename_axis(index="地区", columns=None).reset_index()


def heat_matrix(progress: pd.DataFrame, region: str, since: str | None = None) -> pd.DataFrame:
    """Units × indicators: the gap to 序时进度 in points, on scored rows only (issued, in force, binding);
    the heat map colours it by the status bands. A met target counts as on the calendar at least."""
    rows = scored_rows(sub_unit_rows(progress, region), since)
    if rows.empty:
        return pd.DataFrame()
    # a final row's gap is to 100% (its whole term has elapsed)
    gaps = rows["gap_pp"].astype(float).where(~rows["final"].astype(bool), rows["progress_pct"] - 100)
    rows = rows.assign(
        index=gaps.where(~rows["met"].astype(bool), gaps.clip(lower=0).fillna(0)),
        label=target_names(rows) + "（" + rows["term"].map(term_label) + "）",
    )
    return rows.pivot_table(index="jurisdiction", columns="label", values="index", aggfunc="mean").rename_axis(
        index="地区", columns=None
    )


def _names_at(ranked: pd.DataFrame, rank) -> str:
    return "、".join(ranked.loc[ranked["排名"] == rank, "地区"])


def bulletin_paragraphs(report: Report, scores, red, black, floor) -> list[str]:
    """通报-style paragraphs from the numbers, ending with next steps."""
    text = [report.overview]
    ranked = scores[scores["综合得分"].notna()]
    if ranked.empty:
        nothing_in_force = not report.rows["in_force"].astype(bool).any()
        text.append(
            "本季度无在期目标，不作综合排名，仅通报各项目标的终期完成情况。"
            if nothing_in_force
            else "本季度各单位在期且已下达的分解目标不足，不作综合排名。"
        )
        text.append(
            "下一步，请各地对照方案逐项总结目标完成情况，分析未完成目标的原因，做好方案终期评估。"
            if nothing_in_force
            else "下一步，请各地对照年度目标和序时进度，逐项梳理差距，落实“月调度、季通报”机制。"
        )
        return text
    first, last = ranked.iloc[0], ranked.iloc[-1]
    text.append(
        f"从综合得分看，{_names_at(ranked, first['排名'])}以{first['综合得分']:.1f}分位列第一，"
        f"{_names_at(ranked, last['排名'])}以{last['综合得分']:.1f}分排名末位。"
    )
    ties = [group for group in tied_groups(scores) if first["地区"] not in group and last["地区"] not in group]
    if ties:
        text.append("得分相同、并列排名的有：" + "；".join("、".join(g) for g in ties) + "。")
    if not red.empty:
        text.append("列入红榜的单位：" + "、".join(red["地区"]) + "，予以通报表扬。")
    if not black.empty:
        text.append(
            "列入黑榜的单位：" + "、".join(black["地区"]) + "，请其主要负责同志高度重视，"
            "于下月调度前书面说明原因和整改措施。"
        )
    if not floor.empty:
        text.append("综合得分低于底线的单位：" + "、".join(floor["地区"]) + "。")
    not_ranked = scores[scores["综合得分"].isna()]
    if not not_ranked.empty:
        text.append("在期且已下达的分解目标不足、不参与排名的单位：" + "、".join(not_ranked["地区"]) + "。")
    for _, unit in ranked.iterrows():
        if pd.notna(unit["最好指标"]) and unit["最好指标"] != unit["最差指标"]:
            text.append(f"{unit['地区']}：{unit['最好指标']}推进最好，{unit['最差指标']}相对滞后。")
    year_open = report.as_of.month != 12
    text.append(
        "下一步，各地要对照年度目标和序时进度，逐项梳理差距，落实“月调度、季通报”机制；落后单位要制定追赶措施"
        + ("，确保全年目标任务完成。" if year_open else "，认真总结全年目标完成情况，查找未完成目标的原因。")
    )
    return text


def resolve_period(store: Store, period: str | None) -> str:
    """The month asked for, else the store's latest complete month (its last day has passed)."""
    if period:
        return parse_month(period)
    return min(store.require_latest_period(), latest_complete_month())


def resolve_quarter(store: Store, period: str | None) -> str:
    """The quarter asked for, else the latest quarter whose three months are complete and in the store."""
    if period:
        year, q = parse_quarter(period)
        return f"{year}-Q{q}"
    month = pd.Period(resolve_period(store, None), "M")
    quarter = month.asfreq("Q") if month.month % 3 == 0 else month.asfreq("Q") - 1
    return f"{quarter.year}-Q{quarter.quarter}"


def save_outputs(report: Report, facts_out=None, tables_out=None) -> None:
    """Write the key figures (JSON) and the appendix tables (xlsx) beside the rendered report."""
    import json
    from pathlib import Path

    from analysis.fsutil import write_text_atomic
    from analysis.reports.xlsx import export_title, write_tables

    if facts_out:
        write_text_atomic(Path(facts_out), json.dumps(report.facts_json(), ensure_ascii=False, indent=1, default=str))
    if tables_out:
        sheets = {
            name: table for name, table in report.tables.items() if isinstance(table, pd.DataFrame) and not table.empty
        }
        heat = sheets.pop("热力图数据", None)
        if heat is not None:
            sheets["热力图数据"] = heat.round(1).reset_index()
        write_tables(Path(tables_out), sheets, title=export_title(report.title, as_of=report.as_of))


def analyst_appendix(store: Store, region: str, month: str, quarter: str) -> dict[str, pd.DataFrame]:
    """梯度培育 and 奖补 for the bulletin's appendix: each unit's top candidates per rung, the quarter's payouts."""
    from analysis.analysts.candidates import candidates
    from analysis.analysts.incentives import by_unit, estimate

    top = candidates(store, region, period=month, top=3)
    shortlist = pd.DataFrame(
        {
            "地区": top["unit"],
            "培育方向": top["rung"],
            "名次": top["rank"],
            "企业名称": top["name"],
            "已满足": top["met_text"],
            "未满足": top["missed_text"],
        }
    )
    return {"后备培育库（前3名）": shortlist, "奖补资金测算（万元）": by_unit(estimate(store, quarter, region))}
