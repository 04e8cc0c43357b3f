"""Warnings that do not block a file: a month's figure far from the month before (DHIS2's outlier follow-up, the
联网直报 practice of asking for a 上报说明 when a figure moves beyond a bound).

A figure is compared with the same unit's previous month, from the store (or from the file when it restates that
month): 指标填报's 数值 per indicator, 集群月度's 企业数 and 规上企业数 per cluster, and each cluster's revenue of the
month (本年累计营业收入 less the month before's; in January the total itself). A change to more than `factor`
times, or to less than 1/`factor`, of the previous month asks for a 上报说明 — when the larger of the two reaches
`floor` (small counts such as a month's new patents move from 1 to 0 or 3 as a matter of course).
"""

from __future__ import annotations

from collections.abc import Iterable

from analysis.periods import previous_period

INDICATOR_SHEET, CLUSTER_SHEET = "指标填报", "集群月度"
CLUSTER_COUNTS = ("企业数", "规上企业数")
REVENUE = "本年累计营业收入(万元)"


DEFAULT_FLOOR = 10.0


def jump_warnings(tables: dict, period: str, earlier: dict, factor: float, floor: float = DEFAULT_FLOOR) -> list[str]:
    """Chinese lines, one per figure of `period` beyond `factor` (`tables`: the checked tables of the file;
    `earlier`: {sheet: DataFrame} the store's rows of the months before, see months_needed)."""
    lines: list[str] = []
    prior = previous_period(period)
    if INDICATOR_SHEET in tables:
        now = _values(_rows(tables[INDICATOR_SHEET]), ("地区", "指标"), "数值", period)
        before = _values(_frame_rows(earlier.get(INDICATOR_SHEET)), ("地区", "指标"), "数值", prior)
        before.update(_values(_rows(tables[INDICATOR_SHEET]), ("地区", "指标"), "数值", prior))
        lines += _compare(now, before, (factor, floor), period, prior, "{0} 指标“{1}”的数值")
    if CLUSTER_SHEET in tables:
        file_rows, store_rows = _rows(tables[CLUSTER_SHEET]), _frame_rows(earlier.get(CLUSTER_SHEET))
        for column in CLUSTER_COUNTS:
            now = _values(file_rows, ("地区", "集群名称"), column, period)
            before = _values(store_rows, ("地区", "集群名称"), column, prior)
            before.update(_values(file_rows, ("地区", "集群名称"), column, prior))
            lines += _compare(now, before, (factor, floor), period, prior, f"{{0}} 集群“{{1}}”的{column}")
        now, before = _monthly_revenue([*store_rows, *file_rows], period)
        lines += _compare(now, before, (factor, floor), period, prior, "{0} 集群“{1}”的当月营业收入（万元）")
    return lines


def months_needed(period: str) -> tuple[str, str]:
    """The months of the store jump_warnings compares with: the one before and the one before that."""
    prior = previous_period(period)
    return previous_period(prior), prior


def _rows(table) -> list[dict]:
    """A CheckedTable's rows as dicts (the columns it has)."""
    names = list(table.columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*(table[n].tolist() for n in names), strict=True)]


def _frame_rows(frame) -> list[dict]:
    return [] if frame is None or frame.empty else frame.to_dict("records")


def _values(rows: Iterable[dict], key: tuple[str, str], column: str, month: str) -> dict[tuple, float]:
    out = {}
    for row in rows:
        value = row.get(column)
        if str(row.get("年月")) == month and isinstance(value, int | float) and value == value:
            out[tuple(row.get(k) for k in key)] = float(value)
    return out


def _monthly_revenue(rows: list[dict], period: str) -> tuple[dict, dict]:
    """Each cluster's revenue of `period` and of the month before, from the cumulative totals (later rows win)."""
    totals: dict[tuple, float] = {}
    for row in rows:
        value = row.get(REVENUE)
        if isinstance(value, int | float) and value == value:
            totals[(row.get("地区"), row.get("集群名称"), str(row.get("年月")))] = float(value)

    def month_of(key: tuple, month: str) -> float | None:
        total = totals.get((*key, month))
        if total is None or month.endswith("-01"):
            return total
        before = totals.get((*key, previous_period(month)))
        return None if before is None else total - before

    clusters = {(unit, name) for unit, name, _ in totals}
    prior = previous_period(period)
    now = {k: v for k in clusters if (v := month_of(k, period)) is not None}
    before = {k: v for k in clusters if (v := month_of(k, prior)) is not None}
    return now, before


def _compare(now: dict, before: dict, bounds: tuple[float, float], period: str, prior: str, what: str) -> list[str]:
    factor, floor = bounds
    lines = []
    for key, value in sorted(now.items(), key=lambda item: tuple(map(str, item[0]))):
        old = before.get(key)
        if old is None or old <= 0 or value < 0 or max(old, value) < floor:
            continue
        ratio = value / old
        if ratio > factor or ratio < 1 / factor:
            lines.append(
                f"{what.format(*key)}：{period} 为 {_number(value)}，上月（{prior}）为 {_number(old)}，"
                f"是上月的 {ratio:.2f} 倍，超出设定的 {_number(factor)} 倍范围；如数据属实，请填写上报说明"
            )
    return lines


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
