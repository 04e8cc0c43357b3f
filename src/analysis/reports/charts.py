"""Charts of the workbook (matplotlib/seaborn), Chinese labels throughout.

Each function returns a Figure; fonts come from `fonts.use_chart_style()`.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd

from analysis.catalog.regions import load_regions
from analysis.catalog.targets import Catalog, period_label
from analysis.fonts import use_chart_style
from analysis.progress.narrative import target_names
from analysis.progress.verdicts import STATUS_BATCH

# The text block is 156 mm wide: a figure wider than that is scaled down on the page, its type with it.
PRINT_WIDTH_IN = 156 / 25.4
PRINTED_MIN_PT = 7.0  # the smallest type a chart prints (tests/test_charts.py measures it)
PENDING_HATCH, PENDING_EDGE = "////", "#737373"
LEVEL_ORDER = {"province": 0, "city": 1, "county": 2, "zone": 2}
PERIOD_COLOURS = {"2023": "#9ecae1", "2025": "#2171b5"}


def level_targets(catalog: Catalog) -> pd.DataFrame:
    """Stock-like 2023/2025 targets of the indicators that more than one level sets."""
    frame = catalog.to_frame()
    frame = frame[frame["kind"].isin(["stock", "cumulative", "ratio", "rate"]) & frame["period"].isin(["2023", "2025"])]
    regions = load_regions()
    frame = frame.assign(
        level=frame["jurisdiction"].map(lambda n: LEVEL_ORDER[regions.get(n).level]),
        low=frame["low"].astype(float),
    )
    # one value per jurisdiction, indicator and period: the highest floor (e.g. Xining's 80 over 70)
    frame = frame.sort_values("low").drop_duplicates(["jurisdiction", "indicator", "period"], keep="last")
    shared = frame.groupby("indicator")["jurisdiction"].nunique()
    return frame[frame["indicator"].isin(shared[shared > 1].index)].sort_values(
        ["indicator", "level", "jurisdiction", "period"]
    )


def targets_by_level_chart(catalog: Catalog) -> plt.Figure:
    """One panel per indicator: each jurisdiction's 2023 and 2025 targets, province first."""
    use_chart_style()
    data = level_targets(catalog)
    indicators = list(dict.fromkeys(data["indicator"]))
    cols = 2
    rows = (len(indicators) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(11, 3.4 * rows), squeeze=False)
    # strict=False: the grid rounds up to full rows, its spare panel is hidden below
    for ax, indicator in zip(axes.flat, indicators, strict=False):
        _draw_indicator_panel(ax, data[data["indicator"] == indicator], catalog.indicators[indicator])
    for ax in list(axes.flat)[len(indicators) :]:
        ax.set_visible(False)
    fig.suptitle("各级方案2023年与2025年目标对比", fontsize=14)
    fig.tight_layout()
    return fig


def _draw_indicator_panel(ax, panel: pd.DataFrame, indicator) -> None:
    places = list(dict.fromkeys(panel.sort_values(["level", "jurisdiction"])["jurisdiction"]))
    width = 0.38
    for offset, period in ((-width / 2, "2023"), (width / 2, "2025")):
        values = panel[panel["period"] == period].set_index("jurisdiction")["low"]
        if values.empty:
            continue
        xs = [i + offset for i, p in enumerate(places) if p in values]
        ys = [values[p] for p in places if p in values]
        bars = ax.bar(xs, ys, width=width, color=PERIOD_COLOURS[period], label=f"{period}年")
        ax.bar_label(bars, labels=[f"{v:g}" for v in ys], fontsize=8, padding=2)
    if panel["low"].max() / max(panel["low"].min(), 1e-9) > 20:
        ax.set_yscale("log")  # a province's 5000 beside a zone's 35
        ax.set_ylabel("对数刻度", fontsize=8)
    ax.set_xticks(range(len(places)), places)
    ax.set_xlim(-0.6, len(places) - 0.4)
    ax.set_title(f"{indicator.name}（{indicator.unit}）", fontsize=11)
    ax.margins(y=0.18)
    ax.legend(fontsize=8, loc="upper right")


STATUS_COLOURS = {
    "已完成": "#1a9850",
    "超序时": "#66bd63",
    "基本同步": "#a6d96a",
    "落后序时": "#fdae61",
    "严重滞后": "#d73027",
    "无数据": "#bdbdbd",
}


def percent_label(value: float, decimals: int = 0, thresholds: tuple[float, ...] = (100.0,)) -> str:
    """`value` rounded for a label without crossing a threshold: 69.7 of 70 (99.57%) reads 99.6, never 100; more
    decimals only where rounding would cross (at most two more, then cut, not rounded)."""
    for places in range(decimals, decimals + 3):
        text = f"{value:.{places}f}"
        if all((value < t) == (float(text) < t) for t in thresholds):
            return text
    places = decimals + 2
    return f"{math.floor(value * 10**places) / 10**places:.{places}f}"


