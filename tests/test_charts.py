"""Charts an official can print: honest labels, a pending batch unlike a zero, tick labels legible on paper."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analysis.reports import charts


@pytest.mark.parametrize(
    ("value", "decimals", "thresholds", "shown"),
    [
        (100 * 69.7 / 70, 0, (100.0,), "99.6"),  # 69.7 of 70 is not 100%
        (100.0, 0, (100.0,), "100"),
        (104.6, 0, (100.0,), "105"),
        (82.4, 0, (100.0,), "82"),
        (99.96, 0, (100.0,), "99.96"),
        (99.9999, 0, (100.0,), "99.99"),  # cut, not rounded up
        (59.96, 1, (60.0, 100.0), "59.96"),
        (61.04, 1, (60.0, 100.0), "61.0"),
    ],
)
def test_percent_labels_never_round_across_a_threshold(value, decimals, thresholds, shown):
    assert charts.percent_label(value, decimals, thresholds) == shown


def final_rows(pct: list[float], status: list[str]) -> pd.DataFrame:
    n = len(pct)
    return pd.DataFrame(
        {
            "indicator_name": [f"指标{i}" for i in range(n)],
            "indicator": [f"x{i}" for i in range(n)],
            "target_id": [f"t{i}" for i in range(n)],
            "kind": ["stock"] * n,
            "term": ["2025"] * n,
            "period": ["2025"] * n,
            "progress_pct": pct,
            "expected_pct": [80.0] * n,
            "status": status,
        }
    )


def bar_labels(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_the_final_chart_labels_69_7_of_70_as_99_6_percent():
    fig = charts.final_completion_chart(final_rows([100 * 69.7 / 70, 100.0], ["未完成", "已完成"]), "终期完成率")
    labels = bar_labels(fig.axes[0])
    assert "99.6%" in labels and "100%" in labels and labels.count("100%") == 1
    plt.close(fig)


def test_a_pending_batch_looks_different_from_a_zero():
    rows = final_rows([0.0, 0.0, 45.0], ["严重滞后", "待批次认定", "落后序时"])
    fig = charts.calendar_chart(rows, "完成率")
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, plt.Rectangle)][:3]
    by_label = dict(zip(reversed([t.get_text() for t in ax.get_yticklabels()]), reversed(bars), strict=True))
    zero, pending = by_label["指标0（2025年）"], by_label["指标1（2025年）"]
    assert pending.get_hatch() and not zero.get_hatch()
    assert pending.get_facecolor() != zero.get_facecolor()
    labels = bar_labels(ax)
    assert "0%" in labels and "待批次认定（0%）" in labels and "45%" in labels
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "待批次认定" in legend
    plt.close(fig)


def trend_series(indicators: int, months: int = 40) -> pd.DataFrame:
    dates = pd.date_range("2022-08-31", periods=months, freq="ME")
    frames = []
    for i in range(indicators):
        for kind in ("实际", "路径"):
            frames.append(pd.DataFrame({"indicator": f"指标{i}", "kind": kind, "date": dates, "value": range(months)}))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("indicators", [1, 3, 6])
def test_trend_ticks_are_legible_once_printed_and_written_in_chinese(indicators):
    fig = charts.trend_chart(trend_series(indicators), "主要存量指标走势")
    fig.canvas.draw()
    for ax in [a for a in fig.axes if a.get_visible()]:
        ticks = ax.get_xticklabels() + ax.get_yticklabels()
        assert ticks
        assert all(charts.printed_size(fig, t.get_fontsize()) >= charts.PRINTED_MIN_PT for t in ticks)
        months = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert 3 <= len(months) <= 6
        assert all(re.fullmatch(r"(\d{4}年\n)?\d{1,2}月", m) for m in months), months
    plt.close(fig)


def test_calendar_and_final_chart_type_prints_at_seven_points_or_more():
    rows = final_rows([30.0, 80.0, 120.0], ["严重滞后", "基本同步", "已完成"])
    for fig in (charts.calendar_chart(rows, "完成率"), charts.final_completion_chart(rows, "终期")):
        fig.canvas.draw()
        ax = fig.axes[0]
        sizes = [t.get_fontsize() for t in ax.get_yticklabels() + ax.texts]
        assert min(charts.printed_size(fig, s) for s in sizes) >= charts.PRINTED_MIN_PT
        plt.close(fig)
