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
)
from analysis.progress.allocations import BASIS_PLAN
from analysis.progress.engine import compute_progress, row_window
from analysis.progress.facts import load_facts
from analysis.progress.measures import actual_values
from analysis.progress.narrative import as_of_phrase, overview, sentence, target_name, target_names
from analysis.progress.results import basis_legend
from analysis.progress.verdicts import (
    STATUS_AWAITING,
    STATUS_BEHIND,
    STATUS_FAR_BEHIND,
    STATUS_LEVEL_MISSED,
    STATUS_MISSED,
    STATUS_NO_DATA,
    STATUS_PARTIAL,
)
from analysis.progress.views import (
    ahead_and_behind,
    honour_lists,
    indicator_ranking,
    method_paragraphs,
    scored_rows,
    sub_unit_rows,
    submission_status,
    tied_groups,
    under_floor,
    unit_scores,
)
from analysis.reports.explanations import month_notes, row_label
from analysis.reports.plans import monthly_title, quarterly_title, submission_deadline
from analysis.reports.tables import (  # noqa: F401  (term_label: re-exported for older callers)
    MAIN_STOCK_INDICATORS,
    closed_table,
    target_table,
    term_label,
    trajectory_table,
    unit_breakdown,
)
from analysis.store.history import Store
from analysis.yamlio import load_yaml

# the full name of each table as an attachment (附件说明 and the workbook's 目录), where its key is a short one
APPENDIX_NAMES = {
    "目标完成情况": "在期目标完成情况",
    "已到期目标": "本期到期目标的终期结果",
    "趋势研判": "存量目标趋势研判",
    "本月新认定企业": "本月新认定企业名单",
    "分地区情况": "各单位分解目标完成情况",
    "报送情况": "各单位报送情况",
    "情况说明": "各单位情况说明",
    "落后且未说明": "落后于序时进度且未作说明的单位",
    "综合排名": "各单位综合得分与排名",
    "低于底线": "综合得分低于底线的单位",
    "分指标排名": "各单位分指标排名",
    "超序时单位": "超序时进度的单位与指标",
    "落后单位": "落后序时进度的单位与指标",
    "热力图数据": "各单位分指标与序时进度的偏差（百分点）",
}


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
    plan_jurisdiction: str | None = None  # a final assessment: the plan's jurisdiction (its body issues it)

    @property
    def signed_on(self) -> dt.date:
        """成文日期: the render date (reports.render refuses a formal report before its reporting deadline)."""
        return signed_on()

    def issuance(self):
        """Who issues the document, its 主送, 抄送 and 印发 (reports/issuance.py, data/issuance.yml)."""
        from analysis.reports.issuance import issuance

        return issuance(self.kind, self.region, plan_jurisdiction=self.plan_jurisdiction)

    def appendix(self) -> dict[str, pd.DataFrame]:
        """The tables attached as the 附表 workbook, by their full names, in the order of its sheets."""
        sheets = {
            (APPENDIX_NAMES.get(name, name) if self.kind != "final" else name): table
            for name, table in self.tables.items()
            if isinstance(table, pd.DataFrame) and not table.empty and name != "热力图数据"
        }
        heat = self.tables.get("热力图数据")
        if isinstance(heat, pd.DataFrame) and not heat.empty:
            sheets[APPENDIX_NAMES["热力图数据"]] = heat.round(1).reset_index()
        return sheets

    def attachment_names(self) -> list[str]:
        """附件说明: every attached table by its full name."""
        return list(self.appendix())

    def facts_json(self) -> dict:
        """Key figures for tests and audits (the executed notebook writes them beside itself)."""
        return {
            "region": self.region,
            "period": self.period,
            "as_of": self.as_of.isoformat(),
            "rows": self.rows[
                ["target_id", "jurisdiction", "actual", "target_value", "progress_pct", "expected_pct", "status"]
            ].to_dict(orient="records"),
            "results": self.results().to_dict(orient="records"),
        }

    def results(self) -> pd.DataFrame:
        """Every (place, target, term) with a target that the document can show: the region's and its units'
        (the rows a city's document and a county's must agree on), with the result in words."""
        from analysis.progress.results import result_text

        places = {self.region, *(r.name for r in load_regions().children(self.region))}
        rows = self.progress[self.progress["jurisdiction"].isin(places) & (self.progress["basis"] != "")]
        if self.kind == "final":
            rows = rows[rows["final"].astype(bool)]
        columns = ["jurisdiction", "target_id", "term", "basis", "target_value", "actual", "status", "final"]
        out = rows[columns].copy()
        out["result"] = [result_text(r) for _, r in rows.iterrows()]
        return out.reset_index(drop=True)


def signed_on() -> dt.date:
    """成文日期: the day the report is rendered. A formal report is rendered only after its period's reporting
    deadline (reports.render refuses before it), so it is never dated before the deadline."""
    from analysis.periods import today

    return today()


