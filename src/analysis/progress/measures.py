"""Actual values of a target's measure for every jurisdiction at a date.

Each function returns a DataFrame indexed by jurisdiction with columns `value`
and `source` (计数 counted from enterprise rows, 填报 reported by the region
itself in 指标填报, 下级汇总/简单平均 rolled up from its units' reports).
An enterprise counts once per jurisdiction: counts are distinct credit codes
over the units below, so an enterprise listed by two units is counted once above them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.catalog.targets import Target
from analysis.progress.facts import Facts, jurisdiction_map, with_jurisdictions

SOURCE_COUNTED = "计数"
SOURCE_REPORTED = "填报"
SOURCE_SUMMED = "下级汇总"
SOURCE_AVERAGED = "简单平均"  # an unweighted mean of the units' rates (they report no denominators)
FLOW_KINDS = ("annual", "in-year", "cumulative")


def _frame(values: pd.Series, source: str) -> pd.DataFrame:
    return pd.DataFrame({"value": values.astype("float64"), "source": source})


def _levels(measure: dict) -> list[str] | None:
    level = measure.get("level")
    if level is None:
        return None
    return list(level) if isinstance(level, (list, tuple)) else [level]


def covered(facts: Facts) -> pd.Index:
    """Jurisdictions with at least one unit that submitted a register: a count of nothing there is 0, not 无数据."""
    if facts.covered is None:  # computed once per Facts: it is the same for every target
        units = pd.concat([facts.enterprises["unit"], facts.awards["unit"]]).unique()
        jmap = jurisdiction_map()
        facts.covered = pd.Index(jmap.loc[jmap["unit"].isin(units), "jurisdiction"].unique())
    return facts.covered


def _counts(values: pd.Series, facts: Facts) -> pd.DataFrame:
    return _frame(values.reindex(values.index.union(covered(facts)), fill_value=0), SOURCE_COUNTED)


def award_rows(facts: Facts, measure: dict) -> pd.DataFrame:
    """Award rows of the measure's type (and level, when the measure names one)."""
    if facts.by_award is None:  # split once: ~100 targets select from the same register
        facts.by_award = dict(tuple(facts.awards.groupby("award", sort=False)))
    rows = facts.by_award.get(measure["award"], facts.awards.iloc[0:0])
    levels = _levels(measure)
    if levels:
        rows = rows[rows["level"].isin(levels)]
    return rows


def reported_of(facts: Facts, indicator: str) -> pd.DataFrame:
    """The 指标填报 rows of one indicator (split by indicator once per snapshot: every measure filters by one)."""
    if "reported" not in facts.memo:
        facts.memo["reported"] = dict(tuple(facts.reported.groupby("indicator", sort=False)))
    return facts.memo["reported"].get(indicator, facts.reported.iloc[0:0])


def reported_by_month(facts: Facts, indicator: str) -> pd.DataFrame:
    """reported_of, sorted by month (once per snapshot and indicator)."""
    key = ("reported_by_month", indicator)
    if key not in facts.memo:
        facts.memo[key] = reported_of(facts, indicator).sort_values("month", kind="stable")
    return facts.memo[key]


def _distinct_by_jurisdiction(rows: pd.DataFrame) -> pd.Series:
    expanded = with_jurisdictions(rows[["code", "unit"]])
    return expanded.groupby("jurisdiction")["code"].nunique()


def valid_at(rows: pd.DataFrame, date: pd.Timestamp) -> pd.DataFrame:
    """Rows whose award holds at `date`: granted, not expired, not revoked."""
    return rows[(rows["granted"] <= date) & (rows["valid_until"] >= date) & (rows["revoked"] > date)]


def count_valid(rows: pd.DataFrame, date: pd.Timestamp) -> pd.Series:
    return _distinct_by_jurisdiction(valid_at(rows, date))


