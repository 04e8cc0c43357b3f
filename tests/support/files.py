"""Small submission files written for tests (xlsx with one sheet, folders of CSV files)."""

from __future__ import annotations

from pathlib import Path

import openpyxl

TEN_UNITS = [
    "长安区",
    "石家庄市桥西区",
    "石家庄市新华区",
    "裕华区",
    "藁城区",
    "鹿泉区",
    "栾城区",
    "井陉县",
    "正定县",
    "行唐县",
]


def one_sheet_xlsx(path: Path, rows: list[list], title: str = "企业名录") -> Path:
    """An .xlsx whose only sheet `title` holds `rows` from A1."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def indicator_csvs(folder: Path, units: list[str], period: str = "2023-06") -> list[Path]:
    """One valid 指标填报 CSV per unit (one row: 工业云平台普及率 50), enough files for the parallel path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for unit in units:
        path = folder / f"{unit}-{period}-指标填报.csv"
        path.write_text(f"地区,年月,指标,数值\n{unit},{period},工业云平台普及率,50\n", encoding="utf-8")
        paths.append(path)
    return paths