def _region(name: str) -> str:
    return load_regions().get(name).name


@lru_cache(maxsize=1)
def _issuers() -> dict[str, str]:
    return dict(load_yaml(paths.ISSUERS_FILE).get("issuers") or {})


def issuer_for(kind: str, region: str) -> str:
    """The body that issues a region's document of `kind` (reports/issuance.py: data/issuance.yml's rule)."""
    from analysis.reports.issuance import issuance

    return issuance(kind, region).issuer


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


def calendar_rows(report: Report) -> pd.DataFrame:
    """Rows for the calendar chart: the region's own in-force targets with a calendar, else those issued to it."""
    running = report.rows[report.rows["in_force"].astype(bool) & report.rows["expected_pct"].notna()]
    own = running[running["basis"] == BASIS_PLAN]
    return own if not own.empty else running


def date_text_of(day) -> str:
    return "" if pd.isna(day) else _date_text(pd.Timestamp(day).date())


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
            "认定日期": [date_text_of(d) for d in new["granted"]],
        }
    )
    return table.sort_values(["地区", "资质类型", "企业名称"]).reset_index(drop=True)


def explanations(store: Store, progress: pd.DataFrame, region: str, period: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The units' own 情况说明 of the month, each under the target and term it concerns, with that row's figures;
    and the units behind on a target of theirs that explained nothing."""
    facts = load_facts(store, period)
    places = {
        region,
        *(u.name for u in load_regions().units_under(region)),
        *(r.name for r in load_regions().children(region)),
    }
    rows = progress[progress["jurisdiction"].isin(places) & progress["in_force"].astype(bool)]
    quoted = month_notes(facts.notes, rows, period)
    lagging = sub_unit_rows(progress, region)
    lagging = lagging[
        lagging["status"].isin([STATUS_BEHIND, STATUS_FAR_BEHIND])
        & lagging["in_force"].astype(bool)
        & (lagging["basis"] != "")
    ]
    explained = set(zip(quoted["地区"], quoted["指标"], strict=True))
    labels = row_label(lagging) if not lagging.empty else pd.Series(dtype=object)
    mask = pd.Series(
        [(j, label) not in explained for j, label in zip(lagging["jurisdiction"], labels, strict=True)],
        index=lagging.index,
        dtype=bool,
    )
    missing = lagging.assign(label=labels.to_numpy() if len(labels) else [])[mask]
    if missing.empty:
        return quoted, pd.DataFrame(columns=["地区", "项数", "落后且未作说明的目标"])
    # one line per unit: the targets it is behind on and has not explained
    unexplained = (
        missing.drop_duplicates(["jurisdiction", "label"])
        .groupby("jurisdiction")["label"]
        .agg(lambda names: "、".join(names))
        .rename("落后且未作说明的目标")
        .rename_axis("地区")
        .reset_index()
    )
    unexplained.insert(1, "项数", unexplained["落后且未作说明的目标"].str.count("、") + 1)
    return quoted, unexplained


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
        issuer=issuer_for("monthly", region),
        title=monthly_title(region, period),
        date_text=_date_text(signed_on()),
        progress=progress,
        rows=rows,
        overview=_monthly_overview(progress, rows, region, as_of, status, no_data_text(store, region, period, as_of)),
        sentences=_sentences(rows, f"{period}-01"),
    )
    report.tables = {
        "目标完成情况": target_table(rows),
        "已到期目标": closed_table(due_within(rows, f"{period}-01"), progress),
        "趋势研判": trajectory_table(rows),
        "本月新认定企业": new_awards(store, region, period),
        "分地区情况": unit_breakdown(progress, region),
        "报送情况": status,
        "情况说明": quoted,
        "落后且未说明": unexplained,
    }
    report.paragraphs = {"方法": method_paragraphs(ranking=False), "口径": [basis_legend(rows)]}
    return report


def due_within(rows: pd.DataFrame, since: str) -> pd.DataFrame:
    """The rows whose deadline falls within the report's period (from `since` on): the final results it reports.
    Results of earlier years belong to the reports of their own periods and to the final assessment."""
    return rows[rows["final"].astype(bool) & (rows["window_end"] >= since)]


# the results a report names one by one in its opening section, under this line; every other result is in its tables
ATTENTION_LEAD = "未完成、落后或暂不能评价的目标："
NEEDS_ATTENTION = (
    STATUS_BEHIND,
    STATUS_FAR_BEHIND,
    STATUS_MISSED,
    STATUS_LEVEL_MISSED,
    STATUS_NO_DATA,
    STATUS_PARTIAL,
    STATUS_AWAITING,
)


def _sentences(rows: pd.DataFrame, since: str) -> list[str]:
    """The region's own targets in force, and those whose deadline fell within the report's period (their final
    result), that are behind, missed or not judged: one sentence each (the overview counts the rest, the table
    lists them all); when there are none in force or due, the final results of the plan's last deadline."""
    own = rows[rows["basis"] == BASIS_PLAN]
    final = own["final"].astype(bool)
    chosen = own[own["in_force"].astype(bool) | (final & (own["window_end"] >= since))]
    if chosen.empty and final.any():
        chosen = own[final & (own["window_end"] == own.loc[final, "window_end"].max())]
    chosen = chosen[chosen["status"].isin(NEEDS_ATTENTION)]
    return [sentence(r, lead=False) for _, r in chosen.iterrows()]


def no_data_text(store: Store, region: str, period: str, as_of) -> str:
    """暂无报送数据 when neither the region nor any unit under it has sent anything up to the period (else "")."""
    places = {region, *(u.name for u in load_regions().units_under(region))}
    parts = store.parts()
    sent = parts[(parts["period"] <= period) & parts["unit"].isin(places) & (parts["sheet"] != "目标分解")]
    if not sent.empty:
        return ""
    return f"{as_of_phrase(as_of)}，{region}及所辖单位暂无报送数据，各项目标暂无法评估。"


def _monthly_overview(progress, rows, region, as_of, status: pd.DataFrame, empty: str = "") -> str:
    text = empty or (
        overview(progress, region, as_of)
        if (rows["basis"] == BASIS_PLAN).any()
        else _issued_overview(rows, region, as_of)
    )
    if not status.empty:
        missing = status.loc[status["本期"] == "否", "地区"].tolist()
        text += f"本月应报送单位{len(status)}个，已报送{len(status) - len(missing)}个"
        text += f"，未报送：{'、'.join(missing)}。" if missing else "，已全部报送。"
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
        issuer=issuer_for("quarterly", region),
        title=quarterly_title(region, f"{year}-Q{q}"),
        date_text=_date_text(signed_on()),
        progress=progress,
        rows=rows,
        overview=no_data_text(store, region, months[-1], as_of)
        or (
            overview(progress, region, as_of)
            if (rows["basis"] == BASIS_PLAN).any()
            else _issued_overview(rows, region, as_of)
        ),
        sentences=_sentences(rows, since),
    )
    report.tables = {
        "综合排名": scores,
        "红榜": red,
        "黑榜": black,
        "低于底线": floor,
        "分指标排名": _rank_matrix(progress, region, since),
        "目标完成情况": target_table(rows),
        "已到期目标": closed_table(due_within(rows, since), progress),
        "超序时单位": ahead,
        "落后单位": behind,
        "报送情况": submission_status(store, region, months[-1]),
    }
    report.tables["热力图数据"] = heat_matrix(progress, region, since)
    report.tables.update(analyst_appendix(store, region, months[-1], f"{year}-Q{q}"))
    report.paragraphs = {
        "通报": bulletin_paragraphs(report, scores, red, black, floor),
        "方法": method_paragraphs(ranking=True),
        "口径": [basis_legend(rows)],
    }
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
        text.append(_unit_line(unit))
    year_open = report.as_of.month != 12
    text.append(
        "下一步，各地要对照年度目标和序时进度，逐项梳理差距，落实“月调度、季通报”机制；落后单位要制定追赶措施"
        + ("，确保全年目标任务完成。" if year_open else "，认真总结全年目标完成情况，查找未完成目标的原因。")
    )
    return text


