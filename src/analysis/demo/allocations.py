"""Issued target allocations (目标分解): the tables a level sends the units below it.

石家庄市 issues its counties, and 河北省 its 13 reporting units (11 cities, 定州市 and 辛集市), a
whole-number share of its plan's main targets at the start of the plan (2023-02: the 2025 stock
targets and the 2023 yearly ones; 石家庄市 also its 2023 stock targets) and again each February for
that year's yearly targets. Shares follow each unit's holdings at the end of 2022 (largest
remainders, so that the issued targets add up to the issuer's); a unit whose share rounds to 0 gets
no row. Written as UTF-8 CSV files `石家庄市-YYYY-MM-目标分解.csv` and `河北省-YYYY-MM-目标分解.csv`.

In the small demo 河北省 has only some of its units simulated: the units that are not count with
their expected holdings (their strength times the plans' intensity, as --size province would give
them), and only the reporting units with simulated units get rows, so that 石家庄市's provincial
share is what it would be in the whole province.
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
from analysis.demo.plans import REST_INTENSITY
from analysis.demo.regions import BASE_GROUP, PROVINCE_GROUPS, _units

ISSUER = "石家庄市"
# (period, 文号, 下达日期, [(indicator, award type, level, 期限, the city's target)])
# (period, document number, issue date, [(indicator, award type, level, term, target)])
_Issue = tuple[str, str, date, list[tuple[str, str, str | None, int, int]]]
ISSUES: list[_Issue] = [
    (
        "2023-02",
        "石工信〔2023〕8号",
        date(2023, 2, 20),
        [
            ("专精特新中小企业", "专精特新中小企业", None, 2023, 580),
            ("专精特新中小企业", "专精特新中小企业", None, 2025, 750),
            ("专精特新“小巨人”企业", "专精特新小巨人", "国家级", 2023, 75),
            ("专精特新“小巨人”企业", "专精特新小巨人", "国家级", 2025, 105),
            ("高新技术企业", "高新技术企业", None, 2023, 20),
            ("创新型中小企业", "创新型中小企业", None, 2023, 500),
        ],
    ),
    (
        "2024-02",
        "石工信〔2024〕6号",
        date(2024, 2, 22),
        [
            ("高新技术企业", "高新技术企业", None, 2024, 20),
            ("创新型中小企业", "创新型中小企业", None, 2024, 500),
        ],
    ),
    (
        "2025-02",
        "石工信〔2025〕4号",
        date(2025, 2, 21),
        [
            ("高新技术企业", "高新技术企业", None, 2025, 20),
            ("创新型中小企业", "创新型中小企业", None, 2025, 500),
        ],
    ),
]
# 河北省's allocation of its plan (hebei-province-2022-leaders): 专精特新 5,000 and “小巨人” 500 by
# 2025, 高新技术企业 100 and 创新型中小企业 5,000 a year. The 文号 and dates are demo values, not
# real documents; the province issues a week or two before the city.
PROVINCE_ISSUER = "河北省"
PROVINCE_ISSUES: list[_Issue] = [
    (
        "2023-02",
        "冀工信〔2023〕15号",
        date(2023, 2, 14),
        [
            ("专精特新中小企业", "专精特新中小企业", None, 2025, 5000),
            ("专精特新“小巨人”企业", "专精特新小巨人", "国家级", 2025, 500),
            ("高新技术企业", "高新技术企业", None, 2023, 100),
            ("创新型中小企业", "创新型中小企业", None, 2023, 5000),
        ],
    ),
    (
        "2024-02",
        "冀工信〔2024〕11号",
        date(2024, 2, 6),
        [
            ("高新技术企业", "高新技术企业", None, 2024, 100),
            ("创新型中小企业", "创新型中小企业", None, 2024, 5000),
        ],
    ),
    (
        "2025-02",
        "冀工信〔2025〕9号",
        date(2025, 2, 13),
        [
            ("高新技术企业", "高新技术企业", None, 2025, 100),
            ("创新型中小企业", "创新型中小企业", None, 2025, 5000),
        ],
    ),
]
RESPONSIBLE = {ISSUER: "县级工业和信息化主管部门", PROVINCE_ISSUER: "市级工业和信息化主管部门"}
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
    """The rows of 石家庄市's table issued in `period` (empty when nothing is issued that month)."""
    issue = next((i for i in ISSUES if i[0] == period), None)
    if issue is None:
        return []
    _, doc, issued, items = issue
    under = {u.name for u in load_regions().units_under(ISSUER)}
    units = [u.name for u in world.units if u.name in under]
    rows = []
    for indicator, award, level, term, city_target in items:
        held = [
            world.valid_at(award, SHARE_DATE, [u], level) + 0.5 for u in units
        ]  # +0.5: nobody is left at zero weight
        for unit, value in zip(units, largest_remainders(held, city_target), strict=True):
            if value >= 1:
                rows.append([unit, indicator, term, value, doc, issued.isoformat(), RESPONSIBLE[ISSUER]])
    return rows


