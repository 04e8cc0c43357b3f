"""Charts of the workbook (matplotlib/seaborn), Chinese labels throughout.

Each function returns a Figure; fonts come from `fonts.use_chart_style()`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from .catalog import Catalog
from .fonts import use_chart_style
from .regions import load_regions

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
    return frame[frame["indicator"].isin(shared[shared > 1].index)].sort_values(["indicator", "level", "jurisdiction", "period"])


def targets_by_level_chart(catalog: Catalog) -> plt.Figure:
    """One panel per indicator: each jurisdiction's 2023 and 2025 targets, province first."""
    use_chart_style()
    data = level_targets(catalog)
    indicators = list(dict.fromkeys(data["indicator"]))
    cols = 2
    rows = (len(indicators) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(11, 3.4 * rows), squeeze=False)
    for ax, indicator in zip(axes.flat, indicators):
        _draw_indicator_panel(ax, data[data["indicator"] == indicator], catalog.indicators[indicator])
    for ax in list(axes.flat)[len(indicators):]:
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