def _unit_line(unit) -> str:
    """A unit's best and worst indicators, in words that agree with its own results: nothing is called 滞后 unless
    it is behind the calendar or missed."""
    name, best, worst = unit["地区"], unit["最好指标"], unit["最差指标"]
    if unit["落后数"] > 0 and pd.notna(worst) and best != worst:
        return f"{name}：{best}推进最好，{worst}相对滞后。"
    if unit["落后数"] > 0:
        return f"{name}：{worst}落后于序时进度。"
    if unit["完成数"] == unit["指标数"]:
        return f"{name}：{int(unit['指标数'])}项评分目标均已完成。"
    return f"{name}：各项评分目标均未落后于序时进度，其中{best}推进最好。"


def resolve_period(store: Store, period: str | None) -> str:
    """The month asked for, else the store's latest complete month (its last day has passed)."""
    if period:
        return parse_month(period)
    month = min(store.require_latest_period(), latest_complete_month())
    from analysis.periods import today

    # a month's report is formal once its files are due (the 10th of the next month): before that, the month before
    return month if today() > submission_deadline(month) else (pd.Period(month, "M") - 1).strftime("%Y-%m")


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
        write_tables(
            Path(tables_out),
            report.appendix(),
            title=export_title(report.title, as_of=report.as_of),
            issuer=report.issuer,
            report_date=report.signed_on,
            contents=True,
            cutoff=report.as_of,
        )


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