def printed_size(fig: plt.Figure, fontsize: float) -> float:
    """The size a `fontsize` text of `fig` prints at, once the figure is scaled to the 156 mm text block."""
    return fontsize * min(1.0, PRINT_WIDTH_IN / fig.get_figwidth())


def calendar_chart(rows: pd.DataFrame, title: str) -> plt.Figure:
    """Each target's 完成率 (bar, coloured by status, labelled) against its 序时进度 (black tick). A target waiting
    for its award batch is a hatched bar labelled 待批次认定, never confused with a zero; a zero is labelled 0%."""
    use_chart_style()
    rows = rows.dropna(subset=["progress_pct"]).copy()
    rows["label"] = target_names(rows) + "（" + rows["period"].map(period_label) + "）"
    rows = rows.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(rows) + 1.6))
    ys = list(range(len(rows)))
    values = rows["progress_pct"].clip(upper=150)
    pending = (rows["status"] == STATUS_BATCH).to_numpy()
    colours = ["white" if p else STATUS_COLOURS.get(s, "#999") for s, p in zip(rows["status"], pending, strict=True)]
    bars = ax.barh(ys, values, color=colours)
    for bar, is_pending in zip(bars, pending, strict=True):
        if is_pending:
            bar.set_hatch(PENDING_HATCH)
            bar.set_edgecolor(PENDING_EDGE)
    labels = [
        f"待批次认定（{percent_label(v)}%）" if p else f"{percent_label(v)}%"
        for v, p in zip(rows["progress_pct"], pending, strict=True)
    ]
    ax.bar_label(bars, labels=labels, fontsize=9.5, padding=3)
    ax.scatter(rows["expected_pct"], ys, marker="|", s=260, color="black", label="序时进度", zorder=3)
    ax.set_yticks(ys, rows["label"], fontsize=9.5)
    ax.tick_params(axis="x", labelsize=9.5)
    ax.axvline(100, color="#555", lw=0.8, ls="--")
    ax.set_xlim(0, 175)  # room for the labels right of a 150% bar
    ax.set_xlabel("完成率（%，超过150%按150%绘制）", fontsize=10)
    ax.set_title(title, fontsize=12)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in STATUS_COLOURS.values()]
    handles.append(plt.Rectangle((0, 0), 1, 1, facecolor="white", edgecolor=PENDING_EDGE, hatch=PENDING_HATCH))
    # under the plot, where it covers no bar
    legend_in = 0.75
    fig.set_figheight(fig.get_figheight() + legend_in)
    ax.legend(
        [*handles, ax.collections[0]],
        [*STATUS_COLOURS, STATUS_BATCH, "序时进度"],
        fontsize=9.5,
        ncol=4,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=fig.transFigure,
    )
    fig.tight_layout(rect=(0, legend_in / fig.get_figheight(), 1, 1))
    return fig


TREND_COLUMNS = 2
TREND_TICK_PT = 9.5


def trend_chart(series: pd.DataFrame, title: str) -> plt.Figure:
    """Month-end values of the main stock indicators against their straight path to the target: two panels a row,
    a few month ticks written in Chinese (2025年1月, 4月, 7月 …), type that stays legible once printed."""
    import matplotlib.dates as mdates

    use_chart_style()
    names = list(dict.fromkeys(series["indicator"]))
    cols = min(max(len(names), 1), TREND_COLUMNS)
    rows = max(math.ceil(len(names) / cols), 1)
    fig, axes = plt.subplots(rows, cols, figsize=(3.9 * cols, 3.3 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        data = series[series["indicator"] == name]
        actual, path = data[data["kind"] == "实际"], data[data["kind"] == "路径"]
        ax.plot(actual["date"], actual["value"], color="#2171b5", lw=2, label="实际")
        ax.plot(path["date"], path["value"], color="#d73027", ls="--", lw=1.2, label="目标路径")
        ax.set_title(name, fontsize=10.5)
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=5))
        ax.xaxis.set_major_formatter(plt.FuncFormatter(_month_tick))
        ax.tick_params(axis="both", labelsize=TREND_TICK_PT)
        ax.tick_params(axis="x", labelrotation=0)
        ax.legend(fontsize=9)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return fig


def _month_tick(value, position) -> str:
    """A month tick: the year on the first tick and on January, the month alone elsewhere."""
    import matplotlib.dates as mdates

    day = mdates.num2date(value)
    return f"{day.year}年\n{day.month}月" if position == 0 or day.month == 1 else f"{day.month}月"