def province_allocation_rows(world, period: str) -> list[list]:
    """The rows of 河北省's table issued in `period`: one per reporting unit with simulated units
    and a target of at least 1, per indicator and term."""
    issue = next((i for i in PROVINCE_ISSUES if i[0] == period), None)
    if issue is None:
        return []
    _, doc, issued, items = issue
    reg = load_regions()
    simulated = {u.name for u in world.units}
    reporters = []  # (reporting unit, its simulated units)
    for child in reg.children(PROVINCE_ISSUER):
        mine = [r.name for r in reg.units_under(child.name) if r.name in simulated]
        if mine:
            reporters.append((child.name, mine))
    rows = []
    for indicator, award, level, term, target in items:
        held = [world.valid_at(award, SHARE_DATE, mine, level) + 0.5 for _, mine in reporters]
        rest = _expected_elsewhere(world, award, level)  # 0 when every unit is simulated
        values = largest_remainders(held + [rest], target)[:-1]
        for (name, _), value in zip(reporters, values, strict=True):
            if value >= 1:
                rows.append([name, indicator, term, value, doc, issued.isoformat(), RESPONSIBLE[PROVINCE_ISSUER]])
    return rows


def _expected_elsewhere(world, award: str, level: str | None) -> float:
    """The expected holdings at SHARE_DATE of 河北省's units the world does not simulate: the base
    group's holdings per unit of strength times each unit's strength and the plans' intensity."""
    group = PROVINCE_GROUPS[PROVINCE_ISSUER]
    simulated = {u.name for u in world.units}
    others = [u for u in _units(world.seed, "province") if u.group == group and u.name not in simulated]
    if not others:
        return 0.0
    base = [u for u in world.units if u.group == BASE_GROUP[group]]
    per_strength = world.valid_at(award, SHARE_DATE, [u.name for u in base], level) / sum(u.strength for u in base)
    return per_strength * REST_INTENSITY[group].get(award, 0.0) * sum(u.strength for u in others)


def write_allocations(world, out: Path, periods: list[str]) -> list[Path]:
    """Write each issue (石家庄市's, then 河北省's) whose month is among `periods`; mtime is the day
    after issuing. A table without rows is not written."""
    written = []
    for issuer, issues, rows_of in (
        (ISSUER, ISSUES, allocation_rows),
        (PROVINCE_ISSUER, PROVINCE_ISSUES, province_allocation_rows),
    ):
        for period, _, issued, _ in issues:
            if period not in periods:
                continue
            rows = rows_of(world, period)
            if not rows and issuer == PROVINCE_ISSUER:
                continue
            path = out / f"{issuer}-{period}-目标分解.csv"
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\r\n")
            writer.writerow(HEADERS)
            writer.writerows(rows)
            path.write_bytes(buf.getvalue().encode("utf-8-sig"))
            when = datetime.combine(issued, time(10, 0), BEIJING).timestamp() + 86400
            os.utime(path, (when, when))
            written.append(path)
    return written