def first_grants(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per enterprise and unit: the first time it was granted the award (re-certification is not new)."""
    first = rows.groupby("code")["granted"].min().rename("first_granted")
    return rows[["code", "unit"]].drop_duplicates().merge(first, left_on="code", right_index=True)


def measure_first_grants(facts: Facts, measure: dict) -> pd.DataFrame:
    """first_grants of the measure's award rows, derived once per snapshot (many targets and terms share one)."""
    key = ("first_grants", measure["award"], tuple(_levels(measure) or ()))
    if key not in facts.memo:
        facts.memo[key] = first_grants(award_rows(facts, measure))
    return facts.memo[key]


def count_first_grants(rows: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    return count_firsts(first_grants(rows), start, end)


def count_firsts(first: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Distinct enterprises per jurisdiction first granted in [start, end] (`first`: first_grants' frame)."""
    return _distinct_by_jurisdiction(first[(first["first_granted"] >= start) & (first["first_granted"] <= end)])


def _reported_rows(facts: Facts, indicator: str, date: pd.Timestamp, since: pd.Timestamp | None) -> pd.DataFrame:
    month = date.strftime("%Y-%m")
    rows = reported_by_month(facts, indicator)
    rows = rows[rows["month"] <= month]
    if since is not None:
        rows = rows[rows["month"] >= since.strftime("%Y-%m")]
    return rows.drop_duplicates("region", keep="last").set_index("region")  # each region's latest report


def reported_values(
    facts: Facts, indicator: str, date: pd.Timestamp, since: pd.Timestamp | None = None, additive: bool = True
) -> pd.DataFrame:
    """Each region's latest report ≤ date's month; regions without one roll up their units'.

    Additive indicators (counts) are summed over units; rates are averaged.
    """
    own = _reported_rows(facts, indicator, date, since)
    return _with_roll_up(own["value"], additive)


def reported_flow(facts: Facts, indicator: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """A flow reported month by month (当月数): the sum of a region's monthly figures in [start, end]."""
    rows = reported_of(facts, indicator)
    rows = rows[rows["month"].between(start.strftime("%Y-%m"), end.strftime("%Y-%m"))]
    return _with_roll_up(rows.groupby("region")["value"].sum(), additive=True)


def _with_roll_up(own: pd.Series, additive: bool) -> pd.DataFrame:
    """Regions' own figures, plus a roll-up of their units' for regions that reported none themselves."""
    out = _frame(own, SOURCE_REPORTED)
    unit_values = with_jurisdictions(own.rename("value").rename_axis("unit").reset_index())
    unit_values = unit_values[unit_values["unit"] != unit_values["jurisdiction"]]
    rolled = unit_values.groupby("jurisdiction")["value"].agg("sum" if additive else "mean")
    rolled = rolled[~rolled.index.isin(out.index)]
    return pd.concat([out, _frame(rolled, SOURCE_SUMMED if additive else SOURCE_AVERAGED)])


def _override_with_reports(
    counted: pd.DataFrame, facts: Facts, indicator: str, date: pd.Timestamp, since: pd.Timestamp | None
) -> pd.DataFrame:
    """A region's own report of an award count (e.g. a province's published figure) replaces the count."""
    own = _reported_rows(facts, indicator, date, since)
    if own.empty:
        return counted
    counted = counted.drop(index=own.index, errors="ignore")
    return pd.concat([counted, _frame(own["value"], SOURCE_REPORTED)])


def ratio_values(facts: Facts, measure: dict, date: pd.Timestamp) -> pd.DataFrame:
    """sum(numerator)/sum(denominator) × 100 over the population valid at `date`, latest year ≤ date's year."""
    population = valid_at(award_rows(facts, measure["population"]), date)[["code"]].drop_duplicates()
    finance = facts.finance[facts.finance["year"] <= date.year].dropna(subset=["year"])
    latest = finance.sort_values("year").groupby("code").tail(1).merge(population, on="code")
    latest = with_jurisdictions(latest).drop_duplicates(["jurisdiction", "code"])
    sums = latest.groupby("jurisdiction")[["rd", "revenue"]].sum()
    values = (100 * sums["rd"] / sums["revenue"].replace(0, np.nan)).dropna()
    return _frame(values, SOURCE_COUNTED)


def cluster_growth(facts: Facts, date: pd.Timestamp) -> pd.DataFrame:
    """Year-on-year growth (%) of clusters' 1–N月 cumulative revenue at the date's month, same clusters both years."""
    months = facts.cluster_months
    this = months[months["month"] == date.strftime("%Y-%m")]
    last = months[months["month"] == f"{date.year - 1}-{date.month:02d}"]
    paired = this.merge(last[["cluster", "ytd_revenue"]], on="cluster", suffixes=("", "_prev"))
    paired = with_jurisdictions(paired)
    sums = paired.groupby("jurisdiction")[["ytd_revenue", "ytd_revenue_prev"]].sum()
    values = (100 * (sums["ytd_revenue"] / sums["ytd_revenue_prev"].replace(0, np.nan) - 1)).dropna()
    return _frame(values, SOURCE_COUNTED)


def reported_growth(facts: Facts, indicator: str, date: pd.Timestamp, base_date: pd.Timestamp) -> pd.DataFrame:
    """Growth (%) of a reported level since the report nearest after the baseline."""
    latest = reported_values(facts, indicator, date)
    base = reported_of(facts, indicator)
    base = base[base["month"] >= base_date.strftime("%Y-%m")]
    first = base.sort_values("month").groupby("region").head(1).set_index("region")["value"]
    growth = (100 * (latest["value"] / first.reindex(latest.index).replace(0, np.nan) - 1)).dropna()
    return _frame(growth, latest.loc[growth.index, "source"].iloc[0] if len(growth) else SOURCE_REPORTED)


def actual_values(
    target: Target, facts: Facts, date: pd.Timestamp, window: tuple[pd.Timestamp, pd.Timestamp]
) -> pd.DataFrame:
    """The target's measure for every jurisdiction at `date` (flows over `window`, clipped to `date`)."""
    measure, kind = target.measure, target.kind
    start, end = window[0], min(window[1], date)
    if "award" in measure and kind in ("stock", "share"):
        counted = _counts(count_valid(award_rows(facts, measure), date), facts)
        values = _override_with_reports(counted, facts, target.indicator, date, None)
        if kind == "share":
            return _share(values, target.extra["share_of"])
        return values
    if "award" in measure and kind in FLOW_KINDS:
        # a region's reported figure for an award indicator is its stock, so it never replaces a flow
        return _counts(count_firsts(measure_first_grants(facts, measure), start, end), facts)
    if "numerator" in measure:
        # a region's own reported ratio is its actual, marked 填报, over one derived from enterprises
        return _override_with_reports(ratio_values(facts, measure, date), facts, target.indicator, date, None)
    if "cluster" in measure:
        return cluster_growth(facts, date)
    if "reported" in measure:
        if kind == "growth":
            return reported_growth(facts, target.indicator, date, window[0])
        if kind in FLOW_KINDS:
            return reported_flow(facts, target.indicator, start, end)
        return reported_values(facts, target.indicator, date, additive=target.unit != "%")
    raise ValueError(f"no rule to measure {target.id} ({kind}, {measure})")


def _share(values: pd.DataFrame, parent: str) -> pd.DataFrame:
    """Each jurisdiction's count as a percentage of `parent`'s (counted or, typically, reported), with the
    numerator, the denominator and the denominator's source, so that a reader can redo it."""
    if parent not in values.index or not values.loc[parent, "value"]:
        return _frame(pd.Series(dtype="float64"), SOURCE_COUNTED)
    denominator = float(values["value"].loc[parent])
    parent_source = str(values["source"].loc[parent])
    return pd.DataFrame(
        {
            "value": 100 * values["value"] / denominator,
            "source": values["source"] + "/" + parent_source,
            "numerator": values["value"].astype("float64"),
            "denominator": denominator,
            "denominator_source": parent_source,
        }
    )


def first_reports(facts: Facts, indicator: str, since: pd.Timestamp) -> pd.DataFrame:
    """Each region's first report of an indicator at or after `since`: value and month-end date."""
    rows = reported_by_month(facts, indicator)
    rows = rows[rows["month"] >= since.strftime("%Y-%m")]
    first = rows.drop_duplicates("region").set_index("region")  # one report per region and month
    dates = pd.PeriodIndex(first["month"], freq="M").to_timestamp(how="end").normalize()
    return pd.DataFrame({"value": first["value"], "date": dates}, index=first.index)


def flow_series(target: Target, facts: Facts, window: tuple[pd.Timestamp, pd.Timestamp]) -> pd.DataFrame | None:
    """A flow's value at every month end of its window (columns YYYY-MM) for every jurisdiction, in one pass.

    The same numbers `actual_values` gives month by month (first grants counted once per jurisdiction;
    reported monthly figures summed, a region's own figures over its units'); None for other measures.
    """
    months = pd.period_range(window[0], window[1], freq="M").strftime("%Y-%m")
    if target.kind not in FLOW_KINDS:
        return None
    if "award" in target.measure:
        first = measure_first_grants(facts, target.measure)
        first = first[(first["first_granted"] >= window[0]) & (first["first_granted"] <= window[1])]
        spread = with_jurisdictions(first).drop_duplicates(["jurisdiction", "code"])
        spread = spread.assign(month=spread["first_granted"].dt.strftime("%Y-%m"))
        counts = spread.groupby(["jurisdiction", "month"]).size().unstack(fill_value=0)
        counts = counts.reindex(columns=months, fill_value=0).cumsum(axis=1)
        return counts.reindex(counts.index.union(covered(facts)), fill_value=0).astype("float64")
    if "reported" in target.measure:
        rows = reported_of(facts, target.indicator)
        rows = rows[rows["month"].between(months[0], months[-1])]
        own = rows.pivot_table(index="region", columns="month", values="value", aggfunc="sum").reindex(columns=months)
        # a region counts as reporting from its first figure in the window on
        own = own.fillna(0).cumsum(axis=1).where(own.notna().cumsum(axis=1) > 0)
        links = jurisdiction_map()
        links = links[links["unit"] != links["jurisdiction"]]
        below = own.reindex(links["unit"]).set_axis(links["jurisdiction"]).groupby(level=0).sum(min_count=1)
        return own.combine_first(below)
    return None


def level_series(target: Target, facts: Facts, window: tuple[pd.Timestamp, pd.Timestamp]) -> pd.DataFrame | None:
    """An award count's value at every month end of its window (columns YYYY-MM) for every jurisdiction.

    The same numbers `actual_values` gives month by month for a stock of an award (distinct enterprises holding
    it at the month end, a region's own latest report ≤ the month replacing its count), with the rows joined to
    the jurisdictions once instead of once a month; None for other measures.
    """
    if target.kind != "stock" or "award" not in target.measure:
        return None
    months = pd.period_range(window[0], window[1], freq="M")
    labels = list(months.strftime("%Y-%m"))
    rows = award_rows(facts, target.measure)[["code", "unit", "granted", "valid_until", "revoked"]]
    rows = with_jurisdictions(rows)
    ends = months.to_timestamp(how="end").normalize().to_numpy()[None, :]
    # rows × month ends: does the row's award hold at that month end (valid_at, for every month at once)
    holds = (
        (rows["granted"].to_numpy()[:, None] <= ends)
        & (rows["valid_until"].to_numpy()[:, None] >= ends)
        & (rows["revoked"].to_numpy()[:, None] > ends)
    )
    held = pd.DataFrame(holds, columns=labels).set_axis(pd.MultiIndex.from_frame(rows[["jurisdiction", "code"]]))
    counts = held.groupby(level=[0, 1]).any().groupby(level=0).sum()  # distinct enterprises per jurisdiction
    counts = counts.reindex(counts.index.union(covered(facts)), fill_value=0).astype("float64")
    reported = reported_by_month(facts, target.indicator)
    reported = reported[reported["month"] <= labels[-1]]
    if reported.empty:
        return counts
    latest = reported.groupby(["region", "month"]).tail(1)
    own = latest.pivot(index="region", columns="month", values="value")
    own = own.reindex(columns=sorted(set(own.columns) | set(labels))).ffill(axis=1)[labels]
    return own.combine_first(counts.reindex(counts.index.union(own.index))).astype("float64")