def ranking_chart(scores: pd.DataFrame, title: str) -> plt.Figure:
    """Sub-units by composite score, 100 = on the calendar."""
    use_chart_style()
    data = scores.dropna(subset=["综合得分"]).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.34 * len(data) + 1.2))
    colours = ["#1a9850" if v >= 100 else ("#fdae61" if v >= 60 else "#d73027") for v in data["综合得分"]]
    ax.barh(data["地区"], data["综合得分"], color=colours)
    ax.axvline(100, color="#555", lw=0.8, ls="--")
    ax.tick_params(axis="both", labelsize=9.5)
    for y, v in enumerate(data["综合得分"]):  # the label never crosses a colour's threshold: 99.96 is not 100.0
        ax.text(v + 1, y, percent_label(v, 1, (60.0, 100.0)), va="center", fontsize=9.5)
    ax.set_xlabel("综合得分（序时完成指数均值，100＝与序时进度同步）")
    ax.set_title(title, fontsize=12)
    fig.tight_layout()
    return fig


def heatmap_chart(matrix: pd.DataFrame, title: str) -> plt.Figure:
    """Units × indicators coloured by the traffic-light bands of data/progress.yml on the gap to 序时进度."""
    import seaborn as sns
    from matplotlib.colors import BoundaryNorm, ListedColormap

    from analysis.progress.verdicts import settings

    use_chart_style()
    # the same bands as the status words: the lowest gap of each light (data/progress.yml: status_bands)
    bands = settings()["status_bands"]
    green = min(b["gap_at_least"] for b in bands if b["light"] == "绿" and "gap_at_least" in b)
    yellow = min(b["gap_at_least"] for b in bands if b["light"] == "黄" and "gap_at_least" in b)
    low, high = min(-100.0, float(matrix.min().min())), max(100.0, float(matrix.max().max()))
    cmap = ListedColormap(["#d73027", "#fdae61", "#1a9850"])  # 红 黄 绿
    norm = BoundaryNorm([low - 1, yellow, green, high + 1], cmap.N)
    # rows 0.28 in high: 27 units fit the 215 mm a chart may take without shrinking its type below 7 pt
    fig, ax = plt.subplots(figsize=(0.7 * len(matrix.columns) + 3, 0.28 * len(matrix) + 1.8))
    sns.heatmap(
        matrix,
        cmap=cmap,
        norm=norm,
        annot=True,
        fmt=".0f",
        annot_kws={"fontsize": 8},
        linewidths=0.4,
        linecolor="white",
        cbar_kws={"label": f"偏差（百分点）：绿不低于{green:g}，黄{yellow:g}至{green:g}，红低于{yellow:g}"},
        ax=ax,
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", labelsize=8.5, labelrotation=60)
    ax.tick_params(axis="y", labelsize=8.5, labelrotation=0)
    ax.set_title(title, fontsize=12)
    fig.tight_layout()
    return fig


def show(fig: plt.Figure, dpi: int = 200) -> None:
    """Display a figure as a sharp PNG (≥200 dpi for the PDF) at its natural size, then close it."""
    import io

    from IPython.display import Image, display

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    width_px = int(fig.get_figwidth() * 96)
    plt.close(fig)
    display(Image(data=buffer.getvalue(), format="png", width=width_px))


def final_completion_chart(rows: pd.DataFrame, title: str) -> plt.Figure:
    """One bar per target: its final completion (实际 / 目标, %), the 100% line drawn; missed bars in red."""
    use_chart_style()
    data = rows.dropna(subset=["progress_pct"]).iloc[::-1]
    labels = [
        f"{name}（{str(term).replace('-', '—')}年）"
        for name, term in zip(target_names(data), data["term"], strict=True)
    ]
    values = data["progress_pct"].clip(upper=300)
    colours = ["#1a9850" if status in ("已完成", "超额完成") else "#d73027" for status in data["status"]]
    fig, ax = plt.subplots(figsize=(8, 0.36 * len(data) + 1.6))
    bars = ax.barh(range(len(data)), values, color=colours)
    # 69.7 of 70 is 99.6%, not 100%: a label never rounds across the target
    ax.bar_label(bars, labels=[f"{percent_label(v)}%" for v in data["progress_pct"]], fontsize=9.5, padding=2)
    ax.axvline(100, color="#333333", linewidth=1)
    # the line's label inside the plot, in a free band above the top bar (above the axes it ran into the title)
    ax.set_ylim(-0.6, len(data) + 0.4)
    ax.annotate(
        "100%（目标）",
        xy=(100, 1),
        xycoords=("data", "axes fraction"),
        xytext=(3, -2),
        textcoords="offset points",
        fontsize=9.5,
        ha="left",
        va="top",
    )
    ax.set_yticks(range(len(data)), labels, fontsize=9.5)
    ax.set_xlabel("终期完成率（实际/目标，%；超过300%按300%画出）")
    ax.set_title(title, fontsize=12)
    ax.set_xlim(0, max(130.0, float(values.max()) * 1.12))
    fig.tight_layout()
    return fig
