"""The units' own words (情况说明) placed under the target and term they concern (documents.md, invariant 6).

A note names a place, a month and an indicator. It belongs to a row of a report only when the row is the same
place's, on the same indicator, for a target the place has (方案目标 or 分解目标: a unit without the target has
nothing to explain about it), and the note was written within the row's term or in the reporting month after
it (a 2025 result is not explained by words of 2026). Notes that fit no row are not printed.
"""

from __future__ import annotations

import pandas as pd

from analysis.progress.narrative import target_names
from analysis.progress.results import plain_text

NOTE_COLUMNS = ["region", "month", "indicator", "progress", "problems", "next_steps"]
MONTH_TABLE = ["地区", "指标", "目标", "实际", "完成率%", "状态", "进展情况", "存在问题", "下步措施"]


def note_window(row) -> tuple[str, str]:
    """The months (YYYY-MM) a note on the row may be written in: the term, and the reporting month after it."""
    start = str(row["window_start"])[:7]
    after = (pd.Period(str(row["window_end"])[:7], "M") + 1).strftime("%Y-%m")
    return start, after


def attach(notes: pd.DataFrame, rows: pd.DataFrame, context: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every (note, row) pair where the note concerns the row: same place and indicator, the row has a target,
    the note's month within the row's term or the month after. A note of the month after a deadline concerns the
    ended term only when no other term of that place and indicator is running then (`context`: every row the
    place has, default `rows`); otherwise it is about the running one. One note may still concern two running
    terms (2023 and 2025 of one indicator, said together); callers choose."""
    own = rows[(rows["basis"].astype(str) != "") & ~rows["term"].astype(str).str.contains("-")]
    if own.empty or notes.empty:
        return pd.DataFrame(columns=[*NOTE_COLUMNS, *rows.columns])
    pairs = notes[NOTE_COLUMNS].merge(
        own, left_on=["region", "indicator"], right_on=["jurisdiction", "indicator"], how="inner"
    )
    if pairs.empty:
        return pairs
    windows = pairs.apply(note_window, axis=1, result_type="expand")
    within = pairs["month"] <= pairs["window_end"].astype(str).str[:7]
    after = (pairs["month"] > pairs["window_end"].astype(str).str[:7]) & (pairs["month"] <= windows[1])
    running = _running(context if context is not None else rows)
    after &= pd.Series(
        [
            (region, indicator, month) not in running
            for region, indicator, month in zip(pairs["region"], pairs["indicator"], pairs["month"], strict=True)
        ],
        index=pairs.index,
        dtype=bool,
    )
    inside = (pairs["month"] >= windows[0]) & (within | after)
    return pairs[inside].reset_index(drop=True)


def _running(rows: pd.DataFrame) -> set[tuple[str, str, str]]:
    """(place, indicator, month) for each month some term of the place's targets of that indicator runs."""
    own = rows[(rows["basis"].astype(str) != "") & ~rows["term"].astype(str).str.contains("-")]
    out = set()
    for place, indicator, start, end in zip(
        own["jurisdiction"], own["indicator"], own["window_start"], own["window_end"], strict=True
    ):
        for month in pd.period_range(str(start)[:7], str(end)[:7], freq="M").strftime("%Y-%m"):
            out.add((place, indicator, month))
    return out


def row_label(rows: pd.DataFrame) -> pd.Series:
    """指标（期限）: what a note is shown under."""
    from analysis.reports.tables import term_label

    return target_names(rows) + "（" + rows["term"].map(term_label) + "）"


def month_notes(notes: pd.DataFrame, rows: pd.DataFrame, month: str) -> pd.DataFrame:
    """A monthly report's notes: those of `month`, each beside the row it concerns (the nearest deadline when a
    note fits two terms of one indicator), with the row's own figures."""
    pairs = attach(notes[notes["month"] == month], rows)
    if pairs.empty:
        return pd.DataFrame(columns=MONTH_TABLE)
    pairs = pairs.sort_values("window_end", kind="stable").drop_duplicates(["region", "indicator", "month"])
    return pd.DataFrame(
        {
            "地区": pairs["region"],
            "指标": row_label(pairs).to_numpy(),
            "目标": pairs["target_value"],
            "实际": pairs["actual"],
            "完成率%": pairs["progress_pct"],
            "状态": pairs["status"],
            "进展情况": pairs["progress"].map(plain_text),
            "存在问题": pairs["problems"].map(plain_text),
            "下步措施": pairs["next_steps"].map(plain_text),
        }
    ).reset_index(drop=True)


def latest_notes(notes: pd.DataFrame, rows: pd.DataFrame, context: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each row (place, target, term): the place's latest note on it, if any, with the row's fields."""
    pairs = attach(notes, rows, context)
    if pairs.empty:
        return pairs
    return (
        pairs.sort_values("month", kind="stable")
        .groupby(["jurisdiction", "target_id", "term"], sort=False)
        .tail(1)
        .reset_index(drop=True)
    )
