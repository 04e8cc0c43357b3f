"""Build small stores from rows written in the test, without spreadsheets."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from analysis.store.history import Store
from analysis.submissions.validate import Submission

DATE_COLUMNS = {"认定日期", "有效期至", "撤销日期", "下达日期"}


def _table(sheet: str, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for col in DATE_COLUMNS & set(frame.columns):
        frame[col] = pd.to_datetime(frame[col])
    frame["_sheet"] = sheet
    frame["_row"] = range(2, len(frame) + 2)
    return frame


def submission(period: str, unit: str, **sheets: list[dict]) -> Submission:
    """A submission of one unit (or, for 目标分解, of the level issuing to its units): sheet name -> rows
    (each row needs 地区)."""
    tables = {name: _table(name, rows) for name, rows in sheets.items()}
    digest = hashlib.sha256(
        json.dumps([period, unit, {k: v for k, v in sheets.items()}], default=str, ensure_ascii=False).encode()
    ).hexdigest()
    return Submission(
        path=Path(f"{unit}-{period}.xlsx"),
        file_name=f"{unit}-{period}.xlsx",
        sha256=digest,
        period=period,
        tables=tables,
        units={unit, *(r["地区"] for r in sheets.get("目标分解", []))},
    )


def award(
    code: str,
    unit: str,
    kind: str,
    granted: str,
    level: str | None = None,
    until: str | None = None,
    revoked: str | None = None,
) -> dict:
    return {
        "统一社会信用代码": code,
        "资质类型": kind,
        "级别": level,
        "认定日期": granted,
        "有效期至": until,
        "撤销日期": revoked,
        "地区": unit,
    }


def enterprise(code: str, unit: str, name: str | None = None) -> dict:
    return {"统一社会信用代码": code, "企业名称": name or f"企业{code[-4:]}", "所属地区": unit, "地区": unit}


def report(region: str, month: str, indicator: str, value: float) -> dict:
    return {"地区": region, "年月": month, "指标": indicator, "数值": value}


def allocation(
    region: str, indicator: str, term: int, value: float, doc: str = "石工信〔2023〕1号", issued: str = "2023-02-15"
) -> dict:
    """One 目标分解 row: a target issued to `region`."""
    return {"地区": region, "指标": indicator, "期限": term, "目标值": value, "下达文号": doc, "下达日期": issued}


def store_with(tmp_path: Path, submissions: list[Submission], location: str | None = None) -> Store:
    """A store (at `location`, else a folder in tmp_path) holding `submissions`, added in order."""
    store = Store(location or tmp_path / "store")
    for sub in submissions:
        store.add(sub)
    return store


def note(region: str, month: str, indicator: str, progress: str, problems: str = "", steps: str = "") -> dict:
    """One 情况说明 row: a unit's own words on an indicator."""
    return {
        "地区": region,
        "年月": month,
        "指标": indicator,
        "进展情况": progress,
        "存在问题": problems,
        "下步措施": steps,
    }


def complete_coverage(store: Store, region: str, period: str) -> Store:
    """Every county-level unit under `region` that has sent no register by `period` sends an empty 企业名录 for
    it (nothing to list): a count of the region then covers all its units and is judged (docs/methodology.md)."""
    from analysis.catalog.regions import load_regions

    parts = store.parts()
    sent = set(parts.loc[parts["sheet"].isin(("企业名录", "资质认定")) & (parts["period"] <= period), "unit"])
    for unit in load_regions().units_under(region):
        if unit.name not in sent:
            store.empty("企业名录", unit.name, period)
    return store
