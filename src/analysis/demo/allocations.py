"""石家庄市's issued target allocations (目标分解): the tables a city sends its counties.

A city issues each county a whole-number share of its plan's main targets at the
start of the plan (2023: the 2023 and 2025 stock targets and the 2023 yearly
ones) and again each year for that year's yearly targets. Shares follow each
county's holdings at the end of 2022 (largest remainders, so that the issued
targets add up to the city's); a county whose share rounds to 0 gets no row.
Written as UTF-8 CSV files `石家庄市-YYYY-MM-目标分解.csv`.
"""
from __future__ import annotations

import csv
import io
import os
from datetime import date, datetime, time
from pathlib import Path

import numpy as np

from analysis.catalog.regions import load_regions
from analysis.demo.base import BEIJING

ISSUER = "石家庄市"
# (period, 文号, 下达日期, [(indicator, award type, level, 期限, the city's target)])
ISSUES = [
    ("2023-02", "石工信〔2023〕8号", date(2023, 2, 20), [
        ("专精特新中小企业", "专精特新中小企业", None, 2023, 580),
        ("专精特新中小企业", "专精特新中小企业", None, 2025, 750),
        ("专精特新“小巨人”企业", "专精特新小巨人", "国家级", 2023, 75),
        ("专精特新“小巨人”企业", "专精特新小巨人", "国家级", 2025, 105),
        ("高新技术企业", "高新技术企业", None, 2023, 20),
        ("创新型中小企业", "创新型中小企业", None, 2023, 500),
    ]),
    ("2024-02", "石工信〔2024〕6号", date(2024, 2, 22), [
        ("高新技术企业", "高新技术企业", None, 2024, 20),
        ("创新型中小企业", "创新型中小企业", None, 2024, 500),
    ]),
    ("2025-02", "石工信〔2025〕4号", date(2025, 2, 21), [
        ("高新技术企业", "高新技术企业", None, 2025, 20),
        ("创新型中小企业", "创新型中小企业", None, 2025, 500),
    ]),
]
HEADERS = ["地区", "指标", "期限", "目标值", "下达文号", "下达日期", "责任单位"]
SHARE_DATE = date(2022, 12, 31)


def largest_remainders(weights: list[float], total: int) -> list[int]:
    """Whole numbers proportional to `weights` that add up to `total` (Hamilton's method)."""
    w = np.asarray(weights, dtype=float)
    if total <= 0 or w.sum() <= 0:
        return [0] * len(w)
    exact = total * w / w.sum()
    whole = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - whole), kind="stable")[: total - whole.sum()]:
        whole[i] += 1
    return whole.tolist()


def allocation_rows(world, period: str) -> list[list]:
    """The rows of the table issued in `period` (empty when nothing is issued that month)."""
    issue = next((i for i in ISSUES if i[0] == period), None)
    if issue is None:
        return []
    _, doc, issued, items = issue
    under = {u.name for u in load_regions().units_under(ISSUER)}
    units = [u.name for u in world.units if u.name in under]
    rows = []
    for indicator, award, level, term, city_target in items:
        held = [world.valid_at(award, SHARE_DATE, [u], level) + 0.5 for u in units]  # +0.5: nobody is left at zero weight
        for unit, value in zip(units, largest_remainders(held, city_target)):
            if value >= 1:
                rows.append([unit, indicator, term, value, doc, issued.isoformat(), "县级工业和信息化主管部门"])
    return rows


def write_allocations(world, out: Path, periods: list[str]) -> list[Path]:
    """Write each issue whose month is among `periods`; mtime is the day after issuing."""
    written = []
    for period, _, issued, _ in ISSUES:
        if period not in periods:
            continue
        path = out / f"{ISSUER}-{period}-目标分解.csv"
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows(allocation_rows(world, period))
        path.write_bytes(buf.getvalue().encode("utf-8-sig"))
        when = datetime.combine(issued, time(10, 0), BEIJING).timestamp() + 86400
        os.utime(path, (when, when))
        written.append(path)
    return written
