"""Writing tables to the terminal: aligned Chinese tables, CSV or JSON."""
from __future__ import annotations

import io
import json
import sys

import pandas as pd

FORMATS = ("table", "csv", "json")


def render_frame(df: pd.DataFrame, fmt: str = "table", headers: dict[str, str] | None = None) -> str:
    """`df` as text. `headers` renames columns for the table view only (CSV/JSON keep the interface names)."""
    if fmt == "csv":
        buf = io.StringIO()
        df.to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()
    if fmt == "json":
        records = json.loads(df.to_json(orient="records", force_ascii=False))
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    shown = df.rename(columns=headers or {})
    if shown.empty:
        return "（无记录）\n"
    with pd.option_context(
        "display.unicode.east_asian_width", True, "display.max_rows", None,
        "display.max_columns", None, "display.width", 250, "display.max_colwidth", 60,
    ):
        return shown.to_string(index=False, na_rep="") + "\n"


def print_frame(df: pd.DataFrame, fmt: str = "table", headers: dict[str, str] | None = None) -> None:
    sys.stdout.write(render_frame(df, fmt, headers))
