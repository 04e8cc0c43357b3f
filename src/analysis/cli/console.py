"""Writing tables to the terminal: aligned Chinese tables, CSV or JSON.

CSV is written for Excel: UTF-8 with a BOM (Excel on Chinese Windows otherwise reads it as GBK and shows
mojibake), CRLF line ends, and every text cell that a spreadsheet would take for a formula (starting with
=, +, -, @, a tab or a carriage return) neutralised with a leading apostrophe, as OWASP advises for CSV
injection; numbers stay numbers. `--encoding gbk` writes GBK without a BOM, for systems that take only GBK;
a character GBK cannot encode is refused (a UserError naming the value), never dropped or replaced;
`--encoding gb18030` (GBK's superset, no BOM) encodes every character.
"""

from __future__ import annotations

import io
import json
import sys

import pandas as pd

from analysis.errors import visible

FORMATS = ("table", "csv", "json")
ENCODINGS = ("utf-8", "gbk", "gb18030")
ENCODING_HELP = (
    "CSV 的编码：utf-8（默认，带 BOM，Excel、WPS 双击即可正确打开）、gbk（不带 BOM，供只收 GBK 的系统；"
    "含 GBK 无法表示的字符时报错，不写出文件）或 gb18030（不带 BOM，GBK 的扩展，能表示全部字符）"
)


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
    shown = _visible_text(df.rename(columns=headers or {}))
    if shown.empty:
        return "（无记录）\n"
    with pd.option_context(
        "display.unicode.east_asian_width",
        True,
        "display.max_rows",
        None,
        "display.max_columns",
        None,
        "display.width",
        250,
        "display.max_colwidth",
        60,
    ):
        return shown.to_string(index=False, na_rep="") + "\n"


def _visible_text(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with control, escape and bidirectional characters of its text cells and column names written
    escaped (errors.visible): a table on a terminal shows what a cell holds, it never moves the cursor,
    colours the screen or starts a line of its own."""
    text = [col for col in df.columns if df[col].dtype == object or pd.api.types.is_string_dtype(df[col])]
    if not text:
        return df.rename(columns=visible)
    out = df.copy()
    for col in text:
        out[col] = pd.Series([visible(v) if isinstance(v, str) else v for v in out[col]], index=out.index, dtype=object)
    return out.rename(columns=visible)


def add_encoding_option(parser) -> None:
    """The --encoding option of a command that writes CSV."""
    parser.add_argument("--encoding", choices=ENCODINGS, default="utf-8", help=ENCODING_HELP)


def print_frame(
    df: pd.DataFrame, fmt: str = "table", headers: dict[str, str] | None = None, encoding: str = "utf-8"
) -> None:
    text = render_frame(df, fmt, headers)
    if fmt == "csv":
        write_csv_text(text, encoding=encoding)
    else:
        sys.stdout.write(text)


def add_force_option(parser) -> None:
    """--force: an existing output file is replaced (atomically); without it the command refuses before any work."""
    parser.add_argument("--force", action="store_true", help="--out 指定的文件已存在时覆盖它（默认拒绝，以免误删）")


def check_out(args) -> None:
    """The --out file of a command, checked before any work: not a folder, not an existing file unless --force."""
    from analysis.fsutil import check_output_file

    if getattr(args, "out", None):
        check_output_file(args.out, force=getattr(args, "force", False))


def write_xlsx(
    sheets: dict[str, pd.DataFrame], out, title: str, headers: dict[str, str] | None = None, force: bool = False
) -> None:
    """Tables as a formatted xlsx (Chinese headers; the CSV keeps the English column names, an interface)."""
    from analysis.errors import UserError
    from analysis.fsutil import check_output_file
    from analysis.reports.xlsx import write_tables

    if not out:
        raise UserError("输出 xlsx 时须用 --out 指定文件路径（如 --out 目标.xlsx）")
    path = check_output_file(out, force=force)
    write_tables(path, {name: frame.rename(columns=headers or {}) for name, frame in sheets.items()}, title=title)
    print(f"已写入 {path}（{sum(len(f) for f in sheets.values())} 行）")


def write_csv_text(text: str, path=None, encoding: str = "utf-8") -> None:
    """CSV text in `encoding` (UTF-8 with a BOM by default), to a file or to standard output (as bytes, so the
    BOM is not re-encoded). Nothing is written when the text cannot be encoded."""
    data = csv_bytes(text, encoding)
    if path is not None:
        from analysis.fsutil import atomic_path

        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    """CSV text as bytes: UTF-8 with a BOM, or GBK / GB18030 without one. A character the encoding lacks is a
    UserError naming the value: never a dropped or replaced character."""
    from analysis.errors import UserError

    if encoding not in ENCODINGS:
        raise UserError(f"不支持的编码“{encoding}”，可选：" + "、".join(ENCODINGS))
    if encoding == "utf-8":
        return text.encode("utf-8-sig")
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as error:
        raise UserError(_unencodable(text, error.object[error.start], encoding)) from None


def _unencodable(text: str, char: str, encoding: str) -> str:
    """The Chinese message for a character `encoding` cannot represent: where it is, and what to do instead."""
    import csv

    rows = list(csv.reader(io.StringIO(text, newline="")))
    where = next(
        (
            f"第 {n} 行“{name}”列的值“{_around(value, char)}”"
            for n, row in enumerate(rows[1:], start=1)
            # strict=False: this only words an error message, it must not fail on a ragged row itself
            for name, value in zip(rows[0], row, strict=False)
            if char in value
        ),
        "表头",
    )
    return (
        f"{where}含 {encoding.upper()} 无法表示的字符“{char}”（U+{ord(char):04X}），未写出：请改用 --encoding utf-8"
        "（带 BOM，Excel 2016 及以后、WPS 均可直接打开），或 --encoding gb18030（GBK 的扩展，能表示全部字符）"
    )


def _around(value: str, char: str, reach: int = 20) -> str:
    """`value` on one line, cut to the `reach` characters either side of `char` when it is long."""
    at = value.index(char)
    start, end = max(at - reach, 0), min(at + reach + 1, len(value))
    text = ("…" if start else "") + value[start:end] + ("…" if end < len(value) else "")
    return text.replace("\r", " ").replace("\n", " ")  # the message stays one line
