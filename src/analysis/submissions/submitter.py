"""Who may submit for whom: a file carries rows only of its submitting unit and the units under it.

The submitter (填报单位) is declared in the 填报说明 sheet (a 填报单位 label), or is the unit the file's
name begins with (新乐市-2025-09.xlsx, 石家庄市-2023-02-目标分解.csv); undeclared, it is the one
county-level unit the rows name. A county's file carrying another county's rows — the stray row that used
to wipe that county's sheets — or an undeclared file naming units of two counties is refused, naming the
units. A city's or a province's file may carry its units' rows (a city forwarding its counties' data, or
issuing their targets).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis.catalog.regions import load_regions
from analysis.submissions import contract, readers

SUBMITTER_LABELS = frozenset(contract.normalise_header(x) for x in ("填报单位", "报送单位", "填报单位名称"))


def declared_submitter(path: Path, instructions: pd.DataFrame | None) -> str | None:
    """The submitting region a file names: its 填报说明's 填报单位, else the region its file name begins with."""
    registry = load_regions()
    if instructions is not None:
        for values in instructions.head(30).itertuples(index=False, name=None):
            cells = [readers.clean(v) for v in values]
            for j, value in enumerate(cells):
                if value is not None and contract.normalise_header(value).rstrip(":：") in SUBMITTER_LABELS:
                    named = next((c for c in cells[j + 1 :] if c is not None), None)
                    region = registry.resolve(str(named)) if named is not None else None
                    if region is not None:
                        return region.name
    lead = re.split(r"[-_（(\s]", Path(path).stem, maxsplit=1)[0]
    region = registry.resolve(lead) if lead else None
    return region.name if region is not None else None


def submitter_problem(file_name: str, submitter: str | None, units: set[str]) -> str | None:
    """Why the file may not carry these units' rows (None: it may)."""
    registry = load_regions()
    if submitter is not None:
        foreign = sorted(
            u
            for u in units
            if u != submitter
            and not (u in registry.regions and any(a.name == submitter for a in registry.ancestors(u)))
        )
        if foreign:
            return (
                f"填报单位为“{submitter}”，文件中却有其他单位的数据（{'、'.join(foreign)}）；"
                "一个单位的文件只能报送本单位及所辖单位的数据，请删去这些行或由相应单位报送"
            )
        return None
    counties = sorted(u for u in units if (r := registry.resolve(u)) is not None and r.is_unit)
    if len(counties) > 1:
        return (
            f"文件中有多个县级单位的数据（{'、'.join(counties)}），无法确定填报单位；"
            f"请在“{contract.INSTRUCTIONS_SHEET}”表填写“填报单位”，或按单位分别报送"
        )
    return None
