"""Monthly cuts of the world as submission files: the sheets of one unit and month, their header
dialects, and the CSV writer (xlsx: analysis.demo.xlsx)."""

from __future__ import annotations

import csv
import io
import os
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.demo.base import CORRECTION_DELAY, CSV_UNITS, _day, _mi, _month_end, _period, _ym
from analysis.demo.world import DemoWorld
from analysis.demo.xlsx import _write_xlsx

# Header dialects of some units (all within the contract's forgiving header rules).
STAR_UNITS = {"正定县"}  # required headers marked with a leading *
FULLWIDTH_UNITS = {"城西区"}  # （万元） with full-width brackets
ALIAS_UNITS = {"晋州市"}  # 社会信用代码 instead of 统一社会信用代码
SERIAL_UNITS = {"藁城区", "鹿泉区"}  # extra 序号 / 备注 columns
CODE_REGION_UNITS = {"城中区"}  # 所属地区 written as the 6-digit code

SHEET_COLUMNS = {
    "企业名录": ["统一社会信用代码", "企业名称", "所属地区", "所属集群", "行业代码", "是否规上"],
    "资质认定": ["统一社会信用代码", "资质类型", "级别", "认定日期", "有效期至", "撤销日期", "批次文号"],
    "企业年度财务": [
        "统一社会信用代码",
        "年度",
        "营业收入(万元)",
        "主营业务收入(万元)",
        "研发费用(万元)",
        "职工人数",
        "研发人员数",
        "大专以上学历人数",
        "有效发明专利数",
    ],
    "集群名录": ["集群名称", "所属地区", "主导产业", "集群级别"],
    "集群月度": ["集群名称", "年月", "本年累计营业收入(万元)", "企业数", "规上企业数"],
    "指标填报": ["地区", "年月", "指标", "数值", "单位", "备注"],
    "情况说明": ["地区", "年月", "指标", "进展情况", "存在问题", "下步措施"],
}
REQUIRED = {
    "统一社会信用代码",
    "企业名称",
    "所属地区",
    "资质类型",
    "认定日期",
    "年度",
    "集群名称",
    "年月",
    "本年累计营业收入(万元)",
    "地区",
    "指标",
    "数值",
    "进展情况",
}


