"""How the explorer notebook shows its tables: no row index, empty cells for missing values, plain numbers,
是/否 for yes/no, and lists cut to a limit with a count that says so (共N家，显示前M家)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

# The one column of a frame that carries a message rather than rows (e.g. behind_number's 说明).
NOTE_COLUMN = "说明"


def count_note(total: int, limit: int) -> str:
    """'共337家，显示前50家'; all of a short list is shown, so M = min(N, limit)."""
    return f"共{total}家，显示前{min(total, limit)}家" if total else "共0家"


def cell_text(value) -> str:
    """A cell as the user reads it: '' for None/NaN, 是/否, 40 not 40.0, at most two decimals, dates as YYYY-MM-DD."""
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "是" if value else "否"
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def styled(frame: pd.DataFrame) -> Styler:
    """The table to display: Chinese headers are the caller's; no index, values as `cell_text`, HTML escaped."""
    frame = frame.reset_index(drop=True)
    return frame.style.hide(axis="index").format(cell_text, escape="html")


def listing(frame: pd.DataFrame, limit: int) -> tuple[str, Styler]:
    """The count line and the first `limit` rows; a message frame (one 说明 column) has no count."""
    if list(frame.columns) == [NOTE_COLUMN]:
        return "", styled(frame)
    return count_note(len(frame), limit), styled(frame.head(limit))


def show_listing(frame: pd.DataFrame, limit: int) -> None:
    """Display `listing` in a notebook."""
    from IPython.display import Markdown, display

    note, table = listing(frame, limit)
    if note:
        display(Markdown(note))
    if len(frame):
        display(table)
