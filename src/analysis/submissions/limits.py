"""What one submitted file may cost: limits checked before any sheet is materialised.

A hostile or runaway file (a 1 MB .xlsx inflating to hundreds of MB of rows, a CSV of a million rows) is
refused from what it declares (its size, the zip's central directory) or as soon as a limit is passed while
it is streamed, so a refused file costs little and a reader's memory is bounded whatever a folder holds.

| limit | default | environment variable |
| --- | --- | --- |
| size of a file on disk | 100 MB | `WORKBOOK_MAX_FILE_MB` |
| one part of an .xlsx (a sheet's XML, the shared strings …), unzipped | 128 MB | `WORKBOOK_MAX_PART_MB` |
| all parts of an .xlsx, unzipped | 1024 MB | `WORKBOOK_MAX_UNZIPPED_MB` |
| rows of one sheet (the Excel row of its last value; CSV lines) | 200,000 | `WORKBOOK_MAX_ROWS` |
| cells holding a value, over the file's sheets (CSV: fields) | 3,000,000 | `WORKBOOK_MAX_CELLS` |
| problems listed for a refused file (the rest are counted) | 1,000 | `WORKBOOK_MAX_PROBLEMS` |

Each variable holds a positive whole number (sizes in MB); it is read when a file is read, so worker
processes of an ingest see the same values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from analysis.errors import UserError, visible

MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 100 * MB
    part_bytes: int = 128 * MB
    unzipped_bytes: int = 1024 * MB
    rows: int = 200_000
    cells: int = 3_000_000
    problems: int = 1_000


# field -> (environment variable, unit it is written in, bytes per unit)
ENVIRONMENT = {
    "file_bytes": ("WORKBOOK_MAX_FILE_MB", "MB", MB),
    "part_bytes": ("WORKBOOK_MAX_PART_MB", "MB", MB),
    "unzipped_bytes": ("WORKBOOK_MAX_UNZIPPED_MB", "MB", MB),
    "rows": ("WORKBOOK_MAX_ROWS", "行", 1),
    "cells": ("WORKBOOK_MAX_CELLS", "个单元格", 1),
    "problems": ("WORKBOOK_MAX_PROBLEMS", "个问题", 1),
}


def current() -> Limits:
    """The limits in force: the defaults, each replaced by its environment variable when set."""
    values = {}
    for field in fields(Limits):
        variable, unit, scale = ENVIRONMENT[field.name]
        written = os.environ.get(variable, "").strip()
        if not written:
            continue
        if not written.isascii() or not written.isdigit() or int(written) == 0:
            raise UserError(f"环境变量 {variable} 的值“{visible(written)}”无效：应为正整数（单位：{unit}）")
        values[field.name] = int(written) * scale
    return Limits(**values)


def variable(name: str) -> str:
    """The environment variable of a limit (`rows` -> WORKBOOK_MAX_ROWS), for messages."""
    return ENVIRONMENT[name][0]


def megabytes(n_bytes: int) -> str:
    """A size for a message: 128 MB, 0.5 MB."""
    mb = n_bytes / MB
    return f"{mb:,.0f} MB" if mb >= 10 else f"{mb:,.1f} MB"


def too_many_rows(file_name: str, sheet: str, limit: int, row: int, cell: str | None = None) -> UserError:
    """`row`: the row number reached (`cell`: the last cell holding a value, when known)."""
    where = f"最后一个有内容的单元格是 {visible(cell)}" if cell else f"第 {row:,} 行仍有数据"
    stray = "如是表格下方多余的内容，请删除后重新报送，否则" if cell else ""
    return UserError(
        f"{visible(file_name)}：工作表“{visible(sheet)}”超过行数上限（每个工作表最多 {limit:,} 行，{where}），"
        f"未读取；{stray}请分成多个文件报送（上限由环境变量 {variable('rows')} 设定）"
    )


def too_many_cells(file_name: str, sheet: str, limit: int) -> UserError:
    return UserError(
        f"{visible(file_name)}：有内容的单元格超过上限（每个文件最多 {limit:,} 个，"
        f"读到工作表“{visible(sheet)}”时超过），未读取；请分成多个文件报送（上限由环境变量 {variable('cells')} 设定）"
    )


def too_large_file(file_name: str, size: int, limit: int) -> UserError:
    return UserError(
        f"{visible(file_name)}：文件大小 {megabytes(size)}，超过上限 {megabytes(limit)}，未读取；"
        f"请分成多个文件报送（上限由环境变量 {variable('file_bytes')} 设定）"
    )


def too_large_part(file_name: str, what: str, size: int, limit: int) -> UserError:
    """`what`: 工作表“企业名录”, or a part's path inside the package."""
    return UserError(
        f"{visible(file_name)}：{visible(what)}解压后为 {megabytes(size)}，超过上限 {megabytes(limit)}，"
        "未读取（可能是恶意构造的文件）；如确为正常数据，请分成多个文件报送"
        f"（上限由环境变量 {variable('part_bytes')} 设定）"
    )


def too_large_package(file_name: str, size: int, limit: int) -> UserError:
    return UserError(
        f"{visible(file_name)}：文件解压后共 {megabytes(size)}，超过上限 {megabytes(limit)}，未读取"
        f"（可能是恶意构造的文件；上限由环境变量 {variable('unzipped_bytes')} 设定）"
    )