class _Writer:
    """Monthly cuts of the world, written as xlsx (a small SpreadsheetML writer, _Xlsx) or CSV."""

    def __init__(self, world: DemoWorld, out: Path, info: dict, correction: tuple[str, int]):
        self.w = world
        self.correction = correction
        self.out = out
        self.info = info
        self.units = {u.name: u for u in world.units}
        self.by_unit = {
            "ent": dict(tuple(world.enterprises.groupby("unit", sort=False))),
            "awards": dict(tuple(world.awards.groupby("unit", sort=False))),
            "fin": dict(tuple(world.finance.groupby("unit", sort=False))),
            "clusters": dict(tuple(world.clusters.groupby("所属地区", sort=False))),
            "cm": dict(tuple(world.cluster_months.groupby("unit", sort=False))),
            "ind": dict(tuple(world.indicators.groupby("unit", sort=False))),
            "notes": dict(tuple(world.notes.groupby("unit", sort=False))),
        }
        sources = {
            "ent": world.enterprises,
            "awards": world.awards,
            "fin": world.finance,
            "clusters": world.clusters,
            "cm": world.cluster_months,
            "ind": world.indicators,
            "notes": world.notes,
        }
        self.empty = {k: v.iloc[0:0] for k, v in sources.items()}
        self.ent_code = world.enterprises["统一社会信用代码"].to_numpy()
        # 规上 status per enterprise over time
        a = world.awards[world.awards["资质类型"] == "规上工业企业"]
        self.above = a[["ent", "grant_day", "revoke_day"]]

    def _get(self, key: str, unit: str) -> pd.DataFrame:
        """The unit's rows of a table (empty when it has none)."""
        return self.by_unit[key].get(unit, self.empty[key])

    # -- sheets of one unit and month

    def sheets(self, unit: str, mi: int, backfill: bool, correction: bool) -> tuple[list, set, set]:
        """The sheets of one file. The file a correction replaces carries two slips (a cluster's
        revenue keyed 3% short, a rate 1.4 points low); the correction has the true values."""
        erroneous = (unit, mi) == self.correction and not correction
        end = _day(_month_end(mi))
        u = self.units.get(unit)
        out = []
        ent_ids: set[int] = set()
        award_ids: set[int] = set()
        if u is not None:
            ent = self._get("ent", unit)
            ent = ent[ent["entry_day"] <= end]
            ent_ids = set(ent["ent"].tolist())
            ab = self.above[(self.above["grant_day"] <= end) & (self.above["revoke_day"] > end)]
            above = set(ab["ent"].tolist())
            region = u.code if (unit in CODE_REGION_UNITS and u.code) else unit
            out.append(self._register(ent, above, region))
            award_sheet, award_ids = self._awards(unit, end)
            out.append(award_sheet)
            out.append(self._finance(unit, mi, ent_ids))
            out.append(self._cluster_list(unit, region))
            out.append(self._cluster_months(unit, mi, backfill, erroneous, ent, above))
        out.append(self._indicators(unit, mi, erroneous))
        notes = self._notes(unit, mi)
        if notes is not None:
            out.append(notes)
        return out, ent_ids, award_ids

    def _register(self, ent: pd.DataFrame, above: set, region: str) -> tuple:
        """企业名录: the full register at the month's end."""
        return (
            "企业名录",
            [
                ent["统一社会信用代码"].tolist(),
                ent["企业名称"].tolist(),
                [region] * len(ent),
                ent["所属集群"].tolist(),
                ent["行业代码"].tolist(),
                ["是" if e in above else "否" for e in ent["ent"].tolist()],
            ],
            ["s", "s", "s", "s", "s", "s"],
        )

    def _awards(self, unit: str, end: int) -> tuple[tuple, set]:
        """资质认定: every award granted by the month's end (revocations show once they happen)."""
        aw = self._get("awards", unit)
        aw = aw[aw["grant_day"] <= end]
        award_ids = set(aw.index.tolist())
        grant = aw["grant_day"].to_numpy().astype(np.int64)
        expiry = np.where(aw["written_expiry"].to_numpy(), aw["expiry_day"].to_numpy(), -1)
        revoke = aw["revoke_day"].to_numpy()
        revoke = np.where(revoke <= end, revoke, -1)
        return (
            "资质认定",
            [
                self.ent_code[aw["ent"].to_numpy()].tolist(),
                aw["资质类型"].tolist(),
                aw["级别"].tolist(),
                grant.tolist(),
                expiry.tolist(),
                revoke.tolist(),
                aw["批次文号"].tolist(),
            ],
            ["s", "s", "s", "d", "d", "d", "s"],
        ), award_ids

    def _finance(self, unit: str, mi: int, ent_ids: set) -> tuple:
        """企业年度财务: the two latest years out (year Y from the April submission of Y+1)."""
        y, m = _ym(mi)
        latest = y - 1 if m >= 4 else y - 2
        fin = self._get("fin", unit)
        fin = fin[fin["年度"].isin((latest - 1, latest)) & fin["ent"].isin(ent_ids)]
        cols = SHEET_COLUMNS["企业年度财务"]
        return (
            "企业年度财务",
            [self.ent_code[fin["ent"].to_numpy()].tolist()] + [fin[c].tolist() for c in cols[1:]],
            ["s"] + ["n"] * 8,
        )

    def _cluster_list(self, unit: str, region: str) -> tuple:
        """集群名录."""
        cl = self._get("clusters", unit)
        return (
            "集群名录",
            [cl["集群名称"].tolist(), [region] * len(cl), cl["主导产业"].tolist(), cl["集群级别"].tolist()],
            ["s"] * 4,
        )

    def _cluster_months(
        self, unit: str, mi: int, backfill: bool, erroneous: bool, ent: pd.DataFrame, above: set
    ) -> tuple:
        """集群月度: the month's row per cluster (back-filled from January of the previous year)."""
        y, _ = _ym(mi)
        cm = self._get("cm", unit)
        lo = _mi(y - 1, 1) if backfill else mi
        cm = cm[(cm["mi"] >= lo) & (cm["mi"] <= mi)].sort_values(["集群名称", "mi"], kind="stable")
        counts = ent.groupby("所属集群").size()
        above_counts = ent[ent["ent"].isin(above)].groupby("所属集群").size()
        vals = cm["本年累计营业收入(万元)"].to_numpy().copy()
        if erroneous and len(cm):
            first_cluster = cm["集群名称"].iloc[0]
            slip = (cm["mi"].to_numpy() == mi) & (cm["集群名称"].to_numpy() == first_cluster)
            vals = np.where(slip, np.round(vals / 1.031, 1), vals)
        return (
            "集群月度",
            [
                cm["集群名称"].tolist(),
                [_period(x) for x in cm["mi"]],
                vals.tolist(),
                [int(counts.get(c, 0)) for c in cm["集群名称"]],
                [int(above_counts.get(c, 0)) for c in cm["集群名称"]],
            ],
            ["s", "s", "n", "n", "n"],
        )

    def _indicators(self, unit: str, mi: int, erroneous: bool) -> tuple:
        """指标填报 of the month."""
        ind = self._get("ind", unit)
        ind = ind[ind["mi"] == mi]
        vals = ind["数值"].tolist()
        if erroneous:
            names = ind["指标"].tolist()
            if "数字化研发设计工具普及率" in names:
                k = names.index("数字化研发设计工具普及率")
                if isinstance(vals[k], float):
                    vals[k] = round(vals[k] - 1.4, 1)
        return (
            "指标填报",
            [
                ind["地区"].tolist(),
                [_period(mi)] * len(ind),
                ind["指标"].tolist(),
                vals,
                ind["单位"].tolist(),
                ind["备注"].tolist(),
            ],
            ["s", "s", "s", "v", "s", "s"],
        )

    def _notes(self, unit: str, mi: int) -> tuple | None:
        """情况说明 of the month (None when the unit has nothing to explain)."""
        notes = self._get("notes", unit)
        notes = notes[notes["mi"] == mi]
        if not len(notes):
            return None
        return (
            "情况说明",
            [
                notes["地区"].tolist(),
                [_period(mi)] * len(notes),
                notes["指标"].tolist(),
                notes["进展情况"].tolist(),
                notes["存在问题"].tolist(),
                notes["下步措施"].tolist(),
            ],
            ["s"] * 6,
        )

    def write(self, unit: str, mi: int, backfill: bool, correction: bool) -> tuple[list[Path], set, set]:
        """Write one unit's month (one xlsx or one CSV per sheet); the files' mtime is the submission time."""
        sheets, ent_ids, award_ids = self.sheets(unit, mi, backfill, correction)
        period = _period(mi)
        when, kind = self.info[(unit, mi)]
        if correction:
            when, kind = when + CORRECTION_DELAY, "更正"
        encoding = CSV_UNITS.get(unit)
        if encoding:
            paths_ = []
            for name, cols, types in sheets:
                path = self.out / f"{unit}-{period}-{name}.csv"
                _write_csv(path, self._headers(unit, name), cols, types, encoding)
                paths_.append(path)
        else:
            stem = f"{unit}-{period}（更正）" if correction else f"{unit}-{period}"
            path = self.out / f"{stem}.xlsx"
            _write_xlsx(
                path,
                unit,
                period,
                when,
                kind,
                [(n, self._headers(unit, n), c, t) for n, c, t in sheets],
                serial=unit in SERIAL_UNITS,
                correction=correction,
            )
            paths_ = [path]
        ts = when.timestamp()
        for p in paths_:
            os.utime(p, (ts, ts))
        return paths_, ent_ids, award_ids

    @staticmethod
    def _headers(unit: str, sheet: str) -> list[str]:
        """A sheet's headers in the unit's dialect."""
        out = []
        for h in SHEET_COLUMNS[sheet]:
            if unit in ALIAS_UNITS and h == "统一社会信用代码":
                h = "社会信用代码"
            if unit in FULLWIDTH_UNITS:
                h = h.replace("(", "（").replace(")", "）")
            if unit in STAR_UNITS and h in REQUIRED:
                h = "*" + h
            out.append(h)
        return out


def _cell_text(v, t) -> str:
    """A cell as CSV text: dates ISO, floats to two decimals at most, missing values empty."""
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if t == "d":
        return "" if v < 0 else (date(1970, 1, 1) + timedelta(days=int(v))).isoformat()
    if isinstance(v, float):
        return f"{v:.2f}".rstrip("0").rstrip(".") if not v.is_integer() else str(int(v))
    return str(v)


def _write_csv(path: Path, headers: list[str], cols: list[list], types: list[str], encoding: str) -> None:
    """One sheet as a CSV file (CRLF line ends) in the unit's encoding."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headers)
    n = len(cols[0]) if cols else 0
    for i in range(n):
        w.writerow([_cell_text(c[i], t) for c, t in zip(cols, types, strict=True)])
    path.write_bytes(buf.getvalue().encode(encoding))
