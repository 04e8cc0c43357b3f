"""Writing tables to the terminal: aligned Chinese tables, CSV or JSON.

CSV is written for Excel: UTF-8 with a BOM (Excel on Chinese Windows otherwise reads it as GBK and shows
mojibake), CRLF line ends, and every text cell that a spreadsheet would take for a formula (starting with
=, +, -, @, a tab or a carriage return) neutralised with a leading apostrophe, as OWASP advises for CSV
injection; numbers stay numbers.
"""
from __future__ import annotations

import io
import json
import sys

import pandas as pd

FORMATS = ("table", "csv", "json")


def neutralise(value, starts: tuple[str, ...]):
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe; other values unchanged."""
    if isinstance(value, str) and value.startswith(starts):
        return "'" + value
    return value


def safe_for_spreadsheets(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with its text cells (and column names) neutralised; numeric columns untouched.
    The first characters are the xlsx export's (OWASP's list and their full-width forms)."""
    from analysis.reports.xlsx import FORMULA_STARTS

    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            # element by element into an object column: 8 stays 8 (a map would infer floats beside a None)
            out[col] = pd.Series([neutralise(v, FORMULA_STARTS) for v in out[col]], index=out.index, dtype=object)
    return out.rename(columns=lambda name: neutralise(name, FORMULA_STARTS))


def render_frame(df: pd.DataFrame, fmt: str = "table", headers: dict[str, str] | None = None) -> str:
    """`df` as text. `headers` renames columns for the table view only (CSV/JSON keep the interface names)."""
    if fmt == "csv":
        buf = io.StringIO()
        safe_for_spreadsheets(df).to_csv(buf, index=False, lineterminator="\r\n")
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
    text = render_frame(df, fmt, headers)
    if fmt == "csv":
        write_csv_text(text)
    else:
        sys.stdout.write(text)


def write_xlsx(sheets: dict[str, pd.DataFrame], out, title: str, headers: dict[str, str] | None = None) -> None:
    """Tables as a formatted xlsx (Chinese headers; the CSV keeps the English column names, an interface)."""
    from analysis.errors import UserError
    from analysis.fsutil import check_output_file
    from analysis.reports.xlsx import write_tables

    if not out:
        raise UserError("输出 xlsx 时须用 --out 指定文件路径（如 --out 目标.xlsx）")
    path = check_output_file(out, force=True)
    write_tables(path, {name: frame.rename(columns=headers or {}) for name, frame in sheets.items()}, title=title)
    print(f"已写入 {path}（{sum(len(f) for f in sheets.values())} 行）")


def write_csv_text(text: str, path=None) -> None:
    """CSV text with a BOM, to a file or to standard output (as bytes, so the BOM is not re-encoded)."""
    data = text.encode("utf-8-sig")
    if path is not None:
        from pathlib import Path

        Path(path).write_bytes(data)
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
